"""The parts of a package (:class:`xlcomp.ooxml.parts.ZipParts`): kept members served from memory,
the others decompressed once, when first asked for."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from xlcomp.ooxml.parts import ZipParts


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_kept_members_are_served_and_the_others_read_once() -> None:
    data = _zip({"a.xml": b"<a/>", "b.xml": b"<bb/>"})
    with ZipParts.from_bytes(data, {"a.xml": b"<kept/>"}) as parts:
        assert list(parts) == ["a.xml", "b.xml"] and len(parts) == 2
        assert parts["a.xml"] == b"<kept/>" and parts.size("a.xml") == 7
        assert parts.size("b.xml") == 5  # from the zip's directory, before it is read
        assert parts["b.xml"] is parts["b.xml"]
        assert "c.xml" not in parts and parts.get("c.xml") is None
        with pytest.raises(KeyError):
            parts.size("c.xml")


def test_members_alone_and_a_file(tmp_path: Path) -> None:
    parts = ZipParts(kept={"x.xml": b"<x/>"})
    assert dict(parts) == {"x.xml": b"<x/>"} and parts.size("x.xml") == 4
    path = tmp_path / "book.xlsx"
    path.write_bytes(_zip({"x.xml": b"<x/>"}))
    with ZipParts.open(path) as opened:
        assert dict(opened) == {"x.xml": b"<x/>"}
    with pytest.raises(zipfile.BadZipFile):
        ZipParts.from_bytes(b"not a zip")
