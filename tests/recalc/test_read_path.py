"""The recalc read path reads each part of an upload once (:func:`xlcomp.recalc.job.read_for_recalc`)
and its quick paths agree with the slow, general readers they stand in for: the quick extent check
with the cell-by-cell one, the package's values with python-calamine reading the file (the formula
scans are tested in :mod:`tests.ooxml.test_scan`)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from xlcomp.ooxml.scan import read_sheet_formulas
from xlcomp.recalc import intake as safety
from xlcomp.recalc.intake import Limits, inspect_upload
from xlcomp.recalc.job import RecalcOptions, read_for_recalc
from xlcomp.recalc.read import read_upload

from .builders import members_of, plain_workbook, recalc_file, zip_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An xlcomp workbook: the regenerated workbook of the hand-worked inputs."""
    folder = tmp_path_factory.mktemp("read-path")
    result = recalc_file(plain_workbook(folder / "inputs.xlsx"))
    assert result.workbook is not None
    path = folder / "fresh.xlsx"
    path.write_bytes(result.workbook)
    return path


def test_one_read_gives_what_each_reader_gives(regenerated: Path) -> None:
    read = read_for_recalc(regenerated.read_bytes(), RecalcOptions(), "fresh.xlsx")
    assert read.inputs is not None and read.package is not None, read.problems
    alone = read_upload(regenerated)
    assert read.inputs.plan == alone.plan and read.inputs.period == alone.period
    assert read.inputs.roster.csms == alone.roster.csms and read.inputs.tabs == alone.tabs
    assert read.inputs.book.table.equals(alone.book.table)
    package = read.package
    scanned = set(package.scanned_formulas)
    assert scanned == {s.name for s in package.index.sheets} - {"Roster", "Accounts", "_xlcomp"}
    calamine = CalamineWorkbook.from_path(str(regenerated))
    members = members_of(regenerated)
    try:
        for sheet in package.index.sheets:
            expected = {(r, c): text for r, c, text, _ in read_sheet_formulas(members[sheet.part])}
            assert {(r, c): text for r, c, text in package.formulas(sheet.name).items()} == expected, sheet.name
            assert package.rows(sheet.name) == calamine.get_sheet_by_name(sheet.name).to_python(
                skip_empty_area=False)
    finally:
        calamine.close()
        package.close()
    assert sum(map(len, package.scanned_formulas.values())) > 100


def test_reading_makes_no_reference_cycles(regenerated: Path) -> None:
    """Why pausing the garbage collector while reading costs nothing: there is no cyclic garbage to collect."""
    data = regenerated.read_bytes()
    read_for_recalc(data, RecalcOptions(), "fresh.xlsx").package.close()  # imports and first uses done
    gc.collect()
    gc.disable()
    try:
        read = read_for_recalc(data, RecalcOptions(), "fresh.xlsx")
        assert read.package is not None
        read.package.close()
        del read
        assert gc.collect() == 0
    finally:
        gc.enable()
    assert gc.isenabled()


def test_a_plain_inputs_workbook_is_read_without_comparison_reads(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "plain.xlsx")
    read = read_for_recalc(path.read_bytes(), RecalcOptions(), "plain.xlsx")
    assert read.inputs is not None and read.package is not None
    assert read.inputs.kind == "inputs workbook" and not read.package.scanned_formulas
    read.package.close()


def test_problems_name_the_upload_as_the_readers_do(tmp_path: Path) -> None:
    path = plain_workbook(tmp_path / "plain.xlsx")
    members = members_of(path)
    workbook = members["xl/workbook.xml"].decode().replace('name="Accounts"', 'name="Books"')
    data = zip_bytes({**members, "xl/workbook.xml": workbook})
    read = read_for_recalc(data, RecalcOptions(), "uploads/emea q1.xlsx")
    assert read.inputs is None and read.package is None
    assert any(p["where"] == "emea q1.xlsx" and p["message"].startswith('has no "Accounts" table or sheet')
               for p in read.problems), read.problems


# ---------------------------------------------------------------------------------------------
# the quick extent check against the cell-by-cell one


