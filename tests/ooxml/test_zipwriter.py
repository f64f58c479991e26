"""write_zip: the members in order, deflated, readable by zipfile; ZIP64 refused or left to zipfile."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.ooxml import zipwriter
from xlcomp.ooxml.zipwriter import deflate, write_zip

NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)


def _read(data: bytes) -> list[tuple[str, bytes, zipfile.ZipInfo]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return [(info.filename, archive.read(info), info) for info in archive.infolist()]


@settings(max_examples=60, deadline=None)
@given(members=st.lists(st.tuples(NAMES, st.binary(max_size=3000)), max_size=6, unique_by=lambda m: m[0]))
def test_zipfile_reads_back_every_member_in_order(members: list[tuple[str, bytes]]) -> None:
    buffer = io.BytesIO()
    write_zip(buffer, members)
    read = _read(buffer.getvalue())
    assert [(name, data) for name, data, _ in read] == members
    for (name, data, info) in read:
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert zlib.crc32(data) == info.CRC
        assert bool(info.flag_bits & 0x800) == (not name.isascii())


def test_a_path_target_gets_the_same_bytes_as_a_buffer(tmp_path: Path) -> None:
    members = [("[Content_Types].xml", b"<Types/>" * 500), ("xl/worksheets/sheet1.xml", b"<c r='A1'/>" * 2000)]
    buffer = io.BytesIO()
    write_zip(buffer, members)
    write_zip(tmp_path / "a.zip", members)
    write_zip(str(tmp_path / "b.zip"), members)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes() == buffer.getvalue()


def test_the_xml_is_deflated_to_a_fraction() -> None:
    xml = b"".join(b'<c r="A%d" s="3"><v>%d</v></c>' % (row, row * 7) for row in range(20_000))
    packed = deflate(xml)
    assert zlib.decompress(packed, -15) == xml
    assert len(packed) < len(xml) / 4


def test_a_zip_needing_zip64_is_refused_or_left_to_zipfile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipwriter, "_LIMIT", 5_000)
    members = [("a.xml", b"x" * 4_000), ("b.xml", b"y" * 4_000)]
    with pytest.raises(zipfile.LargeZipFile):
        write_zip(io.BytesIO(), members)
    buffer = io.BytesIO()
    write_zip(buffer, members, allow_zip64=True)
    assert [(name, data) for name, data, _ in _read(buffer.getvalue())] == members
    monkeypatch.setattr(zipwriter, "_MAX_MEMBERS", 2)
    monkeypatch.setattr(zipwriter, "_LIMIT", 0xFFFFFFFF)
    with pytest.raises(zipfile.LargeZipFile):
        write_zip(io.BytesIO(), members)
