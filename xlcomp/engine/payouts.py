"""One component's payout for one CSM (SPEC section 3), with the trace statements show.

Money is exact until the one division a bonus needs (by the period's days and periods per year),
which is done last; then Excel's ROUND to cents.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from ..model.plan import Component, Curve, Kind, Multiplier
from ..money import excel_round
from .curves import Segment, attainment_of, bonus_share, commission_at, commission_walk, tier_walk
from .metrics import MetricValue

__all__ = ["ComponentResult", "GateCheck", "MultiplierCheck", "Trace", "bonus", "commission", "multiplier_checks"]

ZERO = Decimal(0)
ONE = Decimal(1)
_DENOMINATORS = {n: Decimal(n) for n in range(28, 367)}  # days in period x periods per year


class GateCheck(NamedTuple):
    """How the gate decided: the gate metric's value against its minimum."""

    metric: str
    min: Decimal
    value: Decimal | None
    passed: bool
    undefined: str = ""

    @property
    def reason(self) -> str:
        """Why the gate closed ('' when it passed)."""
        if self.undefined:
            return f"{self.metric} is undefined ({self.undefined})"
        if self.passed:
            return ""
        return f"{self.metric} {_show(self.value)} is below the gate's {_show(self.min)}"


class MultiplierCheck(NamedTuple):
    """One multiplier's decision: the metric's value, the band it reached, its factor."""

    metric: str
    value: Decimal | None
    band_min: Decimal | None
    factor: Decimal
    reason: str = ""


class Trace(NamedTuple):
    """Why a payout is what it is. ``segments`` (the tier walk) is worked out when first read.

    ``basis`` is what the curve was read at: the attainment of a bonus, or ``(amount, quota, attainment)``
    of a commission (quota None: a flat ``rate``).
    """

    gate: GateCheck | None = None
    multipliers: tuple[MultiplierCheck, ...] = ()
    undefined: str = ""
    below_threshold: bool = False
    capped: bool = False
    uncapped: Decimal | None = None
    curve: Curve | None = None
    basis: tuple[Decimal, Decimal | None, Decimal | None] | None = None
    rate: Decimal | None = None

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The tier walk: each tier passed, with its part of attainment (or amount) and what it pays."""
        if self.basis is None:
            return ()
        amount, quota, attainment = self.basis
        if self.rate is not None:
            base = max(amount, ZERO)
            return (Segment(0, ZERO, None, self.rate, base, base * self.rate),)
        assert self.curve is not None
        if quota is None:
            return tier_walk(amount, self.curve)
        assert attainment is not None
        return commission_walk(amount, quota, attainment, self.curve)


class ComponentResult(NamedTuple):
    """One component for one CSM: the SPEC's payout row plus its trace.

    ``target`` is the bonus target or the commission quota; ``share`` the bonus payout share after
    threshold and cap; ``value`` the amount before the multiplier and rounding.
    """

    component: Component
    csm_id: str
    metric: MetricValue
    target: Decimal | None
    attainment: Decimal | None
    share: Decimal | None
    target_incentive: Decimal | None
    multiplier: Decimal
    value: Decimal
    payout: Decimal
    trace: Trace

    @property
    def note(self) -> str:
        """The payouts.csv note: why a component paid 0, caps, multipliers ('' when nothing to say)."""
        return _notes(self.trace, self.multiplier, self.component)

    @property
    def actual(self) -> Decimal | None:
        """The metric's value (None when undefined)."""
        return self.metric.value

    def segment_amount(self, segment: Segment) -> Decimal:
        """What one step of the tier walk is worth in money, exact, before cap, gate and multiplier.

        A bonus segment's value is a share of the target incentive; a commission segment's is money.
        """
        if self.target_incentive is None:
            return segment.value
        return self.target_incentive * segment.value


def multiplier_checks(multipliers: tuple[Multiplier, ...], values: dict[str, MetricValue]
                      ) -> tuple[Decimal, tuple[MultiplierCheck, ...]]:
    """The product of the factors that apply, and each multiplier's decision."""
    product = ONE
    checks = []
    for multiplier in multipliers:
        metric = values[multiplier.metric]
        value = metric.value
        factor, band = multiplier.factor(value)
        reason = "" if metric.defined else f"no data ({metric.reason})"
        checks.append(MultiplierCheck(multiplier.metric, value, band.min if band else None, factor, reason))
        product *= factor
    return product, tuple(checks)


