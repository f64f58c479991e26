"""Roster and accounts: from CSV, from the Roster/Accounts tables or sheets of an .xlsx, or from
pandas DataFrames, into :class:`~xlcomp.model.Roster` and :class:`~xlcomp.model.Book`.

Every problem names its cell: ``roster.csv:14 base_salary: "12k" is not a number`` or
``Accounts!F231 renewed_arr: …``; all problems of the inputs are collected and raised together
in one :class:`~xlcomp.errors.InputError`.

Accounts can be a million rows, so they are checked column by column with Arrow compute and kept as
exact decimal128 columns (amounts to 4 decimal places, scores and rates to 8). The roster is small
and is checked cell by cell.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.errors import InputError, Problem
from xlcomp.load.draws import with_draws
from xlcomp.model.metrics import METRICS, SCORE_FIELDS, SUM_FIELDS, Source, metric_def
from xlcomp.model.people import SEGMENTS, Book, Csm, Locator, Roster
from xlcomp.model.plan import Plan
from xlcomp.money import NumberParseError, excel_serial_to_date, parse_number
from xlcomp.ooxml.index import WorkbookIndex, index_workbook, split_ref

__all__ = [
    "AMOUNT_TYPE",
    "ROSTER_NUMERIC",
    "SCORE_RANGES",
    "SCORE_TYPE",
    "OpenXlsx",
    "TableSource",
    "load_accounts",
    "load_inputs",
    "load_roster",
    "plan_account_columns",
    "plan_roster_columns",
    "read_table",
]

TableSource = Any  # str | Path | pandas.DataFrame

AMOUNT_TYPE = pa.decimal128(20, 4)
SCORE_TYPE = pa.decimal128(12, 8)
_WIDE = pa.decimal128(38, 12)
_AMOUNT_LIMIT = Decimal(10) ** 16
_NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_MAX_PER_CHECK = 1000

ROSTER_REQUIRED = ("csm_id", "name", "segment", "base_salary", "target_variable", "start_date")
ROSTER_OPTIONAL = ("role", "end_date", "manager")
ROSTER_NUMERIC = ("mbo_score", "billable_hours", "available_hours")
ACCOUNTS_REQUIRED = ("account_id", "csm_id", "arr_start", "renewable_arr", "renewed_arr")
SCORE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "health_score": (Decimal(0), Decimal(100)),
    "nps": (Decimal(-100), Decimal(100)),
    "adoption_rate": (Decimal(0), Decimal(1)),
    "risk_score": (Decimal(0), Decimal(100)),
}


def normalize_header(name: object) -> str:
    """``"CSM ID"`` and ``"csm-id"`` become ``csm_id``."""
    text = str(name if name is not None else "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


@dataclass
class RawTable:
    """A table as read: column names, and per column either an Arrow string array or a list."""

    locator: Locator
    columns: list[str]
    data: dict[str, Any]
    nrows: int
    problems: list[Problem] = field(default_factory=list)

    def values(self, column: str) -> list[Any]:
        """The column as Python values ('' for blank)."""
        data = self.data.get(column)
        if data is None:
            return [""] * self.nrows
        if isinstance(data, (pa.Array, pa.ChunkedArray)):
            return [v if v is not None else "" for v in data.to_pylist()]
        return list(data)

    def strings(self, column: str) -> pa.Array:
        """The column as an Arrow string array (null for blank); numbers as Excel shows them."""
        data = self.data.get(column)
        if data is None:
            return pa.nulls(self.nrows, pa.string())
        if isinstance(data, pa.ChunkedArray):
            data = data.combine_chunks()
        if isinstance(data, pa.Array):
            return data
        return _cell_texts(data)


def _cell_texts(values: list[Any]) -> pa.Array:
    """``_cell_text`` of every value, as an Arrow string array. A column of numbers (with blanks
    or texts among them, as a spreadsheet gives) is converted with NumPy and Arrow; other columns
    value by value."""
    kinds = set(map(type, values))
    if not kinds <= {float, str}:
        return pa.array([_cell_text(v) for v in values], pa.string())
    if float not in kinds:
        texts = pa.array(values, pa.string())
        return pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)
    if str not in kinds:
        return _float_texts(np.array(values, dtype=np.float64))
    is_number = np.fromiter((type(v) is float for v in values), dtype=bool, count=len(values))
    numbers = np.array([v for v in values if type(v) is float], dtype=np.float64)
    out = np.array([v or None for v in values], dtype=object)  # the texts; numbers replaced below
    out[is_number] = _float_texts(numbers).to_numpy(zero_copy_only=False)
    return pa.array(out, pa.string())


def _float_texts(numbers: np.ndarray) -> pa.Array:
    """``_cell_text`` of float64 values: whole numbers below 1e15 as integers (through Arrow), the
    others as their 15 significant digits (``format(v, ".15g")``), NaN as null."""
    whole = np.isfinite(numbers) & (np.abs(numbers) < 1e15)
    whole[whole] = numbers[whole] == np.floor(numbers[whole])
    texts = pc.cast(pa.array(np.where(whole, numbers, 0).astype(np.int64)), pa.string())
    others = np.flatnonzero(~whole)
    if len(others):
        formatted = [None if math.isnan(v) else format(v, ".15g") for v in numbers[others].tolist()]
        texts = pc.replace_with_mask(texts, pa.array(~whole), pa.array(formatted, pa.string()))
    return texts


def _cell_text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if math.isnan(value):  # NaN from pandas
            return None
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# reading


def read_table(source: TableSource, name: str) -> RawTable:
    """Read a table from a CSV path, an .xlsx path or :class:`OpenXlsx` (table or sheet ``name``),
    or a DataFrame."""
    if _is_dataframe(source):
        return _read_frame(source, name)
    if isinstance(source, OpenXlsx):
        return _read_open_xlsx(source, name)
    path = Path(source)
    label = path.name
    if not path.exists():
        return RawTable(Locator(label), [], {}, 0, [Problem(label, "file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, name)
    if suffix in (".xls", ".xlsb", ".ods"):
        return RawTable(Locator(label), [], {}, 0,
                        [Problem(label, f"{suffix} files are not read: save it as .xlsx or .csv")])
    return _read_csv(path)


def _is_dataframe(source: object) -> bool:
    return type(source).__name__ == "DataFrame" and hasattr(source, "columns")


def _read_frame(frame: Any, name: str) -> RawTable:
    columns = [normalize_header(c) for c in frame.columns]
    locator = Locator(f"{name} DataFrame", header_row=0, columns=tuple(columns))
    data: dict[str, Any] = {}
    for original, column in zip(frame.columns, columns, strict=True):
        values = frame[original].tolist()
        data[column] = [_from_pandas(v) for v in values]
    return RawTable(locator, columns, data, len(frame))


def _from_pandas(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if type(value).__name__ == "Timestamp":
        return value.to_pydatetime()
    if type(value).__name__ in ("NaTType", "NAType"):
        return ""
    return value


def _read_csv(path: Path) -> RawTable:
    label = path.name
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            header_line = handle.readline()
    except UnicodeDecodeError:
        return RawTable(Locator(label), [], {}, 0, [Problem(label, "is not UTF-8 text: save it as CSV UTF-8")])
    except OSError as exc:
        return RawTable(Locator(label), [], {}, 0, [Problem(label, f"cannot be read: {exc.strerror}")])
    if not header_line.strip():
        return RawTable(Locator(label), [], {}, 0, [Problem(f"{label}:1", "the file is empty: no header row")])
    raw_header = next(csv.reader(io.StringIO(header_line)))
    columns = [normalize_header(c) for c in raw_header]
    locator = Locator(label, columns=tuple(columns))
    problems = _header_problems(locator, columns)
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(len(columns))]
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=1, encoding="utf8"),
            convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                strings_can_be_null=False, quoted_strings_can_be_null=False),
            parse_options=pcsv.ParseOptions(newlines_in_values=True),
        )
    except pa.ArrowInvalid as exc:
        message = str(exc)
        match = re.search(r"Expected (\d+) columns, got (\d+)", message)
        row = re.search(r"[Rr]ow #?(\d+)", message)
        where = f"{label}:{int(row.group(1)) + 1}" if row else label
        text = (f"has {match.group(2)} fields where the header has {match.group(1)}" if match
                else f"is not valid CSV: {message.splitlines()[0]}")
        return RawTable(locator, columns, {}, 0, [*problems, Problem(where, text)])
    data: dict[str, Any] = {}
    for i, column in enumerate(columns):
        if column and column not in data:  # the first of duplicate columns wins
            data[column] = table.column(i)
    return RawTable(locator, columns, data, table.num_rows, problems)


def _header_problems(locator: Locator, columns: Sequence[str]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for index, column in enumerate(columns):
        where = locator.where(None, column) if locator.sheet else f"{locator.name}:{locator.header_row}"
        if not column:
            problems.append(Problem(where, f"column {index + 1} has no name"))
        elif column in seen:
            problems.append(Problem(where, f'column "{column}" appears twice'))
        seen.add(column)
    return problems


@dataclass(frozen=True)
class OpenXlsx:
    """An .xlsx workbook its caller has already opened (an upload read once for every purpose):
    its file name for messages, its index, and a function giving a sheet's rows as
    python-calamine's ``to_python(skip_empty_area=False)`` does (it may raise)."""

    label: str
    index: WorkbookIndex
    rows: Callable[[str], list[list[Any]]]


