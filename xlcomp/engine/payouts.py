"""One component's payout for one CSM (SPEC section 3), with the trace statements show.

Money is exact until the one division a bonus needs (by the period's days and periods per year),
which is done last; then Excel's ROUND to cents.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from xlcomp.engine.curves import Array, Segment, commission_walk, decimals, tier_walk, where
from xlcomp.engine.metric_columns import MetricColumn
from xlcomp.engine.metrics import MetricValue
from xlcomp.model.plan import Component, Curve, Kind, Multiplier
from xlcomp.money import exactly, excel_round
from xlcomp.rules import payout as rules
from xlcomp.rules.curves import TIERS, tier_table
from xlcomp.rules.expr import Expr, is_blank
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.status import Status, decide

__all__ = ["BonusBlock", "CommissionBlock", "ComponentResult", "GateCheck", "MultiplierCheck", "Trace", "bonus",
           "bonus_block", "bonus_results", "commission", "commission_block", "commission_results",
           "gate_check", "gate_checks", "gate_open", "multiplier_checks", "multiplier_columns"]

ZERO = Decimal(0)
ONE = Decimal(1)
_DECIMALS = {n: Decimal(n) for n in range(1, 367)}  # days and periods per year


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
    excluded: str = ""          # why the CSM is outside the component (a SPIF's segments): the note says it
    part: Any = None            # plan versions: the part of the period the line pays (engine.versions.PartInfo)

    @property
    @exactly
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
    def status(self) -> Status:
        """Why the component paid what it paid: the decision tree of :mod:`xlcomp.rules.status`."""
        component, trace = self.component, self.trace
        env = {K.ATTAINMENT: self.attainment, K.GATE: trace.gate is None or trace.gate.passed,
               K.THRESHOLD: component.threshold, K.CURVE_SHARE: trace.uncapped, K.CAP: component.cap,
               K.BEFORE_CAP: trace.uncapped, K.CAP_AMOUNT: component.cap_amount}
        return decide(component, env)

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


_FACTOR = rules.multiplier_factor()
_BAND_MIN = rules.band_min()
_GATE = rules.gate_passed(True)


def multiplier_columns(multipliers: tuple[Multiplier, ...], columns: Mapping[str, Sequence[MetricValue]], n: int
                       ) -> tuple[Array, Callable[[], list[tuple[MultiplierCheck, ...]]]]:
    """For every CSM (``n`` of them; ``columns``: each metric of every CSM): the product of the factors that
    apply, and how to make each CSM's decisions of the multipliers.

    Each factor is the rule :func:`xlcomp.rules.payout.multiplier_factor` on the multiplier's bands.
    """
    if not multipliers:
        return decimals([ONE] * n), lambda: [()] * n
    product: Any = ONE
    parts = []
    for multiplier in multipliers:
        metrics = MetricColumn.of(columns[multiplier.metric])
        env = {K.VALUE: metrics.value_array(), rules.BANDS: rules.band_table(multiplier)}
        factors = _FACTOR.evaluate(env)
        product = product * factors
        parts.append((multiplier, metrics, env, factors))

    def checks() -> list[tuple[MultiplierCheck, ...]]:
        made = [[MultiplierCheck(multiplier.metric, m.value, band, factor, "" if m.defined else f"no data ({m.reason})")
                 for m, band, factor in zip(metrics, _BAND_MIN.evaluate(env).tolist(), factors.tolist(), strict=True)]
                for multiplier, metrics, env, factors in parts]
        return list(zip(*made, strict=True))

    return product, checks


def multiplier_checks(multipliers: tuple[Multiplier, ...], values: dict[str, MetricValue]
                      ) -> tuple[Decimal, tuple[MultiplierCheck, ...]]:
    """The product of the factors that apply, and each multiplier's decision (one CSM)."""
    product, checks = multiplier_columns(multipliers, {name: [value] for name, value in values.items()}, 1)
    return product[0], checks()[0]


