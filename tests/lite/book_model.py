"""A real .xlsx as the stand-in ``xlwings.Book`` models it (JSON): every cell's value as last calculated and
its formula, and every table's range, read with openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

__all__ = ["book_model"]


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"datetime": dt.datetime(value.year, value.month, value.day).isoformat()}
    if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return str(value)


def book_model(path: Path) -> dict[str, Any]:
    """``{"sheets": {name: {"cells": {A1: {value, formula}}, "tables": {name: {ref}}}}}`` of ``path``.

    Numbers are floats, as Excel hands them to xlwings; dates are datetimes (``{"datetime": iso}``)."""
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
        sheets[sheet.title] = {"cells": cells, "tables": {table.name: {"ref": table.ref}
                                                          for table in sheet.tables.values()}}
    return {"sheets": sheets}
