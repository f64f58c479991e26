"""``xlcomp calc``, ``check``, ``sample`` and ``demo``."""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from xlcomp import api
from xlcomp.cli import app, console, err_console
from xlcomp.engine.run import RunResult, run
from xlcomp.errors import UsageError
from xlcomp.load.changes import load_dating
from xlcomp.load.inputs import load_inputs
from xlcomp.model.period import parse_period
from xlcomp.outputs import OutputSet, payouts_csv, summary_csv
from xlcomp.roi.lint import lint_inputs, lint_plan, lint_run
from xlcomp.workbook.writer import stage_workbook

PlanOpt = Annotated[Path, typer.Option("--plan", "-p", help="Plan YAML file.")]
RosterOpt = Annotated[Path, typer.Option("--roster", "-r", help="Roster: CSV, or .xlsx with a Roster table/sheet.")]
AccountsOpt = Annotated[Path, typer.Option("--accounts", "-a",
                                           help="Accounts: CSV, or .xlsx with an Accounts table/sheet.")]
PeriodOpt = Annotated[str, typer.Option("--period", help="2027-03 (month), 2027-Q1, 2027-H1 or 2027 (year).")]
ChangesOpt = Annotated[Path | None, typer.Option(
    "--changes", help="Roster changes with effective dates: CSV (csm_id, field, value, effective) or .xlsx with a "
                      "Changes table.")]
LARGE_BOOK = 100_000


def _progress(enabled: bool) -> Progress | nullcontext[None]:
    if not enabled:
        return nullcontext()
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
                    "{task.total}"), TimeElapsedColumn(), console=err_console, transient=True)


def compute(plan_path: Path, roster: Path, accounts: Path, period_text: str, *, show_progress: bool | None = None,
            changes: Path | None = None) -> RunResult:
    """Load, validate and run, with a progress bar on large books (``changes``: roster changes, SPEC 10)."""
    period = parse_period(period_text)
    plan = api.as_plan(plan_path)
    large = show_progress if show_progress is not None else (
        accounts.exists() and accounts.stat().st_size > 8 * LARGE_BOOK)
    with _progress(bool(large)) as progress:
        if progress is None:
            roster_model, book = load_inputs(plan, roster, accounts)
            return run(plan, roster_model, book, period, changes=load_dating(changes, roster_model, period, plan))
        task = progress.add_task("reading roster and accounts", total=None)
        roster_model, book = load_inputs(plan, roster, accounts)
        dating = load_dating(changes, roster_model, period, plan)
        progress.update(task, description=f"computing {len(roster_model):,} CSMs", total=len(roster_model),
                        completed=0)
        result = run(plan, roster_model, book, period, progress=lambda n: progress.advance(task, n),
                     changes=dating)
        progress.update(task, completed=len(roster_model))
        return result


def print_dating_notes(result: RunResult) -> None:
    """Say which roster changes were applied from the period's start and which were ignored after its end."""
    if result.changes is None:
        return
    for note in result.changes.notes:
        err_console.print(f"[yellow]![/yellow] {escape(note)}", highlight=False, markup=True, soft_wrap=True)


@app.command()
def calc(
    plan: PlanOpt,
    roster: RosterOpt,
    accounts: AccountsOpt,
    period: PeriodOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    workbook: Annotated[bool, typer.Option("--workbook/--no-workbook", help="Also write the Excel workbook.")] = True,
    protect_password: Annotated[str | None, typer.Option(help="Password for the protected sheets.")] = None,
    changes: ChangesOpt = None,
) -> None:
    """Compute a period's payouts: payouts.csv, summary.csv and the workbook."""
    started = time.perf_counter()
    result = compute(plan, roster, accounts, period, changes=changes)
    with OutputSet() as outputs:
        outputs.add(out / "payouts.csv", payouts_csv(result))
        outputs.add(out / "summary.csv", summary_csv(result))
        book = stage_workbook(outputs, result, out, protect_password) if workbook else None
        written = outputs.commit()
    elapsed = time.perf_counter() - started
    console.print(f"[green]✓[/green] {result.plan.id} {result.period.label}: {len(result.csms):,} CSMs, "
                  f"{len(result.book):,} accounts, total {result.plan.currency} {result.total:,.2f} "
                  f"in {elapsed:.1f}s", highlight=False)
    for path in written:
        console.print(f"  {path}", highlight=False)
    print_dating_notes(result)
    if workbook and book is None:
        console.print("  (workbook writer not available in this build)")


