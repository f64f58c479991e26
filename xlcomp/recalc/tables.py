"""The input tables of an upload as finance left them, before they are validated (SPEC section 8:
nothing a finance user typed may vanish silently).

For the Roster, Accounts and Adjustments tables (:data:`INPUT_TABLES`) of an upload:

- **rows typed directly under a table** (no blank row between, as a paste or a program that
  appends rows leaves them) are read as rows of the table, as Excel grows a table; each block is
  a warning with its range;
- **data further below, or in columns beside a table**, is not read: a warning with its range says
  it was ignored;
- **blank rows inside a table** (a row's contents deleted) are skipped, with a warning;
- **hidden and filtered-out rows** still count: a warning says so;
- **formulas in input cells**: their saved values are used, with a warning (and a second one
  when a formula has no saved value, which reads as blank);
- **merged cells** in a table are a problem (each input needs its own cell);
- **a renamed header**: a column that stands where an expected one is missing is a problem that
  names both;
- **numbers typed as text** in numeric columns are read as finance writes them
  (:func:`xlcomp.money.parse_amount`: thousands separators, the plan's currency, parentheses, ``%``
  for rates, a decimal comma with ``--decimal-comma``); an ambiguous one is a problem at its cell.

:func:`prepare_tables` returns the workbook index with the tables grown, the sheets' rows as the
readers of :mod:`xlcomp.load` should see them, the findings, and a map back to the upload's rows
for problems found in tables whose blank rows were skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from xlcomp.errors import Problem
from xlcomp.load.roster import ROSTER_NUMERIC, plan_roster_columns
from xlcomp.load.sources import normalize_header
from xlcomp.model.metrics import SCORE_FIELDS, SUM_FIELDS
from xlcomp.model.plan import Plan
from xlcomp.money import NumberParseError, parse_amount
from xlcomp.ooxml.index import TableRef, WorkbookIndex
from xlcomp.ooxml.refs import column_letter, split_ref
from xlcomp.recalc.looks import XmlLooks, xml_looks
from xlcomp.recalc.package import UploadPackage
from xlcomp.workbook import layout

__all__ = ["ADJUSTMENTS_TABLE", "INPUT_TABLES", "PreparedTables", "prepare_tables"]

ADJUSTMENTS_TABLE = "Adjustments"
INPUT_TABLES = (layout.ROSTER_TABLE, layout.ACCOUNTS_TABLE, ADJUSTMENTS_TABLE)
ADJUSTMENT_COLUMNS = ("csm_id", "amount", "reason", "component", "approved_by")
_PLAIN_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")
_EXAMPLES = 3


@dataclass
class PreparedTables:
    """What :func:`prepare_tables` found: the index with grown tables, the rows the readers see
    (by sheet), warnings and problems, how many rows were read from under tables, and per sheet
    whose blank table rows were skipped, the upload's row (0-based) of each row the readers see."""

    index: WorkbookIndex
    rows: dict[str, list[list[Any]]] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    grown_rows: int = 0
    row_maps: dict[str, list[int]] = field(default_factory=dict)

    def source_rows(self, read: Callable[[str], list[list[Any]]]) -> Callable[[str], list[list[Any]]]:
        """A rows reader for :class:`~xlcomp.load.sources.OpenXlsx`: prepared sheets from here, others
        through ``read``."""
        def rows(sheet: str) -> list[list[Any]]:
            return self.rows[sheet] if sheet in self.rows else read(sheet)
        return rows

    def in_upload(self, problem: Problem) -> Problem:
        """A problem found in the rows the readers saw, at its cell of the upload."""
        sheet, bang, ref = problem.where.rpartition("!")
        if not bang or sheet not in self.row_maps:
            return problem
        match = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        rows = self.row_maps[sheet]
        if not match or not 0 < int(match.group(2)) <= len(rows):
            return problem
        return Problem(f"{sheet}!{match.group(1)}{rows[int(match.group(2)) - 1] + 1}", problem.message, problem.field)


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def _has_text(rows: list[list[Any]], body: range, column: int) -> bool:
    """Does any row of ``body`` hold a text other than ``""`` (a blank cell, as python-calamine gives it) in
    ``column``? (C-speed on rectangular rows, as python-calamine gives them; row by row otherwise.)"""
    try:  # the types of the values that are not blank, zero or False: str among them only for a text
        return str in set(map(type, filter(None, map(itemgetter(column), rows[body.start:body.stop]))))
    except IndexError:
        return any(column < len(rows[r]) and isinstance(rows[r][column], str) and rows[r][column] for r in body)


