"""The largest sheet's values are read on a second thread while the rest of the upload is checked
(:mod:`xlcomp.recalc.ahead`): only once every part python-calamine opens and that sheet passed the
safety checks, with exactly the values python-calamine gives on the calling thread, and with the
same verdict on a refused upload (its thread stopped)."""

from __future__ import annotations

import hashlib
import io
import threading
import zipfile
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook, WorksheetNotFound

from xlcomp.demo.project import preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine.run import run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period
from xlcomp.recalc.ahead import ReadAhead, scan_order
from xlcomp.recalc.inflate import chunks
from xlcomp.recalc.intake import inspect_upload
from xlcomp.recalc.job import RecalcOptions, read_for_recalc
from xlcomp.recalc.package import UploadPackage
from xlcomp.workbook.writer import workbook_bytes

from .builders import members_of, zip_bytes
from .test_safety import patch_headers

DTD = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An xlcomp workbook whose Accounts sheet unpacks to more than 1 MB (40 CSMs x 2,000 accounts)."""
    roster, accounts = sample_book(40, 2000, 7, "2027-Q1")
    plan = parse_plan(preset_text("full_service"))
    roster_model, book = load_inputs(plan, roster, accounts)
    data = workbook_bytes(run(plan, roster_model, book, parse_period("2027-Q1")))
    assert data is not None
    path = tmp_path_factory.mktemp("ahead") / "large.xlsx"
    path.write_bytes(data)
    return path


def _threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "xlcomp-read-ahead"]


def _calamine(data: bytes, sheet: str) -> list[list[object]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    try:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)  # type: ignore[no-any-return]
    finally:
        book.close()


def test_the_accounts_sheet_is_read_ahead_with_calamines_values(large: Path) -> None:
    data = large.read_bytes()
    intake = inspect_upload(data, keep_parts=True, read_ahead=True)
    assert intake.ok and intake.ahead is not None
    assert intake.ahead.sheets == ["Accounts"]  # the largest worksheet, 2,001 rows of 17 columns
    with UploadPackage(data, intake.parts, "large.xlsx", intake.ahead) as package:
        rows = package.read_rows("Accounts")
        assert rows == _calamine(data, "Accounts") and len(rows) == 2001
        again = package.read_rows("Accounts")  # handed over once; read again on this thread after that
        assert again == rows and again is not rows
    assert not _threads()


def test_recalc_reads_the_same_with_and_without_reading_ahead(large: Path) -> None:
    data = large.read_bytes()
    read = read_for_recalc(data, RecalcOptions(), "large.xlsx")
    plain = inspect_upload(data, keep_parts=True)
    assert plain.ahead is None
    assert read.inputs is not None and read.package is not None, read.problems
    with UploadPackage(data, plain.parts, "large.xlsx") as package:
        from xlcomp.recalc.read import read_upload

        alone = read_upload(package)
        assert read.inputs.book.table.equals(alone.book.table)
        assert read.inputs.roster == alone.roster and read.inputs.warnings == alone.warnings
        for sheet in package.index.sheets:  # every value, formula and error cell compared afterwards
            assert read.package.rows(sheet.name) == package.rows(sheet.name), sheet.name
            assert list(read.package.formulas(sheet.name).items()) == list(package.formulas(sheet.name).items())
            assert read.package.errors(sheet.name) == package.errors(sheet.name), sheet.name
    read.package.close()
    assert not _threads()


def test_every_part_but_the_worksheets_is_checked_before_the_largest_sheet(large: Path) -> None:
    with zipfile.ZipFile(large) as archive:
        members = archive.infolist()
    sheets = {info.filename.lower() for info in members if info.filename.startswith("xl/worksheets/sheet")}
    order, first = scan_order(members, sheets, 1024 * 1024)
    assert first is not None and first.filename == "xl/worksheets/sheet4.xml"  # Accounts
    at = order.index(first)
    assert {info.filename for info in order[:at]} == {info.filename for info in members} - {
        info.filename for info in members if info.filename.lower() in sheets}
    assert sorted(i.filename for i in order) == sorted(i.filename for i in members)
    # nothing worth a thread: the container's order
    assert scan_order(members, sheets, 1 << 40) == (members, None)


@pytest.mark.parametrize("bad", ["xl/worksheets/sheet9.xml", "xl/theme/theme1.xml", "xl/sharedStrings.xml"])
def test_a_refused_upload_gets_the_same_verdict_and_no_thread(large: Path, bad: str) -> None:
    """A document type in a later worksheet (refused after the read-ahead started), in a part python-calamine
    does not open, and in the shared strings it opens (refused before it starts): the same first
    problem as the checks in the container's order, and no thread left."""
    members = members_of(large)
    members[bad] = DTD
    data = zip_bytes(members)
    plain = inspect_upload(data, keep_parts=True)
    ahead = inspect_upload(data, keep_parts=True, read_ahead=True)
    assert not plain.ok and ahead.problems == plain.problems
    assert ahead.ahead is None and ahead.parts == {}
    assert "document type" in ahead.problems[0].message and ahead.problems[0].where == bad
    assert not _threads()


