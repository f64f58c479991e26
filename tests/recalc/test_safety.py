"""Hostile uploads: each kind built here, refused before any spreadsheet reader parses it, with a
message that says what was found. Run through the per-file work of a batch, each gives a
``rejected`` entry and no output, and never raises."""

from __future__ import annotations

import contextlib
import json
import random
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcomp.ooxml.index import index_workbook
from xlcomp.recalc.intake import Limits, inspect_upload, read_upload_bytes
from xlcomp.recalc.job import RecalcOptions, UploadJob, recalc_upload

from .builders import HAND_PAYOUTS, members_of, messages, recalc_file, zip_bytes

BILLION_LAUGHS = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE sst [\n<!ENTITY lol "lol">\n'
                  + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                    b'uniqueCount="1"><si><t>&lol9;</t></si></sst>')


def with_members(source: Path, target: Path, changes: dict[str, bytes | str | None]) -> Path:
    """A copy of the workbook ``source`` with members replaced, added or (None) removed."""
    members: dict[str, bytes | str] = dict(members_of(source))
    for name, data in changes.items():
        if data is None:
            members.pop(name, None)
        else:
            members[name] = data
    target.write_bytes(zip_bytes(members))
    return target


def rejected_with(path: Path, expected: str, options: RecalcOptions | None = None) -> str:
    """Check that the per-file work rejects ``path`` with a message containing ``expected``."""
    result = recalc_file(path, options)
    text = messages(result)
    assert result.status == "rejected", result.entry
    assert expected.lower() in text.lower(), text
    assert result.payouts == [] and result.workbook is None
    return text


# ---------------------------------------------------------------------------------------------
# not a workbook at all


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    rejected_with(path, "the file is empty (0 bytes)")


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "renamed.xlsx"
    path.write_text("csm_id,name\nCSM-A,Ava\n", encoding="utf-8")
    rejected_with(path, "an .xlsx file is a zip container and this file does not start like one")


def test_html_renamed_as_workbook(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    path.write_text("<html><table><tr><td>1</td></tr></table></html>", encoding="utf-8")
    rejected_with(path, "XML or HTML file renamed as a workbook")


def test_truncated_upload(plain: Path, tmp_path: Path) -> None:
    data = plain.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) * 6 // 10])
    rejected_with(path, "truncated or damaged")


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "docs.xlsx"
    path.write_bytes(zip_bytes({"readme.txt": "hello"}))
    rejected_with(path, "not an Excel workbook ([Content_Types].xml is missing)")


def test_opendocument_spreadsheet(tmp_path: Path) -> None:
    path = tmp_path / "calc.xlsx"
    path.write_bytes(zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
                               compression=zipfile.ZIP_STORED))
    rejected_with(path, "OpenDocument spreadsheet (.ods)")


def test_size_limit(plain: Path) -> None:
    size = plain.stat().st_size
    text = rejected_with(plain, "over the 0.00", RecalcOptions(limits=Limits(max_bytes=1000)))
    assert f"is {size / 1024 / 1024:.1f} MB" in text


def test_device_and_folder_are_not_read(tmp_path: Path) -> None:
    data, problem = read_upload_bytes(Path("/dev/zero"))
    assert data is None and problem is not None and "not a regular file" in problem.message
    data, problem = read_upload_bytes(tmp_path)
    assert data is None and problem is not None and "is a folder" in problem.message


# ---------------------------------------------------------------------------------------------
# OLE compound files: encrypted workbooks and legacy .xls


def test_encrypted_workbook(plain: Path, tmp_path: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    path = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        OOXMLFile(source).encrypt("s3cret", target)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    rejected_with(path, "is encrypted (password-protected to open)")


def test_legacy_xls_saved_by_libreoffice(plain: Path, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    out = tmp_path / "xls"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "xls", "--outdir", str(out), str(plain)], check=True, capture_output=True,
                   timeout=180)
    legacy = out / "plain.xls"
    assert legacy.is_file()
    rejected_with(legacy, "legacy Excel 97-2003 workbook (.xls)")
    # the same bytes named .xlsx are refused for what they are, not for their name
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(legacy.read_bytes())
    rejected_with(renamed, "legacy Excel 97-2003 workbook (.xls)")


