"""What Excel passes to a worksheet function, turned into exact values, and the errors it gets back.

Excel hands a function numbers (floats), texts, booleans, ``None`` (or ``""``) for an empty cell,
ranges as lists of rows, and dates as datetimes (xlwings) or serial day numbers (Office.js). Each
reader here takes one argument by name and returns a Decimal, a date or a table of cells, or raises
:class:`ArgumentError` with the Excel error code and a message naming the argument; the registry
turns that into an :class:`ExcelError` value, so nothing ever raises into Excel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlcomp.model.plan import Curve, CurveMode, Tier
from xlcomp.money import NumberParseError, excel_serial_to_date, parse_number, to_decimal

__all__ = [
    "DIV0",
    "ERROR_CODES",
    "NAME",
    "NUM",
    "VALUE",
    "ArgumentError",
    "ExcelError",
    "cells",
    "curve_from_range",
    "date_value",
    "number",
    "optional_number",
]

VALUE = "#VALUE!"
DIV0 = "#DIV/0!"
NUM = "#NUM!"
NAME = "#NAME?"
NA = "#N/A"
ERROR_CODES = (VALUE, DIV0, NUM, NAME, NA)
ZERO = Decimal(0)

# Excel's date system ends at 9999-12-31 (serial 2958465).
_LAST_SERIAL = 2958465


class ExcelError(str):
    """An Excel error value with a message: ``ExcelError("#DIV/0!", "target is 0")``.

    It *is* the error code as a string (``== "#DIV/0!"``), so it reads like Excel's own error
    values; ``message`` says what was wrong.
    """

    message: str

    def __new__(cls, code: str, message: str = "") -> ExcelError:
        if code not in ERROR_CODES:
            raise ValueError(f"{code!r} is not an Excel error code ({', '.join(ERROR_CODES)})")
        error = super().__new__(cls, code)
        error.message = message
        return error

    @property
    def code(self) -> str:
        """The error code: ``#VALUE!``, ``#DIV/0!``, ``#NUM!``, ``#NAME?`` or ``#N/A``."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"ExcelError({self.code!r}, {self.message!r})"

    def describe(self) -> str:
        """Code and message together, as a person reads it: ``#DIV/0! target is 0``."""
        return f"{self.code} {self.message}".strip()

    def as_dict(self) -> dict[str, str]:
        """``{"code", "message"}`` for JSON."""
        return {"code": self.code, "message": self.message}


class ArgumentError(Exception):
    """A bad argument: the Excel error code it gives and a message naming the argument."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _show(value: Any) -> str:
    text = f'"{value}"' if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _one_cell(value: Any, name: str) -> Any:
    """A scalar argument given as a range: one cell is fine, more is an error."""
    if not isinstance(value, (list, tuple)):
        return value
    leaves: list[Any] = []
    stack: list[Any] = [value]
    while stack and len(leaves) < 2:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            leaves.append(item)
    if len(leaves) > 1 or stack:
        raise ArgumentError(VALUE, f"{name}: expected one cell, got a range of several cells")
    return leaves[0] if leaves else None


def _decimal(value: Any, name: str) -> Decimal:
    if isinstance(value, bool):
        raise ArgumentError(VALUE, f"{name}: {str(value).upper()} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ArgumentError(NUM, f"{name}: {value!r} is not a finite number")
    if isinstance(value, (int, float, Decimal)):
        number_value = to_decimal(value)
        if not number_value.is_finite():
            raise ArgumentError(NUM, f"{name}: {value} is not a finite number")
        return number_value
    if isinstance(value, str):
        try:
            return parse_number(value, percent=True)
        except NumberParseError:
            raise ArgumentError(VALUE, f"{name}: {_show(value)} is not a number") from None
    if isinstance(value, (datetime, date)):
        raise ArgumentError(VALUE, f"{name}: the date {value:%Y-%m-%d} is not a number")
    raise ArgumentError(VALUE, f"{name}: {_show(value)} is not a number")


def number(value: Any, name: str, *, minimum: Decimal | None = None) -> Decimal:
    """A number argument; an empty cell is 0 (as in Excel arithmetic). Below ``minimum`` is #NUM!."""
    value = _one_cell(value, name)
    result = ZERO if _blank(value) else _decimal(value, name)
    if minimum is not None and result < minimum:
        raise ArgumentError(NUM, f"{name}: {result.normalize():f} is below {minimum}")
    return result


def optional_number(value: Any, name: str, *, minimum: Decimal | None = None,
                    maximum: Decimal | None = None) -> Decimal | None:
    """A number argument where an empty cell or an omitted argument means "none" (``None``)."""
    value = _one_cell(value, name)
    if _blank(value):
        return None
    result = _decimal(value, name)
    if minimum is not None and result < minimum:
        raise ArgumentError(NUM, f"{name}: {result.normalize():f} is below {minimum}")
    if maximum is not None and result > maximum:
        raise ArgumentError(NUM, f"{name}: {result.normalize():f} is above {maximum}")
    return result