def test_two_refusals_report_the_first_in_the_containers_order(large: Path) -> None:
    members = members_of(large)
    first, second = "xl/worksheets/sheet2.xml", "xl/styles.xml"  # the scan ahead checks styles.xml first
    members[first] = DTD
    members[second] = DTD  # another problem, were it found first
    data = zip_bytes(members)
    names = list(members)
    assert names.index(first) < names.index(second)
    assert inspect_upload(data, keep_parts=True, read_ahead=True).problems[0].where == first
    assert not _threads()


def test_a_sheet_that_cannot_be_read_raises_where_it_is_taken(large: Path) -> None:
    ahead = ReadAhead(large.read_bytes(), ["No such sheet", "Roster"])
    with pytest.raises(WorksheetNotFound, match="No such sheet"):  # as python-calamine raises it here
        ahead.take("No such sheet")
    roster = ahead.take("Roster")
    assert roster is not None and roster == _calamine(large.read_bytes(), "Roster")
    assert ahead.take("Roster") is None and ahead.take("Accounts") is None  # once; only what it reads
    ahead.close()
    assert not _threads()


def test_the_compared_sheets_values_read_on_a_thread_are_calamines(large: Path) -> None:
    """Without a read-ahead to wait for, ``read_sheets`` reads the 40-odd compared sheets' values on a
    thread while it scans their formulas and error cells: the same rows as python-calamine's."""
    data = large.read_bytes()
    with UploadPackage(data, name="large.xlsx") as package:
        sheets = package.compared_sheets()
        assert len(sheets) >= 32 and "Accounts" not in sheets and "Summary" in sheets
        package.read_sheets(sheets)
        assert not _threads()
        for sheet in sheets:
            assert package.rows(sheet) == _calamine(data, sheet), sheet
    with UploadPackage(data, name="large.xlsx") as package, \
            pytest.raises(WorksheetNotFound, match="No such sheet"):  # what python-calamine raises
        package.read_sheets([*sheets, "No such sheet"])
    assert not _threads()


