"""XlsxWriter's workbook with its parts zipped by ISA-L (:func:`xlcomp.ooxml.zipwriter.write_zip`).

XlsxWriter builds every part (in memory, with ``in_memory``) and zips them with :mod:`zipfile`, whose
zlib deflating at its default level took 0.72 s of the 3.5 s a 500-CSM workbook takes to write.
:class:`FastWorkbook` uses the hook XlsxWriter leaves for this (``_get_packager``, "this allows the
default packager to be over-ridden"): its packager builds the parts as XlsxWriter's does and keeps them
rather than handing them to ``zipfile``, which then writes an empty zip to a buffer that is dropped; the
kept parts are zipped, in the same order and with the same names and bytes, by ``write_zip``
(``tests/workbook/test_fast_book.py`` compares the members with XlsxWriter's own). A workbook that is
not ``in_memory`` (its parts are temporary files) is zipped by XlsxWriter as it always is.
"""

from __future__ import annotations

import io
from typing import Any

from xlsxwriter.packager import Packager
from xlsxwriter.workbook import Workbook

from xlcomp.ooxml.zipwriter import write_zip

__all__ = ["FastWorkbook"]


class _KeepingPackager(Packager):  # type: ignore[misc]
    """XlsxWriter's packager, keeping the parts it built (``(buffer, name, is_binary)``) in ``kept``."""

    def __init__(self, kept: list[tuple[Any, str, bool]]) -> None:
        super().__init__()
        self.kept = kept

    def _create_package(self) -> list[tuple[Any, str, bool]]:
        self.kept.extend(super()._create_package())
        return []


class FastWorkbook(Workbook):  # type: ignore[misc]
    """An XlsxWriter workbook whose in-memory parts are zipped by ISA-L rather than by zipfile's zlib."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kept_parts: list[tuple[Any, str, bool]] = []

    def _get_packager(self) -> Packager:
        return _KeepingPackager(self._kept_parts) if self.in_memory else super()._get_packager()

    def _store_workbook(self) -> None:
        if not self.in_memory:
            super()._store_workbook()
            return
        target: Any = self.filename  # type: ignore[has-type]
        self.filename = io.BytesIO()  # XlsxWriter zips nothing into this
        try:
            super()._store_workbook()
        finally:
            self.filename = target
        members = [(name, part.getvalue() if binary else part.getvalue().encode("utf-8"))
                   for part, name, binary in self._kept_parts]
        self._kept_parts.clear()
        write_zip(target, members, allow_zip64=self.allow_zip64)
