"""Comparing an upload with the workbook xlcomp regenerates from the upload's own inputs.

The regenerated workbook holds, at every computed cell, the formula xlcomp writes and the engine's
value as its cached value. Cell by cell, at the same sheet and address:

- an **override**: the regenerated cell has a formula and the upload's cell has a constant (typed
  over), is blank, or has a different formula;
- a **difference**: the value cached in the upload differs from the engine's (money within half a
  cent, rates and other fine numbers within half a unit of their sixth decimal).

Formulas are compared as formulas, not as text: case, spaces, ``$``, sheet-name quotes, the
``_xlfn.`` prefixes and number spellings do not matter, and a structured reference
(``Accounts[renewed_arr]``) equals the range it covers in that workbook (``Accounts!$F$2:$F$2001``),
since spreadsheet programs rewrite one as the other when they save. A table column is identified
by its table and column name, so a column finance inserted into a table moves nothing.

The upload's formulas, values and error cells come from the
:class:`~xlcomp.recalc.package.UploadPackage` its reading filled (each sheet read once); the
regenerated workbook's formulas and styles are scanned from its sheet XML
(:func:`xlcomp.ooxml.scan.read_sheet_formulas`: a regular-expression scan of the plain form, an
element-by-element parse on defusedxml for anything else, shared formulas expanded), its values
read through python-calamine.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from xlcomp.errors import Problem
from xlcomp.ooxml.refs import column_letter, split_ref
from xlcomp.ooxml.scan import SheetFormulas, read_sheet_formulas
from xlcomp.recalc.package import UploadPackage
from xlcomp.recalc.parameters import cell_text
from xlcomp.recalc.read import read_tabs
from xlcomp.workbook import layout

__all__ = ["Comparison", "Difference", "Override", "compare_workbooks", "formula_key"]

_MONEY_TOLERANCE = Decimal("0.005")
_FINE_TOLERANCE = Decimal("0.0000005")
_MAX_FINDINGS = 2000
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_BUILTIN_FORMATS = {9: "0%", 10: "0.00%", 11: "0.00E+00", 48: "##0.0E+0"}
_STRUCTURED = re.compile(r"^(?P<table>[A-Za-z_\\][\w.\\]*)\[(?P<spec>.*)\]$", re.DOTALL)
_SPECIAL_ITEMS = {"#all", "#data", "#headers", "#totals", "#this row"}


@dataclass(frozen=True)
class Override:
    """A computed cell that no longer holds xlcomp's formula."""

    where: str
    formula: str
    found: str
    kind: str  # "constant", "blank" or "formula"

    def as_dict(self) -> dict[str, str]:
        """``{where, formula, found, kind}``."""
        return {"where": self.where, "formula": self.formula, "found": self.found, "kind": self.kind}


@dataclass(frozen=True)
class Difference:
    """A computed cell whose value cached in the upload is not the engine's."""

    where: str
    cached: str
    engine: str

    def as_dict(self) -> dict[str, str]:
        """``{where, cached, engine}``."""
        return {"where": self.where, "cached": self.cached, "engine": self.engine}


@dataclass
class Comparison:
    """Overrides and differences of an upload, and what kept cells from being compared."""

    overrides: list[Override] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Table:
    name: str
    sheet: str
    first_row: int  # 0-based first data row
    last_row: int   # 0-based last data row
    first_column: int
    columns: tuple[str, ...]
    end_row: int = -1  # 0-based last row of the table, totals included


@dataclass
class _Book:
    """What the comparison needs of one workbook: per sheet, formulas, styles and values."""

    path: Path
    sheets: dict[str, str]  # name -> part
    tables: list[_Table]
    number_formats: dict[int, str]  # style id -> format code

    def table_at(self, sheet: str, row: int, column: int) -> tuple[_Table, str] | None:
        for table in self.tables:
            if table.sheet.lower() == sheet.lower() and table.first_row <= row <= table.last_row \
                    and table.first_column <= column < table.first_column + len(table.columns):
                return table, table.columns[column - table.first_column]
        return None

    def table_named(self, name: str) -> _Table | None:
        for table in self.tables:
            if table.name.lower() == name.lower():
                return table
        return None


