"""Exact decimals from table cells: a column of a :class:`~xlcomp.load.sources.RawTable` to an Arrow
decimal128 column (a million accounts at a time, checked with Arrow compute and NumPy), one cell
to a :class:`~decimal.Decimal`, and the reporting of problems row by row (at most
1,000 of one kind).

Amounts are kept to 4 decimal places (:data:`AMOUNT_TYPE`), scores and rates to 8
(:data:`SCORE_TYPE`); a float from a spreadsheet is the number Excel shows, its 15 significant
digits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.errors import Problem
from xlcomp.load.sources import RawTable
from xlcomp.model.people import Locator
from xlcomp.money import NumberParseError, excel_serial_to_date, parse_amount

__all__ = ["AMOUNT_TYPE", "SCORE_TYPE", "decimal_column", "parse_cell_date", "parse_cell_number", "report_rows",
           "rows_where"]

AMOUNT_TYPE = pa.decimal128(20, 4)
SCORE_TYPE = pa.decimal128(12, 8)
_WIDE = pa.decimal128(38, 12)
_NUMBER_RE = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_MAX_PER_CHECK = 1000


def parse_cell_number(value: Any, *, currency: str | None = None, decimal_comma: bool = False) -> Decimal | None:
    """A cell as a Decimal (a float as the number Excel shows, text as finance writes it:
    :func:`~xlcomp.money.parse_amount`); None when blank."""
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
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError
