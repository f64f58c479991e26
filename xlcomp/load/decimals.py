"""Exact decimals from table cells: a column of a :class:`~xlcomp.load.sources.RawTable` to an Arrow
decimal128 column (a million accounts at a time, checked with Arrow compute and NumPy), one cell
to a :class:`~decimal.Decimal`, and the reporting of problems row by row (at most
1,000 of one kind).

Amounts are kept to 4 decimal places (:data:`AMOUNT_TYPE`), scores and rates to 8
(:data:`SCORE_TYPE`); a float from a spreadsheet is the number Excel shows, its 15 significant
digits.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.errors import Problem
from xlcomp.load.sources import RawTable
from xlcomp.model.columns import unscaled_decimals
from xlcomp.model.people import Locator
from xlcomp.money import NumberParseError, exact, excel_serial_to_date, parse_amount

__all__ = ["AMOUNT_TYPE", "SCORE_TYPE", "cell_numbers", "column_dates", "decimal_column", "decimal_columns",
           "parse_cell_date",
           "parse_cell_number", "report_rows", "rows_where"]

AMOUNT_TYPE = pa.decimal128(20, 4)
SCORE_TYPE = pa.decimal128(12, 8)
_WIDE = pa.decimal128(38, 12)
_NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_MAX_PER_CHECK = 1000
_PLAIN_NUMBER = re.compile(_NUMBER_RE[1:-1])  # fullmatch: the whole text, no surrounding space
_ONE = Decimal(1)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_cell_number(value: Any, *, currency: str | None = None, decimal_comma: bool = False) -> Decimal | None:
    """A cell as a Decimal (a float as the number Excel shows, text as finance writes it:
    :func:`~xlcomp.money.parse_amount`); None when blank. A number beyond what the exact context holds
    (``1E1000000``) is a :class:`NumberParseError` ("is too large"), not an overflow."""
    try:
        return _cell_number(value, currency, decimal_comma)
    except ArithmeticError:   # decimal.Overflow, InvalidOperation of an exponent out of range
        raise NumberParseError(f'"{value}" is too large') from None


def cell_numbers(raw: RawTable, column: str) -> list[Decimal | NumberParseError | None]:
    """:func:`parse_cell_number` of each cell of a column, the error in place of a cell that is no number: the
    same values, a CSV's column of plain number texts (and blanks) taken at once (Arrow matches the texts; each
    is ``Decimal(text) * 1``, as the cell's own path makes it)."""
    data = raw.data.get(column)
    if isinstance(data, pa.ChunkedArray):
        data = data.combine_chunks()
    if isinstance(data, pa.Array) and data.type == pa.string() and not raw.decimal_comma:
        plain = pc.match_substring_regex(data, _NUMBER_RE).to_pylist()
        with contextlib.suppress(ArithmeticError):  # 1E+1000000 is too large: the cells' own path says so
            return [Decimal(text) * _ONE if ok else _number_or_error(text, raw.currency, False)
                    for text, ok in zip(data.to_pylist(), plain, strict=True)]
    return [_number_or_error(value, raw.currency, raw.decimal_comma) for value in raw.values(column)]


def _number_or_error(value: Any, currency: str | None, decimal_comma: bool) -> Decimal | NumberParseError | None:
    try:
        return parse_cell_number(value, currency=currency, decimal_comma=decimal_comma)
    except NumberParseError as exc:
        return exc


def _cell_number(value: Any, currency: str | None, decimal_comma: bool) -> Decimal | None:
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
    if not decimal_comma and _PLAIN_NUMBER.fullmatch(text):
        return Decimal(text) * _ONE  # what parse_amount makes of a plain number, at once
    if not text.strip():
        return None
    return parse_amount(text, currency=currency, decimal_comma=decimal_comma, percent=True)


