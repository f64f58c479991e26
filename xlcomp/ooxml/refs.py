"""A1 references and formula text helpers: one place for quoting and addressing.

Rows and columns are 0-based here, as in XlsxWriter; the text they produce is Excel's. Both ways:
:func:`column_letter`, :func:`cell` write references, :func:`column_index`, :func:`parse_ref`,
:func:`split_ref` read them. Pure Python (the model names its cells with it).
"""

from __future__ import annotations

import re

__all__ = ["cell", "chart_text", "col_range", "column_index", "column_letter", "column_ref", "excel_id_key",
           "parse_ref", "quote_sheet", "sheet_cell", "split_ref", "string_literal", "sumifs_key"]

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_CELL_LIKE = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*")
_WILDCARDS = re.compile(r"([~*?])")
_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def column_letter(index: int) -> str:
    """0-based column index to Excel letters: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel column letters to a 0-based index: A -> 0, AB -> 27."""
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def parse_ref(cell: str) -> tuple[int, int]:
    """``"B3"`` -> (row 2, column 1), both 0-based."""
    match = _CELL.fullmatch(cell.strip())
    if not match:
        raise ValueError(f'"{cell}" is not a cell reference')
    return int(match.group(2)) - 1, column_index(match.group(1))


def split_ref(ref: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """``"A1:F20"`` -> ((0, 0), (19, 5)), 0-based (row, column) of both corners."""
    first, _, last = ref.partition(":")
    start = parse_ref(first)
    return start, parse_ref(last) if last else start


def cell(row: int, col: int, absolute: bool = True) -> str:
    """``cell(2, 1)`` -> ``$B$3``; ``absolute=False`` -> ``B3``."""
    dollar = "$" if absolute else ""
    return f"{dollar}{column_letter(col)}{dollar}{row + 1}"


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
    letter = "$" + column_letter(col)
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
