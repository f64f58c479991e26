"""Formula text for the workbook, rendered from the rules of :mod:`xlcomp.rules`.

No payout rule is written here: each function binds a rule's named inputs to cells, defined names or
tables and renders it. Only classic functions are used (SUMIFS, COUNTIFS, SUMPRODUCT, INDEX/MATCH,
ROUND, MIN/MAX, IF/AND/OR), so Excel 2010+ and LibreOffice 7.4 compute the same numbers.
"""

from __future__ import annotations

from xlcomp.model.plan import Curve
from xlcomp.rules import payout as rules
from xlcomp.rules.adjustments import ADJUSTMENTS, CSM_ID, adjustment_total
from xlcomp.rules.curves import TIERS
from xlcomp.rules.curves import commission_curve as commission_rule
from xlcomp.rules.curves import curve_share as curve_rule
from xlcomp.rules.metrics import (
    BOOK_ITEMS,
    BookItem,
    MetricSpec,
    book_items,
    metric_spec,
    metric_specs,
    needed_metrics,
)
from xlcomp.rules.payout import Inputs

__all__ = [
    "BOOK_ITEMS",
    "BookItem",
    "MetricSpec",
    "adjustments_total",
    "bonus_payout",
    "book_items",
    "commission_curve",
    "curve_share",
    "days_employed",
    "metric_spec",
    "metric_specs",
    "multiplier_factor",
    "needed_metrics",
    "period_names",
]


def period_names() -> dict[str, str]:
    """The defined names the rules read for the period."""
    return {rules.PERIOD_DAYS: "period_days", rules.PERIODS_PER_YEAR: "periods_per_year",
            Inputs.PERIOD_START: "period_start", Inputs.PERIOD_END: "period_end"}


def curve_share(curve: Curve, x: str, table: str) -> str:
    """A bonus curve's share at attainment ``x`` (no threshold, cap or multiplier)."""
    return curve_rule(curve.mode, "x").render({"x": x, TIERS: table})


def commission_curve(curve: Curve, amount: str, quota: str, attainment: str, table: str) -> str:
    """Commission on ``amount`` over the tier table (see :func:`xlcomp.rules.curves.commission_curve`)."""
    return commission_rule(curve.mode, "amount", "quota", "x").render(
        {"amount": amount, "quota": quota, "x": attainment, TIERS: table})


def multiplier_factor(value: str, table: str) -> str:
    """The factor of the highest band whose min is at most ``value``; 1 with no data or below all."""
    return rules.multiplier_factor().formula({Inputs.VALUE: value, rules.BANDS: table})


def days_employed(start: str, end: str) -> str:
    """Days of the period inside [start, end], both included; a blank date is an open end."""
    return rules.days_employed().formula({**period_names(), Inputs.START: start, Inputs.END: end})


def bonus_payout(target_variable: str, weight: str, days: str, share: str, multiplier: str) -> str:
    """``ROUND(target_variable x weight x days x share x multiplier / (days in period x periods a year), 2)``."""
    return rules.bonus_payout().formula({**period_names(), Inputs.TARGET_VARIABLE: target_variable,
                                         Inputs.WEIGHT: weight, Inputs.DAYS: days, Inputs.SHARE: share,
                                         Inputs.MULTIPLIER: multiplier})


def adjustments_total(csm_id: str, table: str) -> str:
    """A CSM's adjustments line: the sum of ROUND(amount, 2) over its rows of the Adjustments table."""
    return adjustment_total().formula({ADJUSTMENTS: table, CSM_ID: csm_id})