def _open_book(source: Path | UploadPackage) -> _Book:
    from defusedxml import ElementTree

    if not isinstance(source, UploadPackage):
        with UploadPackage(Path(source).read_bytes(), name=Path(source).name) as package:
            return _open_book(package)
    index = source.index
    parts = source.parts
    tables = []
    for table in index.tables.values():
        try:
            node = ElementTree.fromstring(parts[table.part], forbid_dtd=True)
            headers = int(node.get("headerRowCount", "1"))
            totals = int(node.get("totalsRowCount", "0") or 0)
            (r0, c0), (r1, _) = split_ref(table.ref)
        except (KeyError, ValueError):
            continue
        tables.append(_Table(table.name, table.sheet, r0 + headers, r1 - totals, c0,
                             tuple(c.strip().lower() for c in table.columns), r1))
    formats = _number_formats(parts, ElementTree)
    sheets = {sheet.name: sheet.part for sheet in index.sheets}
    return _Book(Path(source.name), sheets, tables, formats)


def _number_formats(parts: Mapping[str, bytes], tree: Any) -> dict[int, str]:
    part = next((n for n in parts if posixpath.basename(n).lower() == "styles.xml" and n.startswith("xl/")), None)
    if part is None:
        return {}
    root = tree.fromstring(parts[part], forbid_dtd=True)
    custom = {int(n.get("numFmtId", "0")): n.get("formatCode", "") for n in root.iter(f"{_NS_MAIN}numFmt")}
    out = {}
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    for style_id, xf in enumerate(xfs if xfs is not None else []):
        number_format_id = int(xf.get("numFmtId", "0"))
        out[style_id] = custom.get(number_format_id, _BUILTIN_FORMATS.get(number_format_id, ""))
    return out


# ---------------------------------------------------------------------------------------------
# formulas as comparable keys


def formula_key(formula: str, book: _Book | None = None, row: int = 0, sheet: str = "",
                renames: Mapping[str, str] | None = None) -> str:
    """A formula reduced to what it computes (see the module docstring), for comparison.

    ``book``, ``row`` and ``sheet`` say where the formula is (to recognise table columns written
    as ranges); ``renames`` maps sheet names (lower case) to the names they stand for.
    """
    from openpyxl.formula.tokenizer import Tokenizer

    text = formula if formula.startswith("=") else "=" + formula
    try:
        items = Tokenizer(text).items
    except Exception:
        return re.sub(r"\s+", "", text).upper().replace("$", "")
    parts = []
    for token in items:
        if token.type == "WHITE-SPACE":
            continue
        value = token.value
        if token.type == "OPERAND" and token.subtype == "RANGE":
            parts.append(_range_key(value, book, row, sheet, renames or {}))
        elif token.type == "OPERAND" and token.subtype == "NUMBER":
            try:
                parts.append(f"{Decimal(value).normalize():f}")
            except InvalidOperation:
                parts.append(value)
        elif token.type == "OPERAND" and token.subtype == "TEXT":
            parts.append(value)
        elif token.type == "FUNC" and token.subtype == "OPEN":
            name = value.upper()
            for prefix in ("_XLFN._XLWS.", "_XLFN.", "_XLWS.", "_XLUDF."):
                if name.startswith(prefix):
                    name = name[len(prefix):]
            parts.append(name)
        elif token.type == "FUNC" and token.subtype == "CLOSE" and parts and parts[-1] in ("TRUE(", "FALSE("):
            parts[-1] = parts[-1][:-1]  # TRUE() is the constant TRUE: LibreOffice writes one for the other
        else:
            parts.append(value.upper())
    return "\x1f".join(parts)


