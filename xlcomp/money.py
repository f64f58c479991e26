"""Money and numbers: Decimal from the moment they are read, rounded the way Excel rounds.

Excel's ROUND rounds half away from zero on the decimal value; Python's ``round`` rounds half to
even on the binary value, so ``round(2.675, 2)`` is 2.67 where Excel shows 2.68. Everything here
works on :class:`decimal.Decimal` with enough precision that sums and products of inputs are exact;
the only inexact step, a division, is done last and then rounded.
"""

from __future__ import annotations

import decimal
import functools
import math
import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar

__all__ = [
    "CENT",
    "ONE",
    "ZERO",
    "NumberParseError",
    "exact",
    "exactly",
    "excel_round",
    "excel_serial_to_date",
    "fmt_amount",
    "fmt_decimal",
    "money",
    "parse_amount",
    "parse_number",
    "to_decimal",
]

# 40 significant digits: products of a 20-digit amount by a 12-digit rate stay exact.
CONTEXT = decimal.Context(prec=40, rounding=ROUND_HALF_UP, Emax=999999, Emin=-999999,
                          traps=[InvalidOperation, decimal.DivisionByZero, decimal.Overflow])

_F = TypeVar("_F", bound=Callable[..., Any])


def exact() -> AbstractContextManager[decimal.Context]:
    """xlcomp's calculation context (40 digits, half away from zero), for the ``with`` block only.

    A library never changes its host's state: xlcomp never sets the thread's context; every entry
    point that computes runs inside this local one (:func:`exactly`), so a host running with a
    coarse context of its own still gets exact payouts, and finds its context as it left it.
    """
    return decimal.localcontext(CONTEXT)


