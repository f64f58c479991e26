"""Bonus curves and commission tiers (SPEC section 3), on exact decimals, with their tier walk.

The tier *holding* a value is the last tier whose lower bound is at most the value (Excel's
``MATCH(value, lower_bounds, 1)``): so a value above a bounded last tier is held by the last tier.
Marginal curves never pay above the last ``upto``.

Each rule has a fast form that returns only the number (``share_at``, ``commission_at``: the
payroll path) and a walk that explains it step by step (``tier_walk``, ``commission_walk``: the
statements path); ``tier_share`` and ``commission_value`` return both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from ..model.plan import Curve, CurveMode
from ..money import excel_round

__all__ = ["BonusShare", "Segment", "attainment_of", "bonus_share", "commission_at", "commission_value",
           "commission_walk", "holding_tier", "share_at", "tier_share", "tier_walk"]

ZERO = Decimal(0)
ONE = Decimal(1)


class Segment(NamedTuple):
    """One step of the tier walk.

    ``lower``/``upper``: the tier's bounds (attainment for a bonus, money for a commission with a
    quota); ``base``: the part of attainment or amount inside it; ``rate``; ``value = rate x base``.
    """

    tier: int
    lower: Decimal
    upper: Decimal | None
    rate: Decimal
    base: Decimal
    value: Decimal


def holding_tier(curve: Curve, value: Decimal) -> int:
    """Index of the tier holding ``value``: ``upto[i-1] <= value < upto[i]``."""
    index = 0
    for i, lower in enumerate(curve.lows):
        if lower <= value:
            index = i
        else:
            break
    return index


def share_at(attainment: Decimal, curve: Curve) -> Decimal:
    """A bonus's payout share at ``attainment`` (before threshold, cap and multiplier)."""
    if curve.mode is CurveMode.MARGINAL:
        total = ZERO
        for lower, upper, rate in curve.bounds():
            if attainment <= lower:
                break
            top = attainment if upper is None or attainment < upper else upper
            total += rate * (top - lower)
        return total
    rate = curve.rates[holding_tier(curve, attainment)]
    return attainment * rate if curve.mode is CurveMode.WHOLE else rate


def tier_walk(attainment: Decimal, curve: Curve) -> tuple[Segment, ...]:
    """The tiers ``share_at`` went through, each with its part of attainment and its share."""
    bounds = curve.bounds()
    if curve.mode is CurveMode.MARGINAL:
        segments = []
        for i, (lower, upper, rate) in enumerate(bounds):
            top = attainment if upper is None else min(attainment, upper)
            width = max(ZERO, top - lower)
            if width > 0 or i == 0:
                segments.append(Segment(i, lower, upper, rate, width, rate * width))
        return tuple(segments)
    i = holding_tier(curve, attainment)
    lower, upper, rate = bounds[i]
    if curve.mode is CurveMode.WHOLE:
        return (Segment(i, lower, upper, rate, attainment, attainment * rate),)
    return (Segment(i, lower, upper, rate, ONE, rate),)


def tier_share(attainment: Decimal, curve: Curve) -> tuple[Decimal, tuple[Segment, ...]]:
    """The share at ``attainment`` and its tier walk."""
    return share_at(attainment, curve), tier_walk(attainment, curve)


def attainment_of(actual: Decimal, target: Decimal, den: Decimal = ONE) -> Decimal:
    """Attainment as the engine pays it: ``ROUND(actual / (den x target), 6)``, and 0 where negative."""
    return max(excel_round(actual / (den * target), 6), ZERO)


class BonusShare(NamedTuple):
    """A bonus's share after threshold and cap, and what decided it; ``segments`` is the tier walk."""

    share: Decimal
    below_threshold: bool
    capped: bool
    uncapped: Decimal | None
    attainment: Decimal
    curve: Curve

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The tier walk at this attainment."""
        return tier_walk(self.attainment, self.curve)


def bonus_share(attainment: Decimal, curve: Curve, threshold: Decimal | None = None,
                cap: Decimal | None = None) -> BonusShare:
    """The payout share at ``attainment``: 0 below the threshold, else the curve's share, capped at ``cap``."""
    if threshold is not None and attainment < threshold:
        return BonusShare(ZERO, True, False, None, attainment, curve)
    share = share_at(attainment, curve)
    if cap is not None and share > cap:
        return BonusShare(cap, False, True, share, attainment, curve)
    return BonusShare(share, False, False, share, attainment, curve)


def commission_at(amount: Decimal, quota: Decimal, attainment: Decimal, curve: Curve) -> Decimal:
    """Commission on ``amount``: tiers cut at ``upto x quota`` (marginal), or the rate of the tier holding
    ``attainment`` on all of it (whole)."""
    if curve.mode is CurveMode.MARGINAL:
        total = ZERO
        for lower, upper, rate in curve.bounds():
            low = lower * quota
            if amount <= low:
                break
            top = amount if upper is None else min(amount, upper * quota)
            total += rate * (top - low)
        return total
    return max(ZERO, amount) * curve.rates[holding_tier(curve, attainment)]


def commission_walk(amount: Decimal, quota: Decimal, attainment: Decimal, curve: Curve) -> tuple[Segment, ...]:
    """The tiers ``commission_at`` went through, each with its part of the amount and its commission."""
    bounds = curve.bounds()
    if curve.mode is CurveMode.MARGINAL:
        segments = []
        for i, (lower, upper, rate) in enumerate(bounds):
            low = lower * quota
            high = None if upper is None else upper * quota
            top = amount if high is None else min(amount, high)
            part = max(ZERO, top - low)
            if part > 0 or i == 0:
                segments.append(Segment(i, low, high, rate, part, rate * part))
        return tuple(segments)
    i = holding_tier(curve, attainment)
    lower, upper, rate = bounds[i]
    base = max(ZERO, amount)
    return (Segment(i, lower * quota, None if upper is None else upper * quota, rate, base, base * rate),)


def commission_value(amount: Decimal, quota: Decimal, attainment: Decimal, curve: Curve
                     ) -> tuple[Decimal, tuple[Segment, ...]]:
    """Commission on ``amount`` with its tier walk."""
    return commission_at(amount, quota, attainment, curve), commission_walk(amount, quota, attainment, curve)