def _range_key(reference: str, book: _Book | None, row: int, sheet: str, renames: Mapping[str, str]) -> str:
    """A range or name as a canonical key: ``TABLE[COLUMN]`` for a table column, else ``SHEET!A1:B2``."""
    structured = _STRUCTURED.match(reference.strip())
    if structured:
        return _structured_key(structured.group("table"), structured.group("spec"))
    ref_sheet, _, cells = reference.rpartition("!")
    ref_sheet = ref_sheet.strip()
    if ref_sheet.startswith("'") and ref_sheet.endswith("'"):
        ref_sheet = ref_sheet[1:-1].replace("''", "'")
    cells = cells.replace("$", "").upper()
    if book is not None:
        as_table = _table_column_for(book, ref_sheet or sheet, cells, row)
        if as_table:
            return as_table
    ref_sheet = renames.get(ref_sheet.lower(), ref_sheet)
    return f"{ref_sheet.upper()}!{cells}" if ref_sheet else cells


def _structured_key(table: str, spec: str) -> str:
    """``Accounts[[#Data],[renewed_arr]]`` and ``Accounts[renewed_arr]`` -> ``ACCOUNTS[RENEWED_ARR]``."""
    items = [item.strip().strip("[]").strip() for item in re.findall(r"\[[^\[\]]*\]|[^,\[\]]+", spec)]
    items = [item for item in items if item]
    if not items:
        return f"{table.upper()}[]"
    this_row = False
    columns = []
    for item in items:
        lowered = item.lower()
        if lowered.startswith("@"):
            this_row = True
            lowered = lowered[1:].strip().strip("[]")
            if not lowered:
                continue
        if lowered in ("#this row",):
            this_row = True
            continue
        if lowered == "#data":
            continue
        columns.append(lowered.replace("'", ""))
    mark = "@" if this_row else ""
    return f"{table.upper()}[{mark}{':'.join(columns).upper()}]"


def _table_column_for(book: _Book, sheet: str, cells: str, row: int) -> str:
    """A range that is exactly a table column's data (or one cell of it on the formula's own row)."""
    try:
        (r0, c0), (r1, c1) = split_ref(cells)
    except ValueError:
        return ""
    if c0 != c1:
        return ""
    for table in book.tables:
        if table.sheet.lower() != sheet.lower():
            continue
        if not table.first_column <= c0 < table.first_column + len(table.columns):
            continue
        column = table.columns[c0 - table.first_column].upper()
        if r0 == table.first_row and r1 == table.last_row:
            return f"{table.name.upper()}[{column}]"
        if r0 == r1 == row and table.first_row <= row <= table.last_row:
            return f"{table.name.upper()}[@{column}]"
    return ""


# ---------------------------------------------------------------------------------------------
# values


def _tolerance(number_format: str) -> Decimal:
    lowered = number_format.lower()
    decimals = 0
    match = re.search(r"\.(0+)", lowered)
    if match:
        decimals = len(match.group(1))
    if "%" in lowered:
        return _FINE_TOLERANCE if decimals < 4 else Decimal(5) * Decimal(10) ** -(decimals + 3)
    if decimals >= 3:
        return _FINE_TOLERANCE
    return _MONEY_TOLERANCE


def _same_value(cached: Any, engine: Any, number_format: str) -> bool:
    if isinstance(engine, bool) or isinstance(cached, bool):
        # LibreOffice keeps a logical result as the number 1 or 0
        if isinstance(cached, (int, float)) and isinstance(engine, (int, float)):
            return float(cached) == float(engine)
        return cell_text(cached) == cell_text(engine)
    if isinstance(engine, (int, float)) and isinstance(cached, (int, float)):
        difference = abs(Decimal(repr(float(cached))) - Decimal(repr(float(engine))))
        return difference <= _tolerance(number_format)
    if isinstance(engine, (datetime, date)) or isinstance(cached, (datetime, date)):
        return cell_text(cached)[:10] == cell_text(engine)[:10]
    return cell_text(cached).strip() == cell_text(engine).strip()


# ---------------------------------------------------------------------------------------------
# the comparison