def gate_open(component: Component, metrics: Sequence[MetricValue]) -> Array:
    """Does the component's gate let each CSM be paid (all True without a gate): the rule
    :func:`xlcomp.rules.payout.gate_passed`, ``num >= min x den`` without a division."""
    gate = component.gate
    if gate is None:
        return np.full(len(metrics), True, dtype=bool)
    column = MetricColumn.of(metrics)
    nums = column.nums
    return np.asarray(_GATE.evaluate({K.VALUE: nums, K.NUM: nums, K.DEN: column.dens, "gate_min": gate.min}),
                      dtype=bool)


def gate_checks(component: Component, metrics: Sequence[MetricValue], passed: Array | None = None
                ) -> list[GateCheck | None]:
    """How the component's gate decides for each CSM (None: no gate); ``passed``: :func:`gate_open` when known."""
    gate = component.gate
    if gate is None:
        return [None] * len(metrics)
    opened = (gate_open(component, metrics) if passed is None else passed).tolist()
    return [GateCheck(gate.metric, gate.min, m.value, ok, "" if m.defined else m.reason or "no data")
            for m, ok in zip(metrics, opened, strict=True)]


def gate_check(component: Component, values: dict[str, MetricValue]) -> GateCheck | None:
    """How the component's gate decides for one CSM (None: no gate)."""
    if component.gate is None:
        return None
    return gate_checks(component, [values[component.gate.metric]])[0]


