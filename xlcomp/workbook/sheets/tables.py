"""The input sheets: the Roster and Accounts tables (typed, validated, in the input style).

Accounts can be 50,000 rows or more, so its columns are turned into Python floats column by column
(exactly: the nearest double to each decimal) and written in one tight loop.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
from xlsxwriter.utility import xl_rowcol_to_cell

from xlcomp.load.roster import plan_roster_columns
from xlcomp.model.people import SEGMENTS
from xlcomp.ooxml.refs import col_range
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num

__all__ = ["ACCOUNT_KINDS", "decimal_floats", "write_accounts_sheet", "write_roster_sheet"]

ACCOUNT_KINDS = {
    "account_id": "text", "csm_id": "text", "segment": "text", "arr_start": "money", "renewable_arr": "money",
    "renewed_arr": "money", "upsell_arr": "money", "cross_sell_arr": "money", "contraction_arr": "money",
    "health_score": "score", "nps": "score", "adoption_rate": "percent", "onboarding_planned": "count",
    "onboarding_done": "count", "value_identified_arr": "money", "referrals": "count", "risk_score": "score",
    "booked_on": "date",
}
_ACCOUNT_RULES: dict[str, dict[str, Any]] = {
    "health_score": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100},
    "risk_score": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100},
    "nps": {"validate": "decimal", "criteria": "between", "minimum": -100, "maximum": 100},
    "adoption_rate": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1},
}
_NON_NEGATIVE = {"validate": "decimal", "criteria": ">=", "value": 0}
_SEGMENT_RULE = {"validate": "list", "source": list(SEGMENTS)}
_WIDTHS = {"account_id": 14, "csm_id": 12, "segment": 12, "name": 22, "role": 16, "manager": 20}


def _rule(rule: dict[str, Any], column: str, message: str, style: str = "stop") -> dict[str, Any]:
    return {**rule, "ignore_blank": True, "error_type": style, "error_title": f"xlcomp: {column}",
            "error_message": message[:255], "input_title": column[:32]}


def decimal_floats(array: pa.Array | pa.ChunkedArray) -> list[float | None]:
    """A decimal128 column as Python floats (each the nearest double to its decimal), None for null."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n = len(array)
    if n == 0:
        return []
    scale = array.type.scale
    raw = np.frombuffer(array.buffers()[1], dtype="<i8", count=2 * (array.offset + n))[2 * array.offset:]
    low, high = raw[0::2], raw[1::2]
    values = low.astype(np.float64) / (10.0 ** scale)
    out: list[float | None] = values.tolist()
    inexact = np.flatnonzero((high != (low >> 63)) | (np.abs(low) >= 2 ** 53))
    if len(inexact):
        exact = array.take(pa.array(inexact)).to_pylist()
        for index, value in zip(inexact.tolist(), exact, strict=True):
            out[index] = float(value) if value is not None else None
    if array.null_count:
        for index in np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False)).tolist():
            out[index] = None
    return out


def _roster_kind(column: str) -> str:
    if column in ("base_salary", "target_variable") or column.startswith("quota"):
        return "money"
    if column in ("start_date", "end_date"):
        return "date"
    if column in ("csm_id", "name", "segment", "role", "manager"):
        return "text"
    return "number"


