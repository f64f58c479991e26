"""FastWorksheet writes exactly the XML of XlsxWriter's own Worksheet, byte for byte."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlcomp.workbook.fast_sheet import FastWorksheet

FORMULAS = ['=SUM(A1:A3)', '=IF(B2="","",B2*2)', '=SUMIFS(T[a],T[b],"="&$B$6)', '=A1&" <&> "&"x"',
            '=FILTER(A1:A3,A1:A3>0)', '=XLOOKUP(1,A1:A3,B1:B3)', "=1/0", '=""']
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
