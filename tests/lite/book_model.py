"""A real .xlsx as the stand-in ``xlwings.Book`` models it (JSON): every cell's value as last calculated and
its formula, and every table's range, read with openpyxl."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl

__all__ = ["apply_actions", "book_model", "unprotected"]


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"datetime": dt.datetime(value.year, value.month, value.day).isoformat()}
    if isinstance(value, float) and value.is_integer():
        return int(value)  # as JSON carries a whole number from Office.js to xlwings Lite: 1400, not 1400.0
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return value
    return str(value)


def book_model(path: Path) -> dict[str, Any]:
    """The model of ``path``: ``{"sheets": {name: {"cells": {A1: {value, formula}}, "protected",
    "tables": {name: {ref, totals}}}}}``.

    Numbers are as xlwings Lite receives them from Office.js through JSON (whole numbers as ints, others as
    floats); dates are datetimes (``{"datetime": iso}``)."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    sheets: dict[str, Any] = {}
    for sheet in formulas.worksheets:
        shown = values[sheet.title]
        cells: dict[str, Any] = {}
        for row in sheet.iter_rows():
            for cell in row:
                formula = cell.value if cell.data_type == "f" and isinstance(cell.value, str) else None
                value = shown[cell.coordinate].value
                if value is None and formula is None:
                    continue
                cells[cell.coordinate] = {"value": _encode(value), "formula": formula}
        sheets[sheet.title] = {"cells": cells, "protected": bool(sheet.protection.sheet),
                               "tables": {table.name: {"ref": table.ref, "totals": table.totalsRowCount or 0}
                                          for table in sheet.tables.values()}}
    return {"sheets": sheets}


_NEWER = re.compile(r"(?<![\w.])(FORMULATEXT|ISFORMULA)\(", re.IGNORECASE)


def apply_actions(path: Path, actions: list[list[Any]], out: Path) -> Path:
    """``path`` with what a script did in the stand-in book (``book.actions``), saved as ``out``: what Excel
    holds when the script ends, before it calculates. A formula is stored as Excel saves it (the functions
    newer than Excel 2010 with their ``_xlfn.`` prefix)."""
    book = openpyxl.load_workbook(path)
    for action in actions:
        if action[0] == "add":
            book.create_sheet(action[1])
        elif action[0] == "clear":
            sheet = book[action[1]]
            for row in sheet.iter_rows():
                for cell in row:
                    cell.value = None
        else:
            _, sheet_name, ref, value = action
            if isinstance(value, str) and value.startswith("="):
                value = _NEWER.sub(lambda m: "_xlfn." + m.group(1).upper() + "(", value)
            elif isinstance(value, str) and value.startswith("'"):
                cell = book[sheet_name][ref]
                cell.value = value[1:]  # typed as text: Excel keeps the text without the "'"
                cell.data_type = "s"    # a text, even one that starts with "="
                continue
            book[sheet_name][ref] = value
    book.save(out)
    return out


def unprotected(model: dict[str, Any]) -> dict[str, Any]:
    """The model with every sheet unprotected (what finance does before a script writes into the CSM tabs)."""
    return {"sheets": {name: {**sheet, "protected": False} for name, sheet in model["sheets"].items()}}
