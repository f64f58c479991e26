"""One component's payout for one CSM (SPEC section 3), with the trace statements show.

Money is exact until the one division a bonus needs (by the period's days and periods per year),
which is done last; then Excel's ROUND to cents.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import numpy as np

from xlcomp.engine.curves import (
    Array,
    Segment,
    attainments,
    bonus_shares,
    commission_walk,
    commissions,
    decimals,
    maximum,
    rounded,
    tier_walk,
    where,
)
from xlcomp.engine.metrics import MetricValue
from xlcomp.model.plan import Component, Curve, Kind, Multiplier
from xlcomp.money import excel_round

__all__ = ["BonusBlock", "CommissionBlock", "ComponentResult", "GateCheck", "MultiplierCheck", "Trace", "bonus",
           "bonus_block", "bonus_results", "commission", "commission_block", "commission_results", "denominator_of",
           "gate_check", "multiplier_checks"]

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


def gate_check(component: Component, values: dict[str, MetricValue]) -> GateCheck | None:
    """How the component's gate decides for one CSM (None: no gate)."""
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


class BonusBlock(NamedTuple):
    """A bonus component for many CSMs at once: arrays in CSM order."""

    attainment: Array
    share: Array
    below_threshold: Array
    capped: Array
    uncapped: Array
    target_incentive: Array
    payout: Array


def bonus_block(component: Component, num: Array, den: Array, target: Array, target_variable: Array, days: Array,
                denominator: Decimal, gate_ok: Array, multiplier: Array) -> BonusBlock:
    """A bonus for many CSMs: TI x share x multiplier, rounded to cents.

    TI = target_variable x weight x days employed / denominator, with denominator = days in period x
    periods per year; the payout is ``ROUND(target_variable x weight x days x share x multiplier /
    denominator, 2)``: one division, done last. ``num`` holds None where the metric is undefined.
    """
    assert component.weight is not None and component.curve is not None
    n = len(num)
    numerator = target_variable * component.weight * days
    target_incentive = numerator / denominator
    attainment = np.full(n, None, dtype=object)
    share = np.full(n, ZERO, dtype=object)
    below = np.zeros(n, dtype=bool)
    capped = np.zeros(n, dtype=bool)
    uncapped = np.full(n, None, dtype=object)
    defined = np.fromiter((x is not None for x in num), dtype=bool, count=n)
    if defined.any():
        i = np.flatnonzero(defined)
        a = attainments(num[i], den[i], target[i])
        attainment[i] = a
        share[i], below[i], capped[i], uncapped[i] = bonus_shares(a, component.curve, component.threshold,
                                                                  component.cap)
    share = where(gate_ok, share, ZERO)
    payout = rounded(numerator * share * multiplier / denominator, 2)
    return BonusBlock(attainment, share, below, capped, uncapped, target_incentive, payout)


class CommissionBlock(NamedTuple):
    """A commission component for many CSMs at once: arrays in CSM order (attainment None without quota)."""

    attainment: Array
    value: Array
    below_threshold: Array
    capped: Array
    uncapped: Array
    payout: Array


def commission_block(component: Component, amount: Array, quota: Array | None, gate_ok: Array,
                     multiplier: Array) -> CommissionBlock:
    """A commission for many CSMs: rates on each amount, capped at cap_amount, times the multiplier, rounded."""
    n = len(amount)
    below = np.zeros(n, dtype=bool)
    if quota is not None:
        assert component.curve is not None
        attainment = attainments(amount, ONE, quota)
        value = commissions(amount, quota, attainment, component.curve)
        if component.threshold is not None:
            below = np.asarray(attainment < component.threshold, dtype=bool)
            value = where(below, ZERO, value)
    else:
        assert component.rate is not None
        attainment = np.full(n, None, dtype=object)
        value = maximum(amount, ZERO) * component.rate
    value = maximum(value, ZERO)
    uncapped = value
    capped = np.zeros(n, dtype=bool)
    if component.cap_amount is not None:
        capped = np.asarray(value > component.cap_amount, dtype=bool)
        value = where(capped, component.cap_amount, value)
    value = where(gate_ok, value, ZERO)
    return CommissionBlock(attainment, value, below, capped, uncapped, rounded(value * multiplier, 2))


