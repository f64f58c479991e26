"""Bonus curves and commission tiers (SPEC section 3), on exact decimals, with their tier walk.

The tier *holding* a value is the last tier whose lower bound is at most the value (Excel's
``MATCH(value, lower_bounds, 1)``): so a value above a bounded last tier is held by the last tier.
Marginal curves never pay above the last ``upto``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model.plan import Curve, CurveMode
from ..money import excel_round

__all__ = ["BonusShare", "Segment", "attainment_of", "bonus_share", "commission_value", "holding_tier",
           "tier_share"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class Segment:
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
    for i, (lower, _upper, _rate) in enumerate(curve.bounds()):
        if lower <= value:
            index = i
    return index


def tier_share(attainment: Decimal, curve: Curve) -> tuple[Decimal, tuple[Segment, ...]]:
    """A bonus's payout share at ``attainment`` (before threshold, cap and multiplier)."""
    bounds = curve.bounds()
    if curve.mode is CurveMode.MARGINAL:
        segments = []
        total = ZERO
        for i, (lower, upper, rate) in enumerate(bounds):
            top = attainment if upper is None else min(attainment, upper)
            width = max(ZERO, top - lower)
            if width > 0 or i == 0:
                segments.append(Segment(i, lower, upper, rate, width, rate * width))
            total += rate * width
        return total, tuple(segments)
    i = holding_tier(curve, attainment)
    lower, upper, rate = bounds[i]
    if curve.mode is CurveMode.WHOLE:
        return attainment * rate, (Segment(i, lower, upper, rate, attainment, attainment * rate),)
    return rate, (Segment(i, lower, upper, rate, ONE, rate),)


ONE = Decimal(1)


def attainment_of(actual: Decimal, target: Decimal, den: Decimal = ONE) -> Decimal:
    """Attainment as the engine pays it: ``ROUND(actual / (den x target), 6)``, and 0 where negative."""
    return max(excel_round(actual / (den * target), 6), ZERO)


@dataclass(frozen=True)
class BonusShare:
    """A bonus's share after threshold and cap, with the tier walk and what decided it."""

    share: Decimal
    segments: tuple[Segment, ...]
    below_threshold: bool
    capped: bool
    uncapped: Decimal | None


def bonus_share(attainment: Decimal, curve: Curve, threshold: Decimal | None = None,
                cap: Decimal | None = None) -> BonusShare:
    """The payout share at ``attainment``: 0 below the threshold, else the curve's share, capped at ``cap``."""
    share, segments = tier_share(attainment, curve)
    if threshold is not None and attainment < threshold:
        return BonusShare(ZERO, segments, True, False, None)
    if cap is not None and share > cap:
        return BonusShare(cap, segments, False, True, share)
    return BonusShare(share, segments, False, False, share)


def commission_value(amount: Decimal, quota: Decimal, attainment: Decimal, curve: Curve
                     ) -> tuple[Decimal, tuple[Segment, ...]]:
    """Commission on ``amount`` with tiers cut at ``upto x quota`` (marginal) or by attainment (whole)."""
    bounds = curve.bounds()
    if curve.mode is CurveMode.MARGINAL:
        segments = []
        total = ZERO
        for i, (lower, upper, rate) in enumerate(bounds):
            low = lower * quota
            high = None if upper is None else upper * quota
            top = amount if high is None else min(amount, high)
            part = max(ZERO, top - low)
            if part > 0 or i == 0:
                segments.append(Segment(i, low, high, rate, part, rate * part))
            total += rate * part
        return total, tuple(segments)
    i = holding_tier(curve, attainment)
    lower, upper, rate = bounds[i]
    base = max(ZERO, amount)
    return base * rate, (Segment(i, lower * quota, None if upper is None else upper * quota, rate, base,
                                 base * rate),)