def write_roster_sheet(ctx: Context) -> None:
    """The Roster table: one row per CSM, in the roster's order."""
    sheet, styles = ctx.sheets[layout.SHEET_ROSTER], ctx.styles
    roster = ctx.result.roster
    columns = layout.roster_columns(ctx.plan, roster.columns)
    csms = [r.csm for r in ctx.result.csms]
    last = len(csms)
    sheet.add_table(0, 0, last, len(columns) - 1, {
        "name": layout.ROSTER_TABLE, "style": "Table Style Medium 2",
        "columns": [{"header": c, "header_format": styles.header} for c in columns]})
    positive = {c for c, why in plan_roster_columns(ctx.plan).items() if why.endswith(("target", "quota"))}
    for index, column in enumerate(columns):
        kind = _roster_kind(column)
        fmt = styles.input[kind]
        sheet.set_column(index, index, _WIDTHS.get(column, 14 if kind != "date" else 12))
        for row, csm in enumerate(csms, start=1):
            value: Any
            if column in ("csm_id", "name", "segment", "role", "manager"):
                value = getattr(csm, column)
            elif column in ("base_salary", "target_variable"):
                value = num(getattr(csm, column))
            elif column in ("start_date", "end_date"):
                value = excel_date(getattr(csm, column))
            else:
                value = num(csm.value(column))
            if value == "":
                sheet.write_blank(row, index, None, fmt)
            elif isinstance(value, str):
                sheet.write_string(row, index, value, fmt)
            else:
                sheet.write_number(row, index, value, fmt)
        if column == "segment":
            rule = _rule(_SEGMENT_RULE, column, f"segment is one of {', '.join(SEGMENTS)}")
        elif kind == "date":
            rule = _rule({"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
                          "maximum": date(9999, 12, 31)}, column, "a date (YYYY-MM-DD)")
        elif column in positive:
            rule = _rule({"validate": "decimal", "criteria": ">", "value": 0}, column,
                         f"{column} must be a number above 0 (the plan needs it)")
        elif kind in ("money", "number"):
            rule = _rule(_NON_NEGATIVE, column, f"{column} must be a number, not negative")
        elif column in ("csm_id", "name"):
            rule = _rule({"validate": "length", "criteria": ">", "value": 0}, column, f"{column} must not be blank")
        else:
            rule = _rule({"validate": "length", "criteria": "<=", "value": 255}, column,
                         f"{column} is text of at most 255 characters")
        sheet.data_validation(1, index, last, index, rule)
    sheet.freeze_panes(1, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def write_accounts_sheet(ctx: Context) -> None:
    """The Accounts table: the book of business; in a template the period's actual columns are blank."""
    sheet, styles = ctx.sheets[layout.SHEET_ACCOUNTS], ctx.styles
    book = ctx.result.book
    table = book.table
    n = table.num_rows
    # a SPIF's formulas read booked_on, and so do the parts of a period split by plan versions
    spif = any(c.window is not None for c in ctx.plan.components) or bool(ctx.result.parts)
    columns = layout.account_columns([*book.table.column_names, *(["booked_on"] if spif else [])])
    rows = max(n, 1)          # an Excel table needs one data row
    sheet.add_table(0, 0, rows, len(columns) - 1, {
        "name": layout.ACCOUNTS_TABLE, "style": "Table Style Medium 2",
        "columns": [{"header": c, "header_format": styles.header} for c in columns]})
    blank_columns = set(layout.ACCOUNT_ACTUAL_COLUMNS) if ctx.mode == "template" else set()
    present = set(book.columns)
    data: list[tuple[int, list[Any] | None, Any, bool]] = []
    for index, column in enumerate(columns):
        kind = ACCOUNT_KINDS[column]
        fmt = styles.input[kind]
        # wide enough for its header: headers do not wrap (no spaces), and a clipped one is unreadable in print
        sheet.set_column(index, index, max(_WIDTHS.get(column, 13), len(column) + 2))
        if column in blank_columns or (column not in present and column not in ("account_id", "csm_id")):
            data.append((index, None, fmt, False))
        elif kind == "text":
            data.append((index, table[column].to_pylist(), fmt, True))
        elif kind == "date":
            data.append((index, [None if d is None else excel_date(d) for d in table[column].to_pylist()], fmt,
                         False))
        else:
            data.append((index, decimal_floats(table[column]), fmt, False))
    sheet.write_columns(1, rows, data)  # the cells write_string/write_number/write_blank write, in one block
    if n == 0:
        for index, _values, fmt, _text in data:
            sheet.write_blank(1, index, None, fmt)
    roster_ids = col_range(layout.SHEET_ROSTER, 0, 1, max(len(ctx.result.csms), 1))
    for index, column in enumerate(columns):
        if column == "account_id":
            rule = _rule({"validate": "length", "criteria": ">", "value": 0}, column, "account_id must not be blank")
        elif column == "csm_id":
            rule = _rule({"validate": "list", "source": "=" + roster_ids}, column,
                         "csm_id should be a CSM of the Roster table", "warning")
        elif column == "segment":
            rule = _rule(_SEGMENT_RULE, column, f"segment is one of {', '.join(SEGMENTS)}")
        elif column in _ACCOUNT_RULES:
            low, high = _ACCOUNT_RULES[column]["minimum"], _ACCOUNT_RULES[column]["maximum"]
            rule = _rule(_ACCOUNT_RULES[column], column, f"{column} is a number from {low} to {high}")
        elif column == "renewed_arr":
            renewable = columns.index("renewable_arr")
            here, limit = xl_rowcol_to_cell(1, index), xl_rowcol_to_cell(1, renewable, False, True)
            rule = _rule({"validate": "custom", "value": f'=AND(ISNUMBER({here}),{here}>=0,{here}<={limit})'},
                         column, "renewed_arr is a number from 0 to the account's renewable_arr")
        elif ACCOUNT_KINDS[column] == "date":
            rule = _rule({"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
                          "maximum": date(9999, 12, 31)}, column, f"{column} is a date (YYYY-MM-DD) or blank")
        elif ACCOUNT_KINDS[column] in ("money", "count"):
            rule = _rule(_NON_NEGATIVE, column, f"{column} is a number, not negative")
        else:
            continue
        sheet.data_validation(1, index, rows, index, rule)
    sheet.freeze_panes(1, 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
