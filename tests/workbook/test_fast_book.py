"""FastWorkbook: the parts XlsxWriter's Workbook writes, the same names, order and bytes, zipped by ISA-L."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.workbook import Workbook

from xlcomp.workbook.fast_book import FastWorkbook


def _build(book: Workbook) -> None:
    money = book.add_format({"num_format": '"$"#,##0.00'})
    sheet = book.add_worksheet("Plan")
    sheet.write_string(0, 0, "Quota ü €")
    sheet.write_number(1, 0, 1234.5, money)
    sheet.write_formula(2, 0, "=ROUND(A2*2,2)", money, 2469)
    sheet.add_table(4, 0, 8, 2, {"name": "T", "columns": [{"header": "a"}, {"header": "b"}, {"header": "c"}]})
    other = book.add_worksheet("Ünïcode CSM")
    other.write_comment(0, 0, "a note")
    other.data_validation(1, 1, 1, 1, {"validate": "decimal", "criteria": ">=", "value": 0})
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Plan!$A$2:$A$3"})
    other.insert_chart(3, 3, chart)
    book.set_properties({"title": "t"})


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


@pytest.mark.parametrize("in_memory", [True, False])
def test_the_same_parts_as_xlsxwriters(in_memory: bool) -> None:
    ours, theirs = io.BytesIO(), io.BytesIO()
    for buffer, cls in ((ours, FastWorkbook), (theirs, Workbook)):
        book = cls(buffer, {"in_memory": in_memory})
        _build(book)
        book.close()
    assert _members(ours.getvalue()) == _members(theirs.getvalue())
    assert len(_members(ours.getvalue())) > 12  # the table, comment, chart and drawing parts among them
    if in_memory:
        assert ours.getvalue() != theirs.getvalue()  # deflated by ISA-L, not zlib
    else:
        assert ours.getvalue() == theirs.getvalue()  # parts in temporary files: XlsxWriter zips them itself


def test_a_file_that_cannot_be_created_is_xlsxwriters_error(tmp_path: Path) -> None:
    book = FastWorkbook(str(tmp_path / "missing" / "book.xlsx"), {"in_memory": True})
    book.add_worksheet()
    with pytest.raises(FileCreateError):
        book.close()
    written = tmp_path / "book.xlsx"
    book = FastWorkbook(str(written), {"in_memory": True})
    book.add_worksheet().write_number(0, 0, 1)
    book.close()
    assert [name for name, _ in _members(written.read_bytes())][:1] == ["[Content_Types].xml"]
