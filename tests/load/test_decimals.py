"""Columns of numbers read from a spreadsheet (Python floats, "" for blank cells) become exact
decimals with NumPy; the result is the one of the text path, value for value and problem for
problem: each float is the number Excel shows (15 significant digits), rounded half away from zero."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.load.decimals import AMOUNT_TYPE, SCORE_TYPE, decimal_column
from xlcomp.load.sources import RawTable, _cell_texts, cell_text
from xlcomp.model.people import Locator

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
