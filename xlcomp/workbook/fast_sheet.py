"""XlsxWriter's worksheet with less work per cell, for the workbook's million cells.

:class:`FastWorksheet` is what :func:`xlcomp.workbook.writer.write_workbook` adds its sheets as
(``Workbook.add_worksheet(name, worksheet_class=...)``). It writes exactly the XML XlsxWriter's own
:class:`~xlsxwriter.worksheet.Worksheet` writes (``tests/workbook/test_fast_sheet.py`` compares them
byte for byte), with two savings:

- **a formula's text is prepared once per workbook**: XlsxWriter runs some thirty regular
  expressions over every formula (``_prepare_formula``: dynamic-array function prefixes; one, with a
  table, from 3.3.4) and, from 3.3.4, a Python loop over its function names (``_write_formula``: is it
  a dynamic array formula?); every CSM tab has the same formulas, so the prepared text, and that a
  formula is a plain one, are kept by formula (pure functions of it);
- **a formatted number, text, formula or blank cell is written in one step** at ``close()``
  (``_write_cell``): the reference and the format index never need XML escaping, so the
  attribute list, its escaping (which raises and catches a ``TypeError`` for the format index)
  and the per-type dispatch are skipped. Every other cell goes through XlsxWriter's own code.

A third saving is for a big table (the Accounts sheet's 850,000 cells): :meth:`FastWorksheet.write_columns`
takes whole columns at once and, at ``close()``, writes their rows as one block of XML built column by
column, rather than storing and writing each cell through XlsxWriter's cell table. The XML is the
one the cell-by-cell writes give (``test_fast_sheet.py`` compares them); whenever the block could
differ (another write into its rows, row formats, NaN or infinite numbers, a column too short,
charts reading its cells), its cells are stored the ordinary way first and XlsxWriter writes them.

Should a future XlsxWriter rename these internals, the overrides are simply not called and the
output is XlsxWriter's own, only slower.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_range, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

__all__ = ["Column", "FastWorksheet"]

Column = tuple[int, "Sequence[Any] | None", Format, bool]
"""A column for :meth:`FastWorksheet.write_columns`: its index, its values (None: blank), its format, and
whether it holds text."""

# The functions XlsxWriter 3.3 prefixes with _xlfn. when future functions are off (up to 3.3.1 its
# ``_prepare_formula`` substitutes ``\bNAME\(``, and ``\SINGLE\(``; from 3.3.4 its FUTURE_FUNCTIONS table marks
# them 1 or 2): a formula without one of these calls is only stripped of its "=" and array braces
# (tests/workbook/test_fast_sheet.py reads the list from the installed XlsxWriter).
DYNAMIC_FUNCTIONS = ("ANCHORARRAY", "BYCOL", "BYROW", "CHOOSECOLS", "CHOOSEROWS", "DROP", "EXPAND", "FILTER", "HSTACK",
                     "LAMBDA", "MAKEARRAY", "MAP", "RANDARRAY", "REDUCE", "SCAN", "SINGLE", "SEQUENCE", "SORT",
                     "SORTBY", "SWITCH", "TAKE", "TEXTSPLIT", "TOCOL", "TOROW", "UNIQUE", "VSTACK", "WRAPCOLS",
                     "WRAPROWS", "XLOOKUP")
_DYNAMIC_CALL = re.compile("(?:" + "|".join(name[1:] if name == "SINGLE" else name for name in DYNAMIC_FUNCTIONS)
                           + r")\(")

_ERROR_CODES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


def _escape_data(text: str) -> str:
    """XlsxWriter's escaping of element data (double quotes are left as they are)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