def exactly(func: _F) -> _F:
    """Run ``func`` inside :func:`exact` (a decorator for entry points and lazily computed results)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with decimal.localcontext(CONTEXT):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]

ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")

_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(-6, 19)}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class NumberParseError(ValueError):
    """A text is not a number; the message quotes it."""


def to_decimal(value: object) -> Decimal:
    """Return ``value`` as a Decimal: ints and Decimals exactly, floats by their shortest repr.

    A float read from a spreadsheet cell (``0.1``) means the decimal it displays, not the binary
    fraction it stores, so it goes through ``repr``; texts go through :func:`parse_number`.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise NumberParseError(f"{value!r} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberParseError(f"{value!r} is not a finite number")
        return Decimal(repr(value))
    if isinstance(value, str):
        return parse_number(value)
    raise NumberParseError(f"{value!r} is not a number")


def parse_number(text: str, *, percent: bool = False) -> Decimal:
    """Parse ``text`` as a plain decimal number (``1234.5``, ``-3``, ``1e3``).

    With ``percent=True`` a trailing ``%`` divides by 100 (``"85%"`` is 0.85). Thousands
    separators, currency signs and suffixes such as ``12k`` are refused: a payroll input must
    say exactly what it means.
    """
    stripped = text.strip()
    scale = ONE
    if percent and stripped.endswith("%"):
        stripped = stripped[:-1].strip()
        scale = Decimal("0.01")
    if not _NUMBER.fullmatch(stripped):
        raise NumberParseError(f'"{text}" is not a number')
    return Decimal(stripped) * scale


# Currency symbols finance types in front of (or after) an amount, by ISO code.
CURRENCY_SYMBOLS: dict[str, tuple[str, ...]] = {
    "USD": ("US$", "$"), "EUR": ("€",), "GBP": ("£",), "JPY": ("¥", "円"), "CNY": ("¥", "元"), "INR": ("₹",),
    "CAD": ("CA$", "C$", "$"), "AUD": ("AU$", "A$", "$"), "NZD": ("NZ$", "$"), "CHF": ("Fr.",), "SEK": ("kr",),
    "NOK": ("kr",), "DKK": ("kr",), "BRL": ("R$",), "MXN": ("MX$", "$"), "SGD": ("S$", "$"), "HKD": ("HK$", "$"),
    "KRW": ("₩",), "ILS": ("₪",), "PLN": ("zł",), "ZAR": ("R",),
}
_ANY_SYMBOL = sorted({sym for syms in CURRENCY_SYMBOLS.values() for sym in syms} | {"€", "£", "¥", "₹", "$"},
                     key=len, reverse=True)
_CODE = re.compile(r"^([A-Z]{3})\s*(.*)$|^(.*?)\s*([A-Z]{3})$")
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")
_GROUPED_COMMA = re.compile(r"\d{1,3}(\.\d{3})+(,\d*)?")
_PLAIN_COMMA = re.compile(r"\d+,\d+")


def _strip_currency(text: str, currency: str | None) -> tuple[str, str]:
    """``text`` without its currency code or symbol; the second item is a problem ("" when none)."""
    match = _CODE.match(text)
    if match:
        code = match.group(1) or match.group(4)
        rest = match.group(2) if match.group(1) else match.group(3)
        if code.isalpha():
            if currency and code != currency:
                return rest, f"is in {code}, not the plan's currency {currency}"
            return rest.strip(), ""
    own = CURRENCY_SYMBOLS.get(currency or "", ())
    for symbol in _ANY_SYMBOL:
        for rest in ((text[len(symbol):],) if text.startswith(symbol) else ()) + (
                (text[:-len(symbol)],) if text.endswith(symbol) else ()):
            if currency and symbol not in own:
                return rest, f'carries "{symbol}", which is not a symbol of the plan\'s currency {currency}'
            return rest.strip(), ""
    return text, ""


def parse_amount(text: str, *, currency: str | None = None, decimal_comma: bool = False,
                 percent: bool = True) -> Decimal:
    """Parse a number as finance writes it (SPEC section 8).

    Accepted: thousands separators (``1,234,567.50``), the plan currency's symbol or code before or
    after the number (``$1,200``, ``USD 1200``), parentheses for negatives (``(500)``, ``($500)``) and,
    with ``percent``, a trailing ``%`` (``85%`` is 0.85). ``1.234,50`` needs ``decimal_comma=True``.
    An ambiguous text (``1,234`` with ``decimal_comma``) or another currency is refused with a
    message that says what to do.

    >>> parse_amount("($1,234.50)", currency="USD")
    Decimal('-1234.50')
    >>> parse_amount("1.234,5", decimal_comma=True)
    Decimal('1234.5')

    A number beyond what the exact context holds (``1E1000000``) is refused as too large.
    """
    try:
        return _parse_amount(text, currency, decimal_comma, percent)
    except NumberParseError:
        raise
    except ArithmeticError:   # decimal.Overflow, or an exponent out of the context's range
        raise NumberParseError(f'"{text}" is too large') from None


def _parse_amount(text: str, currency: str | None, decimal_comma: bool, percent: bool) -> Decimal:
    original = text
    stripped = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    negative = False
    if stripped.startswith("(") and stripped.endswith(")"):
        negative, stripped = True, stripped[1:-1].strip()
    if stripped.startswith("-") and not _NUMBER.fullmatch(stripped):
        negative, stripped = not negative, stripped[1:].strip()
    stripped, problem = _strip_currency(stripped, currency)
    if problem:
        raise NumberParseError(f'"{original}" {problem}')
    if stripped.startswith("-") and not negative and not _NUMBER.fullmatch(stripped):
        negative, stripped = True, stripped[1:].strip()
    scale = ONE
    if percent and stripped.endswith("%"):
        stripped, scale = stripped[:-1].strip(), Decimal("0.01")
    if decimal_comma:
        if re.fullmatch(r"\d{1,3},\d{3}", stripped):
            raise NumberParseError(f'"{original}" is ambiguous with --decimal-comma (thousands or decimals?): write '
                                   f'"{stripped.replace(",", ".")}" for thousands or "{stripped}0" for decimals')
        if _GROUPED_COMMA.fullmatch(stripped) or _PLAIN_COMMA.fullmatch(stripped):
            stripped = stripped.replace(".", "").replace(",", ".")
        elif "," in stripped:
            raise NumberParseError(f'"{original}" is not a number')
    elif _GROUPED.fullmatch(stripped):
        stripped = stripped.replace(",", "")
    elif ("," in stripped and _GROUPED_COMMA.fullmatch(stripped)) or _PLAIN_COMMA.fullmatch(stripped):
        raise NumberParseError(f'"{original}" looks like a number with a decimal comma: run with --decimal-comma '
                               "to read it so")
    if negative and stripped[:1] in ("+", "-"):   # "--1", "(-1)": a sign inside a sign
        raise NumberParseError(f'"{original}" has two signs: write one ("-1" or "(1)")')
    if not _NUMBER.fullmatch(stripped):
        raise NumberParseError(f'"{original}" is not a number')
    value = Decimal(stripped) * scale
    return -value if negative else value


def excel_round(value: Decimal, digits: int = 0) -> Decimal:
    """Excel's ``ROUND(value, digits)``: half away from zero, on the decimal value.

    >>> excel_round(Decimal("2.675"), 2), excel_round(Decimal("-2.5"))
    (Decimal('2.68'), Decimal('-3'))
    """
    quantum = _QUANTA.get(digits) or Decimal(1).scaleb(-digits)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> Decimal:
    """Round to cents, half away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def fmt_decimal(value: Decimal | None, places: int | None = None) -> str:
    """Format for CSV: fixed point, ``places`` decimals (rounded half away), or as few as exact."""
    if value is None:
        return ""
    if places is not None:
        return f"{excel_round(value, places):f}"
    normal = value.normalize()
    text = f"{normal:f}"
    return "0" if text in ("-0", "") else text


def fmt_decimals(values: Iterable[Decimal | None], places: int | None = None) -> list[str]:
    """:func:`fmt_decimal` of each value, the same texts (a column at a time: one loop, no call per value)."""
    if places is None:   # as few decimals as exact: the same text for equal values (1 and 1.0 are "1")
        texts: dict[Decimal, str] = {}
        return ["" if value is None else texts[value] if value in texts else
                texts.setdefault(value, fmt_decimal(value)) for value in values]
    spec = f".{places}f"
    with exact():  # a Decimal formatted with places is rounded by the context's rule: here half away from zero
        return ["" if value is None else format(value, spec) for value in values]


def fmt_amount(value: Decimal | None, currency: str = "", places: int = 2) -> str:
    """Format an amount for people: thousands separators, ``places`` decimals, optional currency.

    >>> fmt_amount(Decimal("12345.675"), "USD")
    'USD 12,345.68'
    """
    if value is None:
        return ""
    text = f"{excel_round(value, places):,.{places}f}"
    return f"{currency} {text}" if currency else text


def excel_serial_to_date(serial: float) -> date:
    """An Excel 1900-system serial day number as a date (serial 61 is 1900-03-01)."""
    base = datetime(1899, 12, 30)
    return (base + timedelta(days=int(serial))).date()
