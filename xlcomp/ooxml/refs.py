"""A1 references and formula text helpers: one place for quoting and addressing.

Rows and columns are 0-based here, as in XlsxWriter; the text they produce is Excel's.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

__all__ = ["cell", "chart_text", "col_range", "column_ref", "excel_id_key", "quote_sheet", "sheet_cell",
           "string_literal", "sumifs_key"]

_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")
_WILDCARDS = re.compile(r"([~*?])")
_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def cell(row: int, col: int, absolute: bool = True) -> str:
    """``cell(2, 1)`` -> ``$B$3``; ``absolute=False`` -> ``B3``."""
    return str(xl_rowcol_to_cell(row, col, absolute, absolute))


def quote_sheet(name: str) -> str:
    """A sheet name as a formula needs it: ``Plan`` or ``'CSM-1 Ava O''Brien'``."""
    if _PLAIN_SHEET.fullmatch(name) and not _CELL_LIKE.fullmatch(name):
        return name
    return "'" + name.replace("'", "''") + "'"


def sheet_cell(sheet: str, row: int, col: int) -> str:
    """``'CSM-1 Ava'!$B$3``."""
    return f"{quote_sheet(sheet)}!{cell(row, col)}"


def col_range(sheet: str, col: int, first_row: int, last_row: int) -> str:
    """An absolute one-column range on a sheet: ``Roster!$A$2:$A$41``."""
    letter = xl_col_to_name(col, True)
    return f"{quote_sheet(sheet)}!{letter}${first_row + 1}:{letter}${last_row + 1}"


def column_ref(table: str, column: str) -> str:
    """A structured reference to a table column: ``Accounts[renewed_arr]``."""
    escaped = re.sub(r"(['#\[\]@])", r"'\1", column)
    return f"{table}[{escaped}]"


def chart_text(text: str) -> str:
    """Text for a chart title or series name: XlsxWriter reads a leading ``=`` as a cell reference."""
    return " " + text if text.startswith("=") else text


def string_literal(text: str) -> str:
    '''Text as a formula string literal, inner quotes doubled: ``say "hi"`` -> ``"say ""hi"""``.'''
    return '"' + text.replace('"', '""') + '"'


def sumifs_key(csm_id: str) -> str:
    """The text to match ``csm_id`` with in SUMIFS/COUNTIFS (after ``"="&``) and MATCH.

    Both treat ``*``, ``?`` and ``~`` as wildcards; ``~`` escapes them. (A leading ``=``, ``<`` or
    ``>`` is neutralised by the ``"="&`` every SUMIFS puts in front of the key.)
    """
    return _WILDCARDS.sub(r"~\1", csm_id)


def excel_id_key(text: str) -> tuple[str, str | float]:
    """How Excel's SUMIFS/MATCH see an id: case-insensitive text, or a number when it looks like one.

    Two ids with the same key cannot be told apart by the workbook's formulas.
    """
    if _NUMERIC.fullmatch(text):
        try:
            return ("number", float(text))
        except ValueError:  # pragma: no cover - the pattern only admits numbers
            pass
    return ("text", text.casefold())
