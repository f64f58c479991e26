"""An upload opened once for every reader of ``xlcomp recalc``.

The safety checks (:func:`xlcomp.recalc.intake.inspect_upload`) decompress every member of the
zip; :class:`UploadPackage` keeps those bytes and serves everything read afterwards from them:

- the workbook's index (sheets, tables, defined names: :func:`xlcomp.ooxml.index.index_workbook`);
- cell values, through one python-calamine workbook, each sheet read once;
- formulas, scanned from each sheet's XML once (:func:`xlcomp.ooxml.scan.scan_formulas`);
- error values (``#DIV/0!`` …), which python-calamine shows blank.

The same object feeds the reading of the inputs (:mod:`.read`) and the comparison with the
regenerated workbook (:mod:`.compare`), so no part is unpacked or parsed twice.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from xlcomp.ooxml.index import WorkbookIndex, index_workbook
from xlcomp.ooxml.parts import ZipParts
from xlcomp.ooxml.scan import SheetFormulas, scan_errors, scan_formulas
from xlcomp.recalc.ahead import ReadAhead
from xlcomp.workbook import layout

__all__ = ["UploadPackage"]

_THREAD_SHEETS = 32  # fewer sheets left to read than this: not worth opening the workbook again on a thread


class UploadPackage:
    """An upload's bytes, its members (as the safety checks decompressed them, the others
    decompressed when asked for) and everything read from them, each read once.

    ``name`` is the file name problems use (``emea.xlsx has no "Roster" table``).
    """

    def __init__(self, data: bytes, parts: Mapping[str, bytes] | None = None, name: str = "upload.xlsx",
                 ahead: ReadAhead | None = None, compare: bool = False) -> None:
        self.data = data
        self._ahead = ahead  # sheets whose values a thread is reading already (the intake started it)
        self._compare = compare  # the compared sheets will be read: done while waiting for the read-ahead
        self.name = name
        self._kept = parts or {}
        self._zip: ZipParts | None = None
        self._index: WorkbookIndex | None = None
        self._sheet_parts: dict[str, str] | None = None  # sheet name (lower case) -> part
        self._calamine: Any = None
        self._rows: dict[str, list[list[Any]]] = {}
        self._formulas: dict[str, SheetFormulas] = {}
        self._errors: dict[str, dict[tuple[int, int], str]] = {}
        self.on_idle: Callable[[], object] | None = None   # called when this thread would wait for the read-ahead

    def __enter__(self) -> UploadPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the readers (the values read stay)."""
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None
        if self._calamine is not None:
            self._calamine.close()
            self._calamine = None
        if self._zip is not None:
            self._zip.close()

    @property
    def parts(self) -> Mapping[str, bytes]:
        """The members by name (raises ``zipfile.BadZipFile`` when the zip is damaged)."""
        if self._zip is None:
            self._zip = ZipParts.from_bytes(self.data, self._kept)
        return self._zip

    @property
    def index(self) -> WorkbookIndex:
        """Sheets, tables and defined names (raises on a damaged workbook, like ``index_workbook``)."""
        if self._index is None:
            self._index = index_workbook(self.parts)
        return self._index

    def open_values(self) -> Any:
        """The python-calamine workbook the values are read with (opened on first use; raises
        when it cannot be read)."""
        if self._calamine is None:
            from python_calamine import CalamineWorkbook

            self._calamine = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
        return self._calamine

    def rows(self, sheet: str) -> list[list[Any]]:
        """A sheet's cell values from A1, as python-calamine gives them (``""`` for blank)."""
        if sheet not in self._rows:
            self._rows[sheet] = self.read_rows(sheet)
        return self._rows[sheet]

    def read_rows(self, sheet: str) -> list[list[Any]]:
        """:meth:`rows`, read again rather than kept (a large input table, read once for the inputs)."""
        if sheet in self._rows:
            return self._rows[sheet]
        if self._ahead is not None:
            if self._compare and not self._ahead.ready(sheet):
                self._while_waiting()
            if self.on_idle is not None and not self._ahead.ready(sheet):
                self.on_idle()
            early = self._ahead.take(sheet)
            if early is not None:
                return early
        rows: list[list[Any]] = self.open_values().get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        return rows

    def value(self, sheet: str, row: int, column: int) -> Any:
        """One cell's value (0-based), ``""`` outside the sheet's cells."""
        rows = self.rows(sheet)
        if row < len(rows) and column < len(rows[row]):
            return rows[row][column]
        return ""

    def _sheet_part(self, sheet: str) -> bytes:
        if self._sheet_parts is None:
            self._sheet_parts = {}
            for ref in self.index.sheets:
                self._sheet_parts.setdefault(ref.name.lower(), ref.part)
        part = self._sheet_parts.get(sheet.lower(), "")
        return self.parts.get(part, b"")

    def formulas(self, sheet: str) -> SheetFormulas:
        """A sheet's formulas (:func:`scan_formulas`)."""
        if sheet not in self._formulas:
            self._formulas[sheet] = scan_formulas(self._sheet_part(sheet))
        return self._formulas[sheet]

    def errors(self, sheet: str) -> dict[tuple[int, int], str]:
        """A sheet's cells holding error values, by (row, column), 0-based."""
        if sheet not in self._errors:
            self._errors[sheet] = scan_errors(self._sheet_part(sheet))
        return self._errors[sheet]

    @property
    def scanned_formulas(self) -> Mapping[str, SheetFormulas]:
        """The formulas of the sheets scanned so far, by sheet."""
        return self._formulas

    def _while_waiting(self) -> None:
        """Read what the comparison will want (the values, formulas and error cells of the sheets
        :meth:`compared_sheets` names) while the thread reading ahead has the largest sheet still
        to finish: this thread would wait idle. Stops when that sheet is read; a failure is left for
        the reader that needs the sheet to meet again."""
        assert self._ahead is not None
        waiting = [sheet for sheet in self._ahead.sheets if not self._ahead.ready(sheet)]
        try:
            sheets = self.compared_sheets()
        except Exception:  # a damaged index: its reader says so
            return
        for sheet in sheets:
            if all(self._ahead.ready(other) for other in waiting):
                return
            if sheet in waiting:  # read by the thread: waited for where it is needed
                continue
            try:
                self.formulas(sheet)
                self.errors(sheet)
                self.rows(sheet)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:  # met again (pyo3 panics too), and reported, where the sheet is read for real
                continue

    def compared_sheets(self) -> list[str]:
        """The sheets the comparison of an xlcomp workbook reads (:func:`xlcomp.recalc.job.read_for_recalc`):
        every sheet but the metadata sheet and the Roster and Accounts tables' sheets; none in a
        workbook without the metadata sheet."""
        index = self.index
        if index.sheet(layout.META_SHEET) is None:
            return []
        skip = {layout.META_SHEET.lower()} | {table.sheet.lower() for name in (layout.ROSTER_TABLE,
                                                                               layout.ACCOUNTS_TABLE)
                                              if (table := index.table(name)) is not None}
        return [sheet.name for sheet in index.sheets if sheet.name.lower() not in skip]

    def read_sheets(self, sheets: list[str]) -> None:
        """Read the values, formulas and error cells of ``sheets`` now (what a comparison needs).

        The values are parsed by python-calamine on a thread of its own (:class:`ReadAhead`: it
        parses without the interpreter lock) while this one scans the formulas and error cells of
        the sheets before; each sheet is read in the order of before (values, formulas, errors), so
        a failure is the one a single thread meets first."""
        unread = [sheet for sheet in sheets if sheet not in self._rows]
        values = ReadAhead(self.data, unread) if len(unread) >= _THREAD_SHEETS else None
        try:
            for sheet in sheets:
                if sheet not in self._rows:
                    taken = values.take(sheet) if values is not None else None
                    self._rows[sheet] = taken if taken is not None else self.read_rows(sheet)
                self.formulas(sheet)
                self.errors(sheet)
        finally:
            if values is not None:
                values.close()
