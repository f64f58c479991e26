"""Formulas and error cells scanned from a worksheet part's XML (which passed the safety checks).

Two readers of formulas, one module:

- :func:`scan_formulas`, for an upload: the plain ``<f>`` elements every spreadsheet program writes
  for a formula of its own kept as the XML has them, decoded only when asked for
  (:class:`SheetFormulas`);
- :func:`read_sheet_formulas`, for the comparison: ``(row, column, formula, style id)`` of every
  formula cell, shared formulas expanded.

Each scans the plain form with regular expressions and reads anything else (prefixed elements,
cells placed by position, other encodings, comments) element by element with defusedxml
(:func:`_parse_formulas`). :func:`scan_errors` finds the cells holding error values, which the
value reader shows blank. :func:`xml_text` and :func:`unescape` are the one XML entity decoder.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xlcomp.ooxml.refs import column_letter, split_ref

__all__ = ["SheetFormulas", "plain_utf8", "read_formulas", "read_sheet_formulas", "scan_errors", "scan_formulas",
           "unescape", "xml_text"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# ---------------------------------------------------------------------------------------------
# XML text


_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.startswith("#x"):
        return chr(int(name[2:], 16))
    if name.startswith("#"):
        return chr(int(name[1:]))
    return _NAMED[name]


def unescape(text: str) -> str:
    """XML text with its character and predefined entities replaced (``&amp;`` -> ``&``)."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def xml_text(raw: bytes) -> str:
    """Character data of a UTF-8 XML element: entities replaced, line ends normalised (as XML does)."""
    text = unescape(raw.decode("utf-8"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


_MARKUP = re.compile(rb"<[!?]")  # a comment, CDATA section, DTD or processing instruction
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']+)["']""")


def plain_utf8(data: bytes) -> bool:
    """Is this XML in UTF-8, with no comment, CDATA section or processing instruction after the
    declaration (where a scan for elements could be misled)?"""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    declared = _ENCODING.match(body[:256])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return False
    return _MARKUP.search(body, 1) is None


# ---------------------------------------------------------------------------------------------
# an upload's formulas, kept as the XML has them


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
            return "=" + xml_text(raw)
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


# A formula cell in the plain form every spreadsheet program writes for a formula of its own:
# the reference first, then the formula as the cell's first child (``[^<]*`` is the whole text:
# "<" never appears unescaped in character data; LibreOffice adds ``aca="false"``, which only
# array formulas heed); or any other formula element, found as ``(b"", b"")``.
_PLAIN_FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"[^>]*+(?<!/)>\s*+<f(?: aca="false")?>([^<]*+)</f>|<f[\s/>]')
_OTHER_FORMULA = (b"", b"")
_PREFIXED_TAG = re.compile(rb":(?:c|row|f)[\s/>]")  # a prefixed cell, row or formula tag (or text like one)


def scan_formulas(data: bytes) -> SheetFormulas:
    """The formulas of a worksheet part.

    In the plain form (above) one regular expression finds them all, and every other ``<f``
    element too, so it knows when it has not; anything else (shared or array formulas as Excel
    saves them, other spellings, prefixed elements, other encodings, comments) is read element by
    element (:func:`read_sheet_formulas`).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        pass  # UTF-16: element by element
    elif b"<f" not in data and b":f" not in data:
        return SheetFormulas()
    elif plain_utf8(data) and not _PREFIXED_TAG.search(data):
        plain = _PLAIN_FORMULA.findall(data)
        if _OTHER_FORMULA not in plain:  # every formula element is a plain one
            return SheetFormulas(dict(plain))
    expanded = {f"{column_letter(column)}{row + 1}".encode(): text
                for row, column, text, _ in read_sheet_formulas(data)}
    return SheetFormulas(expanded=expanded)


# ---------------------------------------------------------------------------------------------
# every formula cell, shared formulas expanded


def read_formulas(path: Path, part: str) -> Iterator[tuple[int, int, str, int]]:
    """``(row, column, formula, style id)`` of every formula cell of a worksheet part of the
    workbook at ``path``, 0-based (see :func:`read_sheet_formulas`)."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read(part)
    yield from read_sheet_formulas(data)


def read_sheet_formulas(data: bytes) -> list[tuple[int, int, str, int]]:
    """``(row, column, formula, style id)`` of every formula cell of a worksheet's XML, 0-based.

    Shared formulas are expanded to each cell; array formulas give their text. The sheet XML is
    scanned directly; a sheet written in a form the scan does not expect (prefixed elements, cells
    without references, other encodings) is parsed element by element instead, which gives the
    same answers more slowly.
    """
    fast = _scan_formulas(data) if plain_utf8(data) else None
    return fast if fast is not None else list(_parse_formulas(data))


_C_ELEMENT = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.DOTALL)
_F_ELEMENT = re.compile(rb"<f\b([^>]*?)(/>|>(.*?)</f>)", re.DOTALL)
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row)[\s>/]")


def _attributes(raw: bytes) -> dict[bytes, str]:
    return {m.group(1): unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8"))
            for m in _ATTRIBUTE.finditer(raw)}


def _scan_formulas(data: bytes) -> list[tuple[int, int, str, int]] | None:
    """Formula cells found by scanning the XML; None when the sheet needs the full parser."""
    from openpyxl.formula.translate import Translator

    if _PREFIXED.search(data):
        return None
    out: list[tuple[int, int, str, int]] = []
    shared: dict[str, Any] = {}
    for cell in _C_ELEMENT.finditer(data):
        body = cell.group(3)
        if not body or b"<f" not in body:
            if b" r=" not in cell.group(1) and b"\tr=" not in cell.group(1):
                return None  # a cell placed by position: the full parser tracks positions
            continue
        attributes = _attributes(cell.group(1))
        reference = attributes.get(b"r", "")
        formula_element = _F_ELEMENT.search(body)
        if not reference or formula_element is None:
            return None
        try:
            row, column = split_ref(reference)[0]
        except ValueError:
            return None
        options = _attributes(formula_element.group(1))
        text = xml_text(formula_element.group(3)) if formula_element.group(3) else ""
        kind = options.get(b"t", "normal")
        if kind == "shared":
            index = options.get(b"si", "")
            if index in shared:
                formula = shared[index].translate_formula(reference)
            elif text:
                formula = "=" + text
                shared[index] = Translator(formula, reference)
            else:
                continue
        elif kind == "dataTable" or not text:
            continue
        else:
            formula = "=" + text
        style = attributes.get(b"s", "0")
        out.append((row, column, formula, int(style) if style.isdigit() else 0))
    return out


def _parse_formulas(data: bytes) -> Iterator[tuple[int, int, str, int]]:
    """Formula cells read element by element (defusedxml): rows and cells without a reference take
    the next position, as spreadsheet programs read them."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.formula.translate import Translator
    from openpyxl.utils.cell import coordinate_to_tuple

    shared: dict[str | None, Any] = {}
    row_number = 0
    for _, element in iterparse(io.BytesIO(data)):
        if element.tag != f"{_MAIN}row":
            continue
        row_text = element.get("r")
        if row_text is not None:
            try:
                row_number = int(row_text)
            except ValueError:
                number = float(row_text)
                if not number.is_integer():
                    raise ValueError(f"{row_text} is not a valid row number") from None
                row_number = int(number)
        else:
            row_number += 1
        column_number = 0
        for cell in element:
            coordinate = cell.get("r")
            if coordinate:
                row, column_number = coordinate_to_tuple(coordinate)
            else:
                column_number += 1
                row = row_number
            formula = cell.find(f"{_MAIN}f")
            if formula is None:
                continue
            text = "=" + (formula.text or "")
            if formula.get("t") == "shared":
                index = formula.get("si")
                if index in shared:
                    text = shared[index].translate_formula(coordinate)
                elif text != "=":
                    shared[index] = Translator(text, coordinate)
            style = cell.get("s", 0)
            if text and text != "=":
                yield row - 1, column_number - 1, text, int(style) if style else 0
        element.clear()


# ---------------------------------------------------------------------------------------------
# error cells


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