def compare_workbooks(upload: Path | UploadPackage, regenerated: Path | bytes | UploadPackage,
                      upload_tabs: Sequence[tuple[str, str]] = ()) -> Comparison:
    """Overrides and differences of ``upload`` against ``regenerated`` (see the module docstring).

    Either may be a path or an :class:`~xlcomp.recalc.package.UploadPackage` (``xlcomp
    recalc`` passes the upload's, which already holds what reading it found), the regenerated
    workbook also its bytes. ``upload_tabs`` are the upload's ``(csm_id, sheet)`` CSM tabs (its
    metadata): a CSM renamed in the Roster has a tab of another name in the regenerated workbook,
    compared with its old tab.
    """
    opened: list[UploadPackage] = []

    def package(source: Path | bytes | UploadPackage) -> UploadPackage:
        if isinstance(source, UploadPackage):
            return source
        if isinstance(source, bytes):
            opened.append(UploadPackage(source, name="regenerated.xlsx"))
        else:
            opened.append(UploadPackage(Path(source).read_bytes(), name=Path(source).name))
        return opened[-1]

    try:
        return _compare(package(upload), package(regenerated), upload_tabs)
    finally:
        for one in opened:
            one.close()


def _compare(upload: UploadPackage, fresh: UploadPackage, upload_tabs: Sequence[tuple[str, str]]) -> Comparison:
    result = Comparison()
    upload_book = _open_book(upload)
    fresh_book = _open_book(fresh)
    theirs = {csm_id: name for csm_id, name in upload_tabs}
    tab_of = {new: theirs[csm_id] for csm_id, new in read_tabs(fresh)
              if csm_id in theirs and theirs[csm_id] != new and theirs[csm_id] in upload_book.sheets}
    renames = {their.lower(): new for new, their in tab_of.items()}
    upload_sheets = {name.lower(): name for name in upload_book.sheets}
    counts = {"missing": 0}
    for sheet, fresh_part in fresh_book.sheets.items():
        if sheet == layout.META_SHEET:
            continue
        expected = read_sheet_formulas(fresh.parts[fresh_part]) if fresh_part in fresh.parts else []
        if not expected:
            continue
        upload_name = tab_of.get(sheet) or upload_sheets.get(sheet.lower())
        if upload_name is None:
            result.warnings.append(Problem("", f'the sheet "{sheet}" is not in the upload (deleted or renamed; '
                                               "or a CSM added to the Roster, whose tab xlcomp now adds): its "
                                               f"{len(expected)} computed cells were not compared"))
            continue
        sheets = _SheetPair(sheet, upload_name, fresh.rows(sheet), upload.rows(upload_name),
                            upload.formulas(upload_name), upload.errors(upload_name))
        place = _rows_by_key(fresh_book, upload_book, sheets, result)
        for row, column, formula, style_id in expected:
            mapped = place(row, column)
            if mapped is None:
                continue
            _compare_cell(sheets, (row, column), mapped, formula, fresh_book.number_formats.get(style_id, ""),
                          upload_book, fresh_book, result, counts, renames)
    if counts["missing"]:
        result.warnings.append(Problem("", f"{counts['missing']:,} formula cells of the upload hold no calculated "
                                           "value (the file was saved by a program that does not calculate, or "
                                           "with calculation off): those cells were not compared"))
    for findings, noun in ((result.overrides, "overrides"), (result.differences, "differences")):
        if len(findings) >= _MAX_FINDINGS:
            result.warnings.append(Problem("", f"only the first {_MAX_FINDINGS:,} {noun} are listed"))
    return result


@dataclass
class _SheetPair:
    """One sheet in both workbooks: names, cell values and the upload's formulas."""

    fresh_name: str
    upload_name: str
    fresh_rows: list[list[Any]]
    upload_rows: list[list[Any]]
    upload_formulas: SheetFormulas
    upload_errors: dict[tuple[int, int], str] = field(default_factory=dict)