def date_value(value: Any, name: str) -> date | None:
    """A date argument: a datetime, an Excel serial day number, or ``YYYY-MM-DD`` text.

    Blank is None, and so is serial 0: what ``=Roster!H5`` shows when H5 is an empty date cell.
    """
    value = _one_cell(value, name)
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for parse in (date.fromisoformat, lambda t: datetime.fromisoformat(t).date()):
            try:
                return parse(text)
            except ValueError:
                pass
        try:
            serial = parse_number(text)
        except NumberParseError:
            raise ArgumentError(VALUE, f"{name}: {_show(value)} is not a date (use a date cell or YYYY-MM-DD)"
                                ) from None
        return _serial(serial, name)
    serial = _decimal(value, name)
    return None if serial == 0 else _serial(serial, name)


def _serial(serial: Decimal, name: str) -> date:
    if serial < 1 or serial > _LAST_SERIAL:
        raise ArgumentError(NUM, f"{name}: {serial.normalize():f} is not an Excel date serial (1 to {_LAST_SERIAL})")
    return excel_serial_to_date(float(int(serial)))


def cells(value: Any, name: str) -> list[list[Any]]:
    """A range argument as rows of cells: a single value is one cell, a flat list one row."""
    if not isinstance(value, (list, tuple)):
        return [[value]]
    if not value:
        return []
    if not any(isinstance(row, (list, tuple)) for row in value):
        return [list(value)]
    rows = [list(row) if isinstance(row, (list, tuple)) else [row] for row in value]
    width = len(rows[0])
    if any(len(row) != width for row in rows):
        raise ArgumentError(VALUE, f"{name}: the rows of the range are not all the same length")
    return rows


def _is_header(row: Sequence[Any]) -> bool:
    texts = [cell for cell in row if isinstance(cell, str) and cell.strip()]
    if len(texts) != len(row):
        return False
    try:
        for cell in texts:
            parse_number(cell, percent=True)
    except NumberParseError:
        return True
    return False


def curve_from_range(value: Any, mode_value: Any, modes: Sequence[CurveMode], name: str = "tiers") -> Curve:
    """Tiers from a 2-column range ``upto | rate`` (ascending; the last ``upto`` may be blank), and a mode.

    A first row of labels (``upto``, ``rate``) is skipped, as are empty rows; the rules are the plan
    file's: every ``upto`` above 0 and above the one before, only the last one blank, rates >= 0.
    """
    mode = _mode(mode_value, modes)
    rows = cells(value, name)
    if rows and len(rows[0]) != 2:
        raise ArgumentError(VALUE, f"{name}: expected 2 columns (upto | rate), got {len(rows[0])}")
    numbered = [(index + 1, row) for index, row in enumerate(rows) if not all(_blank(cell) for cell in row)]
    if numbered and _is_header(numbered[0][1]):
        numbered = numbered[1:]
    if not numbered:
        raise ArgumentError(VALUE, f"{name}: no tiers (expected rows of upto | rate)")
    tiers: list[Tier] = []
    previous: Decimal | None = None
    for position, (row_number, (upto_cell, rate_cell)) in enumerate(numbered):
        where = f"{name} row {row_number}"
        last = position == len(numbered) - 1
        upto: Decimal | None = None
        if _blank(upto_cell):
            if not last:
                raise ArgumentError(VALUE, f"{where}: upto is blank (only the last tier may omit it)")
        else:
            upto = _decimal(upto_cell, f"{where} upto")
            if upto <= 0:
                raise ArgumentError(NUM, f"{where}: upto {upto.normalize():f} must be above 0")
            if previous is not None and upto <= previous:
                raise ArgumentError(NUM, f"{where}: upto {upto.normalize():f} is not above the previous tier's "
                                         f"{previous.normalize():f}: tiers must ascend")
            previous = upto
        if _blank(rate_cell):
            raise ArgumentError(VALUE, f"{where}: rate is blank")
        rate = _decimal(rate_cell, f"{where} rate")
        if rate < 0:
            raise ArgumentError(NUM, f"{where}: rate {rate.normalize():f} is negative")
        tiers.append(Tier(upto=upto, rate=rate))
    return Curve(mode=mode, tiers=tuple(tiers))


def _mode(value: Any, modes: Sequence[CurveMode]) -> CurveMode:
    value = _one_cell(value, "mode")
    if _blank(value):
        return CurveMode.MARGINAL
    text = str(value).strip().lower() if isinstance(value, str) else None
    for mode in modes:
        if text == mode.value:
            return mode
    raise ArgumentError(VALUE, f"mode: {_show(value)} is not one of {', '.join(m.value for m in modes)}")
