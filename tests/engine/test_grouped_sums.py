"""A book's per-CSM sums and counts with NumPy in int64 are Arrow's grouped aggregation, Decimal for Decimal
(value and exponent), on books in any order, and Arrow still does what int64 cannot (blanks, negatives)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.engine.metrics import Aggregates
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