def _read_xlsx(path: Path, name: str) -> RawTable:
    label = path.name
    try:
        index = index_workbook(path)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return RawTable(Locator(label), [], {}, 0, [Problem(label, f"is not a readable .xlsx workbook ({exc})")])
    except Exception as exc:  # defusedxml refusals and malformed XML
        return RawTable(Locator(label), [], {}, 0, [Problem(label, f"has unsafe or malformed XML ({exc})")])

    def rows(sheet: str) -> list[list[Any]]:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        try:
            return workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        finally:
            workbook.close()

    return _read_open_xlsx(OpenXlsx(label, index, rows), name)


def _read_open_xlsx(source: OpenXlsx, name: str) -> RawTable:
    label, index = source.label, source.index
    table = index.table(name)
    sheet = index.sheet(name)
    sheet_name = table.sheet if table else (sheet.name if sheet else None)
    if sheet_name is None:
        return RawTable(Locator(label), [], {}, 0,
                        [Problem(label, f'has no "{name}" table or sheet (sheets: '
                                        f'{", ".join(s.name for s in index.sheets)})')])
    try:
        rows = source.rows(sheet_name)
    except Exception as exc:
        return RawTable(Locator(label), [], {}, 0, [Problem(f"{sheet_name}", f"cannot be read: {exc}")])
    if table is not None:
        (r0, c0), (r1, c1) = split_ref(table.ref)
    else:
        r0 = next((i for i, row in enumerate(rows) if any(v not in ("", None) for v in row)), 0)
        header = rows[r0] if rows else []
        c0 = next((i for i, v in enumerate(header) if v not in ("", None)), 0)
        c1 = max((i for i, v in enumerate(header) if v not in ("", None)), default=c0)
        r1 = len(rows) - 1
        while r1 > r0 and all(v in ("", None) for v in rows[r1][c0:c1 + 1]):
            r1 -= 1
    header_row = rows[r0] if r0 < len(rows) else []
    columns = [normalize_header(header_row[c] if c < len(header_row) else "") for c in range(c0, c1 + 1)]
    locator = Locator(sheet_name, sheet=True, header_row=r0 + 1, first_column=c0, columns=tuple(columns))
    problems = _header_problems(locator, columns)
    body = rows[r0 + 1:r1 + 1]
    rectangle = bool(body) and min(map(len, body)) > c1  # every row reaches the last column (python-calamine's)
    data: dict[str, Any] = {}
    for offset, column in enumerate(columns):
        if column and column not in data:
            c = c0 + offset
            data[column] = list(map(itemgetter(c), body)) if rectangle else \
                [row[c] if c < len(row) else "" for row in body]
    return RawTable(locator, columns, data, len(body), problems)


