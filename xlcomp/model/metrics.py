"""The catalogue of metrics a plan can pay on (SPEC section 2): names, units and meaning.

The engine computes them (:mod:`xlcomp.engine.metrics`), the workbook writes them as formulas;
both look their definitions up here, so a metric is named and described once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["COLUMN_LABELS", "METRICS", "SCORE_FIELDS", "SUM_FIELDS", "MetricDef", "Source", "Unit", "label",
           "metric_def", "text_places"]


class Unit(StrEnum):
    """What a metric's value measures."""

    MONEY = "money"
    COUNT = "count"
    RATE = "rate"
    SCORE = "score"


class Source(StrEnum):
    """Where a metric comes from."""

    BOOK = "book"        # the CSM's accounts
    ROSTER = "roster"    # the CSM's roster row
    PLAN = "plan"        # the plan's ``inputs``


@dataclass(frozen=True)
class MetricDef:
    """One metric: name, unit, source, the account columns it needs, its definition and its label for people."""

    name: str
    unit: Unit
    source: Source
    columns: tuple[str, ...]
    definition: str
    label: str = ""

    @property
    def is_amount(self) -> bool:
        """Money or counts: a commission can pay rates on it."""
        return self.unit in (Unit.MONEY, Unit.COUNT)


# Account columns summed per CSM; blank cells are 0.
SUM_FIELDS: tuple[str, ...] = (
    "arr_start", "renewable_arr", "renewed_arr", "upsell_arr", "cross_sell_arr", "contraction_arr",
    "value_identified_arr", "referrals", "onboarding_planned", "onboarding_done",
)
# Account scores; blank cells are "no data" and are left out of means.
SCORE_FIELDS: tuple[str, ...] = ("health_score", "nps", "adoption_rate", "risk_score")

_M, _C, _R, _S = Unit.MONEY, Unit.COUNT, Unit.RATE, Unit.SCORE
_B, _RO, _P = Source.BOOK, Source.ROSTER, Source.PLAN

METRICS: dict[str, MetricDef] = {m.name: m for m in (
    MetricDef("arr_start", _M, _B, ("arr_start",), "sum of arr_start", "starting ARR"),
    MetricDef("renewable_arr", _M, _B, ("renewable_arr",), "sum of renewable_arr", "renewable ARR"),
    MetricDef("renewed_arr", _M, _B, ("renewed_arr",), "sum of renewed_arr", "renewed ARR"),
    MetricDef("upsell_arr", _M, _B, ("upsell_arr",), "sum of upsell_arr", "upsell ARR"),
    MetricDef("cross_sell_arr", _M, _B, ("cross_sell_arr",), "sum of cross_sell_arr", "cross-sell ARR"),
    MetricDef("contraction_arr", _M, _B, ("contraction_arr",), "sum of contraction_arr", "contraction ARR"),
    MetricDef("value_identified_arr", _M, _B, ("value_identified_arr",), "sum of value_identified_arr",
              "value identified (ARR)"),
    MetricDef("referrals", _C, _B, ("referrals",), "sum of referrals", "referrals"),
    MetricDef("expansion_arr", _M, _B, ("upsell_arr", "cross_sell_arr"), "upsell_arr + cross_sell_arr",
              "expansion ARR"),
    MetricDef("churned_arr", _M, _B, ("renewable_arr", "renewed_arr"), "sum of (renewable_arr - renewed_arr)",
              "churned ARR"),
    MetricDef("gross_renewal_rate", _R, _B, ("renewable_arr", "renewed_arr"), "renewed_arr / renewable_arr",
              "gross renewal rate"),
    MetricDef("net_revenue_retention", _R, _B,
              ("arr_start", "renewable_arr", "renewed_arr", "upsell_arr", "cross_sell_arr", "contraction_arr"),
              "(arr_start + expansion_arr - contraction_arr - churned_arr) / arr_start", "net revenue retention"),
    MetricDef("logo_churn_rate", _R, _B, ("renewable_arr", "renewed_arr"),
              "accounts with renewable_arr > 0 and renewed_arr = 0, over all accounts", "logo churn rate"),
    MetricDef("health_score", _S, _B, ("health_score", "arr_start"),
              "mean of health_score weighted by arr_start, over accounts with a score", "health score"),
    MetricDef("adoption_rate", _R, _B, ("adoption_rate", "arr_start"),
              "mean of adoption_rate weighted by arr_start, over accounts with a rate", "adoption rate"),
    MetricDef("risk_score", _S, _B, ("risk_score", "arr_start"),
              "mean of risk_score weighted by arr_start, over accounts with a score", "risk score"),
    MetricDef("nps", _S, _B, ("nps",), "plain mean of nps over accounts with a score", "NPS"),
    MetricDef("onboarding_rate", _R, _B, ("onboarding_planned", "onboarding_done"),
              "onboarding_done / onboarding_planned", "onboarding completion"),
    MetricDef("mbo_score", _S, _RO, ("mbo_score",), "the roster's mbo_score", "MBO score"),
    MetricDef("utilization", _R, _RO, ("billable_hours", "available_hours"),
              "billable_hours / available_hours (roster)", "billable utilization"),
    MetricDef("company_attainment", _R, _P, (), "the plan's inputs.company_attainment", "company attainment"),
    MetricDef("team_attainment", _R, _P, (), "the plan's inputs.team_attainment", "team attainment"),
)}


# Labels of columns that are not metrics themselves.
COLUMN_LABELS: dict[str, str] = {
    "billable_hours": "billable hours", "available_hours": "available hours",
    "onboarding_planned": "onboardings planned", "onboarding_done": "onboardings done",
}


def label(name: str) -> str:
    """A metric or column for people: ``gross_renewal_rate`` -> ``gross renewal rate``."""
    if name in METRICS:
        return METRICS[name].label
    return COLUMN_LABELS.get(name, name.replace("_", " "))


def metric_def(name: str, plan_inputs: frozenset[str] | set[str] = frozenset()) -> MetricDef | None:
    """The definition of ``name``; any plan input is also a metric (its value, the same for all)."""
    if name in METRICS:
        return METRICS[name]
    if name in plan_inputs:
        return MetricDef(name, Unit.RATE, Source.PLAN, (), f"the plan's inputs.{name}", label(name))
    return None


def text_places(name: str, plan_inputs: frozenset[str] | set[str] = frozenset()) -> int | None:
    """The decimals a metric's actual and target are written with in payouts.csv: money 2 (an unknown
    metric too), a rate 6, a count as it is (None)."""
    definition = metric_def(name, plan_inputs)
    if definition is None or definition.unit is Unit.MONEY:
        return 2
    if definition.unit is Unit.COUNT:
        return None
    return 6
