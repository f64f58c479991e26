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

Readers follow relationships, not file names, so the relationships are read first
(:func:`xlcomp.recalc.container.relationships`) and every part one points at is scanned whatever it
is called: as XML when it starts like XML, as a worksheet (declared and actual extents,
:mod:`xlcomp.recalc.extent`) when a worksheet relationship points at it, whatever its root element.

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
from pathlib import Path
from typing import IO

from xlcomp.errors import Problem
from xlcomp.recalc import ahead as read_ahead_thread
from xlcomp.recalc import anchored
from xlcomp.recalc.container import (
    RejectedError,
    external_links,
    not_zip_message,
    ole_message,
    relationships,
    warnings_for,
)
from xlcomp.recalc.extent import (
    DIMENSION,
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    NeedExactError,
    SheetExtent,
    column_letters,
    declared_area,
    quick_checks,
)
from xlcomp.recalc.inflate import chunks, open_member

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
_KEEP_MEMBER = 64 * _MB  # and only members up to this size (the input tables' sheets are scanned again: kept)
_INFLATE_THREAD = 4 * _MB  # a member this large is decompressed on a thread while its chunks are checked
_AHEAD_BYTES = 1 * _MB  # a worksheet this large is read ahead (read_ahead=True) while the others are checked
_PROLOG_BYTES = 64 * 1024
_SHEET_ROOTS = {"worksheet", "dialogsheet", "macrosheet"}
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# the extent helpers under the names the tests of the quick check reach for
_SheetExtent, _NeedExactError, _quick_checks, _letters = SheetExtent, NeedExactError, quick_checks, column_letters
_RELS_BYTES = 4 * _MB  # a relationships part is a few hundred bytes; they are parsed whole
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
    ahead: read_ahead_thread.ReadAhead | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when nothing rejects the upload."""
        return not self.problems



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
                   keep_parts: bool = False, read_ahead: bool = False) -> Intake:
    """Check an upload (a path or its bytes) before any parsing; see the module docstring.

    ``keep_parts``: return the members of up to 64 MB as the checks decompressed them
    (:attr:`Intake.parts`) when the upload passes and unpacks to at most 256 MB, so readers
    reuse them. ``read_ahead`` (with ``keep_parts``): check every part but the worksheets first,
    then the largest worksheet (of at least 1 MB), and start reading its values on a thread
    (:attr:`Intake.ahead`, :mod:`xlcomp.recalc.ahead`: it opens its workbook while that sheet is checked,
    and reads it once it has passed) while the other worksheets are checked. The verdict is the same:
    a refused upload is checked again in the container's order, so the same first problem is
    reported, and its read-ahead is stopped.
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
        return _inspect(data, limits, keep_parts, read_ahead)
    except RejectedError as rejected:
        if read_ahead:  # the first problem in the container's order, as without reading ahead
            return inspect_upload(data, limits, keep_parts=keep_parts)
        return Intake(problems=(rejected.problem,))


