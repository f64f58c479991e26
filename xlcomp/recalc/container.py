"""The zip container of an upload, as the intake sees it: messages for files that are not a workbook,
the relationships a spreadsheet reader follows (so every part it will read is scanned, whatever its
name), and the warnings (macros, external links, connections, embedded objects).
"""

from __future__ import annotations

import posixpath
import zipfile

from xlcomp.errors import Problem

__all__ = ["SHEET_TYPES", "RejectedError", "external_links", "not_zip_message", "ole_message", "relationships",
           "warnings_for"]

# relationship types whose targets spreadsheet readers read as worksheets (cells in a grid)
SHEET_TYPES = ("/worksheet", "/chartsheet", "/dialogsheet", "/macrosheet", "/xlMacrosheet", "/xlIntlMacrosheet")

class RejectedError(Exception):
    """Stops the checks at the first problem that makes the rest meaningless."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.problem = Problem(where, message)



def ole_message(data: bytes) -> str:
    # An encrypted OOXML file is a compound file holding EncryptionInfo and EncryptedPackage
    # streams; a legacy workbook holds a Workbook (BIFF8) or Book (BIFF5) stream. Stream names are
    # UTF-16LE in the directory sectors.
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return ("is encrypted (password-protected to open): xlcomp cannot read it; remove the password "
                "(File > Info > Protect Workbook > Encrypt with Password, clear it) and save again as .xlsx")
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "is a legacy Excel 97-2003 workbook (.xls): open it and save it as Excel Workbook (.xlsx)"
    return ("is an OLE compound file (signature D0 CF 11 E0), not an .xlsx workbook: "
            "a legacy Office file; save it as .xlsx")


def not_zip_message(data: bytes) -> str:
    head = data[:512].lstrip()
    lowered = head.lower()
    if lowered.startswith((b"<?xml", b"<html", b"<!doctype html", b"<table")):
        return ("is an XML or HTML file renamed as a workbook (perhaps an 'Excel 2003 XML' or web export), "
                "not an .xlsx: open it and save it as Excel Workbook (.xlsx)")
    if lowered.startswith(b"%pdf"):
        return "is a PDF, not an Excel workbook"
    if lowered.startswith(b"\x09\x08") or lowered.startswith(b"\x09\x04"):
        return "is a legacy Excel binary file (BIFF), not an .xlsx: save it as .xlsx"
    return ("is not an Excel workbook: an .xlsx file is a zip container and this file does not start like one "
            "(a CSV or text file renamed .xlsx?)")



def external_links(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    """Targets of links to external workbooks, as the upload names them (never opened)."""
    from defusedxml import ElementTree

    links = []
    for name in sorted(names):
        if not (name.startswith("xl/externalLinks/") and name.endswith(".xml")):
            continue
        folder, base = posixpath.split(name)
        rels = posixpath.join(folder, "_rels", base + ".rels")
        target = ""
        if rels in names:
            try:
                root = ElementTree.fromstring(archive.read(rels), forbid_dtd=True)
                for rel in root:
                    if rel.get("TargetMode") == "External" or "externalLinkPath" in (rel.get("Type") or ""):
                        target = rel.get("Target") or ""
                        break
            except Exception:
                target = ""
        links.append(f"{name}" + (f" -> {target[:200]}" if target else ""))
    return links


def warnings_for(names: set[str], links: list[str]) -> list[Problem]:
    warnings = []
    lowered = {name.lower() for name in names}
    if any(posixpath.basename(n) == "vbaproject.bin" for n in lowered):
        warnings.append(Problem("xl/vbaProject.bin", "the workbook carries macros (VBA): they were not run; "
                                                     "only cell values were read, and the regenerated workbook "
                                                     "has no macros"))
    for link in links:
        part, _, target = link.partition(" -> ")
        where = f" ({target})" if target else ""
        warnings.append(Problem(part, f"links to an external workbook{where}: the link was not followed; the "
                                      "values cached in the upload were read as they are"))
    if "xl/connections.xml" in lowered:
        warnings.append(Problem("xl/connections.xml", "the workbook has data connections: they were not refreshed"))
    if any(n.startswith("xl/embeddings/") for n in lowered):
        warnings.append(Problem("xl/embeddings/", "the workbook embeds objects (OLE or packages): they were not "
                                                  "opened"))
    return warnings


def relationships(parts: dict[str, bytes]) -> tuple[set[str], set[str]]:
    """The parts the relationships point at, and those of them readers take for worksheets.

    ``parts``: every ``.rels`` part of the container and its bytes (already scanned: no DTD). Targets
    are resolved as readers resolve them (relative to the source part's folder, or from the root when
    they start with ``/``) and returned lowercased; external targets (``TargetMode="External"``) are
    not parts of the upload and are left out.
    """
    from urllib.parse import unquote

    from defusedxml import ElementTree

    targets: set[str] = set()
    sheets: set[str] = set()
    for name, data in parts.items():
        folder = posixpath.dirname(name)
        if posixpath.basename(folder) != "_rels":
            continue
        source_folder = posixpath.dirname(folder)  # the rels of xl/workbook.xml are xl/_rels/workbook.xml.rels
        try:
            root = ElementTree.fromstring(data, forbid_dtd=True)
        except Exception as exc:  # ParseError and defusedxml's refusals
            raise RejectedError(f"the relationships part cannot be read ({type(exc).__name__}): refused", name
                                ) from None
        for rel in root:
            target = (rel.get("Target") or "").strip()
            if not target or rel.get("TargetMode") == "External":
                continue
            resolved = set()
            for spelling in {target, unquote(target)}:
                path = spelling.split("#", 1)[0]
                path = path.lstrip("/") if path.startswith("/") else posixpath.join(source_folder, path)
                resolved.add(posixpath.normpath(path).lstrip("/").lower())
            targets |= resolved
            if (rel.get("Type") or "").endswith(SHEET_TYPES):
                sheets |= resolved
    return targets, sheets
