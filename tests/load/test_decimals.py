"""Columns of numbers read from a spreadsheet (Python floats, "" for blank cells) become exact
decimals with NumPy; the result is the one of the text path, value for value and problem for
problem: each float is the number Excel shows (15 significant digits), rounded half away from zero."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.load.decimals import (
    AMOUNT_TYPE,
    SCORE_TYPE,
    _text_decimals,
    cell_numbers,
    column_dates,
    decimal_column,
    parse_cell_date,
    parse_cell_number,
)
from xlcomp.load.sources import RawTable, _cell_texts, cell_text
from xlcomp.model.people import Locator
from xlcomp.money import NumberParseError, exact, parse_amount

NUMBERS = st.one_of(
    st.floats(min_value=-1e16, max_value=1e16, allow_nan=False),
    st.decimals(min_value=-10**9, max_value=10**9, places=5, allow_nan=False, allow_infinity=False).map(float),
    st.integers(-10**6, 10**6).map(lambda i: i / 100000),   # typed with 5 decimals: halves at scale 4
    st.integers(-10**12, 10**12).map(lambda i: i / 2),
    st.just(""),
    st.sampled_from([0.12345, 2.675, 1.00005, -0.00005, 0.1 + 0.2, 46900.0, 0.536, 1e15, 9.99999999999999e14,
                     123456789012.34567, 92233720369.0, 5e-324, -0.0, float("inf")]),
)


def _column(values: list[Any], as_text: bool) -> RawTable:
    data: Any = pa.array([cell_text(v) for v in values], pa.string()) if as_text else list(values)
    return RawTable(Locator("Accounts", sheet=True, columns=("x",)), ["x"], {"x": data}, len(values))


@settings(max_examples=600, deadline=None)
@given(values=st.lists(NUMBERS, min_size=1, max_size=25), target=st.sampled_from([AMOUNT_TYPE, SCORE_TYPE]))
def test_floats_give_the_decimals_of_their_text(values: list[Any], target: pa.DataType) -> None:
    fast_problems: list[Any] = []
    text_problems: list[Any] = []
    fast = decimal_column(_column(values, False), "x", target, fast_problems)
    text = decimal_column(_column(values, True), "x", target, text_problems)
    assert fast.type == text.type == target and fast.null_count == text.null_count
    assert fast.to_pylist() == text.to_pylist()
    assert fast_problems == text_problems


def test_hand_worked_roundings() -> None:
    values = [0.12345, 2.675, -2.67505, 46900.0, "", 0.536, 1e-9]
    column = decimal_column(_column(values, False), "x", AMOUNT_TYPE, [])
    # 0.12345 is 0.12344999999999999… as a float but shows 0.12345: half away from zero gives 0.1235
    assert column.to_pylist() == [Decimal("0.1235"), Decimal("2.6750"), Decimal("-2.6751"), Decimal("46900.0000"),
                                  None, Decimal("0.5360"), Decimal("0.0000")]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(), st.just(""), st.text(max_size=3), st.booleans(), st.integers(),
                          st.sampled_from([1e15, -1e15, 999999999999999.0, 0.1 + 0.2, -0.0, 1e300])), max_size=30))
def test_column_texts_are_cell_texts(values: list[Any]) -> None:
    assert _cell_texts(values).to_pylist() == [cell_text(v) for v in values]


TEXTS = st.one_of(
    st.decimals(min_value=-10**9, max_value=10**9, places=5, allow_nan=False, allow_infinity=False).map(str),
    st.decimals(min_value=-10**14, max_value=10**14, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(-10**16, 10**16).map(str),
    st.integers(-10**8, 10**8).map(lambda i: f"{i / 100000:.5f}"),   # halves at scale 4
    st.floats(allow_nan=False, allow_infinity=False).map(repr),   # exponents, 17 digits
    st.sampled_from(["", " ", " 12.5 ", "+5", ".5", "5.", "1e3", "1.5E-2", "-0", "5e-5", "-0.00005", "0.12345",
                     "2.675", "99999.99999", "1e400", "1e-400", "nan", "inf", "1,000", "$5", "(5)", "50%", "12k",
                     "0x10", "١٢", "1_000", "10000.5", "-", "."]),
    st.text(alphabet="0123456789+-.eE", max_size=9),   # what the quick path lets through to Arrow's float parser
)


def _texts(values: list[str]) -> RawTable:
    return RawTable(Locator("accounts.csv", columns=("x",)), ["x"], {"x": pa.array(values, pa.string())}, len(values))


@settings(max_examples=600, deadline=None)
@given(values=st.one_of(st.lists(TEXTS, min_size=1, max_size=25),
                        st.lists(st.one_of(st.text(alphabet="0123456789+-.eE", max_size=6),
                                           st.integers(-10**9, 10**9).map(lambda i: f"{i / 10**5}")),
                                 min_size=1, max_size=8)),
       target=st.sampled_from([AMOUNT_TYPE, SCORE_TYPE]), percent=st.booleans())
def test_short_texts_give_the_decimals_of_the_text_path(values: list[str], target: pa.DataType,
                                                         percent: bool) -> None:
    # decimal_column takes the quick path (Arrow's float parser and NumPy) when every text is a plain number of
    # at most 15 characters; _text_decimals is the text path every column took before: the same values, the
    # same problems
    raw = _texts(values)
    quick_problems: list[Any] = []
    text_problems: list[Any] = []
    with exact():
        quick = decimal_column(raw, "x", target, quick_problems, percent=percent)
        strings = pc.utf8_trim_whitespace(raw.strings("x"))
        strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
        text = _text_decimals(raw, "x", strings, target, text_problems, percent=percent)
    assert quick.type == text.type == target
    assert quick.to_pylist() == text.to_pylist()
    assert quick_problems == text_problems


def test_short_texts_hand_worked() -> None:
    # all plain numbers of at most 15 characters: the quick path; half away from zero at 4 places:
    # 0.12345 -> 0.1235, -2.67505 -> -2.6751 (the 5 of the fifth place rounds away), 5e-5 -> 0.0001, " 7 " -> 7
    values = ["0.12345", "-2.67505", "46900.0", "", "5e-5", " 7 ", "99999999.99995"]
    problems: list[Any] = []
    with exact():
        column = decimal_column(_texts(values), "x", AMOUNT_TYPE, problems)
    assert column.to_pylist() == [Decimal("0.1235"), Decimal("-2.6751"), Decimal("46900.0000"), None,
                                  Decimal("0.0001"), Decimal("7.0000"), Decimal("100000000.0000")]
    assert problems == []
    # a score of 12,345 is too large for decimal128(12, 8) (below 10,000): reported at its row, blank
    with exact():
        scores = decimal_column(_texts(["0.5", "12345"]), "x", SCORE_TYPE, problems)
    assert scores.to_pylist() == [Decimal("0.50000000"), None]
    assert [p.message for p in problems] == ["is too large"]


def _amount_or_error(text: str) -> Any:
    try:
        return parse_amount(text, percent=True) if text.strip() else None
    except NumberParseError as exc:
        return str(exc)
    except ArithmeticError as exc:  # never since both refuse 1E1000000 as too large; kept to show a difference
        return type(exc).__name__


def _cell_number_or_error(text: str) -> Any:
    try:
        return parse_cell_number(text)
    except NumberParseError as exc:
        return str(exc)
    except ArithmeticError as exc:
        return type(exc).__name__


@settings(max_examples=800, deadline=None)
@given(st.one_of(st.text(alphabet="0123456789+-.eE %$(),", max_size=12), TEXTS, st.text(max_size=6)))
def test_a_cell_number_is_parse_amount_of_its_text(text: str) -> None:
    # parse_cell_number reads a plain number at once; whatever it reads is what parse_amount reads (its value and
    # its exponent: 151500.0 stays 151500.0), and what parse_amount refuses ("1.234,5" without --decimal-comma)
    # it refuses with the same message
    with exact():
        quick, reference = _cell_number_or_error(text), _amount_or_error(text)
    assert quick == reference
    assert str(quick) == str(reference)


def _strptime_date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.dates().map(date.isoformat), st.text(alphabet="0123456789-", min_size=8, max_size=11),
                 st.sampled_from(["2027-02-30", "2027-13-01", "0000-01-01", "2027-1-5", "2027-01-05 00:00:00"])))
def test_an_iso_date_is_what_strptime_reads(text: str) -> None:
    # 2027-02-30 is no date: both refuse it
    try:
        found: date | None = parse_cell_date(text)
    except ValueError:
        found = None
    assert found == _strptime_date(text)


def test_a_column_number_beyond_the_exact_context_is_too_large_not_a_crash() -> None:
    problems: list[Any] = []
    with exact():
        column = decimal_column(_texts(["1E1000000", "-1E1000000", "5"]), "x", AMOUNT_TYPE, problems)
    assert column.to_pylist() == [None, None, Decimal("5.0000")]
    assert [p.message for p in problems] == ["is too large", "is too large"]


def _cell_date_or_none(text: str) -> date | None:
    try:
        return parse_cell_date(text)
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.dates().map(date.isoformat), st.text(alphabet="0123456789-", min_size=8, max_size=11),
                          st.sampled_from(["2027-02-31", "2027-04-31", "2026-02-29", "2027-13-01", "2027-2-1",
                                           " 2027-02-01", "2027-02-01 00:00:00", ""])), min_size=1, max_size=12))
def test_a_date_column_is_what_each_cell_reads(texts: list[str]) -> None:
    # Arrow's strptime rolls 2027-02-31 over to March 3: the column reads only what parse_cell_date reads
    raw = RawTable(Locator("moves.csv"), ["effective"], {"effective": pa.array(texts, pa.string())}, len(texts))
    assert column_dates(raw, "effective") == [_cell_date_or_none(t) for t in texts]


def _numbers_as_cells(raw: RawTable) -> list[Any]:
    out: list[Any] = []
    for value in raw.values("x"):
        try:
            number = parse_cell_number(value, currency=raw.currency, decimal_comma=raw.decimal_comma)
        except NumberParseError as exc:
            out.append(("error", str(exc)))
            continue
        out.append(None if number is None else (number, str(number)))
    return out


def _numbers_of_column(raw: RawTable) -> list[Any]:
    return [("error", str(n)) if isinstance(n, NumberParseError) else None if n is None else (n, str(n))
            for n in cell_numbers(raw, "x")]


@settings(max_examples=400, deadline=None)
@given(values=st.lists(st.one_of(TEXTS, st.text(alphabet="0123456789+-.eE %$(),k", max_size=8),
                                 st.sampled_from(["1E+1000000", "$1,200", "(500)", "12k", "USD 7", " 7 "])),
                       min_size=1, max_size=20),
       decimal_comma=st.booleans())
def test_a_column_of_numbers_is_what_each_cell_reads(values: list[str], decimal_comma: bool) -> None:
    # the roster's numbers a column at a time: the same Decimals (value and exponent) and the same messages
    for data in (pa.array(values, pa.string()), list(values)):
        raw = RawTable(Locator("roster.csv", columns=("x",)), ["x"], {"x": data}, len(values),
                       decimal_comma=decimal_comma, currency="USD")
        with exact():
            assert _numbers_of_column(raw) == _numbers_as_cells(raw)


def test_a_column_of_numbers_by_hand() -> None:
    raw = _texts(["151500.0", "", "$1,200", "12k", "1E+1000000", "-3"])
    with exact():
        found = cell_numbers(raw, "x")
    assert found[:3] == [Decimal("151500.0"), None, Decimal("1200")] and str(found[0]) == "151500.0"
    assert isinstance(found[3], NumberParseError) and str(found[3]) == '"12k" is not a number'
    assert isinstance(found[4], NumberParseError) and str(found[4]) == '"1E+1000000" is too large'
    assert found[5] == Decimal(-3)
