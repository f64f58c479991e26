"""``xlcomp lite``: the worksheet functions for xlwings Lite (main.py and requirements.txt), and with
``--workbook`` the task-pane scripts that recompute and check that workbook inside Excel."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from xlcomp.cli import app, console
from xlcomp.errors import UsageError
from xlcomp.functions.lite_book import LiteWorkbook, TabLayout

__all__ = ["lite", "read_lite_workbook"]

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")


def read_lite_workbook(path: Path) -> LiteWorkbook:
    """What the task-pane scripts need of an xlcomp workbook as xlcomp wrote it: its plan, period,
    CSM tabs with their issued totals, and the cells of a CSM tab (read as ``xlcomp recalc`` reads
    uploads). Raises :class:`UsageError` for a workbook that is not one xlcomp wrote, or whose CSM
    tabs no longer hold the formulas xlcomp wrote."""
    from xlcomp.load.roster import plan_roster_columns
    from xlcomp.ooxml.refs import column_letter
    from xlcomp.recalc.package import UploadPackage
    from xlcomp.recalc.read import read_upload
    from xlcomp.workbook import layout

    inputs = read_upload(path)
    if not inputs.tabs:
        raise UsageError(f'"{path}" has no CSM tabs in its _xlcomp sheet: give a workbook xlcomp wrote '
                         "(xlcomp calc, xlcomp template)")
    if inputs.changes is not None and inputs.changes.rows:
        raise UsageError(f'"{path}" has roster changes (the Changes table): the xlwings Lite scripts do not '
                         "compute dated stretches yet; use xlcomp recalc")
    credits = inputs.credits
    if credits is not None and any(table is not None and table.rows for table in (credits.moves, credits.splits)):
        raise UsageError(f'"{path}" credits accounts by moves or splits (the Moves and Splits tables): the xlwings '
                         "Lite scripts do not compute credit yet; use xlcomp recalc")
    if inputs.versions:   # recalc reads a split period back; the scripts pay one plan over the whole period
        raise UsageError(f'"{path}" is for a period split by plan versions: the xlwings Lite scripts do not compute '
                         "the parts yet; use xlcomp recalc")
    if inputs.plan.ramp or any(c.window is not None for c in inputs.plan.components):
        raise UsageError(f'"{path}" has a plan with a ramp or a SPIF: the xlwings Lite scripts do not compute ramps '
                         "and booking windows yet; use xlcomp recalc")
    with UploadPackage(path.read_bytes(), name=path.name) as package:
        first = inputs.tabs[0][1]
        template = sorted(package.formulas(first).items())
        for _, sheet in inputs.tabs[1:]:
            theirs = sorted(package.formulas(sheet).items())
            if theirs != template:
                raise UsageError(f'"{path}": the tab "{sheet}" does not hold the formulas of "{first}": give the '
                                 "workbook as xlcomp wrote it")
        rows = package.rows(first)
    formulas = {f"{column_letter(column)}{row + 1}": formula for row, column, formula in template}
    total_row = next((i for i, row in enumerate(rows) if row and str(row[0]).strip() == "Total payout"), None)
    total = None if total_row is None else f"B{total_row + 1}"
    if total is None or total not in formulas:
        raise UsageError(f'"{path}": the tab "{first}" has no "Total payout" formula in column B')
    parts = [_address(part) for part in formulas[total].lstrip("=").split("+")]
    components = [c.id for c in inputs.plan.components]
    if len(parts) != len(components) + 1:
        raise UsageError(f'"{path}": the total of "{first}" ({formulas[total]}) is not one cell per component '
                         "and the adjustments line")
    tab = TabLayout(formulas=tuple(formulas.items()), payouts=tuple(zip(components, parts[:-1], strict=True)),
                    adjustments=parts[-1], total=total)
    names = {"Roster": (layout.SHEET_ROSTER, layout.ROSTER_TABLE),
             "Accounts": (layout.SHEET_ACCOUNTS, layout.ACCOUNTS_TABLE),
             "Adjustments": (layout.SHEET_ADJUSTMENTS, layout.ADJUSTMENTS_TABLE),
             "Summary": (layout.SHEET_SUMMARY, layout.SUMMARY_TABLE)}
    return LiteWorkbook(plan=inputs.plan, period=inputs.period,
                        roster_columns=plan_roster_columns(inputs.plan), tabs=tuple(inputs.tabs),
                        issued={csm_id: f"{total:.2f}" for csm_id, total in inputs.issued.items()
                                if isinstance(total, Decimal)},
                        tab=tab, sheets={key: sheet for key, (sheet, _) in names.items()},
                        tables={key: table for key, (_, table) in names.items()})


def _address(reference: str) -> str:
    match = _REF.match(reference.strip())
    if match is None:
        raise UsageError(f"{reference!r} is not a cell of the tab")
    return f"{match.group(1)}{match.group(2)}"


@app.command()
def lite(
    out: Annotated[Path, typer.Option("--out", "-o", help="The folder to write main.py and requirements.txt in.")],
    workbook: Annotated[Path | None, typer.Option(
        "--workbook", "-w", help="An xlcomp workbook (as xlcomp wrote it): main.py then also holds the task-pane "
                                 "scripts xlcomp_recompute, xlcomp_check and xlcomp_restore for it.")] = None,
) -> None:
    """Write main.py and requirements.txt for xlwings Lite: every worksheet function (=CSM_TIERED, =CS_GRR,
    ...) in Excel on Windows, Mac and the web, with nothing to install but the xlwings Lite add-in."""
    from xlcomp.functions import REGISTRY
    from xlcomp.functions.lite import write_lite

    if out.exists() and not out.is_dir():
        raise UsageError(f'--out "{out}" is a file: name a folder')
    if workbook is not None and not workbook.is_file():
        raise UsageError(f'--workbook "{workbook}" is not a file')
    facts = read_lite_workbook(workbook) if workbook is not None else None
    written = write_lite(out, facts)
    scripts = f" and 3 scripts for {workbook.name}" if workbook is not None else ""
    console.print(f"[green]✓[/green] {', '.join(str(p) for p in written)}: {len(REGISTRY)} functions{scripts}; "
                  "paste them into xlwings Lite's main.py and requirements.txt", highlight=False)
