"""Tables as read, before any checking: from a CSV file (through Arrow), from a table or sheet
of an .xlsx (through python-calamine, or from an upload already opened: :class:`OpenXlsx`), or
from a pandas DataFrame, into a :class:`RawTable` of named columns.

Problems of the file itself (not found, not UTF-8, duplicate or unnamed columns) are kept on the
table with their place; the checks of the values are :mod:`.roster`'s and :mod:`.accounts`'.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.errors import Problem
from xlcomp.model.people import Locator
from xlcomp.ooxml.index import WorkbookIndex, index_workbook
from xlcomp.ooxml.refs import split_ref

__all__ = ["SEPARATORS", "OpenXlsx", "RawTable", "TableSource", "cell_text", "close_header", "csv_separator",
           "normalize_header", "read_header", "read_table", "sniff_separator"]

TableSource = Any  # str | Path | pandas.DataFrame


def normalize_header(name: object) -> str:
    """``"CSM ID"`` and ``"csm-id"`` become ``csm_id``."""
    text = str(name if name is not None else "").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _core(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", normalize_header(name))


def close_header(wanted: str, headers: Sequence[str]) -> str | None:
    """The header (as written) that looks like column ``wanted`` though it does not match it, or None.

    ``"renewed ARR ($)"`` looks like ``renewed_arr`` (the same letters and digits), and so does
    ``"renewd_arr"`` (a near miss). For hints only: such a column is never read as ``wanted``.
    """
    cores = {header: _core(header) for header in headers if normalize_header(header) != wanted}
    same = [header for header, core in cores.items() if core and core == _core(wanted)]
    if same:
        return same[0]
    near = difflib.get_close_matches(_core(wanted), [c for c in cores.values() if c], n=1, cutoff=0.85)
    return next((header for header, core in cores.items() if near and core == near[0]), None)


def read_header(source: TableSource, name: str) -> tuple[str, list[str]]:
    """The place a table's problems are reported under (file or sheet name) and its header as written."""
    path = Path(source)
    if path.suffix.lower() in ("", ".csv", ".txt", ".tsv"):
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            return path.name, next(csv.reader(io.StringIO(handle.readline())), [])
    raw = read_table(source, name)
    return raw.locator.name, list(raw.columns)


@dataclass
class RawTable:
    """A table as read: column names, and per column either an Arrow string array or a list."""

    locator: Locator
    columns: list[str]
    data: dict[str, Any]
    nrows: int
    problems: list[Problem] = field(default_factory=list)
    separator: str = ","
    decimal_comma: bool = False  # texts like 1.234,50 (``--decimal-comma``)
    currency: str | None = None  # the plan's: its symbol or code may stand beside a number

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
    """``cell_text`` of every value, as an Arrow string array. A column of numbers (with blanks
    or texts among them, as a spreadsheet gives) is converted with NumPy and Arrow; other columns
    value by value."""
    kinds = set(map(type, values))
    if not kinds <= {float, str}:
        return pa.array([cell_text(v) for v in values], pa.string())
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
    """``cell_text`` of float64 values: whole numbers below 1e15 as integers (through Arrow), the
    others as their 15 significant digits (``format(v, ".15g")``), NaN as null."""
    whole = np.isfinite(numbers) & (np.abs(numbers) < 1e15)
    whole[whole] = numbers[whole] == np.floor(numbers[whole])
    texts = pc.cast(pa.array(np.where(whole, numbers, 0).astype(np.int64)), pa.string())
    others = np.flatnonzero(~whole)
    if len(others):
        formatted = [None if math.isnan(v) else format(v, ".15g") for v in numbers[others].tolist()]
        texts = pc.replace_with_mask(texts, pa.array(~whole), pa.array(formatted, pa.string()))
    return texts


def cell_text(value: Any) -> str | None:
    """A cell value as the text Excel shows for it (None for blank)."""
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


SEPARATORS = {",": "commas", ";": "semicolons", "\t": "tabs"}


def sniff_separator(header_line: str) -> str:
    """The separator of a CSV header line: the one of ``,``, ``;`` and tab that splits it into the most
    fields (commas on a tie), as Excel's CSV export in other locales writes ``;``."""
    counts = {sep: len(next(csv.reader(io.StringIO(header_line), delimiter=sep), [])) for sep in SEPARATORS}
    best = max(counts.values())
    return next(sep for sep in SEPARATORS if counts[sep] == best)


def csv_separator(source: TableSource) -> str | None:
    """The separator a CSV file is read with (None for a workbook, a DataFrame or an unreadable file)."""
    if _is_dataframe(source) or isinstance(source, OpenXlsx):
        return None
    path = Path(source)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"):
        return None
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            return sniff_separator(handle.readline())
    except (OSError, UnicodeDecodeError):
        return None


def read_table(source: TableSource, name: str, *, decimal_comma: bool = False, currency: str | None = None
               ) -> RawTable:
    """Read a table from a CSV path (separated by commas, semicolons or tabs), an .xlsx path or
    :class:`OpenXlsx` (table or sheet ``name``), or a DataFrame. ``decimal_comma``: number texts are
    written ``1.234,50``; ``currency``: the plan's, whose symbol or code a number text may carry."""
    table = _read_any(source, name)
    table.decimal_comma, table.currency = decimal_comma, currency
    return table


def _read_any(source: TableSource, name: str) -> RawTable:
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
    separator = sniff_separator(header_line)
    raw_header = next(csv.reader(io.StringIO(header_line), delimiter=separator))
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
            parse_options=pcsv.ParseOptions(delimiter=separator, newlines_in_values=True),
        )
    except pa.ArrowInvalid as exc:
        message = str(exc)
        match = re.search(r"Expected (\d+) columns, got (\d+)", message)
        row = re.search(r"[Rr]ow #?(\d+)", message)
        line = int(row.group(1)) + 1 if row else _ragged_line(path, separator, len(columns)) if match else None
        where = f"{label}:{line}" if line else label
        text = (f"has {match.group(2)} fields where the header has {match.group(1)}" if match
                else f"is not valid CSV: {message.splitlines()[0]}")
        return RawTable(locator, columns, {}, 0, [*problems, Problem(where, text)])
    data: dict[str, Any] = {}
    for i, column in enumerate(columns):
        if column and column not in data:  # the first of duplicate columns wins
            data[column] = table.column(i)
    return RawTable(locator, columns, data, table.num_rows, problems, separator)


def _ragged_line(path: Path, separator: str, fields: int) -> int | None:
    """The line of the first record whose number of fields is not ``fields`` (Arrow's parser, reading in blocks on
    several threads, names the record but not its line): read again, on this error path only, as Python's csv
    module splits it (quoted line breaks, blank lines skipped as Arrow skips them)."""
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=separator)
            start = 1
            for record in reader:
                if record and reader.line_num > 1 and len(record) != fields:
                    return start
                start = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


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
