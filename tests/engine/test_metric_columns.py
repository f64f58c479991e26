"""A metric for every CSM as columns: the arrays a run computes with, and the records it shows, the same
numbers as one CSM's :func:`metric_value` (worked by hand on a three-CSM book)."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from xlcomp.engine.metric_columns import MetricColumn, metric_columns, values_of
from xlcomp.engine.metrics import Aggregates, BookSums, CsmColumns, MetricValue, SumsColumns, metric_value
from xlcomp.load.decimals import AMOUNT_TYPE
from xlcomp.load.plan import parse_plan
from xlcomp.money import exact

D = Decimal
PLAN = parse_plan("""
id: p
name: P
period: quarter
components:
  - {id: r, name: R, kind: bonus, metric: gross_renewal_rate, weight: 1, target: 0.9,
     curve: {mode: marginal, tiers: [{rate: 1}]}}
""")


def _sums() -> SumsColumns:
    # A: renewable 100, renewed 92 (GRR 0.92); B: nothing renewable (undefined); C: 50 of 50 (GRR 1);
    # D owns no account at all (undefined too)
    table = pa.table({"csm_id": ["A", "B", "C", "A"],
                      "arr_start": pa.array([D(100), D(10), D(50), D(0)], AMOUNT_TYPE),
                      "renewable_arr": pa.array([D(60), D(0), D(50), D(40)], AMOUNT_TYPE),
                      "renewed_arr": pa.array([D(60), D(0), D(50), D(32)], AMOUNT_TYPE)})
    return SumsColumns(Aggregates(table), ["A", "B", "C", "D"])


def test_the_columns_are_the_metric_of_each_csm() -> None:
    with exact():
        column = metric_columns("gross_renewal_rate", _sums(), CsmColumns([]), PLAN)
        assert len(column) == 4
        assert column.nums.tolist() == [D(92), None, D(50), None]
        assert column.dens.tolist() == [D(100), D(1), D(50), D(1)]
        assert column.value_array().tolist() == [D("0.92"), None, D(1), None]
        assert [m.value for m in column] == [D("0.92"), None, D(1), None]
        reason = "no renewable ARR in the period"
        assert column[0] == MetricValue("gross_renewal_rate", D(92), D(100), "")
        assert column[1] == MetricValue("gross_renewal_rate", None, D(1), reason)
        assert column[3].reason == reason
        one = metric_value("gross_renewal_rate", BookSums({"renewable_arr": D(100), "renewed_arr": D(92)}), None,
                           PLAN)
        assert column[0] == one
        assert column[1:3] == [column[1], column[2]]


def test_a_scaled_column_scales_the_defined_values_only() -> None:
    with exact():
        column = metric_columns("gross_renewal_rate", _sums(), CsmColumns([]), PLAN).scaled(D("0.8"))
        assert column.value_array().tolist() == [D("0.736"), None, D("0.8"), None]
        assert [m.num for m in column] == [D("73.6"), None, D("40.0"), None]
        assert column[1].reason == "no renewable ARR in the period"


def test_a_sum_metric_is_its_sums_and_records_make_a_column() -> None:
    with exact():
        column = metric_columns("renewed_arr", _sums(), CsmColumns([]), PLAN)
        assert column.value_array().tolist() == [D(92), D(0), D(50), D(0)]
        assert column.dens.tolist() == [D(1)] * 4
        records = [MetricValue("x", D(3), D(4)), MetricValue("x", None, D(1), "none")]
        made = MetricColumn.of(records)
        assert list(made) == records and MetricColumn.of(made) is made
        assert values_of(records).tolist() == [D("0.75"), None]
        assert values_of([]).tolist() == []


def test_some_csms_of_a_column_are_their_records_only() -> None:
    with exact():
        column = metric_columns("gross_renewal_rate", _sums(), CsmColumns([]), PLAN)
        some = column.take([3, 0])
        assert column._records is None   # the others' records are not made
        assert list(some) == [MetricValue("gross_renewal_rate", None, D(1), "no renewable ARR in the period"),
                              MetricValue("gross_renewal_rate", D(92), D(100), "")]
        assert some.value_array().tolist() == [None, D("0.92")]
        flat = metric_columns("renewed_arr", _sums(), CsmColumns([]), PLAN).take([2])   # one denominator for all
        assert list(flat) == [MetricValue("renewed_arr", D(50), D(1), "")]