def _plain_chunks(data: bytes, name: str, size: int) -> tuple[list[bytes], str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(name) as handle:
        out: list[bytes] = []
        try:
            while chunk := handle.read(size):
                out.append(chunk)
        except zipfile.BadZipFile as exc:
            return out, str(exc)
    return out, ""


def _threaded_chunks(data: bytes, name: str, size: int) -> tuple[list[bytes], str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(name) as handle:
        out: list[bytes] = []
        try:
            with chunks(handle, size, threaded=True) as inflated:
                out.extend(inflated)
        except zipfile.BadZipFile as exc:
            return out, str(exc)
    return out, ""


def test_a_large_member_is_inflated_on_a_thread_chunk_for_chunk(large: Path) -> None:
    data = large.read_bytes()
    name = "xl/worksheets/sheet4.xml"
    threaded, failure = _threaded_chunks(data, name, 65536)
    assert not failure and threaded == _plain_chunks(data, name, 65536)[0] and len(threaded) == 19  # 1.2 MB
    # a bad CRC: the same chunks, then the same error, at the same point
    bad = patch_headers(zip_bytes({"big.xml": b"<x>" + b"1234567890" * 600_000 + b"</x>"}), "big.xml", 14, 14,
                        "<I", 12345)
    plain_out, plain_error = _plain_chunks(bad, "big.xml", 1 << 20)
    threaded_out, threaded_error = _threaded_chunks(bad, "big.xml", 1 << 20)
    assert plain_error.startswith("Bad CRC-32") and threaded_error == plain_error
    assert threaded_out == plain_out and len(plain_out) == 5  # 6,000,007 bytes: the CRC is checked at the end
    assert not [t for t in threading.enumerate() if t.name == "xlcomp-inflate"]


def test_a_member_over_4_mb_is_checked_as_it_inflates_on_a_thread(large: Path) -> None:
    """A 6 MB part (hex digits: 2 to 1, no bomb) passes; with a bad CRC it is refused, whether the
    largest sheet is read ahead or not."""
    text = b"".join(hashlib.sha256(str(i).encode()).hexdigest().encode() for i in range(190_000))  # 6,080,000
    members = {**members_of(large), "xl/extra.xml": b"<x>" + text + b"</x>"}
    good = zip_bytes(members)
    assert inspect_upload(good, keep_parts=True).parts["xl/extra.xml"] == members["xl/extra.xml"]
    bad = patch_headers(good, "xl/extra.xml", 14, 14, "<I", 12345)
    for read_ahead in (False, True):
        intake = inspect_upload(bad, keep_parts=True, read_ahead=read_ahead)
        assert intake.problems[0].where == "xl/extra.xml"
        assert intake.problems[0].message.startswith("the member is damaged (Bad CRC-32")
    assert not _threads() and not [t for t in threading.enumerate() if t.name == "xlcomp-inflate"]


def test_a_consumer_that_stops_early_lets_the_thread_go(large: Path) -> None:
    with zipfile.ZipFile(large) as archive, archive.open("xl/worksheets/sheet4.xml") as handle, \
            chunks(handle, 4096, threaded=True) as inflated:
        assert next(inflated).startswith(b"<?xml")
    assert not [t for t in threading.enumerate() if t.name == "xlcomp-inflate"]


def test_a_compared_sheet_read_ahead_is_waited_for_not_read_twice(large: Path) -> None:
    """The thread reads Accounts, then Summary (a compared sheet): asking for Summary at once does the
    other compared sheets while waiting, and takes Summary from the thread."""
    class Recording(ReadAhead):
        def __init__(self, data: bytes, sheets: list[str]) -> None:
            super().__init__(data, sheets)
            self.log: list[tuple[str, bool]] = []

        def take(self, sheet: str) -> list[list[object]] | None:
            rows = super().take(sheet)
            self.log.append((sheet, rows is not None))
            return rows

    data = large.read_bytes()
    ahead = Recording(data, ["Accounts", "Summary"])
    with UploadPackage(data, name="large.xlsx", ahead=ahead, compare=True) as package:
        summary = package.rows("Summary")
        assert summary == _calamine(data, "Summary")
        assert [entry for entry in ahead.log if entry[0] == "Summary"] == [("Summary", True)]  # once, from the thread
        assert package.read_rows("Accounts") == _calamine(data, "Accounts")
        assert set(package.scanned_formulas) <= set(package.compared_sheets())
    assert not _threads()


def test_the_largest_sheet_refused_stops_the_held_thread_before_it_reads(large: Path) -> None:
    """The thread opens its workbook while the largest sheet is checked and reads it only once it has passed:
    a document type in the Accounts sheet itself (still the largest) is refused as without reading ahead,
    and no thread is left."""
    members = members_of(large)
    sheet = members["xl/worksheets/sheet4.xml"]
    members["xl/worksheets/sheet4.xml"] = sheet.replace(b"<sheetData>", b'<!DOCTYPE x [<!ENTITY a "b">]><sheetData>')
    data = zip_bytes(members)
    plain = inspect_upload(data, keep_parts=True)
    ahead = inspect_upload(data, keep_parts=True, read_ahead=True)
    assert not plain.ok and ahead.problems == plain.problems and ahead.ahead is None
    assert ahead.problems[0].where == "xl/worksheets/sheet4.xml" and "document type" in ahead.problems[0].message
    assert not _threads()


def test_opening_reads_no_worksheet_and_a_held_thread_reads_none(large: Path) -> None:
    """Why the thread may open its workbook before the sheets have passed: python-calamine opens a workbook
    whose every worksheet is damaged (inflating any of them fails its CRC). Held, the thread reads nothing
    until released; closed while held, it reads nothing at all."""
    data = bytearray(large.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/sheet"):
                start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
                for at in range(start, start + min(info.compress_size, 32)):
                    data[at] ^= 0x5A  # the deflated bytes changed: a damaged stream or a bad CRC
    damaged = bytes(data)
    book = CalamineWorkbook.from_filelike(io.BytesIO(damaged))
    assert "Accounts" in book.sheet_names
    with pytest.raises(Exception):  # noqa: B017 - reading it fails (what python-calamine raises varies)
        book.get_sheet_by_name("Accounts").to_python()
    book.close()
    held = ReadAhead(damaged, ["Accounts"], held=True)
    assert not held._ready["Accounts"].wait(0.3)  # held: nothing read (a read of it fails at once)
    held.close()
    assert held.take("Accounts") is None and not _threads()
    good = large.read_bytes()
    released = ReadAhead(good, ["Accounts"], held=True)
    assert not released._ready["Accounts"].wait(0.1)
    released.release()
    assert released.take("Accounts") == _calamine(good, "Accounts")
    released.close()
    assert not _threads()
