"""``xlcomp close``, ``xlcomp ledger show``, ``xlcomp ledger export`` and ``xlcomp diff`` (SPEC section 9)."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from xlcomp.cli import app, console, err_console
from xlcomp.cli.core import (
    AccountsOpt,
    ChangesOpt,
    MovesOpt,
    PeriodOpt,
    PlansOpt,
    RosterOpt,
    SplitsOpt,
    print_dating_notes,
)
from xlcomp.outputs import OutputSet
from xlcomp.run_inputs import RUN_INPUTS

DbOpt = Annotated[str | None, typer.Option("--db", help="Ledger database: an SQLAlchemy URL (sqlite:///ledger.sqlite, "
                                                        "postgresql+psycopg://user@host/db).")]

PlanIdOpt = Annotated[str | None, typer.Option("--plan", help="Plan id (default: the only plan in the ledger).")]

ledger_app = typer.Typer(name="ledger", help="Read the ledger of closed periods.", no_args_is_help=True,
                         add_completion=False, rich_markup_mode="rich")
app.add_typer(ledger_app, name="ledger")


def default_db(out: Path) -> str:
    """``sqlite:///…/ledger.sqlite`` in the output folder's parent."""
    return f"sqlite:///{(out.resolve().parent / 'ledger.sqlite').as_posix()}"


@app.command()
def close(
    plan: PlansOpt,
    roster: RosterOpt,
    accounts: AccountsOpt,
    period: PeriodOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    adjustments: Annotated[Path | None, typer.Option("--adjustments", help="Adjustments CSV (csm_id, amount, reason, "
                                                                           "component, approved_by).")] = None,
    churn: Annotated[Path | None, typer.Option("--churn", help="Churned accounts CSV (account_id, churn_date): "
                                                               "claws back their shares.")] = None,
    db: DbOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="Who closes (default: the login name).")] = None,
    reopen: Annotated[bool, typer.Option("--reopen", help="Record a new version of a closed period.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why a closed period is reopened.")] = None,
    workbook: Annotated[bool, typer.Option("--workbook/--no-workbook", help="Also write the Excel workbook.")] = True,
    statements: Annotated[bool, typer.Option("--statements/--no-statements", help="Also write one statement per "
                                             "CSM into OUT/statements (ledger lines, year to date, balance).")] = False,
    pdf: Annotated[bool, typer.Option("--pdf/--no-pdf", help="With --statements: PDF as well as HTML.")] = True,
    changes: ChangesOpt = None,
    moves: MovesOpt = None,
    splits: SplitsOpt = None,
) -> None:
    """Close a period into the ledger: the calc outputs plus its ledger lines and balances, recorded for good."""
    from xlcomp.ledger import CloseInputs, close_period, open_ledger
    from xlcomp.ledger.close import Closed
    from xlcomp.ledger.outputs import close_payouts_csv, close_summary_csv
    from xlcomp.load.plan_versions import plan_files

    started = time.perf_counter()
    files = plan_files(plan)   # plan versions: the first file, then plan_2, …
    engine = open_ledger(db or default_db(out))
    inputs = CloseInputs(files[0], roster, accounts, period, adjustments, churn, by or "", reopen, reason, changes,
                         moves, splits, tuple(files[1:]))
    # the statements embed the plan's YAML: one file's as read; plan versions: each version's, from its file
    plan_text = files[0].read_text(encoding="utf-8-sig") if len(files) == 1 else None
    with OutputSet() as outputs:
        def stage(closed: Closed) -> None:
            outputs.add(out / "payouts.csv", close_payouts_csv(closed))
            outputs.add(out / "summary.csv", close_summary_csv(closed))
            outputs.add(out / RUN_INPUTS, closed.inputs)   # paths and hashes, computed once by the close
            if workbook:   # with a Ledger sheet: the lines carried in, the year to date, the balances
                from xlcomp.ledger.panels import ledger_panels
                from xlcomp.workbook.writer import stage_workbook

                stage_workbook(outputs, closed.run, out, ledger=ledger_panels(closed))
            if statements:   # the ledger passes plain panels; the statements never import the ledger
                from xlcomp.ledger.panels import ledger_panels
                from xlcomp.statements.ledger_view import stage_statements

                stage_statements(outputs, closed.run, out / "statements", ledger=ledger_panels(closed), pdf=pdf,
                                 plan_text=plan_text)

        closed = close_period(engine, inputs, stage=stage)
        written = outputs.commit()
    engine.dispose()
    elapsed = time.perf_counter() - started
    currency = closed.plan.currency
    what = "reopened as version" if closed.version > 1 else "closed, version"
    console.print(f"[green]✓[/green] {closed.plan.id} {closed.period.label} {what} {closed.version} by "
                  f"{closed.closed_by}: {len(closed.csms):,} CSMs, {len(closed.line_columns):,} lines, "
                  f"gross {currency} {closed.gross:,.2f}, payable {currency} {closed.payable:,.2f} in {elapsed:.1f}s",
                  highlight=False)
    for ref in closed.carried:
        console.print(f"  carried the differences of {ref} as prior_period lines", highlight=False)
    for notice in closed.notices:
        console.print(f"  [yellow]![/yellow] {notice}", highlight=False, soft_wrap=True)
    for path in written:
        console.print(f"  {path}", highlight=False)
    print_dating_notes(closed.run)


