"""The Changes sheet (SPEC section 10): the roster changes of the run as an input table.

Columns ``csm_id``, ``field``, ``value``, ``effective``, one row per change the run applies (a change
after the period is left out: it changes nothing). The CSM tabs read the table with live formulas.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from xlcomp.load.changes import changes_fields
from xlcomp.ooxml.refs import col_range
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num

__all__ = ["write_changes_sheet"]

_WIDTHS = {"csm_id": 14, "field": 18, "value": 16, "effective": 12}


def _rule(rule: dict[str, Any], column: str, message: str, style: str = "stop") -> dict[str, Any]:
    return {**rule, "ignore_blank": True, "error_type": style, "error_title": f"xlcomp: {column}",
            "error_message": message[:255], "input_title": column[:32]}


def write_changes_sheet(ctx: Context) -> None:
    """The Changes table, validated: a CSM of the Roster, a field that can change, a date."""
    sheet, styles = ctx.sheets[layout.SHEET_CHANGES], ctx.styles
    changes = ctx.result.changes
    assert changes is not None
    columns = layout.CHANGE_COLUMNS
    rows = max(len(changes.rows), 1)   # an Excel table needs one data row
    sheet.add_table(0, 0, rows, len(columns) - 1, {
        "name": layout.CHANGES_TABLE, "style": "Table Style Medium 2",
        "columns": [{"header": c, "header_format": styles.header} for c in columns]})
    for index, column in enumerate(columns):
        sheet.set_column(index, index, _WIDTHS[column])
    for row, change in enumerate(changes.rows, start=1):
        sheet.write_string(row, 0, change.csm_id, styles.input["text"])
        sheet.write_string(row, 1, change.field, styles.input["text"])
        if isinstance(change.value, Decimal):
            sheet.write_number(row, 2, num(change.value), styles.input["number"])
        else:
            sheet.write_string(row, 2, change.value, styles.input["text"])
        sheet.write_number(row, 3, excel_date(change.effective), styles.input["date"])
    if not changes.rows:
        for index, kind in enumerate(("text", "text", "number", "date")):
            sheet.write_blank(1, index, None, styles.input[kind])
    roster_ids = col_range(layout.SHEET_ROSTER, 0, 1, max(len(ctx.result.csms), 1))
    fields = changes_fields(ctx.plan)
    sheet.data_validation(1, 0, rows, 0, _rule({"validate": "list", "source": "=" + roster_ids}, "csm_id",
                                               "csm_id is a CSM of the Roster table"))
    sheet.data_validation(1, 1, rows, 1, _rule({"validate": "list", "source": list(fields)}, "field",
                                               f"field is one of {', '.join(fields)}"))
    sheet.data_validation(1, 3, rows, 3, _rule({"validate": "date", "criteria": "between",
                                                "minimum": date(1900, 1, 1), "maximum": date(9999, 12, 31)},
                                               "effective", "the first day the value holds (a date)"))
    sheet.write_string(rows + 2, 0, "A change holds from its effective day; before the period it holds from the "
                                    "period's first day. Each CSM tab shows the stretches it cuts.", styles.note)
    sheet.freeze_panes(1, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
