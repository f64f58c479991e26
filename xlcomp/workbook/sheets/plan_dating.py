"""The Plan sheet's effective-dating parts (SPEC section 10): the ``Ramp`` table (months_from, factor) that the CSM
tabs' ramp factor reads (:mod:`xlcomp.rules.ramp`), and a SPIF's window (two dates with defined names) and
segments."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.model.plan import Component
from xlcomp.rules.ramp import RAMP_COLUMNS, ramp_table, serial
from xlcomp.workbook import layout

if TYPE_CHECKING:
    from xlcomp.workbook.context import Context

__all__ = ["spif_rows", "write_ramp_table"]

_TABLE_COL = 1      # columns B:C, as the multiplier bands


def write_ramp_table(ctx: Context, row: int, section: Any, validation: Any) -> int:
    """The Ramp section from ``row`` (nothing without a plan ramp); the next free row."""
    plan = ctx.plan
    if not plan.ramp:
        return row
    sheet, styles = ctx.sheets[layout.SHEET_PLAN], ctx.styles
    section(row, "Ramp")
    sheet.write_string(row, 5, "new hires: quotas and amount targets x the factor of their whole months in post",
                       styles.note)
    row += 1
    table = ramp_table(plan.ramp)
    first = row
    count = len(table["factor"])
    sheet.add_table(first, _TABLE_COL, first + count, _TABLE_COL + 1, {
        "name": layout.RAMP_TABLE, "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h, "header_format": styles.header} for h in RAMP_COLUMNS]})
    for offset, (months, factor) in enumerate(zip(table["months_from"], table["factor"], strict=True), start=1):
        sheet.write_number(first + offset, _TABLE_COL, int(months), styles.input["count"])
        sheet.write_number(first + offset, _TABLE_COL + 1, float(factor), styles.input["factor"])
    sheet.data_validation(first + 1, _TABLE_COL, first + count, _TABLE_COL, validation("non_negative", "months_from"))
    sheet.data_validation(first + 1, _TABLE_COL + 1, first + count, _TABLE_COL + 1,
                          validation("non_negative", "ramp factor"))
    sheet.write_string(first, 5, f"{layout.RAMP_TABLE}: a CSM with at least months_from whole months in post at the "
                                 "period's start (and fewer than the next row's) gets the factor; keep months_from "
                                 "ascending, the last row (factor 1) is the full quota", styles.note)
    return first + count + 2


def spif_rows(component: Component) -> list[tuple[str, str, Decimal | str]]:
    """A SPIF's rows in its component block: the window's two days (parameters ``<id>_window_from`` and
    ``<id>_window_to``, as serial day numbers) and its segments."""
    if component.window is None:
        return []
    first, last = (serial(day) for day in component.window)
    assert first is not None and last is not None
    rows: list[tuple[str, str, Decimal | str]] = [("param", "window_from", first), ("param", "window_to", last)]
    if component.segments is not None:
        rows.append(("fixed", "Eligible segments", ", ".join(component.segments)))
    return rows
