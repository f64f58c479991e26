"""``xlcomp template``: the workbook ready for finance to fill."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlcomp.cli import app, console, err_console
from xlcomp.cli.core import (
    ChangesOpt,
    MovesOpt,
    PeriodOpt,
    PlansOpt,
    RosterOpt,
    SplitsOpt,
    load_checked,
    plan_versions,
    print_dating_notes,
)
from xlcomp.cli.problems import input_hints
from xlcomp.engine.versions import parts_of
from xlcomp.errors import UsageError
from xlcomp.load.changes import load_dating
from xlcomp.load.plan_versions import union_plan
from xlcomp.load.roster import load_roster
from xlcomp.load.splits import load_credits
from xlcomp.model.period import parse_period
from xlcomp.outputs import OutputSet, check_out_file


@app.command()
def template(
    plan: PlansOpt,
    roster: RosterOpt,
    period: PeriodOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="The workbook to write (.xlsx).")],
    accounts: Annotated[Path | None, typer.Option("--accounts", "-a", help="Optional: the book's accounts "
                                                  "(CSV, or .xlsx with an Accounts table/sheet), listed with the "
                                                  "period's actuals blank.")] = None,
    protect_password: Annotated[str | None, typer.Option(help="Password for the protected sheets.")] = None,
    changes: ChangesOpt = None,
    moves: MovesOpt = None,
    splits: SplitsOpt = None,
) -> None:
    """Write a workbook ready to fill: plan and roster filled, the book's accounts listed with the
    period's actuals blank, every formula in place."""
    from xlcomp.workbook.writer import template_result, write_workbook

    if out.suffix.lower() != ".xlsx":
        raise UsageError(f'--out "{out}" must name an .xlsx file')
    check_out_file(out)
    period_model = parse_period(period)
    versions = plan_versions(plan)
    plan_model = union_plan(versions)   # reads every column a version reads
    parts_of(versions, period_model)    # a version in force on the period's first day
    if accounts is not None:
        roster_model, book = load_checked(plan_model, roster, accounts)
    else:
        with input_hints(roster, None):
            roster_model, book = load_roster(roster, plan_model), None
    dating = load_dating(changes, roster_model, period_model, plan_model)
    if (moves is not None or splits is not None) and book is None:
        raise UsageError("--moves and --splits name accounts: give --accounts too")
    credits = None if book is None else load_credits(moves, splits, roster_model, book, period_model)
    result = template_result(plan_model, roster_model, book, period_model, changes=dating, credits=credits,
                             versions=versions)
    with OutputSet() as outputs:
        outputs.add(out, lambda path: write_workbook(result, path, protect_password=protect_password,
                                                     mode="template"))
        outputs.commit()
    without = [r.csm.csm_id for r in result.csms if r.sums.accounts == 0]
    console.print(f"[green]✓[/green] {out}: {plan_model.id} {period_model.label}, {len(result.csms):,} CSMs, "
                  f"{len(result.book):,} accounts; fill the yellow cells", highlight=False)
    print_dating_notes(result)
    if accounts is not None and without:
        shown = ", ".join(without[:10]) + (f" and {len(without) - 10} more" if len(without) > 10 else "")
        err_console.print(f"[yellow]![/yellow] {len(without)} CSM{'s' if len(without) != 1 else ''} with no "
                          f"accounts in the book: {shown}", highlight=False, markup=True)
