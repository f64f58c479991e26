"""``xlcomp statements``, ``verify`` and ``letters``."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from xlcomp import api
from xlcomp.cli import app, console, err_console
from xlcomp.cli.core import (
    AccountsOpt,
    AdjustmentsOpt,
    ChangesOpt,
    DecimalCommaOpt,
    MovesOpt,
    PeriodOpt,
    PlanOpt,
    RosterOpt,
    SplitsOpt,
    compute,
)
from xlcomp.cli.progress import Steps, steps
from xlcomp.errors import UsageError
from xlcomp.outputs import check_out_folder

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder.")]
PdfOpt = Annotated[bool, typer.Option("--pdf/--no-pdf", help="Also print each document to PDF (WeasyPrint).")]
CsmOpt = Annotated[list[str] | None, typer.Option("--csm", help="Only this CSM (repeat for more).")]
WorkersOpt = Annotated[int | None, typer.Option(min=1, help="PDF printing processes (default: one per core for "
                                                            "large runs).")]


@contextlib.contextmanager
def _progress(bar: Steps, count: int, what: str) -> Iterator[Callable[[int, int], None]]:
    """A step counting documents (on a terminal); yields its update function."""
    with bar.step(what, total=count):
        yield lambda done, total: bar.report(what, done, total)


def _issue_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f'--date "{text}" is not a date (use YYYY-MM-DD)') from None


@app.command()
def statements(
    plan: PlanOpt,
    roster: RosterOpt,
    accounts: AccountsOpt,
    period: PeriodOpt,
    out: OutOpt = Path("statements"),
    pdf: PdfOpt = True,
    csm: CsmOpt = None,
    issued: Annotated[str | None, typer.Option("--date", help="Issue date printed on the statements "
                                                              "(YYYY-MM-DD; default today).")] = None,
    workers: WorkersOpt = None,
    adjustments: AdjustmentsOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    changes: ChangesOpt = None,
    moves: MovesOpt = None,
    splits: SplitsOpt = None,
) -> None:
    """One statement per CSM (HTML and PDF): every payout's derivation, and the inputs to verify it."""
    from xlcomp.statements import write_statements

    started = time.perf_counter()
    day = _issue_date(issued)
    check_out_folder(out)
    with steps() as bar:
        result = compute(plan, roster, accounts, period, progress=bar, adjustments=adjustments,
                         decimal_comma=decimal_comma, changes=changes, moves=moves, splits=splits)
        what = "statements (HTML and PDF)" if pdf else "statements (HTML)"
        with _progress(bar, len(csm) if csm else len(result.csms), what) as report:
            written = write_statements(result, out, pdf=pdf, issued=day, csm_ids=csm, workers=workers,
                                       progress=report)
    count = sum(1 for p in written if p.suffix == ".html" and p.name != "index.html")
    console.print(f"[green]✓[/green] {count:,} statements for {result.plan.id} {result.period.label}"
                  f"{' (HTML and PDF)' if pdf else ' (HTML)'} in {time.perf_counter() - started:.1f}s → "
                  f"{out / 'index.html'}", highlight=False, soft_wrap=True)


@app.command()
def verify(
    statement: Annotated[list[Path], typer.Argument(help="Statement files (.html or .pdf) to check.")],
    plan: Annotated[Path | None, typer.Option("--plan", "-p", help="Recompute with this plan file instead of "
                                                                   "the one the statement carries.")] = None,
    roster: Annotated[Path | None, typer.Option("--roster", "-r", help="Recompute from this roster (with "
                                                                       "--accounts).")] = None,
    accounts: Annotated[Path | None, typer.Option("--accounts", "-a", help="Recompute from these accounts "
                                                                           "(with --roster).")] = None,
) -> int:
    """Recompute statements from their inputs: exit 0 when every one still holds, 1 when one does not."""
    from xlcomp.statements.verify import LoadedInputs, verify_statement

    if (roster is None) != (accounts is None):
        raise UsageError("give both --roster and --accounts, or neither")
    failed = 0
    loaded: LoadedInputs = {}
    if len(statement) > 1:  # st/*.html names the folder's index too: it lists statements, it is not one
        skipped = [p for p in statement if p.name.lower() == "index.html"]
        for path in skipped:
            console.print(f"  {path}: the index of a statements folder, not a statement: skipped", highlight=False,
                          soft_wrap=True)
        statement = [p for p in statement if p not in skipped]
    for path in statement:
        outcome = verify_statement(path, plan=plan, roster=roster, accounts=accounts, loaded=loaded)
        what = f"{outcome.name} ({outcome.csm_id}), {outcome.period}"
        if outcome.holds:
            what += f", total {outcome.total}"
            console.print(f"[green]✓[/green] {path} holds: {what} — {outcome.source}", highlight=False,
                          soft_wrap=True)
        else:
            failed += 1
            err_console.print(f"[red]✗[/red] {path} does not hold ({what}; {outcome.source}, the total is "
                              f"{outcome.total}):", highlight=False, soft_wrap=True)
            for difference in outcome.differences:
                err_console.print(f"    {difference}", highlight=False, markup=False, soft_wrap=True)
        for note in outcome.notes:
            console.print(f"    note: {note}", highlight=False, soft_wrap=True)
    if len(statement) > 1:
        console.print(f"{len(statement) - failed} of {len(statement)} statements hold", highlight=False)
    return 1 if failed else 0


@app.command()
def letters(
    plan: PlanOpt,
    roster: RosterOpt,
    period: Annotated[str | None, typer.Option("--period", help="Prorate for this period (2027-Q1 …); default: a "
                                                                "full period.")] = None,
    out: OutOpt = Path("letters"),
    pdf: PdfOpt = True,
    csm: CsmOpt = None,
    issued: Annotated[str | None, typer.Option("--date", help="Date printed on the letters (YYYY-MM-DD; "
                                                              "default today).")] = None,
    workers: WorkersOpt = None,
) -> None:
    """One plan letter per CSM for sign-off: targets, each curve in words and as a chart, worked examples."""
    from xlcomp.load.roster import load_roster
    from xlcomp.model.period import parse_period
    from xlcomp.statements.letters import write_letters

    started = time.perf_counter()
    day = _issue_date(issued)
    check_out_folder(out)
    plan_model = api.as_plan(plan)
    roster_model = load_roster(roster, plan_model)
    the_period = parse_period(period) if period is not None else None
    with steps() as bar, _progress(bar, len(csm) if csm else len(roster_model), "plan letters") as report:
        written = write_letters(plan_model, roster_model, out, period=the_period, pdf=pdf, issued=day,
                                csm_ids=csm, workers=workers, progress=report)
    count = sum(1 for p in written if p.suffix == ".html" and p.name != "index.html")
    console.print(f"[green]✓[/green] {count:,} plan letters for {plan_model.id}"
                  f"{' (HTML and PDF)' if pdf else ' (HTML)'} in {time.perf_counter() - started:.1f}s → {out}",
                  highlight=False, soft_wrap=True)