def _any_text(rows: list[list[Any]], body: range, columns: list[int]) -> bool:
    """Does any row of ``body`` hold a text other than ``""`` in any of ``columns``? :func:`_has_text` of each
    column in one pass at C speed over the rows' cells in those columns (their slice when the columns
    stand side by side: a row shorter than the slice has blank cells there, no text). A value of a
    subclass of ``str`` answers yes too (each column is then looked at as before)."""
    ordered = sorted(set(columns))
    if len(ordered) < 2:
        return any(_has_text(rows, body, column) for column in ordered)
    side_by_side = ordered[-1] - ordered[0] + 1 == len(ordered)
    pick = itemgetter(slice(ordered[0], ordered[-1] + 1)) if side_by_side else itemgetter(*ordered)
    try:
        kinds = set(map(type, filter(None, chain.from_iterable(map(pick, rows[body.start:body.stop])))))
    except IndexError:  # a row too short for one of the columns: each column looked at by itself
        return any(_has_text(rows, body, column) for column in ordered)
    return any(issubclass(kind, str) for kind in kinds)


def _maybe_blank(rows: list[list[Any]], first: int, last: int, column: int) -> list[int]:
    """Rows from ``first`` to ``last`` whose cell in ``column`` is blank: only those can be blank rows."""
    stop = min(last, len(rows) - 1) + 1
    try:
        cells = list(map(itemgetter(column), rows[first:stop]))
    except IndexError:
        return list(range(first, last + 1))
    try:
        if all(map(str.strip, cells)):  # texts only, none blank (the usual key column): C-speed
            return list(range(stop, last + 1))
    except TypeError:  # a value that is not a text: looked at one by one
        pass
    found = [first + i for i, value in enumerate(cells) if value is None or value == "" or
             (type(value) is str and not value.strip())]
    return found + list(range(stop, last + 1))


def _filled(row: list[Any], first: int, last: int) -> bool:
    """Does the row hold anything in columns ``first``..``last`` (0-based, inclusive)?"""
    return any(not _blank(value) for value in row[first:last + 1])


def _range(sheet: str, r0: int, c0: int, r1: int, c1: int) -> str:
    start, end = f"{column_letter(c0)}{r0 + 1}", f"{column_letter(c1)}{r1 + 1}"
    return f"{sheet}!{start}" if start == end else f"{sheet}!{start}:{end}"


