"""How statements and letters show numbers and names to people.

Every helper returns text, never ``None``: a value that is missing is shown as :data:`DASH` or
explained in words by the caller. Amounts have thousands separators and two decimals
(``12,345.67``, from :func:`xlcomp.money.fmt_amount`); rates are percentages; bonus tier rates are
multiples (``1.0×``); commission rates are percentages (``7.5%``).
"""

from __future__ import annotations

from decimal import Decimal

from xlcomp.model.metrics import Unit, label, metric_def
from xlcomp.model.plan import Plan
from xlcomp.money import excel_round, fmt_amount

__all__ = [
    "DASH",
    "amount",
    "commission_rate",
    "count",
    "exact",
    "metric_label",
    "metric_unit",
    "metric_value_text",
    "money",
    "multiple",
    "percent",
    "plain_percent",
]

DASH = "—"

def metric_label(name: str) -> str:
    """A metric or column for people, from the model's catalogue: ``gross_renewal_rate`` -> ``gross renewal rate``."""
    return label(name)


def metric_unit(name: str, plan: Plan) -> Unit:
    """The unit of a metric of ``plan`` (a plan input counts as a rate)."""
    definition = metric_def(name, set(plan.inputs))
    return definition.unit if definition is not None else Unit.RATE


def exact(value: Decimal) -> str:
    """A decimal in plain fixed point with no trailing zeros: ``1.031739``, ``40500``."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


def amount(value: Decimal) -> str:
    """Money without currency: ``12,345.67``."""
    return fmt_amount(value)


def money(value: Decimal, currency: str) -> str:
    """Money with the plan's currency: ``USD 12,345.67``."""
    return fmt_amount(value, currency)


def count(value: Decimal) -> str:
    """A count or score: thousands separators, up to 2 decimals, none when whole (``1,204``, ``42.5``)."""
    rounded = excel_round(value, 2)
    if rounded == rounded.to_integral_value():
        return f"{rounded:,.0f}"
    return f"{rounded.normalize():,f}"


def percent(value: Decimal, places: int = 2) -> str:
    """A fraction as a percentage with ``places`` decimals: ``0.949231`` -> ``94.92%``."""
    return f"{excel_round(value * 100, places):,.{places}f}%"


def plain_percent(value: Decimal) -> str:
    """A fraction as an exact percentage without trailing zeros: ``0.85`` -> ``85%``, ``1.031739`` -> ``103.1739%``."""
    return f"{exact(value * 100)}%"


def multiple(rate: Decimal) -> str:
    """A bonus tier rate as a multiple with at least one decimal: ``1`` -> ``1.0×``, ``1.25`` -> ``1.25×``."""
    text = exact(rate)
    if "." not in text:
        text += ".0"
    return f"{text}×"


def commission_rate(rate: Decimal) -> str:
    """A commission rate as a percentage: ``0.075`` -> ``7.5%``."""
    return plain_percent(rate)


def metric_value_text(value: Decimal | None, unit: Unit) -> str:
    """A metric's value in its unit: money ``12,345.67``, rate ``94.92%``, score/count ``42.5``."""
    if value is None:
        return DASH
    if unit is Unit.MONEY:
        return amount(value)
    if unit is Unit.RATE:
        return percent(value)
    return count(value)