def test_other_compound_file(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    rejected_with(path, "OLE compound file (signature D0 CF 11 E0)")


# ---------------------------------------------------------------------------------------------
# zip bombs


def test_zip_bomb_by_compression_ratio(plain: Path, tmp_path: Path) -> None:
    path = with_members(plain, tmp_path / "bomb.xlsx", {"xl/worksheets/sheet9.xml": b" " * (24 * 1024 * 1024)})
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet9.xml")
    assert info.file_size / info.compress_size > 200
    text = rejected_with(path, "refused as a zip bomb")
    assert "xl/worksheets/sheet9.xml" in text and "to 1" in text


def test_zip_bomb_by_total_size(plain: Path, tmp_path: Path) -> None:
    filler = random.Random(5).randbytes(1024 * 1024)  # 1 MB that does not compress
    path = with_members(plain, tmp_path / "big.xlsx", {f"xl/media/image{i}.bin": filler for i in range(3)})
    rejected_with(path, "would unpack to more than 2 MB",
                  RecalcOptions(limits=Limits(max_uncompressed=2 * 1024 * 1024)))


def patch_headers(data: bytes, name: str, local_offset: int, central_offset: int, fmt: str, value: int) -> bytes:
    """Overwrite a field of one member's local header and central directory record."""
    patched = bytearray(data)
    encoded = name.encode()
    for signature, offset, name_field, header in ((b"PK\x03\x04", local_offset, 26, 30),
                                                 (b"PK\x01\x02", central_offset, 28, 46)):
        position = patched.find(signature)
        while position >= 0:
            length = struct.unpack_from("<H", patched, position + name_field)[0]
            if bytes(patched[position + header:position + header + length]) == encoded:
                struct.pack_into(fmt, patched, position + offset, value)
            position = patched.find(signature, position + 4)
    return bytes(patched)


def test_member_that_lies_about_its_size(plain: Path, tmp_path: Path) -> None:
    """A member declaring 1,000 bytes that inflates to 4 MB: unpacking stops at 1,000 and the CRC fails."""
    name = "xl/worksheets/sheet9.xml"
    data = zip_bytes({**members_of(plain), name: b"<x/>" + b" " * (4 * 1024 * 1024)})
    path = tmp_path / "liar.xlsx"
    path.write_bytes(patch_headers(data, name, 22, 24, "<I", 1000))
    assert zipfile.ZipFile(path).getinfo(name).file_size == 1000
    rejected_with(path, f"{name}: the member is damaged")


def test_too_many_members(plain: Path, tmp_path: Path) -> None:
    path = with_members(plain, tmp_path / "many.xlsx", {f"xl/extra/part{i}.xml": "<x/>" for i in range(30)})
    rejected_with(path, "more than the 20 a workbook may have", RecalcOptions(limits=Limits(max_members=20)))


# ---------------------------------------------------------------------------------------------
# path tricks and encrypted members


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/evil.xml", 'climbs out of the container with ".."'),
    ("/tmp/abs.xml", "absolute path"),
    ("C:/Windows/evil.xml", "absolute path"),
    ("xl\\worksheets\\sheet1.xml", "backslashes"),
    ("xl/bad\x07name.xml", "control characters"),
])
def test_path_tricks(plain: Path, tmp_path: Path, name: str, expected: str) -> None:
    path = with_members(plain, tmp_path / "trick.xlsx", {name: "<x/>"})
    rejected_with(path, expected)


