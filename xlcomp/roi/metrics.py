"""ROI of a run (SPEC section 7): what the plan costs against the ARR it retains and expands.

Every metric is exact (Decimal); a ratio whose denominator is 0 is ``None`` (undefined).
The workbook's ROI sheet computes the same metrics as formulas; :data:`ROI_METRICS` is the order
and the description both use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.engine.metrics import BookSums, churn_rate, gross_renewal_rate, net_revenue_retention
from xlcomp.engine.run import RunResult
from xlcomp.money import exactly

__all__ = ["ROI_METRICS", "RoiMetric", "arr_per_csm", "book_totals", "cs_magic_number", "roi_metrics"]

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


def _div(num: Decimal, den: Decimal) -> Decimal | None:
    return None if den == 0 else num / den


def cs_magic_number(renewed_arr: Decimal, expansion_arr: Decimal, cs_team_cost: Decimal,
                    support_team_cost: Decimal) -> Decimal | None:
    """CS magic number: (renewed ARR + expansion ARR) / (CS team cost + support team cost); None when the cost is 0."""
    return _div(renewed_arr + expansion_arr, cs_team_cost + support_team_cost)


def arr_per_csm(arr: Decimal, fte: Decimal) -> Decimal | None:
    """Coverage: ARR per CSM (full-time equivalent); None when there are no CSMs."""
    return _div(arr, fte)


@exactly
def roi_metrics(result: RunResult, variable_cost: Decimal | None = None) -> Mapping[str, Decimal | None]:
    """The SPEC section 7 metrics of a run, in :data:`ROI_METRICS` order."""
    plan, period = result.plan, result.period
    book = book_totals(result)
    s = book.sum
    expansion = s("upsell_arr") + s("cross_sell_arr")
    churned = s("renewable_arr") - s("renewed_arr")
    per_period = Decimal(period.per_year * period.days)
    base_cost = sum((c.csm.base_salary * c.days for c in result.csms), ZERO) / per_period
    variable = result.total if variable_cost is None else variable_cost
    overhead = plan.input("overhead_rate")
    cs_team_cost = (base_cost + variable) * (1 + overhead)
    support = plan.input("support_team_cost")
    returns = s("renewed_arr") + expansion
    fte = sum((Decimal(c.days) for c in result.csms), ZERO) / Decimal(period.days)
    target_variable = sum((c.csm.target_variable for c in result.csms), ZERO)
    ote = sum((c.csm.base_salary + c.csm.target_variable for c in result.csms), ZERO)
    return {
        "gross_renewal_rate": gross_renewal_rate(s("renewable_arr"), s("renewed_arr")).value,
        "net_revenue_retention": net_revenue_retention(s("arr_start"), expansion, s("contraction_arr"), churned).value,
        "logo_churn_rate": churn_rate(Decimal(book.logos_churned), Decimal(book.accounts)).value,
        "base_cost": base_cost,
        "variable_cost": variable,
        "cs_team_cost": cs_team_cost,
        "support_team_cost": support,
        "cs_magic_number": cs_magic_number(s("renewed_arr"), expansion, cs_team_cost, support),
        "fte": fte,
        "arr_per_csm": arr_per_csm(s("arr_start"), fte),
        "variable_share": _div(target_variable, ote),
        "cost_per_retained_dollar": _div(variable, returns),
    }
