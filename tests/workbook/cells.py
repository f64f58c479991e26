"""Reading workbooks back for the tests: formulas, values (cached or recalculated), comparisons."""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

Cells = dict[str, dict[tuple[int, int], Any]]
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "Err:")


def _read(path: Path, data_only: bool) -> Cells:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    cells: Cells = {}
    for sheet in workbook.worksheets:
        found: dict[tuple[int, int], Any] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if getattr(cell, "row", None) is not None and cell.value is not None:
                    found[(cell.row, cell.column)] = cell.value
        cells[sheet.title] = found
    workbook.close()
    return cells


def formulas(path: Path) -> Cells:
    """Every formula, by sheet and (row, column), 1-based."""
    return {sheet: {k: v for k, v in found.items() if isinstance(v, str) and v.startswith("=")}
            for sheet, found in _read(path, False).items()}


def values(path: Path) -> Cells:
    """Every cell's value (a formula's cached value), by sheet and (row, column)."""
    return _read(path, True)


def blank(value: Any) -> bool:
    """Blank: no value or the empty string."""
    return value is None or value == ""


def same(expected: Any, found: Any) -> bool:
    """Equal as a spreadsheet shows them: numbers within half a cent when large, to 1e-9 otherwise."""
    if blank(expected) or blank(found):
        return blank(expected) and blank(found)
    if isinstance(expected, bool) or isinstance(found, bool):
        return bool(expected) == bool(found) and type(expected) is type(found)
    if isinstance(expected, (int, float)) and isinstance(found, (int, float)):
        size = max(abs(expected), abs(found))
        return math.isclose(expected, found, abs_tol=0.005 if size >= 100 else 1e-9, rel_tol=0)
    return bool(expected == found)


def errors(cells: Cells) -> list[str]:
    """Every error value (``#DIV/0!``, ``#N/A``, LibreOffice's ``Err:502`` …) as ``Sheet!R,C: value``."""
    found = []
    for sheet, by_cell in cells.items():
        for (row, col), value in by_cell.items():
            if isinstance(value, str) and value.startswith(ERROR_VALUES):
                found.append(f"{sheet}!{row},{col}: {value}")
    return found


def sheet_xml(path: Path, sheet: str) -> str:
    """The XML of a worksheet by name."""
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        names = re.findall(r'<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"', book)
        targets = dict(re.findall(r'Id="([^"]*)"[^>]*Target="([^"]*)"', rels))
        targets.update({k: v for v, k in re.findall(r'Target="([^"]*)"[^>]*Id="([^"]*)"', rels)})
        for name, rid in names:
            if _unescape(name) == sheet:
                target = targets[rid].lstrip("/")
                return archive.read(target if target.startswith("xl/") else f"xl/{target}").decode()
    raise KeyError(sheet)


def _unescape(text: str) -> str:
    return text.replace("&apos;", "'").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&")
