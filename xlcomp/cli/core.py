"""``xlcomp calc``, ``check``, ``sample`` and ``demo``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from xlcomp import api
from xlcomp.cli import app, console, err_console
from xlcomp.cli.problems import input_hints
from xlcomp.cli.progress import Steps, steps
from xlcomp.engine.collector import collector_paused
from xlcomp.engine.run import RunResult, run
from xlcomp.engine.versions import run_versions
from xlcomp.errors import UsageError
from xlcomp.load.adjustments import load_adjustments
from xlcomp.load.changes import load_dating
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan_versions import load_plan_versions, plan_files, union_plan
from xlcomp.load.sources import SEPARATORS, csv_separator
from xlcomp.load.splits import load_credits
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import parse_period
from xlcomp.model.plan import Plan
from xlcomp.outputs import OutputSet, check_out_folder, payouts_csv, summary_csv
from xlcomp.roi.lint import Finding, lint_inputs, lint_plan, lint_run
from xlcomp.run_inputs import RUN_INPUTS, hashed_aside, inputs_json

PlanOpt = Annotated[Path, typer.Option("--plan", "-p", help="Plan YAML file.")]
PlansOpt = Annotated[list[Path], typer.Option(
    "--plan", "-p", help="Plan YAML file; more than once (or a folder of them) for plan versions with effective "
                         "dates.")]
RosterOpt = Annotated[Path, typer.Option("--roster", "-r", help="Roster: CSV, or .xlsx with a Roster table/sheet.")]
AccountsOpt = Annotated[Path, typer.Option("--accounts", "-a",
                                           help="Accounts: CSV, or .xlsx with an Accounts table/sheet.")]
PeriodOpt = Annotated[str, typer.Option("--period", help="2027-03 (month), 2027-Q1, 2027-H1 or 2027 (year).")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1, nothing written) on the plan's design "
                                                          "warnings.")]
AdjustmentsOpt = Annotated[Path | None, typer.Option(
    "--adjustments", help="Adjustments to pay: CSV or .xlsx with csm_id, amount, reason (component, approved_by "
                          "optional); one payout line each.")]
DecimalCommaOpt = Annotated[bool, typer.Option("--decimal-comma", help="Amounts are written 1.234,50 (comma "
                                                                         "for decimals).")]
ChangesOpt = Annotated[Path | None, typer.Option(
    "--changes", help="Roster changes with effective dates: CSV (csm_id, field, value, effective) or .xlsx with a "
                      "Changes table.")]
MovesOpt = Annotated[Path | None, typer.Option(
    "--moves", help="Account moves: CSV (account_id, to_csm, effective) or .xlsx with a Moves table; each owner "
                    "is credited by days owned.")]
SplitsOpt = Annotated[Path | None, typer.Option(
    "--splits", help="Credit splits: CSV (account_id, csm_id, share) or .xlsx with a Splits table; a listed "
                     "account credits only its listed CSMs.")]


def load_checked(plan: Plan | None, roster: Path, accounts: Path, *, decimal_comma: bool = False
                 ) -> tuple[Roster, Book]:
    """:func:`load_inputs` with the command line's grouping and hints on its problems."""
    with input_hints(roster, accounts):
        return load_inputs(plan, roster, accounts, decimal_comma=decimal_comma)


def warn(message: str) -> None:
    """A warning on stderr (``! message``)."""
    err_console.print(f"[yellow]![/yellow] {message}", highlight=False, soft_wrap=True, markup=True)


def show_findings(findings: list[Finding], *, strict: bool) -> None:
    """Print design warnings on stderr; with ``strict`` fail on them (exit 1) before anything is written."""
    for finding in findings:
        warn(escape(str(finding)))
    if strict and findings:
        raise typer.Exit(_strict_exit(len(findings)))


def _strict_exit(count: int) -> int:
    err_console.print(f"[bold red]{count} design warning{'s' if count != 1 else ''}[/bold red] and --strict; "
                      "nothing was written.", highlight=False)
    return 1


def plan_versions(plan_path: Path | list[Path]) -> tuple[Plan, ...]:
    """The plan, or its versions (``--plan`` more than once, or a folder), oldest first."""
    paths = plan_path if isinstance(plan_path, list) else [plan_path]
    if len(paths) == 1 and not paths[0].is_dir():
        return (api.as_plan(paths[0]),)
    return load_plan_versions(paths)


def compute(plan_path: Path | list[Path], roster: Path, accounts: Path, period_text: str, *,
            progress: Steps | None = None, strict: bool = False, adjustments: Path | None = None,
            decimal_comma: bool = False, changes: Path | None = None, moves: Path | None = None,
            splits: Path | None = None) -> RunResult:
    """Load, validate and run (with ``adjustments`` and roster ``changes``, SPEC 10, when given), with progress on
    a terminal; the plan's design warnings on stderr (``strict``: exit 1 on them) and a warning for an empty
    book."""
    period = parse_period(period_text)
    versions = plan_versions(plan_path)
    plan = union_plan(versions)
    for version in versions:
        show_findings(lint_plan(version), strict=strict)
    with steps(False if progress is not None else None) as own:
        bar = progress or own
        with bar.step("reading roster and accounts"):
            roster_model, book = load_checked(plan, roster, accounts, decimal_comma=decimal_comma)
            rows = () if adjustments is None else load_adjustments(adjustments, roster_model, currency=plan.currency,
                                                                     decimal_comma=decimal_comma)
            with collector_paused():   # a hundred thousand moves are as many tuples and no cycle
                dating = load_dating(changes, roster_model, period, plan)
                credits = load_credits(moves, splits, roster_model, book, period)
        with bar.step(f"computing {len(roster_model):,} CSMs", total=len(roster_model)) as advance:
            result = run_versions(versions, roster_model, book, period, progress=advance if bar.shown else None,
                                  adjustments=rows, changes=dating, credits=credits)
    for source in (roster, accounts):
        separator = csv_separator(source)
        if separator is not None and separator != ",":
            err_console.print(f"[dim]i[/dim] {source.name}: read as CSV separated by {SEPARATORS[separator]}",
                              highlight=False)
    if len(book) == 0:
        warn(f"{accounts.name} has no accounts (a header and no rows): every amount is 0 and every rate undefined")
    return result