class FastWorksheet(Worksheet):  # type: ignore[misc]
    """A worksheet that prepares each formula text once and writes common cells in one step."""

    def __init__(self) -> None:
        super().__init__()
        # formula -> prepared text; write_workbook gives every sheet of a workbook the same dict
        self.prepared_formulas: dict[str, str] = {}
        # formula -> prepared text, for a formula XlsxWriter stores as a plain one (no dynamic-array function,
        # not an array formula); shared the same way
        self.plain_formulas: dict[str, str] = {}
        # write_columns blocks: first row, row count, columns (text columns as shared string indices)
        self._blocks: list[tuple[int, int, list[Column]]] = []

    def write_columns(self, first_row: int, rows: int, columns: Sequence[Column]) -> None:
        """Write whole columns from ``first_row``: for each ``(col, values, fmt, is_text)``, a blank cell in
        each of ``rows`` rows when ``values`` is None, else each value down from ``first_row``: a text
        (blank when empty), a number (blank when None). The cells are those ``write_string``,
        ``write_number`` and ``write_blank`` would write in that order; the shared strings are numbered
        now, the XML is written at ``close()``."""
        if not self._can_defer(first_row, rows, columns):
            _write_columns(self, first_row, rows, columns, interned=False)
            return
        index = self.str_table._get_shared_string_index
        interned: list[Column] = []
        for col, given, fmt, is_text in columns:
            values = [index(value) if value else None for value in given] if is_text and given is not None else given
            interned.append((col, values, fmt, is_text))
            cells: Sequence[int]
            if fmt is not None:  # every value a cell, blank or not
                cells = range(rows if values is None else len(values))
            else:  # blank cells without a format are not written
                cells = [] if values is None else [i for i, value in enumerate(values) if value is not None]
            if cells:  # the dimensions the cells give
                self._check_dimensions(first_row + cells[0], col)
                self._check_dimensions(first_row + cells[-1], col)
        self._blocks.append((first_row, rows, interned))

    def _can_defer(self, first_row: int, rows: int, columns: Sequence[Column]) -> bool:
        """Can a block's cells wait until ``close()``? Not when they would not all be stored as given (out of
        the grid, NaN or infinite numbers, texts XlsxWriter truncates) or when cells stand in their place."""
        if self.constant_memory or not columns:
            return False
        longest = max([rows, *(len(values) for _, values, _, _ in columns if values is not None)])
        cols = [col for col, _, _, _ in columns]
        if first_row < 0 or first_row + longest > self.xls_rowmax or min(cols) < 0 or max(cols) >= self.xls_colmax:
            return False
        if len(set(cols)) < len(cols) or self._blocks:  # later writes win: in order, cell by cell
            return False
        strmax = self.xls_strmax // 2
        for _, values, _, is_text in columns:
            if values is None:
                continue
            if is_text and max(map(len, filter(None, values)), default=0) > strmax:
                return False
            if not is_text and not all(map(math.isfinite, [value for value in values if value is not None])):
                return False
        taken = set(cols)
        return not any(first_row <= row < first_row + longest and taken.intersection(cells)
                       for row, cells in self.table.items())

    def _materialize(self) -> None:
        """Store the blocks' cells the ordinary way (XlsxWriter then writes them itself); a cell written
        since, in a block's place, stays."""
        blocks, self._blocks = self._blocks, []
        for first_row, rows, columns in blocks:
            _write_columns(self, first_row, rows, columns, interned=True)

    def _fast_block(self) -> tuple[int, int, list[Column]] | None:
        """The one block written as a whole at ``close()``: None (its cells stored the ordinary way)
        unless its rows hold nothing else and every one of its rows holds every one of its columns."""
        if len(self._blocks) != 1:
            return None
        first_row, rows, columns = self._blocks[0]
        last_row = first_row + rows - 1
        ok = (rows > 0 and self.default_row_height == self.original_row_height and self.excel_version != 2010
              and all(fmt is not None for _, _, fmt, _ in columns)
              and all(values is None or len(values) == rows for _, values, _, _ in columns)
              and not any(first_row <= row <= last_row and cells for row, cells in self.table.items())
              and not any(first_row <= row <= last_row for row in (*self.row_info, *self.comments)))
        return self._blocks[0] if ok else None

    def _write_rows(self) -> None:
        block = self._fast_block()
        if block is None:
            self._materialize()
            super()._write_rows()
            return
        first_row, rows, columns = block
        last_row = first_row + rows - 1
        columns = sorted(columns, key=lambda column: column[0])
        self._calculate_spans()
        low, high = columns[0][0] + 1, columns[-1][0] + 1
        for group in range(first_row // 16, last_row // 16 + 1):
            span = self.row_spans.get(group)
            if span is not None:
                a, b = span.split(":")
                self.row_spans[group] = f"{min(low, int(a))}:{max(high, int(b))}"
            else:
                self.row_spans[group] = f"{low}:{high}"
        self._write_some_rows(self.dim_rowmin, first_row - 1)
        self.fh.write(_block_xml(first_row, rows, columns, self.row_spans))
        self._write_some_rows(last_row + 1, self.dim_rowmax)
        self._blocks = []

    def _write_some_rows(self, first: int, last: int) -> None:
        """XlsxWriter's ``_write_rows`` loop over rows ``first`` to ``last`` (the spans calculated)."""
        for row_num in range(first, last + 1):
            if row_num in self.row_info or row_num in self.comments or self.table[row_num]:
                span = self.row_spans.get(int(row_num / 16))
                if self.table[row_num]:
                    if row_num not in self.row_info:
                        self._write_row(row_num, span)
                    else:
                        self._write_row(row_num, span, self.row_info[row_num])
                    for col_num in range(self.dim_colmin, self.dim_colmax + 1):
                        if col_num in self.table[row_num]:
                            self._write_cell(row_num, col_num, self.table[row_num][col_num])
                    self._xml_end_tag("row")
                elif row_num not in self.row_info:
                    self._write_empty_row(row_num, span, None)
                else:
                    self._write_empty_row(row_num, span, self.row_info[row_num])

    def add_table(self, *args: Any, **kwargs: Any) -> Any:
        """XlsxWriter's ``add_table``, which records each of a table's cells to refuse overlapping ranges; a
        big table on a sheet with no other table or merged range is recorded as its range instead (the
        same refusals, see :class:`_TableCells`)."""
        plain = len(args) in (4, 5) and all(type(a) is int for a in args[:4]) and set(kwargs) <= {"options"}
        options = (args[4] if len(args) == 5 else kwargs.get("options")) if plain else None
        if not plain or not isinstance(options or {}, dict):
            return super().add_table(*args, **kwargs)
        options = options or {}
        first_row, first_col, last_row, last_col = args[:4]
        cells: dict[Any, Any] = self.table_cells  # type: ignore[has-type]
        simple = (not self.constant_memory and type(cells) is dict and not cells
                  and not self.merged_cells
                  and first_row >= 0 and first_row + 2 < last_row < self.xls_rowmax
                  and 0 <= first_col <= last_col < self.xls_colmax
                  and not ({"data", "total_row"} & set(options)) and options.get("header_row", True) is True
                  and options.get("autofilter", True) is True
                  and all(isinstance(c, dict) and not c.get("formula") for c in options.get("columns", [])))
        if not simple:
            return super().add_table(*args, **kwargs)
        outcome = super().add_table(first_row, first_col, first_row + 1, last_col, options)  # header, one row
        if outcome != 0:
            return outcome
        table = self.tables[-1]
        table["range"] = table["a_range"] = table["autofilter"] = xl_range(first_row, first_col, last_row, last_col)
        self.table_cells = _TableCells([(first_row, first_col, last_row, last_col, table["range"])])
        return outcome

    def _get_range_data(self, *args: Any) -> Any:
        self._materialize()  # a chart reads the cells
        return super()._get_range_data(*args)

    def autofit(self, *args: Any, **kwargs: Any) -> Any:
        self._materialize()
        return super().autofit(*args, **kwargs)

    def _write_formula(self, row: int, col: int, formula: str, cell_format: Format | None = None,
                       value: Any = 0) -> Any:
        """XlsxWriter's, deciding once per formula text what it decides for every cell: whether the formula
        holds a dynamic-array function (a dynamic array formula; from 3.3.4 a Python loop over every function
        name in it) or is an array formula; a plain one is stored as XlsxWriter stores it."""
        if self.constant_memory or self.use_future_functions:
            return super()._write_formula(row, col, formula, cell_format, value)
        prepared = self.plain_formulas.get(formula)
        if prepared is None:
            if not formula or _DYNAMIC_CALL.search(formula) is not None or (formula[0] == "{" and formula[-1] == "}"):
                return super()._write_formula(row, col, formula, cell_format, value)
            prepared = self.plain_formulas[formula] = self._prepare_formula(formula)
        if self._check_dimensions(row, col):
            return -1
        self.table[row][col] = CellFormulaTuple(prepared, cell_format, value)
        return 0

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> Any:
        if expand_future_functions or self.use_future_functions:
            return super()._prepare_formula(formula, expand_future_functions)
        prepared = self.prepared_formulas.get(formula)
        if prepared is None:
            if _DYNAMIC_CALL.search(formula) is None:  # what XlsxWriter's prefixing leaves as it is
                prepared = formula[formula.startswith("{"):]
                prepared = prepared[prepared.startswith("="):]
                prepared = prepared[:-1] if prepared.endswith("}") else prepared
            else:
                prepared = super()._prepare_formula(formula)
            self.prepared_formulas[formula] = prepared
        return prepared

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind = cell.__class__
        cell_format = cell.format
        if cell_format is None or self.constant_memory or kind not in _FAST_KINDS:
            super()._write_cell(row, col, cell)
            return
        head = f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{cell_format._get_xf_index()}"'
        if kind is CellNumberTuple:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")
        elif kind is CellStringTuple:
            self.fh.write(f'{head} t="s"><v>{cell.string}</v></c>')
        elif kind is CellFormulaTuple:
            value = cell.value
            if isinstance(value, bool):
                head += ' t="b"'
                value = 1 if value else 0
            elif isinstance(value, str):
                if value in _ERROR_CODES:
                    head += ' t="e"'
                elif value:
                    head += ' t="str"'
                value = _escape_data(value)
            self.fh.write(f"{head}><f>{_escape_data(cell.formula)}</f><v>{value}</v></c>")
        else:  # CellBlankTuple
            self.fh.write(f"{head}/>")


_FAST_KINDS = frozenset((CellNumberTuple, CellStringTuple, CellFormulaTuple, CellBlankTuple))


class _TableCells(dict):  # type: ignore[type-arg]
    """``Worksheet.table_cells`` (cell -> the range of the table covering it) holding whole ranges as well:
    ``get`` finds a cell in either."""

    def __init__(self, ranges: list[tuple[int, int, int, int, str]]) -> None:
        super().__init__()
        self.ranges = ranges

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key)
        if found is None and isinstance(key, tuple):
            row, col = key
            found = next((text for r0, c0, r1, c1, text in self.ranges if r0 <= row <= r1 and c0 <= col <= c1), None)
        return default if found is None else found


