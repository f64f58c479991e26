"""The Adjustments sheet (SPEC section 8): the one sanctioned way to pay a manual change.

An Excel table ``Adjustments`` (:data:`~xlcomp.workbook.layout.ADJUSTMENT_COLUMNS`) in the input
style, unlocked and validated: ``csm_id`` from the Roster table's ids, ``amount`` a number (negative
to take back), ``reason`` required (a row with a csm_id or an amount but no reason is shaded),
``component`` and ``approved_by`` optional text. The run's adjustments come first, grouped by CSM in
the roster's order, then :data:`~xlcomp.workbook.layout.ADJUSTMENT_BLANK_ROWS` blank input rows: the
table is written even when the run has none. Each CSM tab sums its rows
(:func:`xlcomp.workbook.formulas.adjustments_total`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from xlcomp.ooxml.refs import col_range
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, num

__all__ = ["ADJUSTMENT_KINDS", "write_adjustments_sheet"]

ADJUSTMENT_KINDS = {"csm_id": "text", "amount": "money", "reason": "text", "component": "text",
                    "approved_by": "text"}
_WIDTHS = {"csm_id": 14, "amount": 15, "reason": 48, "component": 16, "approved_by": 22}
_LIMIT = Decimal("1e12")
_HELP = {
    "csm_id": "a csm_id of the Roster table",
    "amount": "paid as ROUND(amount, 2); negative to take back (a clawback)",
    "reason": "required: why the CSM is paid this (shown on the statement)",
    "component": "optional: the payout line's name (default adjustment)",
    "approved_by": "optional: who approved it (shown on the statement)",
}


def _rule(rule: dict[str, Any], column: str, message: str) -> dict[str, Any]:
    return {**rule, "ignore_blank": True, "error_type": "stop", "error_title": f"xlcomp: {column}",
            "error_message": message[:255], "input_title": column[:32], "input_message": _HELP[column][:255]}


def write_adjustments_sheet(ctx: Context) -> None:
    """The Adjustments table: the run's adjustments, then blank rows for finance to fill."""
    sheet, styles = ctx.sheets[layout.SHEET_ADJUSTMENTS], ctx.styles
    lines = [line for result in ctx.result.csms for line in result.adjustments]
    columns = layout.ADJUSTMENT_COLUMNS
    last = len(lines) + layout.ADJUSTMENT_BLANK_ROWS
    sheet.add_table(0, 0, last, len(columns) - 1, {
        "name": layout.ADJUSTMENTS_TABLE, "style": "Table Style Medium 2",
        "columns": [{"header": c, "header_format": styles.header} for c in columns]})
    for index, column in enumerate(columns):
        fmt = styles.input[ADJUSTMENT_KINDS[column]]
        sheet.set_column(index, index, _WIDTHS[column])
        for row, line in enumerate(lines, start=1):
            adjustment = line.adjustment
            if column == "amount":
                sheet.write_number(row, index, num(adjustment.amount), fmt)
                continue
            text = str(getattr(adjustment, column))
            if text:
                sheet.write_string(row, index, text, fmt)
            else:
                sheet.write_blank(row, index, None, fmt)
        for row in range(len(lines) + 1, last + 1):
            sheet.write_blank(row, index, None, fmt)
    roster_ids = col_range(layout.SHEET_ROSTER, 0, 1, max(len(ctx.result.csms), 1))
    rules = {
        "csm_id": _rule({"validate": "list", "source": "=" + roster_ids}, "csm_id",
                        "csm_id must be a CSM of the Roster table"),
        "amount": _rule({"validate": "decimal", "criteria": "between", "minimum": -float(_LIMIT),
                         "maximum": float(_LIMIT)}, "amount",
                        "amount is a number (negative to take back), below 1,000,000,000,000 in size"),
        "reason": _rule({"validate": "length", "criteria": "between", "minimum": 1, "maximum": 255}, "reason",
                        "reason is required: say why the CSM is paid this (at most 255 characters)"),
        "component": _rule({"validate": "length", "criteria": "<=", "value": 64}, "component",
                           "component is a short name of lowercase letters, digits and _"),
        "approved_by": _rule({"validate": "length", "criteria": "<=", "value": 255}, "approved_by",
                             "approved_by is text of at most 255 characters"),
    }
    for index, column in enumerate(columns):
        sheet.data_validation(1, index, last, index, rules[column])
    # a row with a csm_id or an amount but no reason: shade the missing reason
    reason = columns.index("reason")
    first_id = xl_rowcol_to_cell(1, columns.index("csm_id"), False, True)
    first_amount = xl_rowcol_to_cell(1, columns.index("amount"), False, True)
    first_reason = xl_rowcol_to_cell(1, reason, False, True)
    missing = ctx.workbook.add_format({"bg_color": "#F8CBAD"})
    sheet.conditional_format(1, reason, last, reason, {
        "type": "formula", "criteria": f'=AND(OR({first_id}<>"",{first_amount}<>""),{first_reason}="")',
        "format": missing})
    sheet.freeze_panes(1, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