def _inspect(data: bytes, limits: Limits, keep_parts: bool = False, read_ahead: bool = False) -> Intake:
    if len(data) > limits.max_bytes:
        raise RejectedError(_too_big(len(data), limits))
    if not data:
        raise RejectedError("the file is empty (0 bytes): the upload did not arrive, or was saved empty")
    if data.startswith(CFB_SIGNATURE[:4]):
        raise RejectedError(ole_message(data))
    if not data.startswith(_ZIP_SIGNATURES):
        raise RejectedError(not_zip_message(data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise RejectedError("the zip container is truncated or damaged (its central directory is missing): "
                        "the upload was probably cut short; send the file again") from None
    except (OSError, ValueError, EOFError) as exc:
        raise RejectedError(f"the zip container is damaged ({exc}): send the file again") from None
    with archive:
        members = archive.infolist()
        _check_directory(members, limits)
        names = {info.filename for info in members}
        if "[Content_Types].xml" not in names:
            if "mimetype" in names or "content.xml" in names:
                raise RejectedError("is an OpenDocument spreadsheet (.ods), not an Excel workbook: save it as .xlsx")
            raise RejectedError("is a zip file but not an Excel workbook ([Content_Types].xml is missing)")
        if not any(name.startswith("xl/") and name.endswith(".xml") and "workbook" in posixpath.basename(name)
                   for name in names):
            raise RejectedError("is an Office file but not an Excel workbook (no xl/workbook.xml): save it as .xlsx")
        warnings: list[Problem] = []
        problems: list[Problem] = []
        sheets = 0
        total = 0
        keep_any = keep_parts and sum(info.file_size for info in members) <= _KEEP_LIMIT
        parts: dict[str, bytes] = {}
        # The relationships first: a reader follows them to its parts whatever those are named, so every
        # part they point at is scanned as XML when it is XML, and as a worksheet when one points at it as such.
        rels = [info for info in members if not info.is_dir() and info.filename.lower().endswith(".rels")]
        rels_data: dict[str, bytes] = {}
        for info in rels:
            if info.file_size > _RELS_BYTES:
                raise RejectedError(f"a relationships part of {info.file_size:,} bytes, where workbooks write a few "
                                    "hundred: refused", info.filename)
            scan = _scan_member(archive, info, limits, total, keep=True)
            total += scan.size
            rels_data[info.filename] = scan.data
            if keep_any:
                parts[info.filename] = scan.data
        followed, sheet_parts = relationships(rels_data)
        # each member is checked against its declared size, and their sum against the limit: the order
        # changes no verdict, only which problem comes first (inspect_upload checks a refusal again)
        order, first_sheet = read_ahead_thread.scan_order(members, sheet_parts, _AHEAD_BYTES) \
            if read_ahead and keep_any else (members, None)
        ahead: read_ahead_thread.ReadAhead | None = None
        try:
            for info in order:
                if info.is_dir() or info.filename in rels_data:
                    continue
                keep = keep_any and info.file_size <= _KEEP_MEMBER
                key = info.filename.lower()
                options = {"keep": keep, "followed": key in followed, "sheet": key in sheet_parts}
                if info is first_sheet and not problems:  # every part python-calamine opens: checked; the thread
                    ahead = read_ahead_thread.start(data, parts, info.filename, held=True)  # opens the workbook
                try:
                    scan = _scan_member(archive, info, limits, total, **options)
                except NeedExactError:  # a worksheet the quick extent check could not vouch for: cell by cell
                    scan = _scan_member(archive, info, limits, total, exact=True, **options)
                total += scan.size
                sheets += scan.is_sheet
                problems.extend(scan.problems)
                if keep:
                    parts[info.filename] = scan.data
                if info is first_sheet and ahead is not None:  # this sheet checked too: it may be read
                    if problems:
                        ahead.close()
                        ahead = None
                    else:
                        ahead.release()
            links = external_links(archive, names)
            warnings.extend(warnings_for(names, links))
        except BaseException:
            if ahead is not None:
                ahead.close()
            raise
        if problems and ahead is not None:
            ahead.close()
            ahead = None
    fmt = "xlsm" if any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names) else "xlsx"
    return Intake(problems=tuple(problems), warnings=tuple(warnings), format=fmt, sheets_scanned=sheets,
                  uncompressed=total, external_links=tuple(links), parts=parts if not problems else {}, ahead=ahead)



def _check_directory(members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if not members:
        raise RejectedError("the zip container is empty: it holds no workbook")
    if len(members) > limits.max_members:
        raise RejectedError(f"the zip container holds {len(members):,} members, more than the {limits.max_members:,} "
                        "a workbook may have: refused as a possible zip bomb")
    seen: dict[str, str] = {}
    total = 0
    for info in members:
        name = info.filename
        where = name
        if "\x00" in name or any(ord(ch) < 32 for ch in name):
            raise RejectedError("a member name holds control characters: refused (path trick)", _printable(name))
        if name.startswith(("/", "\\")) or _DRIVE.match(name):
            raise RejectedError("a member has an absolute path: refused (path trick)", where)
        if "\\" in name:
            raise RejectedError("a member name uses backslashes: refused (path trick)", where)
        if ".." in name.split("/"):
            raise RejectedError('a member name climbs out of the container with "..": refused (path trick)', where)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise RejectedError("a member is a symbolic link: refused (path trick)", where)
        key = name.lower()
        if key in seen:
            raise RejectedError(f'the name "{name}" appears twice in the container (readers would disagree on which '
                            "one is the workbook): refused", where)
        seen[key] = name
        if info.flag_bits & 0x1:
            raise RejectedError("a member of the zip is encrypted: password-protected containers are not read; "
                            "save the workbook without a password", where)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise RejectedError(f"a member uses compression method {info.compress_type}, which Excel never writes: "
                            "refused", where)
        if info.file_size > limits.max_member:
            raise RejectedError(f"a member would unpack to {info.file_size / _MB:,.0f} MB, over the "
                            f"{limits.max_member / _MB:g} MB limit for one part: refused as a possible zip bomb",
                            where)
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= limits.ratio_floor and ratio > limits.max_ratio:
            raise RejectedError(f"a member compresses {ratio:,.0f} to 1 ({info.compress_size:,} bytes unpacking to "
                            f"{info.file_size:,}), beyond the {limits.max_ratio} to 1 any spreadsheet reaches: "
                            "refused as a zip bomb", where)
        total += info.file_size
        if total > limits.max_uncompressed:
            raise RejectedError(f"the container would unpack to more than {limits.max_uncompressed / _MB:g} MB: "
                            "refused as a possible zip bomb")


def _printable(name: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in name)


@dataclass
class _MemberScan:
    size: int = 0
    is_sheet: bool = False
    problems: list[Problem] = field(default_factory=list)
    data: bytes = b""  # the member decompressed, when kept


def _scan_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total_before: int, *,
                 keep: bool = False, exact: bool = False, followed: bool = False, sheet: bool = False
                 ) -> _MemberScan:
    """Decompress one member in a stream: size and CRC, DTDs in XML, cell extents of worksheets.

    ``keep``: the member's bytes are returned in the scan; ``exact``: worksheets are scanned cell
    by cell (see :class:`SheetExtent`; raises :class:`NeedExactError` when the quick check fails).
    A member named ``.xml``, ``.rels`` or ``.vml`` is XML; one a relationship points at (``followed``)
    is XML when its content starts like XML, whatever its name; a worksheet is one whose root is a
    sheet's or that a worksheet relationship points at (``sheet``), whatever its root.
    """
    name = info.filename
    scan = _MemberScan()
    kept: list[bytes] = []
    is_xml = name.lower().endswith((".xml", ".rels", ".vml")) or sheet
    sniffing = followed and not is_xml
    extent: SheetExtent | None = None
    decoder: codecs.IncrementalDecoder | None = None
    carry = b""
    head = b""
    root: str | None = None
    try:
        handle: IO[bytes]
        with open_member(archive, info) as handle, \
                chunks(handle, _CHUNK, info.file_size >= _INFLATE_THREAD) as inflated:
            for chunk in inflated:
                scan.size += len(chunk)
                if scan.size > info.file_size or total_before + scan.size > limits.max_uncompressed:
                    raise RejectedError("the member unpacks to more than it declares: refused as a zip bomb", name)
                if keep:
                    kept.append(chunk)
                if sniffing:  # a part readers follow, named otherwise: XML when it starts like XML
                    start = (head + chunk).lstrip(b"\xef\xbb\xbf \t\r\n")
                    if not start:
                        continue  # only blanks so far
                    sniffing = False
                    is_xml = start.startswith((b"<", codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                if not is_xml:
                    continue
                if decoder is None and len(head) < 4:
                    head += chunk[:4]
                    decoder = _decoder_for(head, name)
                text = chunk if decoder is None else decoder.decode(chunk).encode("utf-8")
                block = carry + text
                if anchored.search(block, _DTD, b"!", 1):  # _DTD.search(block), from each "!" (rare in a sheet)
                    raise RejectedError("the XML declares a document type (<!DOCTYPE>/<!ENTITY>), which spreadsheets "
                                         "never write: entity expansion and external entities are refused", name)
                if root is None:  # still in the prolog: the root element decides whether this is a worksheet
                    root = _root_name(block, name)
                    if root is None:
                        if len(block) > _PROLOG_BYTES:
                            raise RejectedError(f"the XML has more than {_PROLOG_BYTES // 1024} KB before its first "
                                                 "element, which spreadsheets never write: refused", name)
                        carry = block
                        continue
                    if root in _SHEET_ROOTS or sheet:
                        extent = SheetExtent(limits.max_cells, exact)
                        scan.is_sheet = True
                cut = block.rfind(b"<")
                if cut < 0 or len(block) - cut > 4096:
                    cut = max(len(block) - 16, 0)
                if extent is not None:
                    if not extent.declared:
                        declared = DIMENSION.search(block)
                        if declared:
                            extent.declared = declared.group(1).decode("ascii", "replace")
                    extent.feed(memoryview(block)[:cut])
                carry = block[cut:]
            if extent is not None and carry:
                extent.feed(carry)
    except (RejectedError, NeedExactError):
        raise
    except zipfile.BadZipFile as exc:
        raise RejectedError(f"the member is damaged ({exc}): the upload was probably cut short or altered; "
                        "send the file again", name) from None
    except (OSError, EOFError, ValueError, UnicodeDecodeError) as exc:
        raise RejectedError(f"the member cannot be unpacked ({type(exc).__name__}: {exc}): send the file again",
                        name) from None
    except Exception as exc:  # zlib.error and other decoder failures
        raise RejectedError(f"the member cannot be unpacked ({type(exc).__name__}): send the file again",
                             name) from None
    if scan.size != info.file_size:
        raise RejectedError(f"the member is {scan.size:,} bytes where the container says {info.file_size:,}: "
                        "the upload is truncated or altered", name)
    if extent is not None:
        if extent.out_of_grid:
            raise RejectedError(f"a worksheet has a {extent.out_of_grid} outside Excel's grid "
                            f"({EXCEL_ROWS:,} rows x {EXCEL_COLUMNS:,} columns): refused", name)
        declared_cells = declared_area(extent.declared)
        if declared_cells > limits.max_cells:
            raise RejectedError(f"a worksheet declares a used range (dimension) of {extent.declared[:40]}, "
                                 f"{declared_cells:,} cells, more than the {limits.max_cells:,} a reader may hold in "
                                 "memory: refused (huge sheet dimension)", name)
        if extent.area > limits.max_cells:
            raise RejectedError(f"a worksheet's used range {extent.used_range()} spans {extent.area:,} cells, "
                                 f"more than the {limits.max_cells:,} a reader may hold in memory: refused (huge "
                                 "sheet dimension)", name)
    if keep:
        scan.data = kept[0] if len(kept) == 1 else b"".join(kept)
    return scan


def _decoder_for(head: bytes, name: str) -> codecs.IncrementalDecoder | None:
    """None for UTF-8 (the bytes are scanned as they are); a decoder for UTF-16 parts."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return codecs.getincrementaldecoder("utf-16")(errors="strict")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        raise RejectedError("the XML is in an encoding spreadsheets do not write (UTF-32 or UTF-16 without a mark): "
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
            raise RejectedError("the XML declares a document type (<!DOCTYPE>/<!ENTITY>), which spreadsheets never "
                                 "write: entity expansion and external entities are refused", name)
        else:
            match = re.match(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)", text[start:start + 256])
            if match is None:
                return None if len(text) - start < 2 else ""
            if match.end() >= len(text) - start:
                return None  # the name may go on in the next block
            return match.group(1).decode("ascii", "replace")


