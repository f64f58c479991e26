"""A book's per-CSM sums and counts with NumPy in int64 are Arrow's grouped aggregation, Decimal for Decimal
(value and exponent), on books in any order, and Arrow still does what int64 cannot (blanks, negatives)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.engine.metrics import Aggregates
from xlcomp.engine.sums import PairSums
from xlcomp.load.decimals import AMOUNT_TYPE
from xlcomp.money import exact

KEYS = ["sum:renewable_arr", "sum:renewed_arr", "count", "logo"]
AMOUNTS = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


def _table(owners: list[str], renewable: list[Any], renewed: list[Any]) -> pa.Table:
    return pa.table({"csm_id": pa.array(owners, pa.string()), "arr_start": pa.array(renewable, AMOUNT_TYPE),
                     "renewable_arr": pa.array(renewable, AMOUNT_TYPE), "renewed_arr": pa.array(renewed, AMOUNT_TYPE)})


def _arrow(table: pa.Table) -> dict[str, list[Any]]:
    """The same columns by Arrow's grouped aggregation (the engine's way before int64)."""
    aggregates = Aggregates(table)
    aggregates._int_sums = None
    with exact():
        for key in KEYS:   # ensure() goes to Arrow for what IntegerSums leaves: here, everything
            array, how = aggregates._source(key)
            grouped = pa.table({"code": aggregates._codes, "c": array}).group_by("code").aggregate(
                [("c", how)]).sort_by("code")
            zero: Any = 0 if how == "count" or key == "logo" else Decimal(0)
            aggregates.columns[key] = [zero if v is None else v for v in grouped.column(f"c_{how}").to_pylist()]
    return aggregates.columns


def _numpy(table: pa.Table) -> dict[str, list[Any]]:
    aggregates = Aggregates(table)
    with exact():
        aggregates.ensure(KEYS)
    return aggregates.columns


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C", "D"]), AMOUNTS, st.integers(0, 100)), min_size=1,
                max_size=40))
def test_int64_sums_are_arrows(rows: list[tuple[str, Decimal, int]]) -> None:
    owners = [owner for owner, _, _ in rows]
    renewable = [amount for _, amount, _ in rows]
    renewed = [amount * percent / 100 for _, amount, percent in rows]   # at most renewable, 6 decimals
    renewed = [value.quantize(Decimal("0.0001")) for value in renewed]
    table = _table(owners, renewable, renewed)
    found, expected = _numpy(table), _arrow(table)
    assert set(found) == set(KEYS)
    for key in KEYS:
        assert found[key] == expected[key]
        assert [str(v) for v in found[key]] == [str(v) for v in expected[key]]  # 12.3400 stays 12.3400


def test_hand_worked_sums_in_any_order() -> None:
    # A: 100.5 + 0.25 = 100.75 (renewed 0 + 0.25: one account with renewable ARR and nothing renewed);
    # B: 7 (renewed 7: no churned logo). The rows interleave, so NumPy sorts them by owner first.
    table = _table(["A", "B", "A"], [Decimal("100.5"), Decimal(7), Decimal("0.25")],
                   [Decimal(0), Decimal(7), Decimal("0.25")])
    found = _numpy(table)
    assert [str(v) for v in found["sum:renewable_arr"]] == ["100.7500", "7.0000"]
    assert found["count"] == [2, 1] and found["logo"] == [1, 0]


def test_what_int64_cannot_do_goes_to_arrow() -> None:
    # a blank amount (B's sum is 0) and a negative one (A: 5 - 2 = 3) are left to Arrow: the same results
    table = _table(["A", "A", "B"], [Decimal(5), Decimal(-2), None], [Decimal(0), Decimal(0), None])
    found = _numpy(table)
    assert found["sum:renewable_arr"] == [Decimal(3), Decimal(0)]
    assert found == _arrow(table)


def test_negative_huge_and_overflowing_columns_go_to_arrow() -> None:
    # No blanks, so each column's values are checked word by word: a negative amount (A: 5 - 2 = 3); one of
    # 2^64 once unscaled (its low word 0, its high word 1); one beyond 63 bits (9e15 x 10^4 = 9e19 > 2^63 =
    # 9.22e18); two of 5e14 (5e18 unscaled each) whose sum would overflow int64 (1e19). Each is Arrow's sum.
    two_64 = Decimal(2**64).scaleb(-4)   # 1844674407370955.1616
    cases = {
        "negative": ([Decimal(5), Decimal(-2), Decimal(1)], [Decimal(3), Decimal(1)]),
        "2^64": ([two_64, Decimal(1), Decimal(1)], [two_64 + 1, Decimal(1)]),
        "huge": ([Decimal(9 * 10**15), Decimal(1), Decimal(1)], [Decimal(9 * 10**15 + 1), Decimal(1)]),
        "overflow": ([Decimal(5 * 10**14), Decimal(5 * 10**14), Decimal(1)], [Decimal(10**15), Decimal(1)]),
    }
    for name, (amounts, sums) in cases.items():
        table = _table(["A", "A", "B"], amounts, [Decimal(0)] * 3)
        aggregates = Aggregates(table)
        with exact():
            aggregates.ensure(["sum:renewed_arr"])   # groups the rows with NumPy
            assert aggregates._int_sums is not None
            assert aggregates._int_sums.column("sum:renewable_arr") is None, name
            aggregates.ensure(["sum:renewable_arr"])
        assert aggregates.columns["sum:renewable_arr"] == sums, name
        assert _numpy(table) == _arrow(table), name


def test_a_sliced_book_sums_its_own_rows() -> None:
    # A table cut by Arrow starts inside its buffers: the words read are those of its rows
    table = _table(["X", "A", "B", "A"], [Decimal(1000), Decimal("2.5"), Decimal(4), Decimal("0.5")],
                   [Decimal(0)] * 4).slice(1)
    found = _numpy(table)
    assert [str(v) for v in found["sum:renewable_arr"]] == ["3.0000", "4.0000"]
    assert found == _arrow(table)


SIGNED = st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


SHARES = pa.decimal128(13, 8)   # the credit rows' share numerators


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from([1, 90, 91]), SIGNED, st.integers(-1, 366)),
                min_size=1, max_size=40))
def test_pair_sums_are_arrows(rows: list[tuple[int, int, Decimal, int]]) -> None:
    # the credit rows' sums per (CSM, denominator): of amounts, and of amounts times whole share numerators (a
    # move's days, -1 for the listed owner; Arrow's product has scale 4 + 8), as Arrow's grouped sum gives them,
    # Decimal for Decimal
    first = [row[0] for row in rows]
    second = [row[1] for row in rows]
    values = pa.array([row[2] for row in rows], AMOUNT_TYPE)
    numerators = pa.array([Decimal(row[3]) for row in rows], SHARES)
    product = pc.multiply(values, numerators)
    grouped = pa.table({"a": first, "b": second, "v": values, "p": product}).group_by(["a", "b"]).aggregate(
        [("v", "sum"), ("p", "sum")])
    pairs = PairSums.of(np.array(first), np.array(second))
    assert pairs is not None
    with exact():
        for found, name in ((pairs.sums(values), "v_sum"), (pairs.product_sums(values, numerators), "p_sum")):
            assert found is not None
            by_pair = {(a, b): str(s) for a, b, s in zip(pairs.first.tolist(), pairs.second.tolist(), found,
                                                          strict=True)}
            assert by_pair == {(a, b): str(Decimal(s)) for a, b, s in zip(
                grouped["a"].to_pylist(), grouped["b"].to_pylist(), pc.cast(grouped[name], pa.string()).to_pylist(),
                strict=True)}


def test_pair_sums_by_hand_and_what_they_leave_to_arrow() -> None:
    # CSM 0, 90 days: 1.5 - 0.25 = 1.25; CSM 1, 1 day: -2; CSM 0, 1 day: 4 (groups in the order of their pairs)
    pairs = PairSums.of(np.array([0, 1, 0, 0]), np.array([90, 1, 90, 1]))
    assert pairs is not None
    amounts = pa.array([Decimal("1.5"), Decimal(-2), Decimal("-0.25"), Decimal(4)], AMOUNT_TYPE)
    assert pairs.first.tolist() == [0, 0, 1] and pairs.second.tolist() == [1, 90, 1]
    assert [str(s) for s in pairs.sums(amounts) or []] == ["4.0000", "1.2500", "-2.0000"]
    assert pairs.sums(amounts.slice(1)) is None                     # not the rows' length
    assert pairs.sums(pa.array([None, Decimal(1), Decimal(1), Decimal(1)], AMOUNT_TYPE)) is None  # a blank
    two_64 = Decimal(2**64).scaleb(-4)
    assert pairs.sums(pa.array([two_64, Decimal(1), Decimal(1), Decimal(1)], AMOUNT_TYPE)) is None  # beyond 64 bits
    assert pairs.sums(pa.array([-two_64, Decimal(1), Decimal(1), Decimal(1)], AMOUNT_TYPE)) is None
    big = Decimal(5 * 10**14)   # 5e18 unscaled: two of them in one group would overflow int64
    assert pairs.sums(pa.array([big, Decimal(1), big, Decimal(1)], AMOUNT_TYPE)) is None
    assert pairs.sums(pa.array([Decimal(1)] * 4, pa.decimal256(40, 4))) is None
    # amounts times whole numerators: 1.5 x 90 - 0.25 x 90 = 112.5; -2 x -1 = 2; 4 x 0 = 0, at scale 4 + 8
    days = pa.array([Decimal(90), Decimal(-1), Decimal(90), Decimal(0)], SHARES)
    assert [str(s) for s in pairs.product_sums(amounts, days) or []] == [
        "0E-12", "112.500000000000", "2.000000000000"]
    half = pa.array([Decimal("0.5"), Decimal(1), Decimal(1), Decimal(1)], SHARES)   # a split's share: to Arrow
    assert pairs.product_sums(amounts, half) is None
    huge = pa.array([Decimal(10**13)] * 4, AMOUNT_TYPE)   # 1e17 unscaled x 100 days overflows int64
    assert pairs.product_sums(huge, pa.array([Decimal(100)] * 4, SHARES)) is None
    assert PairSums.of(np.array([0, -1]), np.array([1, 1])) is None
    assert PairSums.of(np.array([0, 1]), np.array([1, 2**31])) is None
    assert PairSums.of(np.array([], np.int64), np.array([], np.int64)) is None