# ---------------------------------------------------------------------------------------------
# which columns a plan needs


def plan_roster_columns(plan: Plan | None) -> dict[str, str]:
    """Roster columns the plan names, each with why: targets, quotas and roster metrics."""
    needed: dict[str, str] = {}
    if plan is None:
        return needed
    for component in plan.components:
        for what, target in (("target", component.target), ("quota", component.quota)):
            if target is not None and target.column:
                needed[target.column] = f"{component.id} {what}"
    for name in _plan_metrics(plan):
        definition = METRICS.get(name)
        if definition is not None and definition.source is Source.ROSTER:
            for column in definition.columns:
                needed.setdefault(column, f"metric {name}")
    return needed


def plan_account_columns(plan: Plan | None) -> set[str]:
    """Account columns the plan's metrics read."""
    columns: set[str] = set()
    if plan is None:
        return columns
    for name in _plan_metrics(plan):
        definition = metric_def(name, set(plan.inputs))
        if definition is not None and definition.source is Source.BOOK:
            columns.update(definition.columns)
    if any(c.target and c.target.risk_adjust for c in plan.components):
        columns.update(("risk_score", "arr_start"))
    return columns


def _plan_metrics(plan: Plan) -> set[str]:
    names = {c.metric for c in plan.components}
    names |= {c.gate.metric for c in plan.components if c.gate}
    names |= {m.metric for m in plan.multipliers}
    return names