def rows_where(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Row numbers where a boolean array is true (nulls are false)."""
    filled = pc.fill_null(mask, False)
    return np.flatnonzero(filled.to_numpy(zero_copy_only=False))


def report_rows(problems: list[Problem], loc: Locator, rows: Iterable[int], column: str,
                message: Callable[[int], str]) -> None:
    """One problem per row (the first 1,000), then one saying how many more there are."""
    rows = list(rows)
    for row in rows[:_MAX_PER_CHECK]:
        problems.append(loc.problem(int(row), column, message(int(row))))
    if len(rows) > _MAX_PER_CHECK:
        problems.append(Problem(loc.name, f"... and {len(rows) - _MAX_PER_CHECK} more rows like the above",
                                column))


def decimal_columns(raw: RawTable, columns: Iterable[tuple[str, pa.DataType, bool]]
                    ) -> dict[str, tuple[pa.Array, list[Problem]]]:
    """:func:`decimal_column` of each ``(column, target, percent)``, two at a time (Arrow and NumPy work
    outside the interpreter lock) when a column is an Arrow array (a CSV), one after the other when every
    column is a list of cells (a workbook's), each with its own problems: column -> (array, problems)."""
    def parse(spec: tuple[str, pa.DataType, bool]) -> tuple[pa.Array, list[Problem]]:
        found: list[Problem] = []
        with exact():
            return decimal_column(raw, spec[0], spec[1], found, percent=spec[2]), found

    specs = list(columns)
    if all(isinstance(raw.data.get(spec[0]), list) for spec in specs):
        # cells as a spreadsheet reader gives them (Python lists): their types and floats are taken with the
        # lock held, so a second thread only waits for it (measured slower)
        return {spec[0]: parse(spec) for spec in specs}
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((spec[0] for spec in specs), pool.map(parse, specs), strict=True))


def decimal_column(raw: RawTable, column: str, target: pa.DataType, problems: list[Problem], *,
                   percent: bool = False) -> pa.Array:
    """Parse a column to exact decimals (null for blank), reporting unparseable cells."""
    loc = raw.locator
    scale = target.scale
    floats = _float_decimals(raw.data.get(column), scale)
    if floats is not None:  # in the target type at once, values too large reported (as _checked_decimals does)
        return _unscaled_array(floats[0], floats[1], target, problems, loc, column)
    if not raw.decimal_comma:
        short = _short_text_decimals(raw.strings(column), target, problems, loc, column)
        if short is not None:
            return short
    strings = pc.utf8_trim_whitespace(raw.strings(column))
    strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    return _text_decimals(raw, column, strings, target, problems, percent=percent)


def _text_decimals(raw: RawTable, column: str, strings: pa.Array, target: pa.DataType, problems: list[Problem], *,
                   percent: bool) -> pa.Array:
    """The text path: each trimmed text (null for blank) as an exact decimal through Arrow's decimal cast,
    rounded half away from zero; a text that is not a plain number through :func:`parse_amount`."""
    loc = raw.locator
    scale = target.scale
    limit = Decimal(10) ** (target.precision - scale)
    good = pc.match_substring_regex(strings, _NUMBER_RE)
    if raw.decimal_comma:  # 1.234 is one thousand two hundred and thirty-four: every dot or comma is read slowly
        good = pc.and_(good, pc.invert(pc.match_substring_regex(strings, r"[.,]")))
    odd_rows = rows_where(pc.invert(good))
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
                number = parse_amount(values[row] or "", currency=raw.currency, decimal_comma=raw.decimal_comma,
                                      percent=percent)
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
    too_big = rows_where(pc.greater_equal(pc.abs(rounded), pa.scalar(limit, rounded.type)))
    if len(too_big):
        report_rows(problems, loc, too_big, column, lambda r: "is too large")
        keep = np.ones(len(rounded), dtype=bool)
        keep[too_big] = False
        rounded = pc.if_else(pa.array(keep), rounded, pa.scalar(None, rounded.type))
    return pc.cast(rounded, target)


_SHORT = 15  # characters: a text this long has at most 15 digits, which a float64 holds exactly (see below)
_NUMBER_BYTES = b"0123456789+-.eE"


def _short_text_decimals(strings: pa.Array, target: pa.DataType, problems: list[Problem], loc: Locator,
                         column: str) -> pa.Array | None:
    """A column of texts that are all short plain numbers, as exact decimals in ``target`` (null for
    blank), through Arrow's float parser and NumPy; None for any other column (the caller takes the
    text path). Short plain numbers: at most 15 characters, each a digit, sign, point or exponent
    letter, which Arrow's float parser reads whole (it refuses a lone sign or point, two points, an
    exponent without digits): the texts of ``_NUMBER_RE``.

    A text of at most 15 characters has at most 15 significant digits; the float64 nearest to it
    (Arrow parses correctly rounded) shows those very digits at 15 significant digits, so
    :func:`_float_unscaled`, which rounds the number a float shows, rounds the text's own decimal,
    half away from zero, as the text path does (property-tested against it).
    """
    count = len(strings)
    if count in (0, strings.null_count) or strings.type != pa.string():
        return None
    validity, offsets_buffer, data = strings.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[strings.offset:strings.offset + count + 1]
    lengths = np.diff(offsets)
    if lengths.max() > _SHORT:
        return None
    chars = bytes(memoryview(data)[offsets[0]:offsets[-1]]) if data is not None else b""
    if chars.translate(None, _NUMBER_BYTES):  # digits, signs, points and exponents only: no space, text or "nan"
        return None
    blank = lengths == 0
    if strings.null_count:
        blank |= np.asarray(pc.is_null(strings))
    if blank.any():  # a blank cell is null to the float parser
        validity = pa.array(~blank).buffers()[1]
        strings = pa.Array.from_buffers(pa.string(), count, [validity, pa.py_buffer(offsets), data],
                                        null_count=int(blank.sum()))
    try:  # it refuses what is not a number (a lone sign or point, two points, an exponent without digits)
        numbers = pc.cast(strings, pa.float64()).to_numpy(zero_copy_only=False).copy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    unscaled = _float_unscaled(numbers, target.scale)
    if unscaled is None:
        return None
    return _unscaled_array(unscaled[0], unscaled[1], target, problems, loc, column)


def _unscaled_array(unscaled: np.ndarray, blank: np.ndarray, target: pa.DataType, problems: list[Problem],
                    loc: Locator, column: str) -> pa.Array:
    """Unscaled int64 values (``value x 10^scale``) as a ``target`` decimal array, blank where ``blank``;
    values too large for ``target`` reported and blank (as :func:`_checked_decimals` does)."""
    limit = 10 ** (target.precision - target.scale)
    too_big = np.flatnonzero(~blank & (np.abs(unscaled) >= limit * 10 ** target.scale)) \
        if limit * 10 ** target.scale < 2 ** 63 else np.array([], dtype=np.int64)
    if len(too_big):
        report_rows(problems, loc, too_big, column, lambda r: "is too large")
        blank = blank.copy()
        blank[too_big] = True
    nulls = int(blank.sum())
    validity = pa.array(~blank).buffers()[1] if nulls else None
    return unscaled_decimals(np.where(blank, 0, unscaled), target, validity, nulls)


_BLANK_AS_NAN = {"": math.nan}
_FLOAT_FAST = 1e11      # |value| x 10^scale below it: the float path below is exact (see _float_decimals)
_FLOAT_COLUMN = 1e15    # any |value| from it on: the column takes the text path, as before


def _float_decimals(values: Any, scale: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A column of floats (and blank cells, ``""``) as spreadsheets give it, as the int64 decimals
    ``value x 10^scale`` and the blank mask (:func:`_unscaled_array` makes the Arrow column): each
    float taken as the number Excel shows (its 15 significant digits) and rounded half away from
    zero to ``scale`` places, exactly as the text path does, with NumPy.

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
    try:  # Arrow refuses any text left once blanks are NaN (it never parses text as a number)
        numbers = pa.array(list(map(_BLANK_AS_NAN.get, values, values)) if str in kinds else values,
                           pa.float64()).to_numpy(zero_copy_only=False).copy()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return _float_unscaled(numbers, scale)


def _float_unscaled(numbers: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Float64 values (NaN for blank; the array is changed) as int64 ``value x 10^scale``, each float
    taken as the number it shows at 15 significant digits and rounded half away from zero, and the
    blank mask; None for a non-finite or very large value (see :func:`_float_decimals`)."""
    blank = np.isnan(numbers)  # a blank cell (a NaN float is blank to _cell_text too)
    np.copyto(numbers, 0.0, where=blank)
    size = np.abs(numbers)
    largest = float(size.max()) if len(size) else 0.0
    factor = 10.0 ** scale
    if not (largest < _FLOAT_COLUMN and largest * factor < 9e18):  # non-finite too
        return None  # the unscaled decimals must fit 64 bits
    scaled = np.multiply(size, factor, out=size)
    fast: np.ndarray | None = None
    if largest * factor >= _FLOAT_FAST:
        fast = scaled < _FLOAT_FAST
        np.copyto(scaled, 0.0, where=~fast)
    whole = np.floor(scaled)
    fraction = np.subtract(scaled, whole, out=scaled)
    whole += fraction > 0.5
    unscaled = np.copysign(whole, numbers, out=whole).astype(np.int64)  # -0.0 is 0
    near_half = np.abs(np.subtract(fraction, 0.5, out=fraction), out=fraction) <= 1e-3
    slow = np.flatnonzero(near_half if fast is None else ~fast | near_half)
    if len(slow):
        quantum = Decimal(1).scaleb(-scale)
        for row in slow.tolist():
            exact = Decimal(format(numbers[row], ".15g")).quantize(quantum, rounding=ROUND_HALF_UP)
            unscaled[row] = int(exact.scaleb(scale))
    return unscaled, blank


_WIDEST = Decimal("9" * 25)  # in decimal128(38, 12) at any rounding, above every column's limit


def _wide(text: str | None) -> Decimal | None:
    """A plain number text in decimal128(38, 12); one of 10^25 or more as 10^25 - 1 of its sign,
    which every column's limit reports as too large (it was blank, or an error, before)."""
    if text is None:
        return None
    value = Decimal(text)
    if value.copy_abs() >= _WIDEST:   # copy_abs: no context, so 1E1000000 is too large, not an overflow
        return _WIDEST.copy_sign(value)
    return value.quantize(Decimal("1e-12"))


def parse_cell_date(value: Any) -> date | None:
    """A cell or CSV value as a date (ISO text, a datetime, or an Excel serial); None when blank.

    Raises ValueError for anything else.
    """
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
    if _ISO_DATE.fullmatch(text):  # what strptime's "%Y-%m-%d" reads of it (an impossible date raises)
        return date(int(text[:4]), int(text[5:7]), int(text[8:]))
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError


_EPOCH = date(1970, 1, 1)   # Arrow's day 0


def _cell_date(value: object) -> date | None:
    """A cell as a date (:func:`parse_cell_date`), None when it is not one."""
    with contextlib.suppress(ValueError):
        return parse_cell_date(value)
    return None


def _as_dates(days: pa.Array | pa.ChunkedArray) -> list[date | None]:
    """A date32 column as Python dates (None where null), each distinct day made once (Arrow's ``to_pylist``
    makes one per row)."""
    valid = pc.is_valid(days).to_numpy(zero_copy_only=False)
    numbers = pc.fill_null(pc.cast(days, pa.int32()), 0).to_numpy(zero_copy_only=False)
    distinct, inverse = np.unique(numbers, return_inverse=True)
    made = np.array([_EPOCH + timedelta(days=int(n)) for n in distinct] + [None], object)
    return made[np.where(valid, inverse, len(distinct))].tolist()  # type: ignore[no-any-return]


def column_dates(raw: RawTable, column: str) -> list[date | None]:
    """A column of ``raw`` as dates: ISO texts at Arrow's speed, anything else cell by cell (the column as
    :meth:`RawTable.values` gives it, read only then); None for a cell that is not a date (or is blank)."""
    data = raw.data.get(column)
    if isinstance(data, (pa.Array, pa.ChunkedArray)) and pa.types.is_string(data.type):
        days = pc.cast(pc.strptime(data, format="%Y-%m-%d", unit="s", error_is_null=True), pa.date32())
        # Arrow rolls an impossible day over (2027-02-31 is March 3): a date counts only if it reads back as its
        # text (each distinct day formatted once)
        distinct = pc.unique(days).drop_null()
        texts = pa.array([day.isoformat() for day in distinct.to_pylist()], pa.string())
        exact = pc.fill_null(pc.equal(texts.take(pc.index_in(days, value_set=distinct)), data), False)
        found = _as_dates(pc.if_else(exact, days, pa.scalar(None, pa.date32())))
        if None not in found:
            return found
        values = raw.values(column)
        return [day if day is not None else _cell_date(value) for day, value in zip(found, values, strict=True)]
    return [_cell_date(value) for value in raw.values(column)]
