"""An upload opened once for every reader of ``xlcomp recalc``.

The safety checks (:func:`xlcomp.recalc.intake.inspect_upload`) decompress every member of the
zip; :class:`UploadPackage` keeps those bytes and serves everything read afterwards from them:

- the workbook's index (sheets, tables, defined names: :func:`xlcomp.ooxml.index.index_workbook`);
- cell values, through one python-calamine workbook, each sheet read once;
- formulas, scanned from each sheet's XML once (:func:`scan_formulas`);
- error values (``#DIV/0!`` …), which python-calamine shows blank.

The same object feeds the reading of the inputs (:mod:`.upload`) and the comparison with the
regenerated workbook (:mod:`.upload_compare`), so no part is unpacked or parsed twice.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

from xlcomp.model.people import column_letter
from xlcomp.ooxml.index import WorkbookIndex, index_workbook, split_ref

__all__ = ["SheetFormulas", "UploadPackage", "scan_formulas"]


class _ZipParts(Mapping[str, bytes]):
    """The members of a zip by name: those already decompressed (by the safety checks), the
    others decompressed from the zip when first asked for."""

    def __init__(self, data: bytes, kept: Mapping[str, bytes] | None = None) -> None:
        self._archive = zipfile.ZipFile(io.BytesIO(data))
        self._names = self._archive.namelist()
        self._known = set(self._names)
        self._read: dict[str, bytes] = dict(kept or {})

    def __getitem__(self, name: str) -> bytes:
        if name not in self._known:
            raise KeyError(name)
        if name not in self._read:
            self._read[name] = self._archive.read(name)
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._known

    def close(self) -> None:
        self._archive.close()


class SheetFormulas:
    """The formula cells of one worksheet by cell reference (``b"B7"``: upper case, no ``$``).

    ``plain`` holds the formulas written as plain ``<f>`` elements, as the XML has them (escaped,
    without the ``=``), decoded only when asked for; ``expanded`` the others (shared formulas
    expanded to each cell, array formulas), as text with the ``=``.
    """

    __slots__ = ("expanded", "plain")

    def __init__(self, plain: dict[bytes, bytes] | None = None, expanded: dict[bytes, str] | None = None) -> None:
        self.plain = plain or {}
        self.expanded = expanded or {}

    def get(self, ref: bytes) -> str | None:
        """The formula of a cell (``"=SUM(A1:A3)"``), None when the cell holds none."""
        raw = self.plain.get(ref)
        if raw is not None:
            return "=" + _xml_text(raw)
        return self.expanded.get(ref)

    def __len__(self) -> int:
        return len(self.plain) + len(self.expanded)

    def items(self) -> Iterator[tuple[int, int, str]]:
        """``(row, column, formula)`` of every formula cell, 0-based."""
        for ref in (*self.plain, *self.expanded):
            (row, column), _ = split_ref(ref.decode("ascii"))
            text = self.get(ref)
            assert text is not None
            yield row, column, text


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


def _xml_text(raw: bytes) -> str:
    """Character data of a UTF-8 XML element: entities replaced, line ends normalised (as XML does)."""
    text = raw.decode("utf-8")
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


# A formula cell in the plain form every spreadsheet program writes for a formula of its own:
# the reference first, then the formula as the cell's first child (``[^<]*`` is the whole text:
# "<" never appears unescaped in character data; LibreOffice adds ``aca="false"``, which only
# array formulas heed); or any other formula element, found as ``(b"", b"")``.
_PLAIN_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"[^>]*+(?<!/)>\s*+<f(?: aca="false")?>([^<]*+)</f>|<f[\s/>]')
_OTHER_FORMULA = (b"", b"")
_PREFIXED = re.compile(rb":(?:c|row|f)[\s/>]")  # a prefixed cell, row or formula tag (or text like one)
_MARKUP = re.compile(rb"<[!?]")  # a comment, CDATA section, DTD or processing instruction
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")


def _plain_utf8(data: bytes) -> bool:
    """Is this XML in UTF-8, with no comment, CDATA section or processing instruction after the
    declaration (where a scan for elements could be misled)?"""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    declared = _ENCODING.match(body[:256])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return False
    return _MARKUP.search(body, 1) is None


def scan_formulas(data: bytes) -> SheetFormulas:
    """The formulas of a worksheet part (its XML, which passed the safety checks).

    In the plain form (above) one regular expression finds them all, and every other ``<f``
    element too, so it knows when it has not; anything else (shared or array formulas as Excel
    saves them, other spellings, prefixed elements, other encodings, comments) is read element by
    element (:func:`xlcomp.recalc.compare.read_sheet_formulas`).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        pass  # UTF-16: element by element
    elif b"<f" not in data and b":f" not in data:
        return SheetFormulas()
    elif _plain_utf8(data) and not _PREFIXED.search(data):
        plain = _PLAIN_FORMULA.findall(data)
        if _OTHER_FORMULA not in plain:  # every formula element is a plain one
            return SheetFormulas(dict(plain))
    from xlcomp.recalc.compare import read_sheet_formulas

    expanded = {f"{column_letter(column)}{row + 1}".encode(): text
                for row, column, text, _ in read_sheet_formulas(data)}
    return SheetFormulas(expanded=expanded)