def _blocks(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) blocks."""
    out: list[tuple[int, int]] = []
    for row in sorted(rows):
        if out and row == out[-1][1] + 1:
            out[-1] = (out[-1][0], row)
        else:
            out.append((row, row))
    return out


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def prepare_tables(package: UploadPackage, plan: Plan | None, *, decimal_comma: bool = False,
                   roster_ready: Callable[[PreparedTables], object] | None = None) -> PreparedTables:
    """Read the input tables' sheets once and look at them as described in the module docstring.

    ``roster_ready`` is called with what is prepared so far once the Roster table is (looked at, grown, its
    numbers typed as text read) and before the Accounts table's values are waited for, when the two are on
    sheets of their own: the caller may load the roster meanwhile. The problems and warnings come in the
    same order either way."""
    index = package.index
    out = PreparedTables(index)
    tables = dict(index.tables)
    # what the tables' sheets' XML says (no values needed): looked at before the values are waited for
    looks = {table.sheet: xml_looks(package, table.sheet, early=True)
             for name in INPUT_TABLES if (table := index.table(name)) is not None}
    early: PreparedTables | None = None   # the Roster's numbers typed as text, read before the Accounts' wait
    roster, accounts = index.table(layout.ROSTER_TABLE), index.table(layout.ACCOUNTS_TABLE)
    separate = roster_ready is not None and roster is not None and accounts is not None \
        and roster.sheet.lower() != accounts.sheet.lower()
    for name in INPUT_TABLES:
        if separate and name == layout.ACCOUNTS_TABLE:
            early = _roster_numbers(tables, out, plan, decimal_comma)
            out.index = replace(index, tables=tables)
            assert roster_ready is not None
            roster_ready(out)
        table = index.table(name)
        sheet_ref = index.sheet(name)
        if table is None and sheet_ref is None:
            continue
        sheet = table.sheet if table is not None else sheet_ref.name if sheet_ref is not None else name
        if sheet not in out.rows:
            try:
                out.rows[sheet] = package.read_rows(sheet)
            except Exception:  # the reader of the inputs says what is wrong with it
                continue
        rows = out.rows[sheet]
        if table is not None:
            sheet_looks = looks.get(sheet) or xml_looks(package, sheet)
            assert sheet_looks is not None
            grown = _look_at_table(package, index, table, rows, plan, out, sheet_looks)
            if grown is not None:
                tables = {key: (grown if value is table else value) for key, value in tables.items()}
        else:
            _look_at_sheet(sheet, name, rows, plan, decimal_comma, out)
    for name in INPUT_TABLES:
        if early is not None and name == layout.ROSTER_TABLE:   # read before the wait: its findings go here
            out.problems += early.problems
            out.warnings += early.warnings
            continue
        table = next((t for t in tables.values() if t.name.lower() == name.lower()), None)
        if table is not None and table.sheet in out.rows:
            _numbers_as_written(table, out.rows[table.sheet], plan, decimal_comma, out)
    out.index = replace(index, tables=tables)
    return out


def _roster_numbers(tables: dict[str, TableRef], out: PreparedTables, plan: Plan | None, decimal_comma: bool
                    ) -> PreparedTables | None:
    """The Roster table's numbers typed as text read (in its rows, in place), its problems and warnings kept
    apart (they come after every table's looks); None when its rows were not read."""
    table = next((t for t in tables.values() if t.name.lower() == layout.ROSTER_TABLE.lower()), None)
    if table is None or table.sheet not in out.rows:
        return None
    found = PreparedTables(out.index, row_maps=out.row_maps)
    _numbers_as_written(table, out.rows[table.sheet], plan, decimal_comma, found)
    return found


def _table_part(package: UploadPackage, table: TableRef) -> tuple[int, int, bool, list[str]]:
    """Header and totals row counts of a table, whether it is filtered, and the filtered columns."""
    from defusedxml import ElementTree

    try:
        node = ElementTree.fromstring(package.parts[table.part], forbid_dtd=True)
    except Exception:
        return 1, 0, False, []
    headers = int(node.get("headerRowCount", "1") or 1)
    totals = int(node.get("totalsRowCount", "0") or 0)
    filtered = []
    for element in node.iter():
        if element.tag.endswith("}filterColumn") or element.tag == "filterColumn":
            column = int(element.get("colId", "0") or 0)
            if 0 <= column < len(table.columns):
                filtered.append(table.columns[column])
    return headers, totals, bool(filtered), filtered


def _look_at_table(package: UploadPackage, index: WorkbookIndex, table: TableRef, rows: list[list[Any]],
                   plan: Plan | None, out: PreparedTables, looks: XmlLooks) -> TableRef | None:
    """Grow, check and clean one input table; the table with its grown range (None if unchanged)."""
    name, sheet = table.name, table.sheet
    (r0, c0), (r1, c1) = split_ref(table.ref)
    headers, totals, _, filtered = _table_part(package, table)
    first_data = r0 + headers
    # rows typed directly under the table
    end = r1
    if totals == 0:
        while end + 1 < len(rows) and _filled(rows[end + 1], c0, c1):
            end += 1
    if end > r1:
        count = end - r1
        out.grown_rows += count
        out.warnings.append(Problem(_range(sheet, r1 + 1, c0, end, c1),
                                    f"{_plural(count, 'row')} typed directly under the {name} table "
                                    f"{'was' if count == 1 else 'were'} read as rows of it, as Excel grows a table "
                                    "(resize the table over them to keep it so)"))
    # data further below or beside: not read
    others = [split_ref(t.ref) for t in index.tables.values() if t.sheet == sheet and t is not table]

    def elsewhere(row: int, column: int) -> bool:
        return any(a[0] <= row <= b[0] and a[1] <= column <= b[1] for a, b in others)

    beside: dict[int, list[int]] = {}
    below: dict[int, list[int]] = {}
    start = r0
    if c0 == 0 and max(map(len, rows[r0:end + 1]), default=0) <= c1 + 1:
        start = max(end + 1, r0)  # the usual case, every row of the table found at once (C speed): nothing beside it
    for row_number in range(start, len(rows)):
        row = rows[row_number]
        if row_number > end:
            found = [c for c, value in enumerate(row) if not _blank(value)]
        elif len(row) <= c1 + 1 and c0 == 0:
            continue  # nothing beside the table
        else:
            found = [c for c in (*range(min(c0, len(row))), *range(c1 + 1, len(row))) if not _blank(row[c])]
        found = [c for c in found if not elsewhere(row_number, c)]
        if found:
            (below if row_number > end else beside)[row_number] = found
    for where_found, noun in ((beside, f"beside the {name} table"), (below, f"below the {name} table, after a "
                                                                             "blank row,")):
        for first, last in _blocks(where_found):
            columns = [c for r in range(first, last + 1) for c in where_found[r]]
            out.warnings.append(Problem(_range(sheet, first, min(columns), last, max(columns)),
                                        f"data {noun} is not part of it and was ignored (move it into the table "
                                        "to count it)"))
    # a renamed header
    header = [normalize_header(rows[r0][c] if r0 < len(rows) and c < len(rows[r0]) else "")
              for c in range(c0, c1 + 1)]
    _renamed_headers(name, sheet, r0, c0, header, _expected(name, plan, header), out)
    # hidden and filtered rows; merged cells; formulas
    hidden = [row for row in looks.hidden if first_data <= row <= end]
    if hidden or filtered:
        ranges = ", ".join(_range(sheet, a, c0, b, c1) for a, b in _blocks(hidden)[:_EXAMPLES])
        more = " …" if len(_blocks(hidden)) > _EXAMPLES else ""
        what = f"the {name} table is filtered (on {', '.join(filtered)})" if filtered else ""
        rows_text = (f"{_plural(len(hidden), 'row')} of the {name} table {'is' if len(hidden) == 1 else 'are'} "
                     f"hidden or filtered out ({ranges}{more})") if hidden else ""
        out.warnings.append(Problem(_range(sheet, r0, c0, end, c1), "; ".join(t for t in (what, rows_text) if t)
                                    + ": they still count, like every row of the table"))
    for merged in looks.merged:
        try:
            (m0, n0), (m1, n1) = split_ref(merged.decode("ascii", "replace"))
        except ValueError:
            continue
        if m0 <= end and m1 >= first_data and n0 <= c1 and n1 >= c0:
            out.problems.append(Problem(_range(sheet, m0, n0, m1, n1), f"merged cells in the {name} table: unmerge "
                                                                       "them (each input needs its own cell)"))
    if looks.formulas:  # <f> or <f …>; data validations' <formula1> are no cell formulas
        _formulas_in_inputs(name, sheet, package, rows, first_data, end, c0, header, out)
    # blank rows inside the table (a row's contents deleted): skipped
    blank = [row for row in _maybe_blank(rows, first_data, end, c0)
             if row >= len(rows) or not _filled(rows[row], c0, c1)]
    if name == "Adjustments":  # the table ends with blank rows to fill (workbook.layout.ADJUSTMENT_BLANK_ROWS)
        last_filled = max((row for row in range(first_data, end + 1) if row not in set(blank)), default=first_data - 1)
        blank = [row for row in blank if row < last_filled]
    if blank and totals == 0:
        for first, last in _blocks(blank):
            out.warnings.append(Problem(_range(sheet, first, c0, last, c1),
                                        f"blank {'row' if first == last else 'rows'} inside the {name} table "
                                        "(contents deleted?) skipped"))
        skipped = set(blank)
        mapping = list(range(min(first_data, len(rows))))
        mapping += [row for row in range(first_data, min(end + 1, len(rows))) if row not in skipped]
        mapping += list(range(end + 1, len(rows)))
        out.rows[sheet] = [rows[i] for i in mapping]
        out.row_maps[sheet] = mapping
        end -= len(blank)
    if end == r1:
        return None
    return replace(table, ref=f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{end + 1}")


def _expected(name: str, plan: Plan | None, found: list[str]) -> tuple[str, ...]:
    if name.lower() == layout.ACCOUNTS_TABLE.lower():
        return layout.ACCOUNT_COLUMNS
    if name.lower() == ADJUSTMENTS_TABLE.lower():
        return ADJUSTMENT_COLUMNS
    if plan is None:
        return layout.ROSTER_BASE_COLUMNS
    return layout.roster_columns(plan, found)


def _renamed_headers(name: str, sheet: str, r0: int, c0: int, header: list[str], expected: tuple[str, ...],
                     out: PreparedTables) -> None:
    """A column header that stands where an expected column is missing: renamed (a problem)."""
    present = set(header)
    for position, column in enumerate(expected):
        if column in present:
            continue
        before = next((e for e in reversed(expected[:position]) if e in present), None)
        after = next((e for e in expected[position + 1:] if e in present), None)
        start = header.index(before) + 1 if before is not None else 0
        stop = header.index(after) if after is not None else len(header)
        candidates = [i for i in range(start, stop) if header[i] and header[i] not in expected]
        if len(candidates) == 1:
            found = header[candidates[0]]
            out.problems.append(Problem(f"{sheet}!{column_letter(c0 + candidates[0])}{r0 + 1}",
                                        f'the {name} table\'s column "{column}" was renamed "{found}": xlcomp '
                                        f'expects "{column}" here; rename it back (its values would be lost)'))
            present.add(column)


def _formulas_in_inputs(name: str, sheet: str, package: UploadPackage, rows: list[list[Any]], first: int,
                        last: int, c0: int, header: list[str], out: PreparedTables) -> None:
    """Formulas where inputs are expected: their saved values are used, with a warning per column."""
    by_column: dict[int, list[tuple[int, str]]] = {}
    for row, column, formula in package.formulas(sheet).items():  # scanned once for the comparison too
        if first <= row <= last and c0 <= column < c0 + len(header):
            by_column.setdefault(column, []).append((row, formula))
    for column, cells in sorted(by_column.items()):
        cells.sort()
        label = header[column - c0] or f"column {column_letter(column)}"
        unsaved = [r for r, _ in cells if r >= len(rows) or column >= len(rows[r]) or _blank(rows[r][column])]
        example = cells[0][1] if cells[0][1].startswith("=") else "=" + cells[0][1]
        message = (f"{_plural(len(cells), 'cell')} of the {name} table's {label} column "
                   f"{'holds a formula' if len(cells) == 1 else 'hold formulas'} ({example} …) where an input is "
                   "expected: the values saved with the workbook were used (type the numbers to be sure)")
        if unsaved:
            message += f"; {len(unsaved):,} of them had no saved value and read as blank"
        out.warnings.append(Problem(_range(sheet, cells[0][0], column, cells[-1][0], column), message))


def _look_at_sheet(sheet: str, name: str, rows: list[list[Any]], plan: Plan | None, decimal_comma: bool,
                   out: PreparedTables) -> None:
    """A plain workbook's sheet standing for a table (first non-blank row is the header): numbers
    typed as text."""
    r0 = next((i for i, row in enumerate(rows) if any(not _blank(v) for v in row)), None)
    if r0 is None:
        return
    c0 = next(i for i, v in enumerate(rows[r0]) if not _blank(v))
    c1 = max(i for i, v in enumerate(rows[r0]) if not _blank(v))
    ref = f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{max(len(rows), r0 + 1)}"
    header = tuple(str(v) for v in rows[r0][c0:c1 + 1])
    _numbers_as_written(TableRef(name, sheet, ref, header, ""), rows, plan, decimal_comma, out)


def _numeric_columns(name: str, plan: Plan | None) -> dict[str, bool]:
    """The numeric columns of an input table, each with whether ``%`` may be written (a rate)."""
    if name.lower() == layout.ACCOUNTS_TABLE.lower():
        return {**{c: False for c in SUM_FIELDS}, **{c: c == "adoption_rate" for c in SCORE_FIELDS}}
    if name.lower() == layout.ROSTER_TABLE.lower():
        columns = {"base_salary": False, "target_variable": False, "draw": False, "billable_hours": False,
                   "available_hours": False, "mbo_score": True}
        for column, why in plan_roster_columns(plan).items():
            columns.setdefault(column, why.endswith("target") or column not in ROSTER_NUMERIC)
        return columns
    return {}  # the Adjustments table's amounts: its own reader parses them as finance writes them


def _numbers_as_written(table: TableRef, rows: list[list[Any]], plan: Plan | None, decimal_comma: bool,
                        out: PreparedTables) -> None:
    """Numbers typed as text in numeric columns, read as finance writes them (in place)."""
    numeric = _numeric_columns(table.name, plan)
    if not numeric:
        return
    (r0, c0), (r1, c1) = split_ref(table.ref)
    sheet = table.sheet
    mapping = out.row_maps.get(sheet)
    header = [normalize_header(rows[r0][c] if r0 < len(rows) and c < len(rows[r0]) else "")
              for c in range(c0, c1 + 1)]
    body = range(r0 + 1, min(r1, len(rows) - 1) + 1)
    if not _any_text(rows, body, [c0 + offset for offset, column in enumerate(header) if column in numeric]):
        return  # numbers and blanks only (the usual table): nothing typed as text
    currency = plan.currency if plan is not None else None
    read: list[str] = []
    for offset, column in enumerate(header):
        if column not in numeric:
            continue
        c = c0 + offset
        if not _has_text(rows, body, c):
            continue  # numbers and blanks only: nothing typed as text
        for r in body:
            row = rows[r]
            value = row[c] if c < len(row) else ""
            if not isinstance(value, str) or not value.strip():
                continue
            if not decimal_comma and _PLAIN_NUMBER.fullmatch(value):
                continue  # the readers take plain numbers as they are
            where = f"{sheet}!{column_letter(c)}{(mapping[r] if mapping else r) + 1}"
            try:
                number = parse_amount(value, currency=currency, decimal_comma=decimal_comma, percent=numeric[column])
            except NumberParseError as exc:
                text = str(exc)
                if text.endswith("is not a number"):
                    continue  # the readers report it, as they always did
                hint = "" if "--decimal-comma" in text or "currency" in text else \
                    " (numbers may carry thousands separators, the plan's currency, parentheses for negatives)"
                out.problems.append(Problem(where, f"{text}{hint}", column))
                row[c] = ""
                continue
            row[c] = f"{number:f}" if number != Decimal(0) else "0"
            if len(read) < _EXAMPLES:
                read.append(f'{where} "{value.strip()}" as {number:f}')
            else:
                read.append("")
    if read:
        examples = "; ".join(item for item in read[:_EXAMPLES] if item)
        out.warnings.append(Problem(f"{sheet}!{column_letter(c0)}{r0 + 1}",
                                    f"{_plural(len(read), 'number')} typed as text in the {table.name} table "
                                    f"{'was' if len(read) == 1 else 'were'} read as finance writes them "
                                    f"({examples}{' …' if len(read) > _EXAMPLES else ''})"))