def _compare_cell(sheets: _SheetPair, fresh_at: tuple[int, int], upload_at: tuple[int, int], formula: str,
                  number_format: str, upload_book: _Book, fresh_book: _Book, result: Comparison,
                  counts: dict[str, int], renames: Mapping[str, str]) -> None:
    row, column = upload_at
    ref = f"{column_letter(column)}{row + 1}"
    where = f"{sheets.upload_name}!{ref}"
    cached = sheets.upload_errors.get(upload_at) or _cell(sheets.upload_rows, row, column)
    engine = _cell(sheets.fresh_rows, *fresh_at)
    their = sheets.upload_formulas.get(ref.encode())
    if their is None:
        kind = "blank" if cached in ("", None) else "constant"
        _add(result.overrides, Override(where, formula, cell_text(cached), kind))
    elif their != formula and formula_key(their, upload_book, row, sheets.upload_name, renames) != formula_key(
            formula, fresh_book, fresh_at[0], sheets.fresh_name):
        _add(result.overrides, Override(where, formula, their, "formula"))
    if their is not None and cached in ("", None) and engine not in ("", None):
        counts["missing"] += 1
        return
    if _POSITION.match(formula):
        return  # the position of a row in a table: finance may sort tables, pay does not depend on it
    if not _same_value(cached, engine, number_format):
        _add(result.differences, Difference(where, cell_text(cached), cell_text(engine)))


_POSITION = re.compile(r"^=\s*(?:_xlfn\.)?MATCH\(", re.IGNORECASE)


def _rows_by_key(fresh_book: _Book, upload_book: _Book, sheets: _SheetPair, result: Comparison
                 ) -> Callable[[int, int], tuple[int, int] | None]:
    """Where a regenerated cell is in the upload: the same address, except around a computed table
    with a ``csm_id`` column (Summary). Its rows are matched by csm_id and its columns by name, so a
    sorted Summary or a column inserted into it is compared row for row; its totals row and the
    cells below it (in its columns) move by the difference in the table's length (a CSM added or
    removed)."""
    fresh_tables = [t for t in fresh_book.tables if t.sheet.lower() == sheets.fresh_name.lower()
                    and "csm_id" in t.columns]
    mappings: list[tuple[_Table, dict[int, int], dict[int, int], int]] = []
    for table in fresh_tables:
        theirs = upload_book.table_named(table.name)
        if theirs is None or theirs.sheet.lower() != sheets.upload_name.lower() or "csm_id" not in theirs.columns:
            continue
        fresh_key = table.first_column + table.columns.index("csm_id")
        their_key = theirs.first_column + theirs.columns.index("csm_id")
        their_rows: dict[str, int] = {}
        for row in range(theirs.first_row, theirs.last_row + 1):
            key = cell_text(_cell(sheets.upload_rows, row, their_key)).strip()
            if key:
                their_rows.setdefault(key, row)
        row_map: dict[int, int] = {}
        for row in range(table.first_row, table.last_row + 1):
            key = cell_text(_cell(sheets.fresh_rows, row, fresh_key)).strip()
            if key in their_rows:
                row_map[row] = their_rows[key]
            elif key:
                result.warnings.append(Problem("", f"the {table.name} table of the upload has no row for {key} "
                                                   "(a CSM added to the Roster?): that row was not compared"))
        column_map = {table.first_column + i: theirs.first_column + theirs.columns.index(name)
                      for i, name in enumerate(table.columns) if name in theirs.columns}
        mappings.append((table, row_map, column_map, theirs.end_row - table.end_row))

    def place(row: int, column: int) -> tuple[int, int] | None:
        shift = 0
        for table, row_map, column_map, delta in mappings:
            inside_columns = table.first_column <= column < table.first_column + len(table.columns)
            if inside_columns and table.first_row <= row <= table.last_row:
                if row not in row_map or column not in column_map:
                    return None
                return row_map[row], column_map[column]
            if table.last_row < row <= table.end_row and inside_columns:
                if column not in column_map:
                    return None
                return row + delta, column_map[column]
            if row > table.end_row and inside_columns:
                shift += delta  # below the table: the table grew or shrank by ``delta`` rows
        return row + shift, column

    return place


def _add(findings: list[Any], finding: Any) -> None:
    if len(findings) < _MAX_FINDINGS:
        findings.append(finding)


def _cell(rows: list[list[Any]], row: int, column: int) -> Any:
    if row < len(rows) and column < len(rows[row]):
        return rows[row][column]
    return ""