def denominator_of(period_days: int, per_year: int) -> Decimal:
    """Days in the period x periods per year, the one divisor of a bonus."""
    return _DENOMINATORS.get(period_days * per_year) or Decimal(period_days * per_year)


def bonus(component: Component, csm_id: str, metric: MetricValue, target: Decimal, target_variable: Decimal,
          days: int, period_days: int, per_year: int, values: dict[str, MetricValue],
          multipliers: tuple[Multiplier, ...]) -> ComponentResult:
    """One CSM's bonus (:func:`bonus_block` for one)."""
    multiplier, checks = multiplier_checks(multipliers, values)
    gate = gate_check(component, values)
    block = bonus_block(component, decimals([metric.num]), decimals([metric.den]), decimals([target]),
                        decimals([target_variable]), decimals([Decimal(days)]), denominator_of(period_days, per_year),
                        np.array([gate is None or gate.passed]), decimals([multiplier]))
    return bonus_results(component, [csm_id], [metric], [target], block, [gate], [checks], [multiplier])[0]


def bonus_results(component: Component, csm_ids: list[str], metrics: list[MetricValue], targets: list[Decimal],
                  block: BonusBlock, gates: list[GateCheck | None], checks: list[tuple[MultiplierCheck, ...]],
                  multipliers: list[Decimal]) -> list[ComponentResult]:
    """The :class:`ComponentResult` of every CSM of a bonus block."""
    curve = component.curve
    out = []
    for csm_id, metric, target, attainment, share, ti, payout, below, capped, uncapped, gate, check, multiplier in zip(
            csm_ids, metrics, targets, block.attainment.tolist(), block.share.tolist(),
            block.target_incentive.tolist(), block.payout.tolist(), block.below_threshold.tolist(),
            block.capped.tolist(), block.uncapped.tolist(), gates, checks, multipliers, strict=True):
        trace = Trace(gate, check, "" if metric.num is not None else metric.reason, below, capped, uncapped, curve,
                      None if attainment is None else (attainment, None, None))
        out.append(ComponentResult(component, csm_id, metric, target, attainment, share, ti, multiplier, ti * share,
                                   payout, trace))
    return out


def commission(component: Component, csm_id: str, metric: MetricValue, quota: Decimal | None,
               values: dict[str, MetricValue], multipliers: tuple[Multiplier, ...]) -> ComponentResult:
    """One CSM's commission (:func:`commission_block` for one)."""
    multiplier, checks = multiplier_checks(multipliers, values)
    gate = gate_check(component, values)
    amount = metric.value if metric.value is not None else ZERO
    block = commission_block(component, decimals([amount]), None if quota is None else decimals([quota]),
                             np.array([gate is None or gate.passed]), decimals([multiplier]))
    return commission_results(component, [csm_id], [metric], None if quota is None else [quota], [amount], block,
                              [gate], [checks], [multiplier])[0]


def commission_results(component: Component, csm_ids: list[str], metrics: list[MetricValue],
                       quotas: list[Decimal] | None, amounts: list[Decimal], block: CommissionBlock,
                       gates: list[GateCheck | None], checks: list[tuple[MultiplierCheck, ...]],
                       multipliers: list[Decimal]) -> list[ComponentResult]:
    """The :class:`ComponentResult` of every CSM of a commission block."""
    curve, rate = component.curve, None if quotas is not None else component.rate
    quota_list: list[Decimal | None] = list(quotas) if quotas is not None else [None] * len(csm_ids)
    out = []
    for csm_id, metric, quota, amount, attainment, value, payout, below, capped, uncapped, gate, check, m in zip(
            csm_ids, metrics, quota_list, amounts, block.attainment.tolist(), block.value.tolist(),
            block.payout.tolist(), block.below_threshold.tolist(), block.capped.tolist(), block.uncapped.tolist(),
            gates, checks, multipliers, strict=True):
        trace = Trace(gate, check, "" if metric.num is not None else metric.reason, below, capped, uncapped, curve,
                      (amount, quota, attainment), rate)
        out.append(ComponentResult(component, csm_id, metric, quota, attainment, None, None, m, value, payout, trace))
    return out
