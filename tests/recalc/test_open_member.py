"""A member inflated with ISA-L reads what zipfile reads, and fails where zipfile fails, the same way."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from isal import isal_zlib

from xlcomp.recalc.inflate import _Member, open_member

from .test_safety import patch_headers


def archive_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``members``, the same bytes on every run: each stamped 1980-01-01 (a member written with the
    clock's time made a cut archive's trailing bytes, which the decompressors read past the cut, differ from run
    to run, and the "cut" case fail at about 3 % of the times of day)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, compress_type=method)
    return buffer.getvalue()


def read_all(open_one: Callable[[zipfile.ZipFile, zipfile.ZipInfo], IO[bytes]], data: bytes, name: str,
             size: int) -> bytes | tuple[type[BaseException], str]:
    """The member's bytes read ``size`` at a time (all at once: -1), or the error reading it raised (its
    type and its words)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        with open_one(archive, archive.getinfo(name)) as handle:
            out = []
            while chunk := handle.read(size):
                assert size < 0 or len(chunk) <= size
                out.append(chunk)
            return b"".join(out)
    except Exception as exc:   # zipfile.BadZipFile, EOFError; a decompressor's own error for damaged data
        return type(exc), str(exc)


def by_zipfile(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    return archive.open(info)


def test_the_fast_reader_is_isals_and_the_members_bytes_come_back() -> None:
    xml = b"<worksheet>" + b"<row><c><v>1</v></c></row>" * 50_000 + b"</worksheet>"
    data = archive_of({"a.xml": xml})
    archive = zipfile.ZipFile(io.BytesIO(data))
    handle = open_member(archive, archive.getinfo("a.xml"))
    assert isinstance(handle, _Member)
    assert handle.read() == xml and handle.read() == b""
    assert read_all(open_member, data, "a.xml", 4096) == xml


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=20_000) | st.builds(lambda b, n: b * n, st.binary(min_size=1, max_size=30),
                                              st.integers(0, 30_000)),
       st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]), st.sampled_from([1, 7, 4096, 1 << 20, -1]))
def test_any_member_reads_as_zipfile_reads_it(content: bytes, method: int, size: int) -> None:
    data = archive_of({"x.xml": content}, method)
    assert read_all(open_member, data, "x.xml", size) == read_all(by_zipfile, data, "x.xml", size) == content


@pytest.mark.parametrize("damage", ["crc", "size", "empty", "cut", "name", "magic", "bytes"])
@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_damaged_member_fails_as_zipfile_fails(damage: str, method: int) -> None:
    xml = b"<x>" + bytes(range(256)) * 300 + b"</x>" * 2000
    data = archive_of({"a.xml": xml, "b.xml": b"<b/>"}, method)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("a.xml")
    if damage == "crc":   # central directory and local header both say another CRC
        data = patch_headers(data, "a.xml", 14, 16, "<I", info.CRC ^ 1)
    elif damage == "size":   # it says it unpacks to 1,000 bytes: reading stops there, and the CRC fails
        data = patch_headers(data, "a.xml", 22, 24, "<I", 1000)
    elif damage == "empty":   # it says it unpacks to nothing: nothing is inflated, and the CRC fails
        data = patch_headers(data, "a.xml", 22, 24, "<I", 0)
    elif damage == "cut":   # the archive ends within the member (its directory moved up to stay readable)
        start = info.header_offset + 30 + len(info.filename)
        directory = data.index(b"PK\x01\x02")
        cut = data[:start + 100] + data[directory:]
        end = cut.index(b"PK\x05\x06")
        data = cut[:end + 16] + struct.pack("<I", start + 100) + cut[end + 20:]
    elif damage == "name":
        position = info.header_offset + 30
        data = data[:position] + b"A" + data[position + 1:]
    elif damage == "magic":
        data = data[:info.header_offset] + b"PK\x09\x09" + data[info.header_offset + 4:]
    else:   # the compressed bytes changed
        position = info.header_offset + 30 + len(info.filename) + 50
        data = data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]
    for size in (4096, 1 << 20, -1):
        ours, theirs = read_all(open_member, data, "a.xml", size), read_all(by_zipfile, data, "a.xml", size)
        assert isinstance(theirs, tuple), theirs[:50]
        if damage == "bytes" and method == zipfile.ZIP_DEFLATED:   # each decompressor words its refusal its own way
            assert isinstance(ours, tuple), ours[:50]
        else:
            assert ours == theirs


def test_what_it_does_not_inflate_itself_zipfile_opens() -> None:
    data = archive_of({"a.xml": b"<a/>" * 100}, zipfile.ZIP_BZIP2)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert not isinstance(open_member(archive, archive.getinfo("a.xml")), _Member)
    plain = archive_of({"a.xml": b"<a/>" * 100})
    archive = zipfile.ZipFile(io.BytesIO(plain))
    assert not isinstance(open_member(archive, archive.getinfo("a.xml"), zlib=None), _Member)   # no isal
    encrypted = patch_headers(plain, "a.xml", 6, 8, "<H", 1)   # the encrypted flag: zipfile asks for a password
    archive = zipfile.ZipFile(io.BytesIO(encrypted))
    with pytest.raises(RuntimeError, match="password required"):
        open_member(archive, archive.getinfo("a.xml"))


def test_the_standard_zlib_serves_as_well() -> None:
    xml = b"<r>" + b"<c/>" * 100_000 + b"</r>"
    data = archive_of({"a.xml": xml})
    archive = zipfile.ZipFile(io.BytesIO(data))
    with open_member(archive, archive.getinfo("a.xml"), zlib=zlib) as handle:
        assert handle.read(1000) == xml[:1000] and handle.read() == xml[1000:]
    assert isal_zlib.crc32(xml) == zlib.crc32(xml)