def _gate(component: Component, values: dict[str, MetricValue]) -> GateCheck | None:
    gate = component.gate
    if gate is None:
        return None
    metric = values[gate.metric]
    if not metric.defined:
        return GateCheck(gate.metric, gate.min, None, False, metric.reason or "no data")
    return GateCheck(gate.metric, gate.min, metric.value, metric.at_least(gate.min))


def _show(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{excel_round(value, 6).normalize():f}"


def _attainment(metric: MetricValue, target: Decimal) -> Decimal | None:
    if metric.num is None:
        return None
    return attainment_of(metric.num, target, metric.den)


def _notes(trace: Trace, multiplier: Decimal, component: Component) -> str:
    notes = []
    if trace.undefined:
        notes.append(f"{component.metric} undefined: {trace.undefined}; pays 0")
    if trace.gate is not None and not trace.gate.passed:
        notes.append(f"gate: {trace.gate.reason}; pays 0")
    if trace.below_threshold:
        notes.append(f"attainment below the threshold {_show(component.threshold)}; pays 0")
    if trace.capped:
        what = f"share cap {_show(component.cap)}" if component.kind is Kind.BONUS \
            else f"cap_amount {_show(component.cap_amount)}"
        notes.append(f"capped at the {what}")
    if multiplier != ONE:
        parts = [f"{c.metric} {_show(c.value)} >= {_show(c.band_min)}: x{_show(c.factor)}"
                 for c in trace.multipliers if c.factor != ONE]
        notes.append("multiplier " + ", ".join(parts))
    return "; ".join(notes)


def bonus(component: Component, csm_id: str, metric: MetricValue, target: Decimal, target_variable: Decimal,
          days: int, period_days: int, per_year: int, values: dict[str, MetricValue],
          multipliers: tuple[Multiplier, ...]) -> ComponentResult:
    """A bonus: TI x share x multiplier, rounded to cents.

    TI = target_variable x weight x days employed / (days in period x periods per year).
    """
    assert component.weight is not None and component.curve is not None
    numerator = target_variable * component.weight * days
    denominator = _DENOMINATORS.get(period_days * per_year) or Decimal(period_days * per_year)
    target_incentive = numerator / denominator
    multiplier, checks = multiplier_checks(multipliers, values)
    gate = _gate(component, values)
    attainment = _attainment(metric, target)
    share = ZERO
    below = capped = False
    uncapped = None
    if attainment is not None:
        decided = bonus_share(attainment, component.curve, component.threshold, component.cap)
        share, below, capped, uncapped = decided.share, decided.below_threshold, decided.capped, decided.uncapped
    if gate is not None and not gate.passed:
        share = ZERO
    trace = Trace(gate, checks, "" if metric.defined else metric.reason, below, capped, uncapped, component.curve,
                  None if attainment is None else (attainment, None, None))
    payout = excel_round(numerator * share * multiplier / denominator, 2) if share else ZERO
    return ComponentResult(component, csm_id, metric, target, attainment, share, target_incentive, multiplier,
                           target_incentive * share, payout, trace)


def commission(component: Component, csm_id: str, metric: MetricValue, quota: Decimal | None,
               values: dict[str, MetricValue], multipliers: tuple[Multiplier, ...]) -> ComponentResult:
    """A commission: rates on the metric's amount, capped at cap_amount, times the multiplier."""
    amount = metric.value if metric.defined else ZERO
    assert amount is not None
    multiplier, checks = multiplier_checks(multipliers, values)
    gate = _gate(component, values)
    attainment = None
    below = capped = False
    if quota is not None:
        assert component.curve is not None
        attainment = attainment_of(amount, quota)
        value = commission_at(amount, quota, attainment, component.curve)
        if component.threshold is not None and attainment < component.threshold:
            below, value = True, ZERO
    else:
        assert component.rate is not None
        value = max(amount, ZERO) * component.rate
    value = max(value, ZERO)
    uncapped = value
    if component.cap_amount is not None and value > component.cap_amount:
        value, capped = component.cap_amount, True
    if gate is not None and not gate.passed:
        value = ZERO
    trace = Trace(gate, checks, "" if metric.defined else metric.reason, below, capped, uncapped, component.curve,
                  (amount, quota, attainment), None if quota is not None else component.rate)
    payout = excel_round(value * multiplier, 2)
    return ComponentResult(component, csm_id, metric, quota, attainment, None, None, multiplier, value, payout,
                           trace)