def test_same_member_twice(plain: Path, tmp_path: Path) -> None:
    path = tmp_path / "twice.xlsx"
    path.write_bytes(plain.read_bytes())
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    rejected_with(path, 'the name "xl/workbook.xml" appears twice')


def test_encrypted_zip_member(plain: Path, tmp_path: Path) -> None:
    """A member whose general-purpose flag says it is encrypted (ZipCrypto)."""
    data = zip_bytes(members_of(plain))
    path = tmp_path / "zipcrypto.xlsx"
    path.write_bytes(patch_headers(data, "xl/workbook.xml", 6, 8, "<H", 0x1))
    assert zipfile.ZipFile(path).getinfo("xl/workbook.xml").flag_bits & 0x1
    rejected_with(path, "a member of the zip is encrypted")


# ---------------------------------------------------------------------------------------------
# XML entity tricks


def test_billion_laughs_in_shared_strings(plain: Path, tmp_path: Path) -> None:
    assert "xl/sharedStrings.xml" in members_of(plain)
    path = with_members(plain, tmp_path / "laughs.xlsx", {"xl/sharedStrings.xml": BILLION_LAUGHS})
    text = rejected_with(path, "declares a document type (<!DOCTYPE>/<!ENTITY>)")
    assert "xl/sharedStrings.xml" in text