def _write_columns(sheet: FastWorksheet, first_row: int, rows: int, columns: Sequence[Column], *,
                   interned: bool) -> None:
    """What ``write_columns`` stands for, cell by cell through XlsxWriter's own writes (texts already
    numbered as shared strings when ``interned``: then a cell written since in the block's place stays)."""
    table = sheet.table

    def free(row: int, col: int) -> bool:
        return not interned or col not in table.get(row, ())

    for col, values, fmt, is_text in columns:
        if values is None:
            for row in range(first_row, first_row + rows):
                if free(row, col):
                    sheet._write_blank(row, col, None, fmt)
        elif is_text:
            for row, value in enumerate(values, start=first_row):
                if not free(row, col):
                    continue
                if (value is None) if interned else not value:
                    sheet._write_blank(row, col, None, fmt)
                elif not interned:
                    sheet._write_string(row, col, value, fmt)
                elif not sheet._check_dimensions(row, col):
                    table[row][col] = CellStringTuple(value, fmt)
        else:
            for row, value in enumerate(values, start=first_row):
                if not free(row, col):
                    continue
                if value is None:
                    sheet._write_blank(row, col, None, fmt)
                else:
                    sheet._write_number(row, col, value, fmt)


def _block_xml(first_row: int, rows: int, columns: list[Column], spans: dict[int, str]) -> str:
    """The ``<row>`` elements of a block (every cell formatted, columns in order), built a column at a time."""
    numbers = range(first_row + 1, first_row + rows + 1)
    cells: list[list[str]] = []
    for col, values, fmt, is_text in columns:
        head = '<c r="' + xl_col_to_name(col)
        xf = fmt._get_xf_index()
        blank = f'" s="{xf}"/>'
        if values is None:
            cells.append([f"{head}{r}{blank}" for r in numbers])
            continue
        tail = f'" s="{xf}" t="s"><v>' if is_text else f'" s="{xf}"><v>'
        if is_text:
            cells.append([f"{head}{r}{blank}" if v is None else f"{head}{r}{tail}{v}</v></c>"
                          for r, v in zip(numbers, values, strict=True)])
        else:
            cells.append([f"{head}{r}{blank}" if v is None else f"{head}{r}{tail}{v:.16G}</v></c>"
                          for r, v in zip(numbers, values, strict=True)])
    starts = [f'<row r="{r}" spans="{spans[(r - 1) // 16]}">' for r in numbers]
    return "".join(["".join(row) + "</row>" for row in zip(starts, *cells, strict=True)])
