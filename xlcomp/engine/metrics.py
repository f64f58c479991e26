"""Metrics per CSM (SPEC section 2), exact: each is a numerator over a denominator.

Keeping the fraction lets attainment be computed with one division,
``ROUND(num / (den x target), 6)``, so a result that is exactly on a rounding edge rounds the way
the decimal value says. The account sums come from Arrow's grouped decimal sums (exact, and as fast
as a pandas groupby); the formulas are the plain functions below, which the worksheet functions
call too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from ..model.metrics import SUM_FIELDS, metric_def
from ..model.people import Book, Csm
from ..model.plan import Plan

__all__ = [
    "BookSums",
    "MetricValue",
    "aggregate",
    "churn_rate",
    "gross_renewal_rate",
    "health_blend",
    "metric_value",
    "net_revenue_retention",
    "ratio",
]

ZERO = Decimal(0)
ONE = Decimal(1)
_WEIGHTED = ("health_score", "adoption_rate", "risk_score")


@dataclass(frozen=True)
class MetricValue:
    """A metric's value as ``num / den``; ``num`` is None when the metric is undefined."""

    name: str
    num: Decimal | None
    den: Decimal = ONE
    reason: str = ""

    @property
    def defined(self) -> bool:
        """Is there a value?"""
        return self.num is not None

    @property
    def value(self) -> Decimal | None:
        """The value (one division, 40 significant digits), or None when undefined."""
        if self.num is None:
            return None
        return self.num if self.den == ONE else self.num / self.den

    def at_least(self, threshold: Decimal) -> bool:
        """Exactly: is the value at least ``threshold``? (False when undefined.)"""
        if self.num is None:
            return False
        return self.num >= threshold * self.den


def ratio(name: str, num: Decimal, den: Decimal, why_zero: str) -> MetricValue:
    """``num / den``, undefined with ``why_zero`` as the reason when ``den`` is 0."""
    if den == 0:
        return MetricValue(name, None, ONE, why_zero)
    return MetricValue(name, num, den)


def gross_renewal_rate(renewable_arr: Decimal, renewed_arr: Decimal) -> MetricValue:
    """GRR = renewed_arr / renewable_arr."""
    return ratio("gross_renewal_rate", renewed_arr, renewable_arr, "no renewable ARR in the period")


def net_revenue_retention(arr_start: Decimal, expansion_arr: Decimal, contraction_arr: Decimal,
                          churned_arr: Decimal) -> MetricValue:
    """NRR = (arr_start + expansion - contraction - churned) / arr_start."""
    return ratio("net_revenue_retention", arr_start + expansion_arr - contraction_arr - churned_arr, arr_start,
                 "no starting ARR")


def churn_rate(churned: Decimal, total: Decimal, name: str = "logo_churn_rate") -> MetricValue:
    """Churned over total (logos or ARR)."""
    return ratio(name, churned, total, "no accounts" if name == "logo_churn_rate" else "total is 0")


def health_blend(scores: Sequence[Decimal | None], weights: Sequence[Decimal]) -> MetricValue:
    """A health score blended from component scores (usage, activity, engagement):
    ``Σ weight x score / Σ weight`` over the scores that have data (None is "no data").

    Undefined when no score with a positive weight has data.
    """
    num = den = ZERO
    for score, weight in zip(scores, weights, strict=True):
        if score is not None:
            num += weight * score
            den += weight
    return ratio("health_score", num, den, "no score has data")


@dataclass(frozen=True)
class BookSums:
    """What the metrics need from one CSM's accounts: sums, counts and weighted-score parts."""

    sums: Mapping[str, Decimal] = field(default_factory=dict)
    accounts: int = 0
    logos_churned: int = 0
    weighted: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # score -> (Σ arr·s, Σ arr)
    nps: tuple[Decimal, int] = (ZERO, 0)

    def sum(self, column: str) -> Decimal:
        """Σ column over the CSM's accounts (0 when none)."""
        return self.sums.get(column, ZERO)


EMPTY = BookSums()


