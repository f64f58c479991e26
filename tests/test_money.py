"""Excel's ROUND, on decimals: half away from zero, where binary floats disagree."""

import decimal
from decimal import Decimal
from decimal import Decimal as D
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.money import (
    NumberParseError,
    exact,
    excel_round,
    fmt_amount,
    fmt_decimal,
    fmt_decimals,
    parse_amount,
    parse_number,
    to_decimal,
)


@pytest.mark.parametrize(("value", "digits", "expected", "python_float_round"), [
    ("2.675", 2, "2.68", 2.67),
    ("1.005", 2, "1.01", 1.0),
    ("0.125", 2, "0.13", 0.12),
    ("-2.675", 2, "-2.68", -2.67),
    ("2.5", 0, "3", 2.0),
    ("-2.5", 0, "-3", -2.0),
    ("1.0000005", 6, "1.000001", 1.000001),
])
def test_excel_round_is_half_away_from_zero_where_floats_disagree(value, digits, expected, python_float_round):
    assert excel_round(D(value), digits) == D(expected)
    assert round(float(value), digits) == python_float_round  # the disagreement this guards against


def test_parse_number_accepts_plain_numbers_and_refuses_the_rest():
    assert parse_number(" 1234.50 ") == D("1234.50")
    assert parse_number("1e3") == D("1000")
    assert parse_number("85%", percent=True) == D("0.85")
    for bad in ("12k", "1,234", "$5", "", "abc", "85%"):
        with pytest.raises(NumberParseError, match="is not a number"):
            parse_number(bad)


def test_floats_from_cells_mean_the_decimal_they_show():
    assert to_decimal(0.1) == D("0.1")
    assert to_decimal(1234.56) == D("1234.56")


def test_formatting_for_people_and_csv():
    assert fmt_amount(D("12345.675")) == "12,345.68"
    assert fmt_amount(D("1234.5"), "USD") == "USD 1,234.50"
    assert fmt_decimal(D("1.50")) == "1.5"
    assert fmt_decimal(D("0.1234565"), 6) == "0.123457"
    assert fmt_decimal(None) == ""


@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_rounding_is_symmetric_and_within_half_a_cent(value):
    rounded = excel_round(value, 2)
    assert abs(rounded - value) <= D("0.005")
    assert excel_round(-value, 2) == -rounded


# -- numbers as finance writes them (SPEC section 8) -------------------------------------------

@pytest.mark.parametrize(("text", "options", "expected"), [
    ("1,234,567.50", {}, "1234567.50"),
    ("$1,200", {"currency": "USD"}, "1200"),
    ("USD 1200", {"currency": "USD"}, "1200"),
    ("1200 USD", {"currency": "USD"}, "1200"),
    ("(500)", {}, "-500"),
    ("($500.25)", {"currency": "USD"}, "-500.25"),
    ("-$5", {"currency": "USD"}, "-5"),
    ("85%", {}, "0.85"),
    ("12.5 %", {}, "0.125"),
    ("1.234,50", {"decimal_comma": True}, "1234.50"),
    ("1,5", {"decimal_comma": True}, "1.5"),
    ("€ 1.000,00", {"currency": "EUR", "decimal_comma": True}, "1000.00"),
    ("£2,000", {"currency": "GBP"}, "2000"),
    ("\u00a01,000.00\u00a0", {}, "1000.00"),
    ("0.814", {}, "0.814"),     # a dot is the decimal point without --decimal-comma, as in the accounts table
    ("1.250", {}, "1.250"),
    ("1.234,50", {"decimal_comma": True}, "1234.50"),
])
def test_parse_amount_reads_what_finance_types(text: str, options: dict[str, Any], expected: str) -> None:
    assert parse_amount(text, **options) == Decimal(expected)


@pytest.mark.parametrize(("text", "options", "message"), [
    ("1.234,50", {}, "--decimal-comma"),
    ("1,23", {}, "--decimal-comma"),
    ("1,234", {"decimal_comma": True}, 'ambiguous with --decimal-comma (thousands or decimals?): write "1.234"'),
    ("€100", {"currency": "USD"}, "not a symbol of the plan's currency USD"),
    ("EUR 100", {"currency": "USD"}, "is in EUR, not the plan's currency USD"),
    ("12k", {}, "is not a number"),
    ("1,2,3", {}, "is not a number"),
    ("", {}, "is not a number"),
    ("$", {"currency": "USD"}, "is not a number"),
    ("--1", {}, "has two signs"),     # was read as 1
    ("(-1)", {}, "has two signs"),    # was read as 1
    ("-(1)", {}, "is not a number"),
])
def test_parse_amount_refuses_with_a_hint(text: str, options: dict[str, Any], message: str) -> None:
    with pytest.raises(NumberParseError) as caught:
        parse_amount(text, **options)
    assert message in str(caught.value)
    assert f'"{text}"' in str(caught.value)


def test_a_column_formats_as_each_value_does():
    # half away from zero at 2 places, blanks empty; without places as few decimals as exact
    values = [Decimal("2.675"), None, Decimal("-2.5"), Decimal("1.10")]
    assert fmt_decimals(values, 2) == ["2.68", "", "-2.50", "1.10"] == [fmt_decimal(v, 2) for v in values]
    assert fmt_decimals(values) == ["2.675", "", "-2.5", "1.1"] == [fmt_decimal(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=7,
                                                       min_value=-10**12, max_value=10**12),
                                 st.integers(-10**6, 10**6).map(lambda i: Decimal(i) / 200 - Decimal("0.005")),
                                 st.sampled_from([Decimal("-0.001"), Decimal("-0"), Decimal("1E+3"), Decimal("2.665"),
                                                  Decimal("-2.665"), Decimal("0.0000005")])), max_size=20),
       places=st.sampled_from([0, 2, 6]))
def test_a_column_formats_as_each_value_does_whatever_the_hosts_context(values: list[Decimal | None],
                                                                         places: int) -> None:
    # fmt_decimals formats with places (the context rounds it): xlcomp's rule, half away from zero, even where the
    # host's own context rounds half to even with few digits
    with exact():
        expected = [fmt_decimal(v, places) for v in values]
    with decimal.localcontext(decimal.Context(prec=5, rounding=decimal.ROUND_HALF_EVEN)):
        assert fmt_decimals(values, places) == expected
