"""Safe intake of an uploaded workbook: every check runs before any spreadsheet reader sees the file.

An upload is hostile until proven otherwise. :func:`inspect_upload` looks at the raw bytes and the
zip container and refuses, each with a message that says what was found and what to do:

- files over the size limit (50 MB by default), empty files, files that are not a zip;
- OLE compound files (signature ``D0 CF 11 E0``): an encrypted or password-protected workbook
  (``EncryptedPackage`` stream) or a legacy ``.xls``;
- truncated or damaged zips (no central directory, a bad CRC, a member shorter or longer than it
  says), encrypted zip members;
- zip bombs: too many members, too much uncompressed data in total or in one member, a member
  whose compression ratio is beyond anything a spreadsheet produces;
- path tricks in member names (absolute paths, ``..``, backslashes, drive letters, control
  characters, the same name twice);
- XML with a document type declaration (``<!DOCTYPE``/``<!ENTITY``): spreadsheets never write
  one, and it is how entity expansion ("billion laughs") and external entities (reading local
  files) work, so it is refused before any parser runs;
- worksheets whose cells span an area too large to hold in memory (a cell at ``XFD1048576``).

Warnings do not reject: macros (``vbaProject.bin``: never run, only values are read), links to
external workbooks (never followed: the values cached in the upload are what is read), data
connections and embedded objects.

Every member is decompressed once, in a stream, through :mod:`zipfile` (which stops at the size a
member declares and checks its CRC), so the limits hold even when a member lies about its size.
Spreadsheet readers that run afterwards (python-calamine, openpyxl through defusedxml) therefore
only ever see a file whose every part passed these checks.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO

from xlcomp.errors import Problem

__all__ = [
    "CFB_SIGNATURE",
    "DEFAULT_LIMITS",
    "Intake",
    "Limits",
    "inspect_upload",
    "read_upload_bytes",
]

CFB_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_MB = 1024 * 1024
_CHUNK = 1024 * 1024
_KEEP_LIMIT = 256 * _MB  # members kept for the readers only when they unpack to at most this much
_KEEP_MEMBER = 4 * _MB   # and only members up to this size (a big sheet is read by python-calamine on its own)
_EXCEL_ROWS = 1_048_576
_EXCEL_COLUMNS = 16_384
_PROLOG_BYTES = 64 * 1024
_SHEET_ROOTS = {"worksheet", "dialogsheet", "macrosheet"}
# a row or cell start tag; the common form (r first, plain A1) is captured directly
_TOKEN = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(row|c)(?=[\s/>])(?:\s+r="([A-Z]{0,3})([0-9]{1,7})")?([^>]*?)(/?)>""")
_R_ATTR = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([^"']*)["']""")
_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_COLUMN_NUMBERS: dict[bytes, int] = {}
_DIMENSION = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*["']([^"']{1,64})["']""")
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """What an upload may be. The defaults fit any workbook xlcomp writes, with room to spare.

    ``max_ratio`` applies to members of at least ``ratio_floor`` bytes uncompressed: a small part
    of spaces may compress a thousandfold harmlessly; a large one that does is a bomb.
    """

    max_bytes: int = 50 * _MB
    max_uncompressed: int = 1024 * _MB
    max_member: int = 512 * _MB
    max_ratio: int = 200
    ratio_floor: int = 1 * _MB
    max_members: int = 10_000
    max_cells: int = 5_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Intake:
    """What the checks found: ``problems`` reject the upload, ``warnings`` are reported with it.

    ``format`` is ``"xlsx"`` or ``"xlsm"`` for an OOXML workbook (macro-enabled when it carries a
    VBA project), ``""`` when it is not one. ``parts`` holds the members decompressed (as the
    checks read them) when :func:`inspect_upload` was asked to keep them and the upload passed, so
    readers need not unpack them again (large members are left out).
    """

    problems: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    format: str = ""
    sheets_scanned: int = 0
    uncompressed: int = 0
    external_links: tuple[str, ...] = field(default=())
    parts: Mapping[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when nothing rejects the upload."""
        return not self.problems


class _RejectedError(Exception):
    """Stops the checks at the first problem that makes the rest meaningless."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.problem = Problem(where, message)


def read_upload_bytes(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> tuple[bytes | None, Problem | None]:
    """Read an upload's bytes, refusing what is not a regular file or is over the size limit.

    Reads at most ``limits.max_bytes + 1`` bytes, so a file that grows while it is read, or a
    device such as ``/dev/zero``, cannot exhaust memory. Returns ``(data, None)`` or
    ``(None, problem)``.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None, Problem("", "file not found")
    except OSError as exc:
        return None, Problem("", f"cannot be read: {exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        return None, Problem("", "is a folder, not a workbook")
    if not stat.S_ISREG(info.st_mode):
        return None, Problem("", "is not a regular file (a device, pipe or socket): refused")
    if info.st_size > limits.max_bytes:
        return None, Problem("", _too_big(info.st_size, limits))
    try:
        with path.open("rb") as handle:
            data = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        return None, Problem("", f"cannot be read: {exc.strerror or exc}")
    if len(data) > limits.max_bytes:
        return None, Problem("", _too_big(len(data), limits))
    return data, None


def _too_big(size: int, limits: Limits) -> str:
    return (f"is {size / _MB:.1f} MB, over the {limits.max_bytes / _MB:g} MB limit for uploads "
            "(raise it with --max-size if the workbook is genuine)")


def inspect_upload(source: str | Path | bytes, limits: Limits = DEFAULT_LIMITS, *,
                   keep_parts: bool = False) -> Intake:
    """Check an upload (a path or its bytes) before any parsing; see the module docstring.

    ``keep_parts``: return the members of up to 4 MB as the checks decompressed them
    (:attr:`Intake.parts`) when the upload passes and unpacks to at most 256 MB, so readers
    reuse them.
    """
    if isinstance(source, bytes):
        data = source
    else:
        read, problem = read_upload_bytes(source, limits)
        if read is None:
            assert problem is not None
            return Intake(problems=(problem,))
        data = read
    try:
        return _inspect(data, limits, keep_parts)
    except _RejectedError as rejected:
        return Intake(problems=(rejected.problem,))


def _inspect(data: bytes, limits: Limits, keep_parts: bool = False) -> Intake:
    if len(data) > limits.max_bytes:
        raise _RejectedError(_too_big(len(data), limits))
    if not data:
        raise _RejectedError("the file is empty (0 bytes): the upload did not arrive, or was saved empty")
    if data.startswith(CFB_SIGNATURE[:4]):
        raise _RejectedError(_ole_message(data))
    if not data.startswith(_ZIP_SIGNATURES):
        raise _RejectedError(_not_zip_message(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _RejectedError("the zip container is truncated or damaged (its central directory is missing): "
                        "the upload was probably cut short; send the file again") from None
    except (OSError, ValueError, EOFError) as exc:
        raise _RejectedError(f"the zip container is damaged ({exc}): send the file again") from None
    with archive:
        members = archive.infolist()
        _check_directory(members, limits)
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names:
            if "mimetype" in names or "content.xml" in names:
                raise _RejectedError("is an OpenDocument spreadsheet (.ods), not an Excel workbook: save it as .xlsx")
            raise _RejectedError("is a zip file but not an Excel workbook ([Content_Types].xml is missing)")
        if not any(name.startswith("xl/") and name.endswith(".xml") and "workbook" in posixpath.basename(name)
                   for name in names):
            raise _RejectedError("is an Office file but not an Excel workbook (no xl/workbook.xml): save it as .xlsx")
        warnings: list[Problem] = []
        problems: list[Problem] = []
        sheets = 0
        total = 0
        keep_any = keep_parts and sum(info.file_size for info in members) <= _KEEP_LIMIT
        parts: dict[str, bytes] = {}
        for info in members:
            if info.is_dir():
                continue
            keep = keep_any and info.file_size <= _KEEP_MEMBER
            try:
                scan = _scan_member(archive, info, limits, total, keep=keep)
            except _NeedExactError:  # a worksheet the quick extent check could not vouch for: every cell, one by one
                scan = _scan_member(archive, info, limits, total, keep=keep, exact=True)
            total += scan.size
            sheets += scan.is_sheet
            problems.extend(scan.problems)
            if keep:
                parts[info.filename] = scan.data
        links = _external_links(archive, names)
        warnings.extend(_warnings(names, links))
    fmt = "xlsm" if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names) else "xlsx"
    return Intake(problems=tuple(problems), warnings=tuple(warnings), format=fmt, sheets_scanned=sheets,
                  uncompressed=total, external_links=tuple(links), parts=parts if not problems else {})


def _ole_message(data: bytes) -> str:
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


def _not_zip_message(data: bytes) -> str:
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


def _check_directory(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if not members:
        raise _RejectedError("the zip container is empty: it holds no workbook")
    if len(members) > limits.max_members:
        raise _RejectedError(f"the zip container holds {len(members):,} members, more than the {limits.max_members:,} "
                        "a workbook may have: refused as a possible zip bomb")
    seen: dict[str, str] = {}
    total = 0
    for info in members:
        name = info.filename
        where = name
        if "\x00" in name or any(ord(ch) < 32 for ch in name):
            raise _RejectedError("a member name holds control characters: refused (path trick)", _printable(name))
        if name.startswith(("/", "\\")) or _DRIVE.match(name):
            raise _RejectedError("a member has an absolute path: refused (path trick)", where)
        if "\\" in name:
            raise _RejectedError("a member name uses backslashes: refused (path trick)", where)
        if ".." in name.split("/"):
            raise _RejectedError('a member name climbs out of the container with "..": refused (path trick)', where)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise _RejectedError("a member is a symbolic link: refused (path trick)", where)
        key = name.lower()
        if key in seen:
            raise _RejectedError(f'the name "{name}" appears twice in the container (readers would disagree on which '
                            "one is the workbook): refused", where)
        seen[key] = name
        if info.flag_bits & 0x1:
            raise _RejectedError("a member of the zip is encrypted: password-protected containers are not read; "
                            "save the workbook without a password", where)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _RejectedError(f"a member uses compression method {info.compress_type}, which Excel never writes: "
                            "refused", where)
        if info.file_size > limits.max_member:
            raise _RejectedError(f"a member would unpack to {info.file_size / _MB:,.0f} MB, over the "
                            f"{limits.max_member / _MB:g} MB limit for one part: refused as a possible zip bomb",
                            where)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= limits.ratio_floor and ratio > limits.max_ratio:
            raise _RejectedError(f"a member compresses {ratio:,.0f} to 1 ({info.compress_size:,} bytes unpacking to "
                            f"{info.file_size:,}), beyond the {limits.max_ratio} to 1 any spreadsheet reaches: "
                            "refused as a zip bomb", where)
        total += info.file_size
        if total > limits.max_uncompressed:
            raise _RejectedError(f"the container would unpack to more than {limits.max_uncompressed / _MB:g} MB: "
                            "refused as a possible zip bomb")


def _printable(name: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in name)


@dataclass
class _MemberScan:
    size: int = 0
    is_sheet: bool = False
    problems: list[Problem] = field(default_factory=list)
    data: bytes = b""  # the member decompressed, when kept


class _NeedExactError(Exception):
    """The quick extent check met a cell it cannot vouch for: the worksheet is scanned cell by cell."""


class _SheetExtent:
    """Tracks the area a spreadsheet reader would allocate for a worksheet: the cells with content,
    from the topmost-leftmost to the bottommost-rightmost.

    Quick mode (``exact=False``): a worksheet that declares a used range (``<dimension>``, which
    every spreadsheet program writes) is checked against a box a little larger than it, of at
    most ``max_cells`` cells inside Excel's grid: a few regular-expression searches over the XML
    prove that every row and cell tag has the plain form (``<row r="7"``, ``<c r="B7"``) and lies
    in the box, so the area is within the limit without visiting each cell in Python. Any tag in
    another form or outside the box raises :class:`_NeedExactError`, and the worksheet is scanned
    again cell by cell (the exact area, which the messages report).
    """

    def __init__(self, max_cells: int = DEFAULT_LIMITS.max_cells, exact: bool = True) -> None:
        self.row = 0
        self.column = 0
        self.top = self.left = 1 << 30
        self.bottom = self.right = 0
        self.out_of_grid = ""
        self.declared = ""  # the <dimension ref> the sheet declares
        self.max_cells = max_cells
        self.exact = exact
        self.fed = False
        self.quick: tuple[re.Pattern[bytes], re.Pattern[bytes]] | None = None

    def feed(self, chunk: bytes | memoryview) -> None:
        if not self.fed:
            self.fed = True
            if not self.exact:
                self.quick = _quick_checks(self.declared, self.max_cells)
                if self.quick is None:
                    raise _NeedExactError
        if self.quick is not None:
            cells, rows = self.quick
            if cells.search(chunk) or rows.search(chunk) or _PREFIXED_TAG.search(chunk):
                raise _NeedExactError
            return
        row, column = self.row, self.column
        top, bottom, left, right = self.top, self.bottom, self.left, self.right
        columns = _COLUMN_NUMBERS
        for kind, letters, digits, attrs, empty in _TOKEN.findall(chunk):
            if letters or digits:
                ref: bytes | None = letters + digits
            else:
                found = _R_ATTR.search(attrs)
                ref = found.group(1) if found else None
            if kind == b"row":
                row = self._int(ref) if ref else row + 1
                column = 0
                if row > _EXCEL_ROWS and not self.out_of_grid:
                    self.out_of_grid = f"row {row}"
                continue
            if ref:
                if letters and digits:
                    name, number = letters, digits
                else:
                    cell = _CELL_REF.fullmatch(ref)
                    if cell is None:
                        if not self.out_of_grid:
                            self.out_of_grid = f'cell reference "{ref.decode("ascii", "replace")[:20]}"'
                        continue
                    name, number = cell.group(1).upper(), cell.group(2)
                column = columns.get(name) or columns.setdefault(name, _column_number(name))
                row = self._int(number)
            else:
                column += 1
            if column > _EXCEL_COLUMNS or row > _EXCEL_ROWS:
                if not self.out_of_grid:
                    self.out_of_grid = f"cell at row {row}, column {column}"
                continue
            if empty:
                continue  # a formatted but empty cell: readers skip it
            # plain comparisons: this loop runs once per cell, and min()/max() calls cost twice as much
            if row < top:  # noqa: PLR1730
                top = row
            if row > bottom:  # noqa: PLR1730
                bottom = row
            if column < left:  # noqa: PLR1730
                left = column
            if column > right:  # noqa: PLR1730
                right = column
        self.row, self.column = row, column
        self.top, self.bottom, self.left, self.right = top, bottom, left, right

    @staticmethod
    def _int(text: bytes) -> int:
        return int(text) if text.isdigit() and len(text) < 10 else _EXCEL_ROWS + 1

    @property
    def area(self) -> int:
        """Rows times columns of the used range (0 when no cell has content)."""
        if not self.bottom:
            return 0
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)

    def used_range(self) -> str:
        """The used range in A1 notation."""
        return f"{_letters(self.left)}{self.top}:{_letters(self.right)}{self.bottom}"


_PREFIXED_TAG = re.compile(rb":(?:c|row)[\s/>]")  # a cell or row tag with a namespace prefix (or text like it)


@lru_cache(maxsize=64)
def _quick_checks(declared: str, max_cells: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]] | None:
    """Searches that find a cell or row tag not in the plain form or outside a box around the
    declared used range; None when the box would exceed ``max_cells`` or Excel's grid.

    The box: rows up to the bottom row's digit count with its first digit (``50001`` gives rows
    up to 59999), columns up to its letter count with its first letter (``Q`` gives A:Q, ``AB``
    gives A:AZ, ``CD`` gives A:CZ).
    """
    first, _, last = declared.strip().partition(":")
    corners = [_CELL_REF.fullmatch(part.encode()) for part in (first, last or first)]
    if not all(corners):
        return None
    bottom = max(int(c.group(2)) for c in corners if c)
    right = max(_column_number(c.group(1).upper()) for c in corners if c)
    digits, letters = str(bottom), _letters(right)
    if not bottom or not right:
        return None
    rows = (int(digits[0]) + 1) * 10 ** (len(digits) - 1) - 1
    columns = _column_number((letters[0] + "Z" * (len(letters) - 1)).encode())
    if rows > _EXCEL_ROWS or columns > _EXCEL_COLUMNS or rows * columns > max_cells:
        return None
    row_pattern = f"[0-{digits[0]}]" if len(digits) == 1 else f"[0-{digits[0]}]?[0-9]{{1,{len(digits) - 1}}}"
    column_pattern = f"[A-{letters[0]}]" if len(letters) == 1 else \
        f"(?:[A-Z]{{1,{len(letters) - 1}}}|[A-{letters[0]}][A-Z]{{{len(letters) - 1}}})"
    cells = re.compile(f'<c(?! r="{column_pattern}{row_pattern}")[\\s/>]'.encode())
    row_tags = re.compile(f'<row(?! r="{row_pattern}")[\\s/>]'.encode())
    return cells, row_tags


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + char - 64
    return number


def _letters(number: int) -> str:
    text = ""
    while number:
        number, rem = divmod(number - 1, 26)
        text = chr(65 + rem) + text
    return text


def _scan_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total_before: int, *,
                 keep: bool = False, exact: bool = False) -> _MemberScan:
    """Decompress one member in a stream: size and CRC, DTDs in XML, cell extents of worksheets.

    ``keep``: the member's bytes are returned in the scan; ``exact``: worksheets are scanned cell
    by cell (see :class:`_SheetExtent`; raises :class:`_NeedExactError` when the quick check fails).
    """
    name = info.filename
    scan = _MemberScan()
    kept: list[bytes] = []
    is_xml = name.lower().endswith((".xml", ".rels", ".vml"))
    extent: _SheetExtent | None = None
    decoder: codecs.IncrementalDecoder | None = None
    carry = b""
    head = b""
    root: str | None = None
    try:
        handle: IO[bytes]
        with archive.open(info) as handle:
            while True:
                chunk = handle.read(_CHUNK)
                if not chunk:
                    break
                scan.size += len(chunk)
                if scan.size > info.file_size or total_before + scan.size > limits.max_uncompressed:
                    raise _RejectedError("the member unpacks to more than it declares: refused as a zip bomb", name)
                if keep:
                    kept.append(chunk)
                if not is_xml:
                    continue
                if decoder is None and len(head) < 4:
                    head += chunk[:4]
                    decoder = _decoder_for(head, name)
                text = chunk if decoder is None else decoder.decode(chunk).encode("utf-8")
                block = carry + text
                if _DTD.search(block):
                    raise _RejectedError("the XML declares a document type (<!DOCTYPE>/<!ENTITY>), which spreadsheets "
                                         "never write: entity expansion and external entities are refused", name)
                if root is None:  # still in the prolog: the root element decides whether this is a worksheet
                    root = _root_name(block, name)
                    if root is None:
                        if len(block) > _PROLOG_BYTES:
                            raise _RejectedError(f"the XML has more than {_PROLOG_BYTES // 1024} KB before its first "
                                                 "element, which spreadsheets never write: refused", name)
                        carry = block
                        continue
                    if root in _SHEET_ROOTS:
                        extent = _SheetExtent(limits.max_cells, exact)
                        scan.is_sheet = True
                cut = block.rfind(b"<")
                if cut < 0 or len(block) - cut > 4096:
                    cut = max(len(block) - 16, 0)
                if extent is not None:
                    if not extent.declared:
                        declared = _DIMENSION.search(block)
                        if declared:
                            extent.declared = declared.group(1).decode("ascii", "replace")
                    extent.feed(memoryview(block)[:cut])
                carry = block[cut:]
            if extent is not None and carry:
                extent.feed(carry)
    except (_RejectedError, _NeedExactError):
        raise
    except zipfile.BadZipFile as exc:
        raise _RejectedError(f"the member is damaged ({exc}): the upload was probably cut short or altered; "
                        "send the file again", name) from None
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise _RejectedError(f"the member cannot be unpacked ({type(exc).__name__}: {exc}): send the file again",
                        name) from None
    except Exception as exc:  # zlib.error and other decoder failures
        raise _RejectedError(f"the member cannot be unpacked ({type(exc).__name__}): send the file again",
                             name) from None
    if scan.size != info.file_size:
        raise _RejectedError(f"the member is {scan.size:,} bytes where the container says {info.file_size:,}: "
                        "the upload is truncated or altered", name)
    if extent is not None:
        if extent.out_of_grid:
            raise _RejectedError(f"a worksheet has a {extent.out_of_grid} outside Excel's grid "
                            f"({_EXCEL_ROWS:,} rows x {_EXCEL_COLUMNS:,} columns): refused", name)
        declared_area = _declared_area(extent.declared)
        if declared_area > limits.max_cells:
            raise _RejectedError(f"a worksheet declares a used range (dimension) of {extent.declared[:40]}, "
                                 f"{declared_area:,} cells, more than the {limits.max_cells:,} a reader may hold in "
                                 "memory: refused (huge sheet dimension)", name)
        if extent.area > limits.max_cells:
            raise _RejectedError(f"a worksheet's used range {extent.used_range()} spans {extent.area:,} cells, "
                                 f"more than the {limits.max_cells:,} a reader may hold in memory: refused (huge "
                                 "sheet dimension)", name)
    if keep:
        scan.data = kept[0] if len(kept) == 1 else b"".join(kept)
    return scan


def _declared_area(reference: str) -> int:
    """Cells in a declared ``A1:XFD1048576`` range (0 when there is none or it does not parse)."""
    first, _, last = reference.strip().partition(":")
    corners = [_CELL_REF.fullmatch(part.encode()) for part in (first, last or first)]
    if not all(corners):
        return 0
    (top_letters, top), (bottom_letters, bottom) = ((c.group(1).upper(), int(c.group(2))) for c in corners if c)
    width = abs(_column_number(bottom_letters) - _column_number(top_letters)) + 1
    return (abs(bottom - top) + 1) * width


def _decoder_for(head: bytes, name: str) -> codecs.IncrementalDecoder | None:
    """None for UTF-8 (the bytes are scanned as they are); a decoder for UTF-16 parts."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="strict")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        raise _RejectedError("the XML is in an encoding spreadsheets do not write (UTF-32 or UTF-16 without a mark): "
                        "refused", name)
    return None


def _root_name(prolog: bytes, name: str) -> str | None:
    """The local name of the root element, skipping the XML declaration, comments and PIs; None while
    ``prolog`` ends before the root element's name does (more bytes are needed)."""
    text = prolog.lstrip(b"\xef\xbb\xbf \t\r\n")
    position = 0
    while True:
        start = text.find(b"<", position)
        if start < 0:
            return None
        if text.startswith(b"<?", start):
            end = text.find(b"?>", start)
            if end < 0:
                return None
            position = end + 2
        elif text.startswith(b"<!--", start) or b"<!--".startswith(text[start:start + 4]):
            end = text.find(b"-->", start)
            if end < 0:
                return None
            position = end + 3
        elif text.startswith(b"<!", start):
            raise _RejectedError("the XML declares a document type (<!DOCTYPE>/<!ENTITY>), which spreadsheets never "
                                 "write: entity expansion and external entities are refused", name)
        else:
            match = re.match(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", text[start:start + 256])
            if match is None:
                return None if len(text) - start < 2 else ""
            if match.end() >= len(text) - start:
                return None  # the name may go on in the next block
            return match.group(1).decode("ascii", "replace")


def _external_links(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
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


def _warnings(names: set[str], links: list[str]) -> list[Problem]:
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
