"""ROI of a run (SPEC section 7): what the plan costs against the ARR it retains and expands.

Every metric is exact (Decimal); a ratio whose denominator is 0 is ``None`` (undefined). Each is a
rule of :mod:`xlcomp.rules.roi`, evaluated here on the run's sums and rendered by the workbook's ROI
sheet as its formula; :data:`ROI_METRICS` is the order and the description both use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlcomp.engine.metrics import BookSums
from xlcomp.engine.run import RunResult
from xlcomp.money import exactly
from xlcomp.rules.payout import PERIOD_DAYS, PERIODS_PER_YEAR
from xlcomp.rules.roi import METRIC_RULES, OVERHEAD_RATE, SUMMARY, SUPPORT_TEAM_COST, evaluate_all
from xlcomp.rules.roi import Inputs as K

__all__ = ["ROI_METRICS", "RoiMetric", "arr_per_csm", "book_totals", "cs_magic_number", "roi_env", "roi_metrics",
           "roi_values"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class RoiMetric:
    """An ROI metric: name, unit (money, rate, ratio, count), meaning and benchmark."""

    name: str
    unit: str
    definition: str
    benchmark: str = ""


ROI_METRICS: tuple[RoiMetric, ...] = (
    RoiMetric("gross_renewal_rate", "rate", "renewed ARR / renewable ARR, whole book"),
    RoiMetric("net_revenue_retention", "rate",
              "(ARR start + expansion - contraction - churned) / ARR start, whole book"),
    RoiMetric("logo_churn_rate", "rate", "accounts renewable but not renewed / all accounts"),
    RoiMetric("base_cost", "money", "Σ base salary x period fraction x proration"),
    RoiMetric("variable_cost", "money", "Σ payouts"),
    RoiMetric("cs_team_cost", "money", "(base cost + variable cost) x (1 + overhead_rate)"),
    RoiMetric("support_team_cost", "money", "the plan's inputs.support_team_cost for the period"),
    RoiMetric("cs_magic_number", "ratio", "(renewed ARR + expansion ARR) / (CS team cost + support team cost)",
              "healthy above 5"),
    RoiMetric("fte", "count", "Σ proration (CSMs employed, full-time equivalent)"),
    RoiMetric("arr_per_csm", "money", "Σ ARR start / FTE", "about 2,000,000 per CSM"),
    RoiMetric("variable_share", "rate", "Σ target variable / Σ (base salary + target variable)",
              "10-30% of on-target earnings"),
    RoiMetric("cost_per_retained_dollar", "ratio", "variable cost / (renewed ARR + expansion ARR)"),
)


@exactly
def book_totals(result: RunResult) -> BookSums:
    """The whole book's sums (every CSM's accounts together)."""
    sums: dict[str, Decimal] = {}
    accounts = churned = 0
    for csm in result.csms:
        for name, value in csm.sums.sums.items():
            sums[name] = sums.get(name, ZERO) + value
        accounts += csm.sums.accounts
        churned += csm.sums.logos_churned
    return BookSums(sums=sums, accounts=accounts, logos_churned=churned)


def cs_magic_number(renewed_arr: Decimal, expansion_arr: Decimal, cs_team_cost: Decimal,
                    support_team_cost: Decimal) -> Decimal | None:
    """CS magic number: (renewed ARR + expansion ARR) / (CS team cost + support team cost); None when the cost is 0."""
    env = {K.RENEWED: renewed_arr, K.EXPANSION: expansion_arr, "cs_team_cost": cs_team_cost,
           "support_team_cost": support_team_cost}
    return METRIC_RULES["cs_magic_number"].evaluate(env)  # type: ignore[no-any-return]


def arr_per_csm(arr: Decimal, fte: Decimal) -> Decimal | None:
    """Coverage: ARR per CSM (full-time equivalent); None when there are no CSMs."""
    return METRIC_RULES["arr_per_csm"].evaluate({K.ARR_START: arr, "fte": fte})  # type: ignore[no-any-return]


def roi_env(result: RunResult, variable_cost: Decimal | None = None) -> dict[str, Any]:
    """What the ROI rules read for a run: the Summary table (one row per CSM), the period, the plan's
    inputs and the book lines over the Accounts table as the engine summed them (every CSM's book)."""
    plan, period, csms = result.plan, result.period, result.csms
    book = book_totals(result)
    s = book.sum
    return {
        SUMMARY: {"base_salary": [c.csm.base_salary for c in csms],
                        "target_variable": [c.csm.target_variable for c in csms],
                        "days": [Decimal(c.days) for c in csms], "total_payout": [c.total for c in csms]},
        PERIOD_DAYS: Decimal(period.days), PERIODS_PER_YEAR: Decimal(period.per_year),
        OVERHEAD_RATE: plan.input("overhead_rate"), SUPPORT_TEAM_COST: plan.input("support_team_cost"),
        K.ARR_START: s("arr_start"), K.RENEWABLE: s("renewable_arr"), K.RENEWED: s("renewed_arr"),
        K.EXPANSION: s("upsell_arr") + s("cross_sell_arr"), K.CONTRACTION: s("contraction_arr"),
        K.ACCOUNTS: Decimal(book.accounts), K.LOGOS: Decimal(book.logos_churned),
        K.PAYOUTS: result.total if variable_cost is None else variable_cost,
    }


@exactly
def roi_values(result: RunResult, variable_cost: Decimal | None = None) -> dict[str, Any]:
    """Every line of the ROI sheet's book block and every metric, keyed as the rules name them
    (:mod:`xlcomp.rules.roi`)."""
    return evaluate_all(roi_env(result, variable_cost))


@exactly
def roi_metrics(result: RunResult, variable_cost: Decimal | None = None) -> Mapping[str, Decimal | None]:
    """The SPEC section 7 metrics of a run, in :data:`ROI_METRICS` order."""
    values = roi_values(result, variable_cost)
    return {metric.name: values[metric.name] for metric in ROI_METRICS}