_ERROR_TYPE = re.compile(rb"""t\s*=\s*["']e["']""")
_ERROR_CELL = re.compile(rb"""<c\b([^>]*\bt\s*=\s*["']e["'][^>]*)>(.*?)</c>""", re.DOTALL)
_REFERENCE = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([^"']*)["']""")
_VALUE = re.compile(rb"<v>([^<]{1,32})</v>")


def scan_errors(data: bytes) -> dict[tuple[int, int], str]:
    """Cells holding an error value (``#DIV/0!``, ``#REF!`` …), which the value reader shows blank."""
    if _ERROR_TYPE.search(data) is None:
        return {}
    out = {}
    for cell in _ERROR_CELL.finditer(data):
        reference = _REFERENCE.search(cell.group(1))
        value = _VALUE.search(cell.group(2))
        if reference is None or value is None:
            continue
        try:
            out[split_ref(reference.group(1).decode("utf-8", "replace"))[0]] = value.group(1).decode("utf-8",
                                                                                                     "replace")
        except ValueError:
            continue
    return out


class UploadPackage:
    """An upload's bytes, its members (as the safety checks decompressed them, the others
    decompressed when asked for) and everything read from them, each read once.

    ``name`` is the file name problems use (``emea.xlsx has no "Roster" table``).
    """

    def __init__(self, data: bytes, parts: Mapping[str, bytes] | None = None, name: str = "upload.xlsx") -> None:
        self.data = data
        self.name = name
        self._kept = parts or {}
        self._zip: _ZipParts | None = None
        self._index: WorkbookIndex | None = None
        self._sheet_parts: dict[str, str] | None = None  # sheet name (lower case) -> part
        self._calamine: Any = None
        self._rows: dict[str, list[list[Any]]] = {}
        self._formulas: dict[str, SheetFormulas] = {}
        self._errors: dict[str, dict[tuple[int, int], str]] = {}

    def __enter__(self) -> UploadPackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the readers (the values read stay)."""
        if self._calamine is not None:
            self._calamine.close()
            self._calamine = None
        if self._zip is not None:
            self._zip.close()

    @property
    def parts(self) -> Mapping[str, bytes]:
        """The members by name (raises ``zipfile.BadZipFile`` when the zip is damaged)."""
        if self._zip is None:
            self._zip = _ZipParts(self.data, self._kept)
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

    def read_sheets(self, sheets: list[str]) -> None:
        """Read the values, formulas and error cells of ``sheets`` now (what a comparison needs)."""
        for sheet in sheets:
            self.rows(sheet)
            self.formulas(sheet)
            self.errors(sheet)
