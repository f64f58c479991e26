"""The close's line texts: each distinct value formatted once, always the text fmt_decimal gives."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from xlcomp.ledger.texts import Texts
from xlcomp.money import exact, fmt_decimal

NUMBERS = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), allow_nan=False, allow_infinity=False,
                      places=None) | st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("-0.000"),
                                                      Decimal("-0.001"), Decimal("0.005"), Decimal("-0.005")])


@given(st.lists(st.tuples(NUMBERS, st.sampled_from([None, 2, 6])), max_size=40))
def test_a_cached_text_is_always_the_text_of_its_own_value(calls: list[tuple[Decimal, int | None]]) -> None:
    # one Texts over the whole list, as over a close's rows: equal values met again (1.0 then 1.00,
    # -0 then 0) must still give fmt_decimal's text of the value in hand
    with exact():
        texts = Texts()
        for value, places in calls + calls[::-1]:
            assert texts(value, places) == fmt_decimal(value, places)


def test_zero_and_minus_zero_keep_their_own_texts() -> None:
    # Decimal("-0.001") rounds to -0.00 at 2 places (half away from zero: |0.001| < 0.005), 0.001 to 0.00;
    # -0.00 == 0.00 as keys, so zero is never cached: each keeps its text
    with exact():
        texts = Texts()
        assert texts(Decimal("-0.00"), 2) == "-0.00"
        assert texts(Decimal("0.00"), 2) == "0.00"
        assert texts(Decimal("1.5"), None) == "1.5"
        assert texts(Decimal("1.50"), None) == "1.5"      # equal values, one text: 1.5 normalised
        assert texts(Decimal("2.675"), 2) == "2.68"       # 2.675 → 2.68, half away from zero
        assert texts(None, 2) is None