# ---------------------------------------------------------------------------------------------
# roster


def _parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return excel_serial_to_date(float(value))
        raise ValueError
    text = str(value).strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


def _parse_cell_number(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, (datetime, date)):
        raise NumberParseError(f"{value.isoformat()} is a date, not a number")
    if isinstance(value, bool):
        raise NumberParseError(f"{'TRUE' if value else 'FALSE'} is not a number")
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return Decimal(format(value, ".15g"))
    if isinstance(value, int):
        return Decimal(value)
    text = str(value)
    if not text.strip():
        return None
    return parse_number(text, percent=True)


def load_roster(source: TableSource, plan: Plan | None = None) -> Roster:
    """Load and validate the roster; raises :class:`InputError` with every problem."""
    roster, problems = _roster(read_table(source, "Roster"), plan)
    if problems:
        raise InputError(problems)
    assert roster is not None
    return roster


def roster_ids(raw: RawTable) -> set[str]:
    """Every csm_id written in the roster, valid row or not (so accounts don't cascade problems)."""
    if "csm_id" not in raw.columns:
        return set()
    return {text for value in raw.values("csm_id") if (text := (_cell_text(value) or "").strip())}


def _roster(raw: RawTable, plan: Plan | None) -> tuple[Roster | None, list[Problem]]:
    problems = list(raw.problems)
    if not raw.columns and problems:
        return None, problems
    loc = raw.locator
    needed = plan_roster_columns(plan)
    header_where = loc.where(None) if loc.sheet else f"{loc.name}:{loc.header_row}"
    for column in ROSTER_REQUIRED:
        if column not in raw.columns:
            problems.append(Problem(header_where, f'the required column "{column}" is missing', ""))
    for column, why in needed.items():
        if column not in raw.columns:
            problems.append(Problem(header_where, f'the column "{column}" is missing: the plan needs it '
                                                  f"({why})"))
    if problems and any("missing" in p.message for p in problems):
        return None, problems
    if raw.nrows == 0:
        problems.append(Problem(header_where, "the roster has no CSMs"))
        return None, problems

    cols = {c: raw.values(c) for c in set(ROSTER_REQUIRED) | set(ROSTER_OPTIONAL) if c in raw.columns}
    numeric_columns = [c for c in dict.fromkeys([*needed, *ROSTER_NUMERIC]) if c in raw.columns]
    for c in numeric_columns:
        cols[c] = raw.values(c)
    csms: list[Csm] = []
    seen: dict[str, int] = {}
    segment_lookup = {s.lower(): s for s in SEGMENTS}
    for row in range(raw.nrows):
        def text(column: str, row: int = row) -> str:
            value = cols[column][row] if column in cols else ""
            return _cell_text(value) or ""

        def bad(column: str, message: str, row: int = row) -> None:
            problems.append(loc.problem(row, column, message))

        csm_id = text("csm_id").strip()
        if not csm_id:
            bad("csm_id", "is blank")
        elif csm_id in seen:
            bad("csm_id", f'"{csm_id}" is also on {loc.where(seen[csm_id], "csm_id")}: csm_id must be unique')
        else:
            seen[csm_id] = row
        name = text("name").strip()
        if not name:
            bad("name", "is blank")
        segment_text = text("segment").strip()
        segment = segment_lookup.get(segment_text.lower())
        if segment is None:
            bad("segment", f'"{segment_text}" is not one of {", ".join(SEGMENTS)}')
        amounts: dict[str, Decimal] = {}
        for column in ("base_salary", "target_variable"):
            value = cols[column][row]
            try:
                number = _parse_cell_number(value)
            except NumberParseError as exc:
                bad(column, str(exc))
                continue
            if number is None:
                bad(column, "is blank")
            elif number < 0:
                bad(column, f"{number} is negative")
            else:
                amounts[column] = number
        dates: dict[str, date | None] = {}
        for column in ("start_date", "end_date"):
            value = cols[column][row] if column in cols else ""
            try:
                dates[column] = _parse_date(value)
            except (ValueError, OverflowError):
                bad(column, f'"{_cell_text(value)}" is not a date (use YYYY-MM-DD)')
                dates[column] = None
        start, end = dates.get("start_date"), dates.get("end_date")
        if start and end and end < start:
            bad("end_date", f"{end.isoformat()} is before start_date {start.isoformat()}")
        values: dict[str, Decimal | None] = {}
        for column in numeric_columns:
            try:
                number = _parse_cell_number(cols[column][row])
            except NumberParseError as exc:
                bad(column, str(exc))
                continue
            if column in needed and needed[column].endswith(("target", "quota")):
                if number is None:
                    bad(column, f"is blank: the plan's {needed[column]} needs a positive number here")
                    continue
                if number <= 0:
                    bad(column, f"{number} must be above 0 (the plan's {needed[column]})")
                    continue
            elif number is not None and number < 0:
                bad(column, f"{number} is negative")
                continue
            values[column] = number
        if csm_id and name and segment and len(amounts) == 2:
            csms.append(Csm(
                csm_id=csm_id, name=name, segment=segment,
                base_salary=amounts["base_salary"], target_variable=amounts["target_variable"],
                start_date=start, end_date=end, role=text("role").strip(), manager=text("manager").strip(),
                values=MappingProxyType(values), row=row,
            ))
    return with_draws(Roster(tuple(csms), loc, tuple(raw.columns)), raw, problems), problems