def test_quick_checks_of_a_declared_range() -> None:
    cells, rows = safety._quick_checks("A1:Q50001", 5_000_000)  # rows up to 59,999, columns A:Q
    assert not cells.search(b'<c r="Q59999" s="1"><v>1</v></c><c r="A1"/><c r="P7">')
    for odd in (b'<c r="R1">', b'<c r="A60000">', b'<c r="AA1">', b"<c>", b'<c s="1" r="A1">', b"<c/>",
                b'<c\tr="A1">', b'<c r="a1">'):
        assert cells.search(odd), odd
    assert not rows.search(b'<row r="59999" spans="1:17">') and rows.search(b'<row r="60000">')
    assert rows.search(b"<row>") and rows.search(b'<row spans="1:2" r="3">')
    assert safety._quick_checks("B2:AB7", 364) is not None  # rows up to 7, columns A:AZ (52): 364 cells
    assert safety._quick_checks("B2:AB7", 363) is None
    assert safety._quick_checks("A1:CD70", 79 * 104) is not None  # rows up to 79, columns A:CZ (104)
    assert safety._quick_checks("A1:CD70", 79 * 104 - 1) is None
    assert safety._quick_checks("A1:XFD1", 5_000_000) is None  # the box would leave Excel's grid
    assert safety._quick_checks("A1:Z900000", 5_000_000) is None  # 999,999 x 26 cells: too many
    assert safety._quick_checks("nonsense", 5_000_000) is None
    quick = safety._SheetExtent(5_000_000, exact=False)
    quick.declared = "A1:J3"
    quick.feed(b'<row r="1" spans="1:10"><c r="A1"><v>1</v></c><c r="J3" s="1"/></row>')
    assert quick.quick is not None and quick.area == 0  # vouched for without visiting each cell
    outside = safety._SheetExtent(5_000_000, exact=False)
    outside.declared = "A1:J3"
    with pytest.raises(safety._NeedExactError):
        outside.feed(b'<row r="1"><c r="K1"><v>1</v></c></row>')


def _declared_xml(plain: Path, cells: list[tuple[int, int, bool]], declared: str | None) -> bytes:
    def letters(number: int) -> str:
        text = ""
        while number:
            number, rem = divmod(number - 1, 26)
            text = chr(65 + rem) + text
        return text

    members = members_of(plain)
    xml = members["xl/worksheets/sheet2.xml"].decode()
    head, _, _ = xml.partition("<sheetData>")
    head = head.replace('<dimension ref="A1:J3"/>', f'<dimension ref="{declared}"/>' if declared else "")
    rows: dict[int, list[str]] = {}
    for row, column, empty in cells:
        ref = f"{letters(column)}{row}"
        rows.setdefault(row, []).append(f'<c r="{ref}" s="0"/>' if empty else f'<c r="{ref}"><v>1</v></c>')
    body = "".join(f'<row r="{row}">{"".join(found)}</row>' for row, found in sorted(rows.items()))
    sheet = f"{head}<sheetData>{body}</sheetData></worksheet>"
    return zip_bytes({"[Content_Types].xml": members["[Content_Types].xml"],
                      "xl/workbook.xml": members["xl/workbook.xml"], "xl/worksheets/sheet2.xml": sheet})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(1, 3000), st.integers(1, 800), st.booleans()), min_size=1, max_size=30),
       corner=st.tuples(st.integers(1, 4000), st.integers(1, 900)), limit=st.integers(1, 3_000_000),
       keep=st.booleans())
def test_the_quick_extent_check_gives_the_exact_verdict(plain: Path, cells: list[tuple[int, int, bool]],
                                                         corner: tuple[int, int], limit: int, keep: bool) -> None:
    """Whatever the sheet declares, the verdict is the one of the cells themselves (and of the declared range)."""
    from xlcomp.recalc.intake import _letters

    declared = f"A1:{_letters(corner[1])}{corner[0]}"
    limits = Limits(max_cells=limit)
    quick: Any = inspect_upload(_declared_xml(plain, cells, declared), limits, keep_parts=keep)
    full = [(r, c) for r, c, empty in cells if not empty]
    area = 0 if not full else (max(r for r, _ in full) - min(r for r, _ in full) + 1) * (
        max(c for _, c in full) - min(c for _, c in full) + 1)
    if corner[0] * corner[1] > limit:
        assert not quick.ok and "declares a used range" in quick.problems[0].message
    elif area > limit:
        assert not quick.ok and f"spans {area:,} cells" in quick.problems[0].message
    else:
        assert quick.ok, quick.problems
        assert bool(quick.parts) == keep


# ---------------------------------------------------------------------------------------------
# the input tables' quick looks agree with the plain definitions they stand in for

XML_BITS = st.lists(st.sampled_from([b"<f>", b"<f ", b"<f/", b"<f", b"f>", b":f ", b":f>", b"<x:f>", b"<ab_1:f/",
                                     b"<formula1>", b"<c r=\"A1\">", b"x", b":", b"<", b" ", b"<a b:f>",
                                     b"<x-y:f>", b"</f>"]), max_size=12)