def aggregate(book: Book) -> dict[str, BookSums]:
    """Group the book by csm_id: exact decimal sums, account counts and weighted-score parts."""
    table = book.table
    if table.num_rows == 0:
        return {}
    zero = pa.scalar(Decimal(0), table.schema.field("arr_start").type)
    columns: dict[str, pa.Array] = {"csm_id": table["csm_id"]}
    aggs: list[tuple[str, str]] = []
    for name in SUM_FIELDS:
        columns[name] = table[name]
        aggs.append((name, "sum"))
    columns["_logo"] = pc.cast(pc.and_(pc.greater(table["renewable_arr"], zero),
                                       pc.equal(table["renewed_arr"], zero)), pa.int64())
    aggs += [("_logo", "sum"), ("_logo", "count")]
    for name in _WEIGHTED:
        score = table[name]
        columns[f"_{name}_num"] = pc.multiply(table["arr_start"], score)
        columns[f"_{name}_den"] = pc.if_else(pc.is_valid(score), table["arr_start"], zero)
        aggs += [(f"_{name}_num", "sum"), (f"_{name}_den", "sum")]
    columns["nps"] = table["nps"]
    aggs += [("nps", "sum"), ("nps", "count")]
    grouped = pa.table(columns).group_by("csm_id", use_threads=True).aggregate(aggs)
    data = grouped.to_pydict()
    out: dict[str, BookSums] = {}
    for i, csm_id in enumerate(data["csm_id"]):
        sums = {name: data[f"{name}_sum"][i] or ZERO for name in SUM_FIELDS}
        weighted = {name: (data[f"_{name}_num_sum"][i] or ZERO, data[f"_{name}_den_sum"][i] or ZERO)
                    for name in _WEIGHTED}
        out[csm_id] = BookSums(sums=sums, accounts=int(data["_logo_count"][i]),
                               logos_churned=int(data["_logo_sum"][i] or 0), weighted=weighted,
                               nps=(data["nps_sum"][i] or ZERO, int(data["nps_count"][i])))
    return out


def metric_value(name: str, sums: BookSums, csm: Csm | None, plan: Plan) -> MetricValue:
    """The value of metric ``name`` for one CSM (SPEC section 2)."""
    s = sums.sum
    if name in SUM_FIELDS:
        return MetricValue(name, s(name))
    if name == "expansion_arr":
        return MetricValue(name, s("upsell_arr") + s("cross_sell_arr"))
    if name == "churned_arr":
        return MetricValue(name, s("renewable_arr") - s("renewed_arr"))
    if name == "gross_renewal_rate":
        return gross_renewal_rate(s("renewable_arr"), s("renewed_arr"))
    if name == "net_revenue_retention":
        return net_revenue_retention(s("arr_start"), s("upsell_arr") + s("cross_sell_arr"), s("contraction_arr"),
                                     s("renewable_arr") - s("renewed_arr"))
    if name == "logo_churn_rate":
        return churn_rate(Decimal(sums.logos_churned), Decimal(sums.accounts))
    if name in _WEIGHTED:
        num, den = sums.weighted.get(name, (ZERO, ZERO))
        return ratio(name, num, den, f"no account has a {name}" if sums.accounts else "no accounts")
    if name == "nps":
        total, count = sums.nps
        return ratio(name, total, Decimal(count), "no account has an nps" if sums.accounts else "no accounts")
    if name == "onboarding_rate":
        return ratio(name, s("onboarding_done"), s("onboarding_planned"), "no onboardings planned")
    if name == "mbo_score":
        value = csm.value("mbo_score") if csm else None
        return MetricValue(name, value, ONE, "" if value is not None else "no mbo_score on the roster")
    if name == "utilization":
        billable = (csm.value("billable_hours") if csm else None) or ZERO
        available = (csm.value("available_hours") if csm else None) or ZERO
        return ratio(name, billable, available, "no available_hours on the roster")
    if name in plan.inputs:
        return MetricValue(name, plan.inputs[name])
    if metric_def(name, set(plan.inputs)) is not None:
        return MetricValue(name, None, ONE, f"the plan's inputs have no {name}")
    raise KeyError(name)
