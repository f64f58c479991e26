"""The close's line texts: each distinct value formatted once, always the text fmt_decimal gives."""

from __future__ import annotations

import decimal
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from xlcomp.ledger.texts import column_texts, metric_texts
from xlcomp.money import exact, fmt_decimal

NUMBERS = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, allow_infinity=False,
                      places=None) | st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("-0.000"),
                                                      Decimal("-0.001"), Decimal("0.005"), Decimal("-0.005")]) \
    | st.sampled_from([Decimal("1E+2"), Decimal("-1.20E+3"), Decimal("1.23E-8"), Decimal("0E-7"), Decimal("-0E+2"),
                       Decimal("0.000001"), Decimal("12.345600"), Decimal("100.000000"), Decimal("-7.000000"),
                       Decimal("1" * 30 + ".25")]) \
    | st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), allow_nan=False, allow_infinity=False,
                  places=6) \
    | st.decimals(min_value=Decimal("-1e30"), max_value=Decimal("1e30"), allow_nan=False, allow_infinity=False,
                  places=4)


@given(st.lists(st.tuples(NUMBERS, st.sampled_from([None, 2, 6])), max_size=40))
def test_a_cached_text_is_always_the_text_of_its_own_value(calls: list[tuple[Decimal, int | None]]) -> None:
    # one column per number of places over the whole list, as over a close's rows: equal values met again
    # (1.0 then 1.00, -0 then 0) must still give fmt_decimal's text of the value in hand
    with exact():
        for places in (None, 2, 6):
            values = [value for value, wanted in calls + calls[::-1] if wanted == places]
            assert column_texts(values, places) == [fmt_decimal(value, places) for value in values]


@given(st.lists(st.tuples(st.none() | NUMBERS, st.sampled_from(["rate", "money", "count", None])), max_size=60))
def test_each_value_takes_its_metrics_places(rows: list[tuple[Decimal | None, str | None]]) -> None:
    # an actual and a target at their metric's places (a rate 6, money 2, a count as it is), one cache per places
    places = {"rate": 6, "money": 2, "count": None}
    with exact():
        rows = rows + rows[::-1]
        texts = metric_texts([value for value, _ in rows], [metric for _, metric in rows], places)
        assert texts == [None if value is None else fmt_decimal(value, places.get(metric)) for value, metric in rows]
        assert metric_texts([Decimal("0.9"), Decimal("0.9"), Decimal("40000")], ["rate", "count", "money"],
                            places) == ["0.900000", "0.9", "40000.00"]


def test_zero_and_minus_zero_keep_their_own_texts() -> None:
    # Decimal("-0.001") rounds to -0.00 at 2 places (half away from zero: |0.001| < 0.005), 0.001 to 0.00;
    # -0.00 == 0.00 as Decimals but their texts differ: cached by str, each keeps its own
    with exact():
        assert column_texts([Decimal("-0.00"), Decimal("0.00")], 2) == ["-0.00", "0.00"]
        assert column_texts([Decimal("1.5"), Decimal("1.50")]) == ["1.5", "1.5"]   # equal values: 1.5 normalised
        assert column_texts([Decimal("2.675")], 2) == ["2.68"]      # 2.675 → 2.68, half away from zero
        assert column_texts([Decimal("2.675"), Decimal("12.30")], 2) == ["2.68", "12.30"]
        assert column_texts([None], 2) == [None]


@given(st.lists(st.none() | NUMBERS, max_size=60), st.sampled_from([None, 2, 6]))
def test_a_column_of_texts_is_fmt_decimal_of_each_value(values: list[Decimal | None], places: int | None) -> None:
    # the close formats its lines column by column, zero cached under its sign (-0.00 and 0.00 are two texts)
    with exact():
        column = values + values[::-1] + [Decimal("-0"), Decimal("0"), Decimal("-0.000"), Decimal("0.00")]
        assert column_texts(column, places) == [None if v is None else fmt_decimal(v, places) for v in column]


def test_values_longer_than_the_precision_take_the_long_way() -> None:
    # 41 and 47 significant digits: normalize rounds them to the context's 40 (half up), as fmt_decimal does;
    # a str of fewer characters than the precision needs no rounding, so it is the text as it stands
    with exact():
        values = [Decimal("1" * 41 + ".000000"), Decimal("9" * 39 + ".5"), Decimal("2" * 40 + "5.5" + "0" * 5)]
        assert column_texts(values) == [fmt_decimal(v) for v in values]
        assert column_texts(values)[0] == "1" * 40 + "0"   # 41 ones: the last rounded off (down), x 10
        assert column_texts(values)[2] == "2" * 39 + "3" + "0"   # 2…25.5 to 40 digits: …23 x 10


def test_a_column_keeps_minus_zero_apart() -> None:
    # -0.00 and 0.00 are equal keys; at 2 places their texts are "-0.00" and "0.00"; without places both "0"
    with exact():
        zeros = [Decimal("-0.00"), Decimal("0.00"), Decimal("-0.00")]
        assert column_texts(zeros, 2) == ["-0.00", "0.00", "-0.00"]
        assert column_texts(zeros) == ["0", "0", "0"]


@given(st.lists(NUMBERS, max_size=20))
def test_payouts_csv_amounts_are_fmt_decimal_at_two_places(values: list[Decimal]) -> None:
    # the close's payouts.csv and summary.csv write amounts with column_texts(values, 2), formatted in xlcomp's
    # context whatever the caller's: 2.675 -> 2.68 and -0.005 -> -0.01 (half away from zero), -0.001 -> -0.00
    with exact():
        expected = [fmt_decimal(value, 2) for value in values]
    with decimal.localcontext(decimal.Context(prec=5, rounding=decimal.ROUND_HALF_EVEN)):
        assert column_texts(values, 2) == expected
        assert column_texts([Decimal("2.675"), Decimal("-0.005"), Decimal("-0.001")], 2) == ["2.68", "-0.01", "-0.00"]


@given(NUMBERS | st.decimals(allow_nan=False, allow_infinity=False))
def test_stored_decimal_texts_are_fixed_point(value: Decimal) -> None:
    # the ledger stores amounts as f"{value:f}" (read back exactly); str gives the same text but where it would
    # write an exponent: 1E+2 is stored "100", 1.23E-8 "0.0000000123"
    from xlcomp.ledger.records import decimal_text

    assert decimal_text(value) == f"{value:f}"
    assert decimal_text(Decimal("1E+2")) == "100" and decimal_text(Decimal("1.23E-8")) == "0.0000000123"
    assert decimal_text(Decimal("-0.00")) == "-0.00" and decimal_text(Decimal("12.30")) == "12.30"