@app.command()
def check(
    plan: Annotated[Path, typer.Argument(help="Plan YAML file.")],
    roster: Annotated[Path | None, typer.Option("--roster", "-r", help="Also check a roster against the plan.")] = None,
    accounts: Annotated[Path | None, typer.Option("--accounts", "-a", help="Also check accounts.")] = None,
    period: Annotated[str | None, typer.Option(help="Period for data-based warnings.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings give exit code 1.")] = False,
) -> int:
    """Validate a plan (and optionally inputs); print design warnings against the benchmarks."""
    plan_model = api.as_plan(plan)
    data_findings = []
    if roster is not None and accounts is not None:
        roster_model, book = load_inputs(plan_model, roster, accounts)
        if period is not None:
            data_findings = lint_run(run(plan_model, roster_model, book, parse_period(period)))
        else:
            data_findings = lint_inputs(plan_model, roster_model, book)
    elif roster is not None or accounts is not None:
        raise UsageError("give both --roster and --accounts, or neither")
    elif period is not None:
        raise UsageError("--period checks the plan on data: give --roster and --accounts too")
    findings = lint_plan(plan_model) + data_findings
    console.print(f"[green]✓[/green] {plan} is a valid plan: {plan_model.id}, {len(plan_model.components)} "
                  f"components, paid per {plan_model.period.value} (hash {plan_model.short_digest})", highlight=False)
    for finding in findings:
        console.print(f"[yellow]![/yellow] {finding}", highlight=False, soft_wrap=True)
    if findings:
        console.print(f"{len(findings)} warning{'s' if len(findings) != 1 else ''}")
    return 1 if strict and findings else 0


@app.command()
def sample(
    csms: Annotated[int, typer.Option(min=1, help="Number of CSMs.")] = 40,
    accounts: Annotated[int, typer.Option(min=0, help="Number of accounts.")] = 2000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 7,
    period: Annotated[str, typer.Option(help="Period the hires and leavers fall in.")] = "2027-Q1",
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("."),
) -> None:
    """Write a realistic synthetic roster.csv and accounts.csv."""
    from xlcomp.demo.sample import sample_book

    roster_df, accounts_df = sample_book(csms, accounts, seed, period)
    with OutputSet() as outputs:
        outputs.add(out / "roster.csv", lambda p: roster_df.to_csv(p, index=False))
        outputs.add(out / "accounts.csv", lambda p: accounts_df.to_csv(p, index=False))
        written = outputs.commit()
    for path in written:
        console.print(f"[green]✓[/green] {path}", highlight=False)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the example project.")] = Path(
        "workbooks/demo"),
    period: Annotated[str, typer.Option(help="Period to run.")] = "2027-Q1",
    statements: Annotated[bool, typer.Option("--statements/--no-statements",
                                             help="Also write every CSM's statement (HTML and PDF).")] = True,
) -> None:
    """Write an example project (a plan per archetype, roster, book) and its results, workbooks and statements."""
    from xlcomp.demo.project import write_demo

    summary = write_demo(out, period, statements=statements)
    table = Table("plan", "CSMs", "total", title=f"xlcomp demo, {period}")
    table.add_column("folder", overflow="fold")
    for row in summary:
        table.add_row(row.plan_id, f"{row.csms:,}", f"{row.currency} {row.total:,.2f}", str(row.folder))
    console.print(table)
    console.print(f"[green]✓[/green] the demo's workbooks are under {out.resolve()}", highlight=False)