def test_external_entity_in_workbook_xml(plain: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-PAYROLL-LINE", encoding="utf-8")
    workbook = members_of(plain)["xl/workbook.xml"].decode()
    declaration, _, rest = workbook.partition("?>")
    hostile = (declaration + f'?><!DOCTYPE workbook [<!ENTITY xxe SYSTEM "file://{secret}">]>'
               + rest.replace('name="Roster"', 'name="&xxe;"'))
    path = with_members(plain, tmp_path / "xxe.xlsx", {"xl/workbook.xml": hostile})
    rejected_with(path, "entity expansion and external entities are refused")
    # even past the safety checks, the workbook index (defusedxml) refuses the DTD
    with pytest.raises(Exception, match=r"(?i)dtd"):
        index_workbook(path)
    assert "TOP-SECRET" not in str(recalc_file(path).entry)


def test_entity_in_utf16_part(plain: Path, tmp_path: Path) -> None:
    text = BILLION_LAUGHS.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path = with_members(plain, tmp_path / "utf16.xlsx", {"xl/sharedStrings.xml": text.encode("utf-16")})
    rejected_with(path, "declares a document type")


# ---------------------------------------------------------------------------------------------
# huge sheets


def _roster_part(plain: Path) -> tuple[str, str]:
    """The Roster sheet's part and XML (XlsxWriter writes Plan, Roster, Accounts as sheet1..3)."""
    members = members_of(plain)
    assert members["xl/workbook.xml"].decode().index('name="Roster"') < \
        members["xl/workbook.xml"].decode().index('name="Accounts"')
    return "xl/worksheets/sheet2.xml", members["xl/worksheets/sheet2.xml"].decode()


def test_huge_sheet_dimension(plain: Path, tmp_path: Path) -> None:
    """One cell at XFD1048576 makes a dense reader allocate 17 billion cells: refused before reading."""
    name, xml = _roster_part(plain)
    hostile = xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    path = with_members(plain, tmp_path / "huge.xlsx", {name: hostile})
    text = rejected_with(path, "huge sheet dimension")
    assert "A1:XFD1048576 spans 17,179,869,184 cells" in text


@pytest.mark.parametrize("cell", ['<c s="0" r="XFD1048576"><v>1</v></c>', '<c r="xfd1048576"><v>1</v></c>',
                                  "<c><v>1</v></c>" * 3])
def test_huge_sheet_whatever_the_spelling(plain: Path, tmp_path: Path, cell: str) -> None:
    """The reference after another attribute, in lower case, or cells placed by position on a far row."""
    name, xml = _roster_part(plain)
    row = '<row r="1048576">' if "XFD" in cell.upper() else '<row r="1048576" spans="1:3">'
    hostile = xml.replace("</sheetData>", f"{row}{cell}</row></sheetData>")
    path = with_members(plain, tmp_path / "spelled.xlsx", {name: hostile})
    if "XFD" in cell.upper():
        rejected_with(path, "huge sheet dimension")
    else:  # A1:J1048576 is 10 million cells
        rejected_with(path, "spans 10,485,760 cells")


@pytest.mark.parametrize(("comment_kb", "chunk", "expected"), [
    (30, 4096, "huge sheet dimension"),
    (100, 1024 * 1024, "huge sheet dimension"),
    (100, 4096, "more than 64 KB before its first element"),
])
def test_huge_sheet_behind_a_long_prolog(plain: Path, tmp_path: Path, monkeypatch_chunk: Any, comment_kb: int,
                                         chunk: int, expected: str) -> None:
    """A comment before the root element, over many reads, does not hide the worksheet from the checks."""
    name, xml = _roster_part(plain)
    declaration, _, rest = xml.partition("?>")
    hostile = (declaration + "?><!--" + "x" * (comment_kb * 1024) + "-->" + rest).replace(
        "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    monkeypatch_chunk(chunk)
    rejected_with(with_members(plain, tmp_path / "prolog.xlsx", {name: hostile}), expected)


def test_cell_outside_the_grid(plain: Path, tmp_path: Path) -> None:
    name, xml = _roster_part(plain)
    hostile = xml.replace("</sheetData>", '<row r="2000000"><c r="A2000000"><v>1</v></c></row></sheetData>')
    rejected_with(with_members(plain, tmp_path / "grid.xlsx", {name: hostile}), "outside Excel's grid")


def test_huge_declared_dimension(plain: Path, tmp_path: Path) -> None:
    """A <dimension> claiming the whole grid: readers that size their rows by it (openpyxl's read-only
    mode pads every row to it) would build 17 billion cells. Refused, though the cells are few."""
    name, xml = _roster_part(plain)
    stretched = xml.replace('<dimension ref="A1:J3"/>', '<dimension ref="A1:XFD1048576"/>')
    assert stretched != xml
    text = rejected_with(with_members(plain, tmp_path / "dim.xlsx", {name: stretched}), "huge sheet dimension")
    assert "declares a used range (dimension) of A1:XFD1048576, 17,179,869,184 cells" in text
    # a dimension that matches the cells is what every workbook has
    assert recalc_file(plain).status == "ok"


# ---------------------------------------------------------------------------------------------
# accepted with a warning: macros and external links


def test_xlsm_values_read_macros_reported(plain: Path, tmp_path: Path) -> None:
    macro_project = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name = \"Module1\"\nShell \"calc.exe\"" * 20
    path = with_members(plain, tmp_path / "macros.xlsm", {"xl/vbaProject.bin": macro_project})
    result = recalc_file(path)
    assert result.status == "ok", result.entry
    assert "carries macros (VBA): they were not run" in messages(result, "warnings")
    payouts = {(row["csm_id"], row["component"]): row["payout"] for row in result.payouts}
    assert payouts == HAND_PAYOUTS
    assert inspect_upload(path).format == "xlsm"


def test_external_link_reported_not_followed(plain: Path, tmp_path: Path) -> None:
    link = ('<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main"><externalBook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships" r:id="rId1"/></externalLink>')
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/externalLinkPath" Target="file:///C:/Finance/bonus-2026.xlsx" TargetMode="External"/>'
            "</Relationships>")
    path = with_members(plain, tmp_path / "linked.xlsx", {"xl/externalLinks/externalLink1.xml": link,
                                                          "xl/externalLinks/_rels/externalLink1.xml.rels": rels})
    result = recalc_file(path)
    assert result.status == "ok", result.entry
    text = messages(result, "warnings")
    assert "xl/externalLinks/externalLink1.xml: links to an external workbook" in text
    assert "file:///C:/Finance/bonus-2026.xlsx" in text and "not followed" in text


# ---------------------------------------------------------------------------------------------
# whatever the bytes, the per-file work answers and never raises


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_uploads_never_raise(plain: Path, data: st.DataObject) -> None:
    original = plain.read_bytes()
    kind = data.draw(st.sampled_from(["flip", "cut", "random"]))
    if kind == "flip":
        mutated = bytearray(original)
        for _ in range(data.draw(st.integers(1, 8))):
            position = data.draw(st.integers(0, len(mutated) - 1))
            mutated[position] ^= data.draw(st.integers(1, 255))
        payload = bytes(mutated)
    elif kind == "cut":
        payload = original[: data.draw(st.integers(0, len(original) - 1))]
    else:
        payload = data.draw(st.binary(max_size=2048))
    result = recalc_upload(UploadJob("fuzz.xlsx", "fuzz.xlsx", payload, "x"), RecalcOptions())
    assert result.status in ("ok", "inputs_changed", "overridden", "rejected")
    if result.status == "rejected":
        assert result.entry["problems"] and all(p["message"] for p in result.entry["problems"])
    else:
        assert {(r["csm_id"], r["component"]): r["payout"] for r in result.payouts} == HAND_PAYOUTS


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(st.integers(1, 3000), st.integers(1, 800), st.booleans(), st.booleans(),
                                st.booleans()), min_size=1, max_size=40),
       chunk=st.integers(5, 300))
