"""A CSM tab's "Credited accounts" block (SPEC section 10): each moved or split account the CSM gets or loses.

Written below the tab's total (so every tab keeps the same cells above it): one line per row of the
Credit table that credits this CSM, its cells linked to that row (account, kind, stretch, days, share,
share of the amounts). The book lines above already add these rows (``+SUMIFS(Credit[…], …)``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from xlcomp.money import exact
from xlcomp.ooxml.refs import sheet_cell
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num

if TYPE_CHECKING:
    from xlcomp.model.credit import CreditRow

__all__ = ["write_credit_block"]

_HEADERS = ("Credited accounts", "kind", "first day", "last day", "days", "share", "share of amounts")
_SOURCE = (0, 2, 4, 5, 6, 7, 8)   # the Credit table's columns shown
_KINDS = ("text", "text", "date", "date", "days", "share", "share")


def _by_csm(ctx: Context) -> dict[str, list[int]]:
    found = ctx.extra.get("credit_by_csm")
    if found is None:
        found = {}
        for i, row in enumerate(ctx.result.credit_rows):
            found.setdefault(row.csm_id, []).append(i)
        ctx.extra["credit_by_csm"] = found
    return found


def _cached(row: CreditRow, column: int) -> object:
    if column == 0:
        return row.account_id
    if column == 2:
        return row.kind
    if column in (4, 5):
        return excel_date(row.first if column == 4 else row.last) if row.kind == "move" else ""
    if column == 6:
        return int(row.count_num) if row.kind == "move" else ""
    with exact():
        return num(row.count_share if column == 7 else row.amount_share)


def write_credit_block(ctx: Context, sheet: Worksheet, first_row: int, csm_id: str) -> None:
    """The block on one CSM's tab, from ``first_row`` down."""
    styles = ctx.styles
    for col, text in enumerate(_HEADERS):
        sheet.write_string(first_row, col, text, styles.section if col == 0 else styles.header)
    sheet.write_string(first_row, 7, "rows of the Credit table for this CSM (moves by days owned, splits by "
                                     "share; -1: the account's listed owner)", styles.section_note)
    indices = _by_csm(ctx).get(csm_id, [])
    if not indices:
        sheet.write_string(first_row + 1, 0, "no moved or split account", styles.note)
        return
    rows = ctx.result.credit_rows
    for line, i in enumerate(indices, start=first_row + 1):
        row = rows[i]
        for col, (source, kind) in enumerate(zip(_SOURCE, _KINDS, strict=True)):
            value = _cached(row, source)
            fmt = styles.calc[kind]
            if value == "":
                sheet.write_blank(line, col, None, fmt)
            else:
                sheet.write_formula(line, col, "=" + sheet_cell(layout.SHEET_CREDIT, i + 1, source), fmt, value)
