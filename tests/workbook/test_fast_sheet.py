"""FastWorksheet writes exactly the XML of XlsxWriter's own Worksheet, byte for byte."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlcomp.workbook.fast_sheet import FastWorksheet

FORMULAS = ['=SUM(A1:A3)', '=IF(B2="","",B2*2)', '=SUMIFS(T[a],T[b],"="&$B$6)', '=A1&" <&> "&"x"',
            '=FILTER(A1:A3,A1:A3>0)', '=XLOOKUP(1,A1:A3,B1:B3)', "=1/0", '=""', "{=SUM(A1:A3*B1:B3)}",
            '=IF(A1="SORT(",1,2)', "=_xlfn.SINGLE(A1:A3)"]
CACHED = st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers(-10**6, 10**6), st.booleans(),
                   st.sampled_from(["", "#DIV/0!", "#N/A", "#REF!", "text", 'a "quoted" <b> & c', "line\nbreak"]))
CELL = st.one_of(
    st.tuples(st.just("number"), st.floats(allow_nan=False, allow_infinity=False)),
    st.tuples(st.just("string"), st.text(min_size=1, max_size=12)),
    st.tuples(st.just("formula"), st.tuples(st.sampled_from(FORMULAS), CACHED)),
    st.tuples(st.just("blank"), st.none()),
    st.tuples(st.just("bool"), st.booleans()),
)


def _sheets(worksheet_class: type[Worksheet], cells: list[tuple[int, int, str, Any, int | None]],
            row_format: bool) -> dict[str, bytes]:
    """The worksheet parts of a workbook holding ``cells`` (row, column, kind, value, format number)."""
    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True})
    formats = [book.add_format({"num_format": "0.00"}), book.add_format({"bold": True}),
               book.add_format({"num_format": '"$"#,##0.00', "locked": False})]
    for name in ("One", "Two"):
        sheet = book.add_worksheet(name, worksheet_class=worksheet_class)
        if row_format:
            sheet.set_row(1, None, formats[1])
            sheet.set_column(2, 2, 12, formats[0])
        for row, column, kind, value, number in cells:
            cell_format = formats[number] if number is not None else None
            if kind == "number":
                sheet.write_number(row, column, value, cell_format)
            elif kind == "string":
                sheet.write_string(row, column, value, cell_format)
            elif kind == "formula":
                sheet.write_formula(row, column, value[0], cell_format, value[1])
            elif kind == "blank":
                sheet.write_blank(row, column, None, cell_format)
            else:
                sheet.write_boolean(row, column, value, cell_format)
    book.close()
    with zipfile.ZipFile(buffer) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")}


@settings(max_examples=120, deadline=None)
@given(cells=st.lists(st.tuples(st.integers(0, 40), st.integers(0, 6), CELL, st.sampled_from([None, 0, 1, 2])),
                      max_size=60),
       row_format=st.booleans())
def test_the_same_xml_as_xlsxwriter(cells: list[tuple[int, int, tuple[str, Any], int | None]],
                                    row_format: bool) -> None:
    flat = [(row, column, kind, value, number) for row, column, (kind, value), number in cells]
    assert _sheets(FastWorksheet, flat, row_format) == _sheets(Worksheet, flat, row_format)


def test_a_formula_is_prepared_once_per_text() -> None:
    sheet = FastWorksheet()
    shared: dict[str, str] = {}
    sheet.prepared_formulas = shared
    assert sheet._prepare_formula("=FILTER(A1:A3,A1:A3>0)") == Worksheet()._prepare_formula("=FILTER(A1:A3,A1:A3>0)")
    assert shared == {"=FILTER(A1:A3,A1:A3>0)": "_xlfn._xlws.FILTER(A1:A3,A1:A3>0)"}
    shared["=A1"] = "B2"  # a kept text is used as it is
    assert sheet._prepare_formula("=A1") == "B2"


# ---------------------------------------------------------------------------------------------
# write_columns (the Accounts table's block) and add_table (a big table recorded as its range)

VALUE = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, width=32), st.integers(-10**6, 10**6))
TEXT = st.one_of(st.none(), st.just(""), st.text(max_size=6))


@st.composite
def _columns(draw: Any) -> tuple[int, int, list[tuple[int, Any, int | None, bool]]]:
    first_row = draw(st.integers(0, 20))
    rows = draw(st.integers(0, 40))
    columns = []
    for col in draw(st.lists(st.integers(0, 8), min_size=1, max_size=6)):
        kind = draw(st.sampled_from(["blank", "text", "number"]))
        length = rows if draw(st.booleans()) else draw(st.integers(0, 45))
        values = None if kind == "blank" else draw(st.lists(TEXT if kind == "text" else VALUE, min_size=length,
                                                             max_size=length))
        columns.append((col, values, draw(st.sampled_from([0, 0, 1, None])), kind == "text"))
    return first_row, rows, columns


def _block_book(worksheet_class: type[Worksheet], block: tuple[int, int, list[Any]],
                before: list[tuple[int, int, str]], after: list[tuple[int, int, str]], row_format: bool,
                table: tuple[int, int, int] | None) -> dict[str, bytes]:
    """Every part of a workbook whose sheet gets ``block`` through write_columns (FastWorksheet) or cell by
    cell (Worksheet), with cells written before and after it."""
    buffer = io.BytesIO()
    book = Workbook(buffer, {"in_memory": True})
    formats = [book.add_format({"num_format": "0.00"}), book.add_format({"bold": True})]
    sheet = book.add_worksheet("S", worksheet_class=worksheet_class)
    if table is not None:
        sheet.add_table(table[0], 0, table[0] + table[1], table[2], {"name": "T", "columns": [
            {"header": f"h{i}", "header_format": formats[1]} for i in range(table[2] + 1)]})
    for row, col, text in before:
        sheet.write_string(row, col, text)
    first_row, rows, columns = block
    resolved = [(col, values, formats[f] if f is not None else None, is_text) for col, values, f, is_text in columns]
    if isinstance(sheet, FastWorksheet):
        sheet.write_columns(first_row, rows, resolved)
    else:  # what write_columns stands for
        for col, values, fmt, is_text in resolved:
            if values is None:
                for row in range(first_row, first_row + rows):
                    sheet.write_blank(row, col, None, fmt)
            for row, value in enumerate(values or [], start=first_row):
                if value is None or (is_text and not value):
                    sheet.write_blank(row, col, None, fmt)
                elif is_text:
                    sheet.write_string(row, col, value, fmt)
                else:
                    sheet.write_number(row, col, value, fmt)
    for row, col, text in after:
        sheet.write_string(row, col, text, formats[0])
    if row_format:
        sheet.set_row(3, 20, formats[1])
    book.close()
    with zipfile.ZipFile(buffer) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


CELLS = st.lists(st.tuples(st.integers(0, 70), st.integers(0, 9), st.text(min_size=1, max_size=4)), max_size=4)


@settings(max_examples=150, deadline=None)
@given(block=_columns(), before=CELLS, after=CELLS, row_format=st.booleans(),
       table=st.one_of(st.none(), st.tuples(st.integers(0, 30), st.integers(1, 60), st.integers(0, 9))))
def test_write_columns_writes_what_the_cell_writes_write(block: Any, before: Any, after: Any, row_format: bool,
                                                         table: Any) -> None:
    # every part, shared strings (their order and count) included, is the same byte for byte
    assert _block_book(FastWorksheet, block, before, after, row_format, table) == \
        _block_book(Worksheet, block, before, after, row_format, table)


def test_the_accounts_like_block_is_written_in_one_piece() -> None:
    # 3 rows x 3 columns from row 1, every cell formatted: the block path (nothing else in its rows)
    sheet = FastWorksheet()
    block = (1, 3, [(0, ["a", "", "b"], 0, True), (1, [1.5, None, 2.0], 0, False), (2, None, 0, False)])
    parts = _block_book(FastWorksheet, block, [], [], False, None)
    assert parts == _block_book(Worksheet, block, [], [], False, None)
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    # "a" and "b" are shared strings 0 and 1; the empty text and None are formatted blanks
    assert '<row r="2" spans="1:3"><c r="A2" s="1" t="s"><v>0</v></c><c r="B2" s="1"><v>1.5</v></c>' \
           '<c r="C2" s="1"/></row>' in xml
    assert '<row r="3" spans="1:3"><c r="A3" s="1"/><c r="B3" s="1"/><c r="C3" s="1"/></row>' in xml
    with pytest.raises(TypeError, match="NAN/INF"):  # NaN: XlsxWriter's own refusal, at once, not at close()
        sheet.write_columns(1, 3, [(0, [float("nan")], None, False)])
    assert not sheet._blocks


def test_a_big_table_refuses_overlaps_as_xlsxwriter_does() -> None:
    from xlsxwriter.exceptions import OverlappingRange

    messages = []
    for worksheet_class in (FastWorksheet, Worksheet):
        sheet = Workbook(io.BytesIO(), {"in_memory": True}).add_worksheet("S", worksheet_class=worksheet_class)
        assert sheet.add_table(0, 0, 500, 5, {"name": "Big"}) == 0
        with pytest.raises(OverlappingRange) as merged:
            sheet.merge_range(300, 4, 301, 8, "x")
        with pytest.raises(OverlappingRange) as tabled:
            sheet.add_table(400, 5, 410, 7)
        assert sheet.add_table(501, 0, 510, 5) == 0  # just below: no overlap
        with pytest.raises(OverlappingRange) as second:
            sheet.add_table(505, 3, 520, 4)
        messages.append((str(merged.value), str(tabled.value), str(second.value), sheet.tables[0]["range"]))
    assert messages[0] == messages[1]
    assert messages[0][3] == "A1:F501"


FRAGMENTS = st.lists(st.sampled_from(["=", "{", "}", "SUM(", "FILTER(", "XFILTER(", " SINGLE(", "xSINGLE(", "SORTBY(",
                                      "_xlfn.", "A1", ")", ",", "MAP", "(", "XLOOKUP(", "IF(", "ROUND(", " "]),
                     max_size=8)


@given(fragments=FRAGMENTS)
def test_a_formula_is_prepared_as_xlsxwriter_prepares_it(fragments: list[str]) -> None:
    formula = "".join(fragments)
    sheet = FastWorksheet()
    assert sheet._prepare_formula(formula) == Worksheet()._prepare_formula(formula)


def _xlsxwriters_dynamic_functions() -> set[str]:
    """The functions XlsxWriter prefixes with _xlfn. when future functions are off, as the installed version
    says: its table of future functions (3.3.4 on: 0 = only when they are on), or, before, the ``re.sub``
    calls its ``_prepare_formula`` makes before it tests ``use_future_functions``."""
    import inspect
    import re

    from xlsxwriter import worksheet

    table = getattr(worksheet, "FUTURE_FUNCTIONS", None)
    if table is not None:
        return {name for name, kind in table.items() if kind}
    source = inspect.getsource(Worksheet._prepare_formula)
    source = source[:source.index("if not self.use_future_functions")]
    found = set(re.findall(r're\.sub\(r"\\[bS](\w+)\\\(', source))
    return found - {"INGLE"} | {"SINGLE"} if "INGLE" in found else found  # 3.3.1 writes \SINGLE\( for \bSINGLE\(


def test_the_dynamic_functions_are_xlsxwriters() -> None:
    from xlcomp.workbook.fast_sheet import DYNAMIC_FUNCTIONS

    functions = _xlsxwriters_dynamic_functions()
    assert len(functions) >= 29  # the table or the source was read, not something else
    assert functions == set(DYNAMIC_FUNCTIONS)
