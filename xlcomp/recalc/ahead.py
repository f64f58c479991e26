"""Sheets' values read on a thread of their own while the rest of an upload is checked and read.

python-calamine parses a sheet without holding the interpreter lock, so a second core can parse
the largest sheet (an upload's Accounts table: most of the reading time) while this one checks the
other members and reads the plan, the roster and the other sheets. :class:`ReadAhead` reads the
sheets it is given, in order, with a python-calamine workbook of its own (one object is never used
by two threads), and hands each sheet's rows over once (:meth:`ReadAhead.take`): exactly what
``get_sheet_by_name(sheet).to_python(skip_empty_area=False)`` gives on the calling thread, or the
same exception raised there.

The intake starts one only once every member python-calamine reads has passed the safety checks
(:func:`xlcomp.recalc.intake.inspect_upload`): the container, every part but the worksheets (the
shared strings, styles, the workbook and its relationships that opening reads) and the sheets it is
asked to read. It may start one *held* (``held=True``) as soon as the parts opening reads have
passed: the thread opens its workbook (15 ms for a large upload's shared strings and styles, which
opening parses; no worksheet is read: ``tests/recalc/test_read_ahead.py`` opens a workbook whose
every worksheet is damaged) and reads no sheet until :meth:`ReadAhead.release`, which the intake
calls once the sheets have passed too (or :meth:`ReadAhead.close`, when they did not).
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections.abc import Iterable, Mapping
from typing import Any

from xlcomp.ooxml.index import sheet_refs

__all__ = ["ReadAhead", "scan_order", "start"]


class ReadAhead:
    """The values of ``sheets`` (by name), read from ``data`` on a thread started at once."""

    def __init__(self, data: bytes, sheets: Iterable[str], held: bool = False) -> None:
        self._sheets = list(dict.fromkeys(sheets))
        self._ready = {sheet: threading.Event() for sheet in self._sheets}  # never changed after this
        self._waiting = set(self._sheets)  # not taken yet
        self._results: dict[str, Any] = {}
        self._stop = False
        self._go = threading.Event()  # set: the sheets may be read (held: once release() or close() says so)
        if not held:
            self._go.set()
        self._thread = threading.Thread(target=self._run, args=(data,), name="xlcomp-read-ahead", daemon=True)
        self._thread.start()

    @property
    def sheets(self) -> list[str]:
        """The sheets being read (or read), in order."""
        return list(self._sheets)

    def _run(self, data: bytes) -> None:
        book: Any = None
        try:
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        except BaseException as exc:  # handed to the reader, as the same call would raise there
            for sheet in self._sheets:
                self._results[sheet] = exc
                self._ready[sheet].set()
            return
        try:
            self._go.wait()
            for sheet in self._sheets:
                if self._stop:
                    self._results[sheet] = None
                else:
                    try:
                        self._results[sheet] = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
                    except BaseException as exc:  # pyo3 panics are BaseExceptions
                        self._results[sheet] = exc
                self._ready[sheet].set()
        finally:
            book.close()

    def ready(self, sheet: str) -> bool:
        """Has the thread finished with ``sheet`` (read or failed)? True for a sheet it does not read."""
        event = self._ready.get(sheet)
        return event is None or event.is_set()

    def take(self, sheet: str) -> list[list[Any]] | None:
        """The sheet's rows (waiting for them), once; None for a sheet not read here or already taken.
        Raises what reading it raised."""
        if sheet not in self._waiting:
            return None
        self._waiting.discard(sheet)
        self._ready[sheet].wait()
        result = self._results.pop(sheet)
        if isinstance(result, BaseException):
            raise result
        rows: list[list[Any]] | None = result
        return rows

    def release(self) -> None:
        """Let a held read-ahead read its sheets (they have passed the safety checks)."""
        self._go.set()

    def close(self) -> None:
        """Stop after the sheet being read (a held one reads none) and wait for the thread (the rows not
        taken are dropped)."""
        self._stop = True
        self._go.set()
        self._thread.join()
        self._waiting.clear()
        self._results.clear()


def scan_order(members: list[zipfile.ZipInfo], sheet_parts: set[str], min_bytes: int
               ) -> tuple[list[zipfile.ZipInfo], zipfile.ZipInfo | None]:
    """The order the intake checks ``members`` in to read ahead: every part but the worksheets
    (``sheet_parts``, lowercased), then the largest worksheet when it unpacks to at least
    ``min_bytes``, then the other worksheets; and that largest worksheet (None: nothing is worth
    reading ahead, and the order is the container's)."""
    sheets = [info for info in members if info.filename.lower() in sheet_parts and not info.is_dir()]
    largest = max(sheets, key=lambda info: info.file_size, default=None)
    if largest is None or largest.file_size < min_bytes:
        return members, None
    others = [info for info in members if info.filename.lower() not in sheet_parts or info.is_dir()]
    return [*others, largest, *(info for info in sheets if info is not largest)], largest


def start(data: bytes, checked: Mapping[str, bytes], part: str, held: bool = False) -> ReadAhead | None:
    """A :class:`ReadAhead` of the sheet stored in ``part`` (``held``: opened, the sheet not read until
    released), named as the workbook part and its relationships among the ``checked`` members name it
    (None when they do not name it, or cannot be read: the readers then say what is wrong)."""
    try:
        refs = sheet_refs(checked)
    except Exception:  # a damaged workbook part: the reader of the index reports it
        return None
    names = [ref.name for ref in refs if ref.part.lower() == part.lower()]
    if len(names) != 1 or sum(ref.name == names[0] for ref in refs) != 1:
        return None
    return ReadAhead(data, names, held)