# ---------------------------------------------------------------------------------------------
# accounts


def load_accounts(source: TableSource, roster: Roster | None = None, plan: Plan | None = None) -> Book:
    """Load and validate the accounts; raises :class:`InputError` with every problem."""
    known = {c.csm_id for c in roster.csms} if roster is not None else None
    book, problems = _accounts(read_table(source, "Accounts"), known, plan)
    if problems:
        raise InputError(problems)
    assert book is not None
    return book


def _rows(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Row numbers where a boolean array is true (nulls are false)."""
    filled = pc.fill_null(mask, False)
    return np.flatnonzero(filled.to_numpy(zero_copy_only=False))


def _report(problems: list[Problem], loc: Locator, rows: Iterable[int], column: str,
            message: Callable[[int], str]) -> None:
    rows = list(rows)
    for row in rows[:_MAX_PER_CHECK]:
        problems.append(loc.problem(int(row), column, message(int(row))))
    if len(rows) > _MAX_PER_CHECK:
        problems.append(Problem(loc.name, f"... and {len(rows) - _MAX_PER_CHECK} more rows like the above",
                                column))


def _message(template: str, values: list[Any], normalize: bool = False) -> Callable[[int], str]:
    """A message for row ``r`` that shows ``values[r]`` through ``template``."""
    def message(row: int) -> str:
        value = values[row]
        return template.format(value.normalize() if normalize else value)
    return message


def decimal_column(raw: RawTable, column: str, target: pa.DataType, problems: list[Problem], *,
                   percent: bool = False) -> pa.Array:
    """Parse a column to exact decimals (null for blank), reporting unparseable cells."""
    loc = raw.locator
    scale = target.scale
    limit = Decimal(10) ** (target.precision - scale)
    floats = _float_decimals(raw.data.get(column), scale)
    if floats is not None:
        return _checked_decimals(floats, target, limit, problems, loc, column)
    strings = pc.utf8_trim_whitespace(raw.strings(column))
    strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    good = pc.match_substring_regex(strings, _NUMBER_RE)
    odd_rows = _rows(pc.invert(good))
    plain = pc.if_else(good, strings, pa.scalar(None, pa.string()))
    try:
        wide = pc.cast(plain, _WIDE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        wide = pa.array([_wide(v) for v in plain.to_pylist()], _WIDE)
    rounded = pc.round(wide, ndigits=scale, round_mode="half_towards_infinity")
    if len(odd_rows):
        fixed: list[Decimal | None] = []
        values = strings.to_pylist()
        original = raw.values(column)
        for row in odd_rows:
            value = original[row]
            try:
                if isinstance(value, (datetime, date)):
                    raise NumberParseError(f"{value.isoformat()} is a date, not a number")
                number = parse_number(values[row] or "", percent=percent)
                fixed.append(number.quantize(Decimal(1).scaleb(-scale)))
            except (NumberParseError, ArithmeticError) as exc:
                message = str(exc) if isinstance(exc, NumberParseError) else f'"{values[row]}" is not a number'
                problems.append(loc.problem(int(row), column, message))
                fixed.append(None)
        mask = np.zeros(len(rounded), dtype=bool)
        mask[odd_rows] = True
        rounded = pc.replace_with_mask(rounded, pa.array(mask), pa.array(fixed, rounded.type))
    return _checked_decimals(rounded, target, limit, problems, loc, column)


def _checked_decimals(rounded: pa.Array, target: pa.DataType, limit: Decimal, problems: list[Problem],
                      loc: Locator, column: str) -> pa.Array:
    """``rounded`` (already at the target's scale) in the target type, values too large reported and blank."""
    too_big = _rows(pc.greater_equal(pc.abs(rounded), pa.scalar(limit, rounded.type)))
    if len(too_big):
        _report(problems, loc, too_big, column, lambda r: "is too large")
        keep = np.ones(len(rounded), dtype=bool)
        keep[too_big] = False
        rounded = pc.if_else(pa.array(keep), rounded, pa.scalar(None, rounded.type))
    return pc.cast(rounded, target)


_BLANK_AS_NAN = {"": math.nan}
_FLOAT_FAST = 1e11      # |value| x 10^scale below it: the float path below is exact (see _float_decimals)
_FLOAT_COLUMN = 1e15    # any |value| from it on: the column takes the text path, as before


def _float_decimals(values: Any, scale: int) -> pa.Array | None:
    """A column of floats (and blank cells, ``""``) as spreadsheets give it, in decimal128(38,
    ``scale``): each float taken as the number Excel shows (its 15 significant digits) and rounded
    half away from zero to ``scale`` places, exactly as the text path does, with NumPy.

    Below 1e11, ``|v| x 10^scale`` computed in floating point is within 5.2e-4 of the exact
    decimal (15 significant digits are within 5e-15 of ``v``; the product is off by at most half
    a unit in the last place), so where its fraction is not within 1e-3 of one half, its nearest
    integer is the rounded decimal. The other values (a number typed with more decimals than
    ``scale`` ending in 5, large amounts) go through :class:`~decimal.Decimal`. None when the
    column holds anything else (text, integers, booleans, dates), a non-finite or very large
    number: the caller then takes the text path.
    """
    if not isinstance(values, list) or not values:
        return None
    kinds = set(map(type, values))
    if not kinds <= {float, str}:
        return None
    count = len(values)
    try:  # Arrow refuses any text left once blanks are NaN (it never parses text as a number)
        numbers = pa.array(list(map(_BLANK_AS_NAN.get, values, values)) if str in kinds else values,
                           pa.float64()).to_numpy(zero_copy_only=False).copy()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    blank = np.isnan(numbers)  # a blank cell (a NaN float is blank to _cell_text too)
    numbers[blank] = 0.0
    size = np.abs(numbers)
    scaled = size * 10.0 ** scale
    if not np.isfinite(size).all() or (size >= _FLOAT_COLUMN).any() or (scaled >= 9e18).any():
        return None  # the unscaled decimals must fit 64 bits
    fast = scaled < _FLOAT_FAST
    scaled[~fast] = 0.0
    whole = np.floor(scaled)
    fraction = scaled - whole
    unscaled = ((whole + (fraction > 0.5)) * np.where(numbers < 0, -1.0, 1.0)).astype(np.int64)
    slow = np.flatnonzero(~fast | (np.abs(fraction - 0.5) <= 1e-3))
    if len(slow):
        quantum = Decimal(1).scaleb(-scale)
        for row in slow.tolist():
            exact = Decimal(format(numbers[row], ".15g")).quantize(quantum, rounding=ROUND_HALF_UP)
            unscaled[row] = int(exact.scaleb(scale))
    pairs = np.empty((count, 2), dtype=np.int64)  # decimal128: the low word, then the sign-extended high word
    pairs[:, 0] = unscaled
    pairs[:, 1] = unscaled >> 63
    nulls = int(blank.sum())
    validity = pa.array(~blank).buffers()[1] if nulls else None
    return pa.Array.from_buffers(pa.decimal128(38, scale), count, [validity, pa.py_buffer(pairs)], null_count=nulls)


def _wide(text: str | None) -> Decimal | None:
    if text is None:
        return None
    value = Decimal(text).quantize(Decimal("1e-12"))
    return value if abs(value) < Decimal(10) ** 26 else None


def _accounts(raw: RawTable, known_csms: set[str] | None, plan: Plan | None
              ) -> tuple[Book | None, list[Problem]]:
    problems = list(raw.problems)
    if not raw.columns and problems:
        return None, problems
    loc = raw.locator
    header_where = loc.where(None) if loc.sheet else f"{loc.name}:{loc.header_row}"
    required = list(ACCOUNTS_REQUIRED) + sorted(plan_account_columns(plan) - set(ACCOUNTS_REQUIRED))
    for column in required:
        if column not in raw.columns:
            why = "" if column in ACCOUNTS_REQUIRED else " (the plan's metrics need it)"
            problems.append(Problem(header_where, f'the required column "{column}" is missing{why}'))
    if any("missing" in p.message for p in problems):
        return None, problems
    n = raw.nrows
    arrays: dict[str, pa.Array] = {}
    for column in ("account_id", "csm_id", "segment"):
        strings = pc.utf8_trim_whitespace(raw.strings(column))
        arrays[column] = pc.fill_null(strings, "")
    for column in ("account_id", "csm_id"):
        blank = _rows(pc.equal(arrays[column], ""))
        _report(problems, loc, blank, column, lambda r: "is blank")
    ids = arrays["account_id"].to_numpy(zero_copy_only=False)
    if n:
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        dup = np.flatnonzero((sorted_ids[1:] == sorted_ids[:-1]) & (sorted_ids[1:] != ""))
        first_of: dict[str, int] = {}
        dup_rows = []
        for i in dup:
            first_of.setdefault(sorted_ids[i], int(order[i]))
            dup_rows.append(int(order[i + 1]))
        dup_rows.sort()
        _report(problems, loc, dup_rows, "account_id",
                lambda r: f'"{ids[r]}" is also on {loc.where(first_of[ids[r]], "account_id")}: '
                          f"account_id must be unique")
    if known_csms is not None:
        known = pa.array(sorted(known_csms), pa.string())
        unknown = _rows(pc.and_(pc.invert(pc.is_in(arrays["csm_id"], value_set=known)),
                                pc.not_equal(arrays["csm_id"], "")))
        csm_values = arrays["csm_id"].to_pylist() if len(unknown) else []
        _report(problems, loc, unknown, "csm_id", lambda r: f'"{csm_values[r]}" is not a CSM of the roster')
    segments = pa.array([*SEGMENTS, ""], pa.string())
    if "segment" in raw.columns:
        odd = _rows(pc.invert(pc.is_in(arrays["segment"], value_set=segments)))
        seg_values = arrays["segment"].to_pylist() if len(odd) else []
        _report(problems, loc, odd, "segment", lambda r: f'"{seg_values[r]}" is not one of {", ".join(SEGMENTS)}')
    for column in SUM_FIELDS:
        if column in raw.columns:
            values = decimal_column(raw, column, AMOUNT_TYPE, problems)
            negative = _rows(pc.less(values, pa.scalar(Decimal(0), AMOUNT_TYPE)))
            shown = values.to_pylist() if len(negative) else []
            _report(problems, loc, negative, column, _message("{:f} is negative", shown))
            arrays[column] = pc.fill_null(values, pa.scalar(Decimal(0), AMOUNT_TYPE))
        else:
            arrays[column] = pa.array([Decimal(0)] * n, AMOUNT_TYPE)
    over = _rows(pc.greater(arrays["renewed_arr"], arrays["renewable_arr"]))
    if len(over):
        renewed, renewable = arrays["renewed_arr"].to_pylist(), arrays["renewable_arr"].to_pylist()
        _report(problems, loc, over, "renewed_arr",
                lambda r: f"{renewed[r]:f} is above renewable_arr {renewable[r]:f}")
    for column in SCORE_FIELDS:
        if column in raw.columns:
            values = decimal_column(raw, column, SCORE_TYPE, problems, percent=column == "adoption_rate")
            low, high = SCORE_RANGES[column]
            out = _rows(pc.or_(pc.less(values, pa.scalar(low, SCORE_TYPE)),
                               pc.greater(values, pa.scalar(high, SCORE_TYPE))))
            shown = values.to_pylist() if len(out) else []
            _report(problems, loc, out, column, _message(f"{{:f}} is outside {low}–{high}", shown, normalize=True))
            arrays[column] = values
        else:
            arrays[column] = pa.nulls(n, SCORE_TYPE)
    arrays["_row"] = pa.array(np.arange(n, dtype=np.int32))
    table = pa.table(arrays)
    return Book(table, loc, tuple(raw.columns)), problems


# ---------------------------------------------------------------------------------------------
# both, together


def load_inputs(plan: Plan | None, roster: TableSource, accounts: TableSource) -> tuple[Roster, Book]:
    """Load roster and accounts against a plan, raising one :class:`InputError` with all problems."""
    raw_roster = read_table(roster, "Roster")
    roster_model, problems = _roster(raw_roster, plan)
    raw_accounts = read_table(accounts, "Accounts")
    book, more = _accounts(raw_accounts, roster_ids(raw_roster) if raw_roster.columns else None, plan)
    problems += more
    if roster_model is not None and not roster_model.csms and not problems:
        problems.append(Problem(roster_model.locator.name, "the roster has no CSMs"))
    if problems:
        raise InputError(problems)
    assert roster_model is not None and book is not None
    return roster_model, book