def print_dating_notes(result: RunResult) -> None:
    """Say which roster changes and account moves were applied from the period's start and which were ignored
    after its end, which splits do not sum to 1, and which SPIF windows are partly outside the period."""
    notes = (*(result.changes.notes if result.changes is not None else ()),
             *(result.credits.notes if result.credits is not None else ()), *result.notes)
    for note in notes:
        err_console.print(f"[yellow]![/yellow] {escape(note)}", highlight=False, markup=True, soft_wrap=True)


@app.command()
def calc(
    plan: PlansOpt,
    roster: RosterOpt,
    accounts: AccountsOpt,
    period: PeriodOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created when missing).")] = Path("out"),
    workbook: Annotated[bool, typer.Option("--workbook/--no-workbook", help="Also write the Excel workbook.")] = True,
    protect_password: Annotated[str | None, typer.Option(help="Password for the protected sheets.")] = None,
    strict: StrictOpt = False,
    adjustments: AdjustmentsOpt = None,
    decimal_comma: DecimalCommaOpt = False,
    changes: ChangesOpt = None,
    moves: MovesOpt = None,
    splits: SplitsOpt = None,
) -> None:
    """Compute a period's payouts: payouts.csv, summary.csv and the workbook."""
    started = time.perf_counter()
    check_out_folder(out)
    # the roster and accounts hashed for inputs.json on a thread while they load (hashlib lets go of the GIL, and
    # the CSV reader leaves a core idle: 0.1 s for a 100 MB accounts file, as close hashes its inputs)
    with steps() as bar, hashed_aside(accounts, roster) as aside:
        result = compute(plan, roster, accounts, period, progress=bar, strict=strict, adjustments=adjustments,
                         decimal_comma=decimal_comma, changes=changes, moves=moves, splits=splits)
        with OutputSet() as outputs:
            with bar.step("writing payouts.csv and summary.csv"):
                outputs.add(out / "payouts.csv", payouts_csv(result))
                outputs.add(out / "summary.csv", summary_csv(result))
                files = plan_files(plan)  # plan versions: plan, plan_2, …
                named = {"plan" if i == 0 else f"plan_{i + 1}": path for i, path in enumerate(files)}
                outputs.add(out / RUN_INPUTS, inputs_json("calc", period, aside=aside, **named, roster=roster,
                                                          accounts=accounts, **_optional_inputs(
                                                              adjustments=adjustments, changes=changes,
                                                              moves=moves, splits=splits)))
            book = None
            if workbook:
                from xlcomp.workbook.writer import stage_workbook  # XlsxWriter and the sheets: 0.06 s

                with bar.step(f"writing the workbook ({len(result.csms):,} CSMs, {len(result.book):,} accounts)"):
                    book = stage_workbook(outputs, result, out, protect_password)
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


def _optional_inputs(**files: Path | None) -> dict[str, Path | None]:
    """The optional input files a run was given (left out of inputs.json when not given, as before)."""
    return {name: path for name, path in files.items() if path is not None}


@app.command()
def check(
    plan: Annotated[Path, typer.Argument(help="Plan YAML file.")],
    roster: Annotated[Path | None, typer.Option("--roster", "-r", help="Also check a roster and accounts against "
                                                                       "the plan (with --accounts).")] = None,
    accounts: Annotated[Path | None, typer.Option("--accounts", "-a", help="The accounts to check (with --roster)."
                                                  )] = None,
    period: Annotated[str | None, typer.Option(help="Period for data-based warnings (with --roster and "
                                                    "--accounts).")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings give exit code 1.")] = False,
) -> int:
    """Validate a plan (and, with --roster and --accounts together, its inputs); print design warnings against
    the benchmarks."""
    plan_model = api.as_plan(plan)
    data_findings = []
    if roster is not None and accounts is not None:
        roster_model, book = load_checked(plan_model, roster, accounts)
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

    check_out_folder(out)
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
    from xlcomp.demo.project import ASSIGNMENT_FOLDER, write_demo

    check_out_folder(out)
    with steps() as bar:
        summary = write_demo(out, period, statements=statements, progress=bar.report)
    table = Table(title=f"xlcomp demo, {period}")
    table.add_column("plan", no_wrap=True)
    table.add_column("CSMs", justify="right", no_wrap=True)
    table.add_column("total", justify="right", no_wrap=True)
    table.add_column(f"folder (in {out})", no_wrap=True, overflow="ellipsis")
    for row in summary:
        table.add_row(row.plan_id, f"{row.csms:,}", f"{row.currency} {row.total:,.2f}",
                      f"{row.folder.relative_to(out)}/")
    console.print(table)
    console.print(f"[green]✓[/green] the demo's workbooks are under {out.resolve()}", highlight=False,
                  soft_wrap=True)
    proposal = out / ASSIGNMENT_FOLDER
    if (proposal / "solver.txt").exists():
        status = (proposal / "solver.txt").read_text(encoding="utf-8").splitlines()[0].removeprefix("status: ")
        console.print(f"[green]✓[/green] next quarter's books, proposed ({status}): {proposal.resolve()} "
                      "(assignment.csv, balance.csv, targets.csv, assignment.xlsx)", highlight=False, soft_wrap=True)
