"""Where the tables, sheets and defined names of an .xlsx are, read straight from its XML.

openpyxl's read-only mode does not see tables (ListObjects), and loading a whole workbook to find
one table is slow; the package parts are small, so they are parsed here with defusedxml (no entity
expansion, no external entities) and values are then read with python-calamine.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defusedxml import ElementTree

from xlcomp.ooxml.parts import ZipParts

__all__ = ["SheetRef", "TableRef", "WorkbookIndex", "index_workbook", "sheet_refs"]

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MAX_PART = 20 * 1024 * 1024


@dataclass(frozen=True)
class SheetRef:
    """A worksheet: its name, position (0-based) and part name inside the zip."""

    name: str
    index: int
    part: str
    state: str = "visible"


@dataclass(frozen=True)
class TableRef:
    """An Excel table (ListObject): its name, sheet and A1 range (header row included)."""

    name: str
    sheet: str
    ref: str
    columns: tuple[str, ...]
    part: str


@dataclass(frozen=True)
class WorkbookIndex:
    """The sheets, tables and defined names of a workbook."""

    sheets: tuple[SheetRef, ...]
    tables: dict[str, TableRef]
    names: dict[str, str]

    def sheet(self, name: str) -> SheetRef | None:
        """A sheet by name, case-insensitively."""
        for sheet in self.sheets:
            if sheet.name.lower() == name.lower():
                return sheet
        return None

    def table(self, name: str) -> TableRef | None:
        """A table by name, case-insensitively."""
        for key, table in self.tables.items():
            if key.lower() == name.lower():
                return table
        return None


def _read(zf: ZipParts, part: str) -> Any:
    if zf.size(part) > _MAX_PART:
        raise ValueError(f"{part} is larger than {_MAX_PART // (1024 * 1024)} MB")
    return ElementTree.fromstring(zf[part], forbid_dtd=True)


def _rels(zf: ZipParts, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    rels_part = posixpath.join(folder, "_rels", name + ".rels")
    if rels_part not in zf:
        return {}
    out = {}
    for rel in _read(zf, rels_part).findall("rel:Relationship", _NS):
        if rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = target
    return out


def index_workbook(path: str | Path | Mapping[str, bytes]) -> WorkbookIndex:
    """Sheets, tables and defined names of the workbook at ``path`` (or of its members, already
    decompressed: name -> bytes).

    Raises ``zipfile.BadZipFile``, ``KeyError`` or ``ValueError`` (and defusedxml's errors) on a
    file that is not a well-formed workbook; callers turn those into problems.
    """
    if isinstance(path, (str, Path)):
        with ZipParts.open(path) as opened:
            return _index(opened)
    return _index(path if isinstance(path, ZipParts) else ZipParts(kept=path))


def sheet_refs(parts: Mapping[str, bytes]) -> tuple[SheetRef, ...]:
    """The sheets of a workbook, read from its workbook part and relationships only (the sheets'
    own parts need not be there). Raises like :func:`index_workbook`."""
    return _sheets(parts if isinstance(parts, ZipParts) else ZipParts(kept=parts))[1]


def _sheets(zf: ZipParts) -> tuple[Any, tuple[SheetRef, ...]]:
    workbook_part = "xl/workbook.xml"
    root_rels = _rels(zf, "")
    for target in root_rels.values():
        if target.endswith("workbook.xml") or (target.endswith(".xml") and "workbook" in target):
            workbook_part = target
            break
    book = _read(zf, workbook_part)
    rels = _rels(zf, workbook_part)
    sheets = []
    for index, node in enumerate(book.findall("m:sheets/m:sheet", _NS)):
        part = rels.get(node.get(_R_ID, ""), "")
        sheets.append(SheetRef(node.get("name", ""), index, part, node.get("state", "visible")))
    return book, tuple(sheets)


def _index(zf: ZipParts) -> WorkbookIndex:
    book, sheets = _sheets(zf)
    names: dict[str, str] = {}
    for node in book.findall("m:definedNames/m:definedName", _NS):
        if node.get("localSheetId") is None and node.text:
            names[node.get("name", "")] = node.text
    tables: dict[str, TableRef] = {}
    members = set(zf)
    for sheet in sheets:
        if sheet.part not in members:
            continue
        sheet_rels = _rels(zf, sheet.part)
        for target in sheet_rels.values():
            if "/tables/" not in target or target not in members:
                continue
            node = _read(zf, target)
            name = node.get("displayName") or node.get("name") or ""
            columns = tuple(c.get("name", "") for c in node.findall("m:tableColumns/m:tableColumn", _NS))
            tables[name] = TableRef(name, sheet.name, node.get("ref", ""), columns, target)
    return WorkbookIndex(tuple(sheets), tables, names)
