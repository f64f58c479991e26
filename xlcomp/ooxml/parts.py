"""The parts (members) of an .xlsx package by name, each decompressed once.

One wrapper serves every reader: a zip on disk, a zip in memory whose members the upload's safety
checks have already decompressed (those are served from memory, the others decompressed when first
asked for), or members alone (name -> bytes, no zip).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["ZipParts"]


class ZipParts(Mapping[str, bytes]):
    """The members of a zip by name: those already decompressed (``kept``), the others
    decompressed from ``archive`` when first asked for. With no archive, ``kept`` are all."""

    def __init__(self, archive: zipfile.ZipFile | None = None, kept: Mapping[str, bytes] | None = None) -> None:
        self._archive = archive
        self._names = archive.namelist() if archive is not None else list(kept or {})
        self._known = set(self._names)
        self._read: dict[str, bytes] = dict(kept or {})

    @classmethod
    def from_bytes(cls, data: bytes, kept: Mapping[str, bytes] | None = None) -> ZipParts:
        """The members of the zip ``data`` (raises ``zipfile.BadZipFile`` when it is not one)."""
        return cls(zipfile.ZipFile(io.BytesIO(data)), kept)

    @classmethod
    def open(cls, path: str | Path) -> ZipParts:
        """The members of the zip file at ``path`` (raises ``zipfile.BadZipFile``, ``OSError``)."""
        return cls(zipfile.ZipFile(path))

    def __enter__(self) -> ZipParts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getitem__(self, name: str) -> bytes:
        if name not in self._known:
            raise KeyError(name)
        if name not in self._read:
            assert self._archive is not None  # without an archive every known member is kept
            self._read[name] = self._archive.read(name)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def size(self, name: str) -> int:
        """A member's size: its length when decompressed already, else what the zip says, without
        decompressing it (KeyError when there is no such member)."""
        if name in self._read:
            return len(self._read[name])
        if name not in self._known or self._archive is None:
            raise KeyError(name)
        return self._archive.getinfo(name).file_size

    def close(self) -> None:
        """Close the zip (the members read stay)."""
        if self._archive is not None:
            self._archive.close()