def _show(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{excel_round(value, 6).normalize():f}"


def _notes(trace: Trace, multiplier: Decimal, component: Component) -> str:
    """A line's note (every condition here but a plan version's part is one of :func:`may_note`'s arrays)."""
    notes = [trace.part.note] if trace.part is not None else []
    if trace.excluded:
        notes.append(trace.excluded)
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


def may_note(below_threshold: Array, capped: Array, gate_ok: Array, multiplier: Array, undefined: Array,
             excluded: Array | None = None) -> Array:
    """Which CSMs' lines :func:`_notes` may write a note for, each of its conditions as arrays (a plan version's
    part, its first, is not among them: such lines are made from their records): the lines whose records
    payouts.csv makes; every other line's note is empty. A condition added to :func:`_notes` belongs here."""
    flags = below_threshold | capped | ~gate_ok | np.asarray(multiplier != ONE, dtype=bool) | undefined
    return np.asarray(flags if excluded is None else flags | excluded, dtype=bool)


class BonusBlock(NamedTuple):
    """A bonus component for many CSMs at once: arrays in CSM order."""

    attainment: Array
    share: Array
    below_threshold: Array
    capped: Array
    uncapped: Array
    target_incentive: Array
    payout: Array


@functools.cache
def _bonus_rules(component: Component, dated: bool = False) -> tuple[Expr, Expr, Expr, Expr, Expr]:
    assert component.curve is not None
    return (rules.bonus_attainment(True), rules.bonus_curve_share(component.curve.mode),
            rules.bonus_share(component), rules.target_incentive(dated), rules.bonus_payout(dated))


def bonus_block(component: Component, num: Array, den: Array, target: Array, target_variable: Array, days: Array,
                period_days: int, per_year: int, gate_ok: Array, multiplier: Array,
                target_variable_days: Array | None = None) -> BonusBlock:
    """A bonus for many CSMs: the rules of :mod:`xlcomp.rules.payout` on every CSM at once.

    attainment -> curve share -> share (threshold, gate, cap) -> ``ROUND(target_variable x weight x days x
    share x multiplier / (days in period x periods per year), 2)``: one division, done last. ``num`` holds
    None where the metric is undefined (so it also marks the blank value). ``target_variable_days`` (roster
    changes) takes the place of ``target_variable x days``.
    """
    assert component.weight is not None and component.curve is not None
    attainment_rule, curve_rule, share_rule, incentive_rule, payout_rule = _bonus_rules(
        component, target_variable_days is not None)
    n = len(num)
    env: dict[str, Any] = {
        K.VALUE: num, K.NUM: num, K.DEN: den, K.TARGET: target, TIERS: tier_table(component.curve),
        K.THRESHOLD: component.threshold, K.CAP: component.cap, K.GATE: gate_ok,
        K.TARGET_VARIABLE: target_variable, K.WEIGHT: component.weight, K.DAYS: days, K.MULTIPLIER: multiplier,
        rules.PERIOD_DAYS: _decimal(period_days), rules.PERIODS_PER_YEAR: _decimal(per_year),
        K.TARGET_VARIABLE_DAYS: target_variable_days,
    }
    env[K.ATTAINMENT] = attainment = attainment_rule.evaluate(env)
    env[K.CURVE_SHARE] = curve = curve_rule.evaluate(env)
    env[K.SHARE] = share = share_rule.evaluate(env)
    defined = ~is_blank(attainment)
    below = np.zeros(n, dtype=bool)
    if component.threshold is not None and defined.any():
        below[defined] = np.asarray(attainment[defined] < component.threshold, dtype=bool)
    paid = defined & ~below
    capped = paid & np.asarray(curve > component.cap, dtype=bool) if component.cap is not None \
        else np.zeros(n, dtype=bool)
    uncapped = where(paid, curve, None)
    return BonusBlock(attainment, share, below, capped, uncapped, incentive_rule.evaluate(env),
                      payout_rule.evaluate(env))


class CommissionBlock(NamedTuple):
    """A commission component for many CSMs at once: arrays in CSM order (attainment None without quota)."""

    attainment: Array
    value: Array
    below_threshold: Array
    capped: Array
    uncapped: Array
    payout: Array


@functools.cache
def _commission_rules(component: Component) -> tuple[Expr, Expr, Expr, Expr]:
    return (rules.commission_attainment(), rules.commission_before_cap(component),
            rules.commission_capped(component), rules.commission_payout())


def commission_block(component: Component, amount: Array, quota: Array | None, gate_ok: Array,
                     multiplier: Array) -> CommissionBlock:
    """A commission for many CSMs: rates on each amount, capped at cap_amount, times the multiplier, rounded
    (the rules of :mod:`xlcomp.rules.payout`)."""
    n = len(amount)
    attainment_rule, before_rule, capped_rule, payout_rule = _commission_rules(component)
    env: dict[str, Any] = {K.AMOUNT: amount, K.QUOTA: quota, K.THRESHOLD: component.threshold,
                           K.RATE: component.rate, K.CAP_AMOUNT: component.cap_amount, K.GATE: gate_ok,
                           K.MULTIPLIER: multiplier}
    below = np.zeros(n, dtype=bool)
    if quota is not None:
        assert component.curve is not None
        env[TIERS] = tier_table(component.curve)
        env[K.ATTAINMENT] = attainment = attainment_rule.evaluate(env)
        if component.threshold is not None:
            below = np.asarray(attainment < component.threshold, dtype=bool)
    else:
        attainment = np.full(n, None, dtype=object)
    env[K.BEFORE_CAP] = uncapped = before_rule.evaluate(env)
    capped = np.asarray(uncapped > component.cap_amount, dtype=bool) if component.cap_amount is not None \
        else np.zeros(n, dtype=bool)
    env[K.COMMISSION] = value = capped_rule.evaluate(env)
    return CommissionBlock(attainment, value, below, capped, uncapped, payout_rule.evaluate(env))


def _decimal(n: int) -> Decimal:
    return _DECIMALS.get(n) or Decimal(n)


def bonus(component: Component, csm_id: str, metric: MetricValue, target: Decimal, target_variable: Decimal,
          days: int, period_days: int, per_year: int, values: dict[str, MetricValue],
          multipliers: tuple[Multiplier, ...]) -> ComponentResult:
    """One CSM's bonus (:func:`bonus_block` for one)."""
    multiplier, checks = multiplier_checks(multipliers, values)
    gate = gate_check(component, values)
    block = bonus_block(component, decimals([metric.num]), decimals([metric.den]), decimals([target]),
                        decimals([target_variable]), decimals([Decimal(days)]), period_days, per_year,
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