@given(bits=XML_BITS)
def test_the_formula_tag_search_finds_what_the_pattern_finds(bits: list[bytes]) -> None:
    from xlcomp.recalc.looks import _FORMULA_TAG, _has_formula_tag

    xml = b"".join(bits)
    assert _has_formula_tag(xml) == (_FORMULA_TAG.search(xml) is not None)


def test_the_formula_tag_search_by_hand() -> None:
    from xlcomp.recalc.looks import _has_formula_tag

    assert _has_formula_tag(b'<c r="A1"><f>1+1</f></c>')
    assert _has_formula_tag(b'<x:c r="A1"><x:f t="shared"/></x:c>')
    assert not _has_formula_tag(b'<dataValidation><formula1>0</formula1></dataValidation>')
    assert not _has_formula_tag(b'<a b:f="1"/>')  # an attribute, not an element


CELL_VALUES = st.one_of(st.just(""), st.just(" "), st.just("\t"), st.none(), st.text(max_size=3), st.floats(0, 9),
                        st.booleans())


@given(rows=st.lists(st.lists(CELL_VALUES, min_size=3, max_size=3), max_size=12), ragged=st.booleans(),
       start=st.integers(0, 4), stop=st.integers(0, 14), column=st.integers(0, 2))
def test_the_text_and_blank_looks_agree_with_their_definitions(rows: list[list[Any]], ragged: bool, start: int,
                                                               stop: int, column: int) -> None:
    from xlcomp.recalc.tables import _blank, _has_text, _maybe_blank

    if ragged and rows:
        rows[0] = rows[0][:1]  # a short row: the row-by-row path
    body = range(start, min(stop, len(rows)))
    texts = [rows[r][column] for r in body if column < len(rows[r])]
    # a text other than "" (a blank cell) is what _numbers_as_written looks at
    assert _has_text(rows, body, column) == any(isinstance(v, str) and v for v in texts)
    # the rows that can be blank: those whose cell in the column is blank, and any past the rows read
    stop_at = min(stop, len(rows) - 1) + 1
    if any(column >= len(row) for row in rows[start:stop_at]):
        expected = list(range(start, stop + 1))  # a short row: every row is looked at
    else:
        expected = [start + i for i, row in enumerate(rows[start:stop_at]) if _blank(row[column])]
        expected += list(range(stop_at, stop + 1))
    assert _maybe_blank(rows, start, stop, column) == expected


@given(rows=st.lists(st.lists(CELL_VALUES, min_size=0, max_size=5), max_size=12), start=st.integers(0, 4),
       stop=st.integers(0, 14), columns=st.lists(st.integers(0, 5), max_size=4))
def test_the_one_pass_text_look_is_each_columns(rows: list[list[Any]], start: int, stop: int,
                                                columns: list[int]) -> None:
    """_any_text (one pass over the numeric columns, side by side or not, rows ragged or not) answers what
    _has_text of each column answers."""
    from xlcomp.recalc.tables import _any_text, _has_text

    body = range(start, min(stop, len(rows)))
    assert _any_text(rows, body, columns) == any(_has_text(rows, body, column) for column in columns)


def test_the_one_pass_text_look_by_hand() -> None:
    from xlcomp.recalc.tables import _any_text

    rows: list[list[Any]] = [["id", "arr", "nps"], ["a", 1.0, ""], ["b", "", 7.0], ["c", 2.0]]
    assert not _any_text(rows, range(1, 4), [1, 2])     # numbers and blanks; the short row's nps is blank
    assert _any_text(rows, range(1, 4), [0, 2])          # the ids are texts (columns not side by side)
    rows[2][2] = "1,200"
    assert _any_text(rows, range(1, 4), [1, 2])
    assert not _any_text(rows, range(1, 2), [1, 2])     # row 3 is outside the body


def test_the_one_pass_text_look_answers_yes_for_a_str_subclass() -> None:
    """A pre-filter may say yes too often, never too seldom: a str subclass (which the column-by-column
    looks treat as they always did) sends the columns to be looked at one by one."""
    from xlcomp.recalc.tables import _any_text

    class Text(str):
        pass

    rows: list[list[Any]] = [["arr", "nps"], [1.0, Text("7")], [2.0, 3.0]]
    assert _any_text(rows, range(1, 3), [0, 1])
    assert not _any_text([["arr", "nps"], [1.0, 2.0]], range(1, 2), [0, 1])
