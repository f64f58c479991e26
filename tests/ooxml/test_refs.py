"""A1 references both ways (:mod:`xlcomp.ooxml.refs`), worked by hand and against XlsxWriter's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from xlcomp.ooxml.refs import cell, col_range, column_index, column_letter, parse_ref, split_ref


def test_columns_by_hand() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702, 16383)] == ["A", "Z", "AA", "AB", "ZZ", "AAA", "XFD"]
    assert [column_index(t) for t in ("A", "Z", "AA", "AB", "ZZ", "AAA", "XFD")] == [0, 25, 26, 27, 701, 702, 16383]


def test_references_by_hand() -> None:
    assert cell(2, 1) == "$B$3" and cell(2, 1, absolute=False) == "B3"
    assert parse_ref("B3") == (2, 1) and parse_ref(" $AB$10 ") == (9, 27)
    assert split_ref("A1:F20") == ((0, 0), (19, 5)) and split_ref("C4") == ((3, 2), (3, 2))
    assert col_range("Roster", 0, 1, 40) == "Roster!$A$2:$A$41"
    for bad in ("b3", "B", "3", "B3C"):
        with pytest.raises(ValueError, match="is not a cell reference"):
            parse_ref(bad)


@given(row=st.integers(0, 1_048_575), column=st.integers(0, 16_383), absolute=st.booleans())
def test_writing_agrees_with_xlsxwriter_and_reading_undoes_it(row: int, column: int, absolute: bool) -> None:
    assert column_letter(column) == xl_col_to_name(column)
    assert cell(row, column, absolute) == xl_rowcol_to_cell(row, column, absolute, absolute)
    assert parse_ref(cell(row, column, absolute)) == (row, column)