def test_sheet_extent_is_the_area_of_the_cells_with_content(plain: Path, cells: list[tuple[int, int, bool, bool, bool]],
                                                            chunk: int, monkeypatch_chunk: Any) -> None:
    """Whatever the order, spelling and chunking of the XML, the used range is that of the non-empty cells."""
    from xlcomp.recalc import intake as safety

    def letters(number: int) -> str:
        text = ""
        while number:
            number, rem = divmod(number - 1, 26)
            text = chr(65 + rem) + text
        return text

    parts = []
    for row, column, empty, style_first, lower in cells:
        ref = f"{letters(column)}{row}"
        ref = ref.lower() if lower else ref
        attrs = f's="0" r="{ref}"' if style_first else f'r="{ref}" s="0"'
        parts.append(f'<row r="{row}"><c {attrs}/></row>' if empty else f'<row r="{row}"><c {attrs}><v>1</v></c></row>')
    name, xml = _roster_part(plain)
    head, _, _ = xml.partition("<sheetData>")
    sheet = head.replace('<dimension ref="A1:J3"/>', "") + "<sheetData>" + "".join(parts) + "</sheetData></worksheet>"
    members = members_of(plain)  # only the parts the checks need, and this one sheet
    data = zip_bytes({"[Content_Types].xml": members["[Content_Types].xml"],
                      "xl/workbook.xml": members["xl/workbook.xml"], name: sheet})
    full = [(r, c) for r, c, empty, _, _ in cells if not empty]
    area = 0 if not full else (max(r for r, _ in full) - min(r for r, _ in full) + 1) * (
        max(c for _, c in full) - min(c for _, c in full) + 1)
    monkeypatch_chunk(chunk)
    assert safety.inspect_upload(data, Limits(max_cells=max(area, 1))).ok
    if area > 1:
        refused = safety.inspect_upload(data, Limits(max_cells=area - 1))
        assert not refused.ok and f"spans {area:,} cells" in refused.problems[0].message


# ---------------------------------------------------------------------------------------------
# parts named otherwise: the readers follow the relationships, so the checks do too