@ledger_app.command("show")
def show(
    db: DbOpt = None,
    plan_id: PlanIdOpt = None,
    period: Annotated[str | None, typer.Option("--period", help="Only this period (latest version, or "
                                                                "2027-Q1@2).")] = None,
    csm: Annotated[list[str] | None, typer.Option("--csm", help="Only these CSMs.")] = None,
) -> None:
    """Show the ledger per CSM: each period's lines, gross, payable and balance."""
    from xlcomp.ledger import open_ledger
    from xlcomp.ledger.view import ledger_view

    engine = open_ledger(db or default_db(Path("out")), create=False)
    view = ledger_view(engine, plan_id, period)
    engine.dispose()
    wanted = set(csm or [])
    for entry in view.csms:
        if wanted and entry.csm_id not in wanted:
            continue
        table = Table(title=f"{entry.csm_id} {entry.name}", title_justify="left", show_lines=False)
        for column in ("period", "kind", "component", "amount", "note"):
            table.add_column(column, justify="right" if column == "amount" else "left", overflow="fold")
        for period_row in entry.periods:
            for line in period_row.lines:
                table.add_row(period_row.ref, line.kind, line.component, f"{line.payout:,.2f}", line.note)
            table.add_row(period_row.ref, "", "[bold]gross[/bold]", f"[bold]{period_row.gross:,.2f}[/bold]",
                          f"balance in {period_row.balance_in:,.2f}, draw {period_row.draw:,.2f}, payable "
                          f"{period_row.payable:,.2f}, balance out {period_row.balance_out:,.2f}", end_section=True)
        table.caption = (f"paid to date {view.currency} {entry.paid_to_date:,.2f}; balance owed "
                         f"{view.currency} {entry.balance:,.2f}")
        console.print(table)
    if not view.csms:
        err_console.print("the ledger has no closed periods for this plan yet")


@ledger_app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="Workbook to write (.xlsx).")],
    db: DbOpt = None,
    plan_id: PlanIdOpt = None,
) -> None:
    """Write the ledger as a workbook: the Ledger table, paid to date and balance per CSM (live formulas), a chart."""
    from xlcomp.ledger import open_ledger
    from xlcomp.ledger.export import write_ledger_workbook
    from xlcomp.ledger.view import ledger_view

    engine = open_ledger(db or default_db(out.parent / "out"), create=False)
    view = ledger_view(engine, plan_id, None)
    engine.dispose()
    with OutputSet() as outputs:
        outputs.add(out, lambda path: write_ledger_workbook(view, path))
        written = outputs.commit()
    console.print(f"[green]✓[/green] {view.plan_id}: {len(view.csms):,} CSMs, {view.line_count:,} lines",
                  highlight=False)
    for path in written:
        console.print(f"  {path}", highlight=False)


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="Before: an output folder of calc/close, or ledger:2027-Q1@1.")],
    b: Annotated[str, typer.Argument(help="After: an output folder of calc/close, or ledger:2027-Q1@2.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for diff.csv and diff.xlsx.")] = Path("diff"),
    db: DbOpt = None,
) -> None:
    """Explain each CSM's change of pay between two results by cause: plan, roster, accounts (each recomputed),
    adjustments, ledger lines."""
    import csv
    import io
    from collections import defaultdict

    from xlcomp.ledger.diff import DIFF_COLUMNS, changed_inputs, diff_csv_rows, explain, read_side, write_diff_workbook
    from xlcomp.outputs import escape_text

    before, after = read_side(a, db), read_side(b, db)
    rows, recomputed = explain(before, after)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DIFF_COLUMNS)
    for record in diff_csv_rows(rows):
        writer.writerow([escape_text(record[c]) if c in ("csm_id", "component") else record[c] for c in DIFF_COLUMNS])
    with OutputSet() as outputs:
        outputs.add(out / "diff.csv", buffer.getvalue())
        outputs.add(out / "diff.xlsx", lambda path: write_diff_workbook(rows, before, after, path))
        written = outputs.commit()
    inputs = changed_inputs(before, after)
    if inputs:
        console.print(f"inputs changed: {', '.join(inputs)}", highlight=False)
    if not recomputed:
        console.print("(not recomputed step by step: a side does not record its inputs (a folder without "
                      "inputs.json, or a ledger version closed by an older xlcomp); changes put down to line kinds)",
                      highlight=False)
    by_cause: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        by_cause[row.cause] += row.delta
    for cause, amount in sorted(by_cause.items(), key=lambda item: -abs(item[1])):
        console.print(f"  {cause:<22} {amount:+,.2f}", highlight=False)
    table = Table("csm_id", "cause", "component", "before", "after", "delta", title=f"{a} → {b}")
    for row in sorted(rows, key=lambda r: -abs(r.delta))[:50]:
        table.add_row(row.csm_id, row.cause, row.component, f"{row.before:,.2f}", f"{row.after:,.2f}",
                      f"{row.delta:+,.2f}")
    console.print(table)
    total = sum((r.delta for r in rows), Decimal(0))
    console.print(f"{len(rows):,} changes, total {total:+,.2f}", highlight=False)
    for path in written:
        console.print(f"  {path}", highlight=False)