def renamed_sheet(plain: Path, target: Path, cell: str, *, part: str = "xl/worksheets/sheet1.bin",
                  root: str = "worksheet") -> Path:
    """``plain`` with its first worksheet part moved to ``part`` (relationship and content type updated,
    the XML's root element renamed to ``root``) and a number added at ``cell``."""
    members = members_of(plain)
    sheet = members.pop("xl/worksheets/sheet1.xml").decode()
    row = "".join(ch for ch in cell if ch.isdigit())
    sheet = sheet.replace("</sheetData>", f'<row r="{row}"><c r="{cell}"><v>1</v></c></row></sheetData>')
    sheet = sheet.replace("<worksheet ", f"<{root} ").replace("</worksheet>", f"</{root}>")
    relative = part.removeprefix("xl/")
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"worksheets/sheet1.xml", relative.encode())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"/xl/worksheets/sheet1.xml", f"/{part}".encode())
    members[part] = sheet.encode()
    target.write_bytes(zip_bytes(members))
    return target


@pytest.mark.parametrize(("cell", "part", "root"), [
    ("CV1000000", "xl/worksheets/sheet1.bin", "worksheet"),      # the reader would allocate ~100 million cells
    ("XFD1048576", "xl/worksheets/sheet1.bin", "worksheet"),     # the reader would abort
    ("CV1000000", "xl/data/payload", "worksheet"),               # no extension at all
    ("CV1000000", "xl/worksheets/sheet1.bin", "notasheet"),      # a root no sheet has, still read as one
])
def test_a_worksheet_under_another_name_is_scanned_as_one(plain: Path, tmp_path: Path, cell: str, part: str,
                                                          root: str) -> None:
    path = renamed_sheet(plain, tmp_path / "renamed.xlsx", cell, part=part, root=root)
    intake = inspect_upload(path)
    assert not intake.ok
    assert intake.problems[0].where == part and "refused (huge sheet dimension)" in intake.problems[0].message
    rejected_with(path, "huge sheet dimension")


def test_binary_parts_a_relationship_points_at_are_not_taken_for_xml(plain: Path, tmp_path: Path) -> None:
    """A picture or printer settings part (binary, named as such) is followed but not read as XML."""
    members = members_of(plain)
    members["xl/printerSettings/printerSettings1.bin"] = bytes(range(256)) * 400  # no "<" at its start
    members["xl/worksheets/_rels/sheet1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/printerSettings" Target="../printerSettings/printerSettings1.bin"/></Relationships>')
    path = tmp_path / "printer.xlsx"
    path.write_bytes(zip_bytes(members))
    assert inspect_upload(path).ok
    assert recalc_file(path).status == "ok"


def tree_memory_until_exit(process: subprocess.Popen[str], ceiling: int, seconds: float) -> int:
    """The largest resident memory of ``process`` and its descendants together, sampled until it ends;
    the whole tree is killed (and the test fails) past ``ceiling`` bytes or ``seconds``."""
    import time

    import psutil

    root = psutil.Process(process.pid)
    peak = 0
    deadline = time.monotonic() + seconds
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            tree = []
        if peak > ceiling or time.monotonic() > deadline:
            for member in reversed(tree):
                with contextlib.suppress(psutil.Error):
                    member.kill()
            process.wait(30)
            pytest.fail(f"recalc took {peak / 2**20:,.0f} MB or more than {seconds:g} s on a renamed worksheet part")
        time.sleep(0.02)
    return peak


def test_a_renamed_worksheet_part_costs_a_batch_no_memory(plain: Path, tmp_path: Path) -> None:
    """The attack end to end: ``xlcomp recalc`` rejects the file, and its processes stay small."""
    path = renamed_sheet(plain, tmp_path / "renamed.xlsx", "CV1000000")
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "xlcomp", "recalc", str(path), "--out", str(out),
                                "--workers", "1"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = tree_memory_until_exit(process, ceiling=1536 * 2**20, seconds=120)
    output = process.stdout.read() if process.stdout else ""
    assert process.returncode == 1, output
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report[0]["status"] == "rejected" and "xl/worksheets/sheet1.bin" in json.dumps(report[0]["problems"])
    assert peak < 768 * 2**20
