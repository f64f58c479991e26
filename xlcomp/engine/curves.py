"""Bonus curves and commission tiers (SPEC section 3), on exact decimals, with their tier walk.

The tier *holding* a value is the last tier whose lower bound is at most the value (Excel's
``MATCH(value, lower_bounds, 1)``): so a value above a bounded last tier is held by the last tier.
Marginal curves never pay above the last ``upto``.

Each rule is described once in :mod:`xlcomp.rules` and evaluated here on arrays of exact Decimals
(NumPy object arrays: the arithmetic is Decimal's own, only the loop runs in C) so a run computes
every CSM at once: ``shares``, ``bonus_shares``, ``commissions``, ``attainments``. The scalar forms
(``share_at``, ``bonus_share``, ``commission_at``, ``attainment_of``) call them with one value.
The walks (``tier_walk``,
``commission_walk``) explain a result step by step for statements; ``tier_share`` and
``commission_value`` return a number with its walk.
"""

from __future__ import annotations

import bisect
import functools
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import numpy as np

from xlcomp.model.plan import Curve, CurveMode
from xlcomp.rules.curves import TIERS, attainment, commission_curve, curve_share, tier_table
from xlcomp.rules.expr import Expr

__all__ = ["BonusShare", "Segment", "attainment_of", "attainments", "bonus_share", "bonus_shares",
           "commission_at", "commission_value", "commission_walk", "commissions", "decimals", "holding_tier",
           "maximum", "minimum", "rounded", "share_at", "shares", "tier_share", "tier_walk", "where"]

ZERO = Decimal(0)
ONE = Decimal(1)
Array = np.ndarray[Any, Any]
_ROUNDERS = {digits: np.frompyfunc(lambda x, q=Decimal(1).scaleb(-digits): x.quantize(q, ROUND_HALF_UP), 1, 1)
             for digits in range(0, 13)}


def decimals(values: Any) -> Array:
    """An object array of the given Decimals (or None)."""
    return np.fromiter(values, dtype=object, count=len(values))


def where(condition: Any, yes: Any, no: Any) -> Array:
    """``np.where`` over Decimals (typed for object arrays)."""
    return np.where(condition, yes, no)  # type: ignore[no-any-return]


def maximum(a: Any, b: Any) -> Array:
    """``np.maximum`` over Decimals."""
    return np.maximum(a, b)  # type: ignore[no-any-return]


def minimum(a: Any, b: Any) -> Array:
    """``np.minimum`` over Decimals."""
    return np.minimum(a, b)  # type: ignore[no-any-return]


def _one(value: Any) -> Array:
    out = np.empty(1, dtype=object)
    out[0] = value
    return out


def rounded(values: Array, digits: int) -> Array:
    """Excel's ROUND(value, digits) on every element: half away from zero, on the decimal value."""
    if not len(values):
        return values
    return _ROUNDERS[digits](values)  # type: ignore[no-any-return]


@functools.cache
def _curve_rule(mode: CurveMode) -> Expr:
    return curve_share(mode, "x")


@functools.cache
def _commission_rule(mode: CurveMode) -> Expr:
    return commission_curve(mode, "amount", "quota", "x")


_ATTAINMENT = attainment("actual", "target", "den")


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
    return max(0, bisect.bisect_right(curve.lows, value) - 1)


def shares(attainment: Array, curve: Curve) -> Array:
    """Each attainment's payout share (before threshold, cap and multiplier): the rule
    :func:`xlcomp.rules.curves.curve_share` on the curve's tier table."""
    return _curve_rule(curve.mode).evaluate({"x": attainment, TIERS: tier_table(curve)})  # type: ignore[no-any-return]


def share_at(attainment: Decimal, curve: Curve) -> Decimal:
    """A bonus's payout share at one attainment (before threshold, cap and multiplier)."""
    return shares(_one(attainment), curve)[0]  # type: ignore[no-any-return]


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


def attainments(actual: Array, den: Array | Decimal, target: Array | Decimal) -> Array:
    """Attainment as the engine pays it: ``ROUND(actual / (den x target), 6)``, and 0 where negative."""
    return _ATTAINMENT.evaluate({"actual": actual, "den": den, "target": target})  # type: ignore[no-any-return]


def attainment_of(actual: Decimal, target: Decimal, den: Decimal = ONE) -> Decimal:
    """One attainment: ``ROUND(actual / (den x target), 6)``, and 0 where negative."""
    return attainments(_one(actual), den, target)[0]  # type: ignore[no-any-return]


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


def bonus_shares(attainment: Array, curve: Curve, threshold: Decimal | None = None, cap: Decimal | None = None
                 ) -> tuple[Array, Array, Array, Array]:
    """Each attainment's share after threshold and cap: ``(share, below_threshold, capped, uncapped)``.

    Below the threshold the share is 0 (and ``uncapped`` None); else the curve's share, at most ``cap``.
    """
    share = shares(attainment, curve)
    n = len(attainment)
    below = attainment < threshold if threshold is not None else np.zeros(n, dtype=bool)
    uncapped = where(below, None, share)
    share = where(below, ZERO, share)
    capped = share > cap if cap is not None else np.zeros(n, dtype=bool)
    if cap is not None:
        share = where(capped, cap, share)
    return share, np.asarray(below, dtype=bool), np.asarray(capped, dtype=bool), uncapped


def bonus_share(attainment: Decimal, curve: Curve, threshold: Decimal | None = None,
                cap: Decimal | None = None) -> BonusShare:
    """The payout share at ``attainment``: 0 below the threshold, else the curve's share, capped at ``cap``."""
    share, below, capped, uncapped = bonus_shares(_one(attainment), curve, threshold, cap)
    return BonusShare(share[0], bool(below[0]), bool(capped[0]), uncapped[0], attainment, curve)


def commissions(amount: Array, quota: Array, attainment: Array, curve: Curve) -> Array:
    """Commission on each amount: marginal tiers cut the amount at ``upto x quota``; whole pays the rate of
    the tier holding the attainment on all of it (:func:`xlcomp.rules.curves.commission_curve`)."""
    env = {"amount": amount, "quota": quota, "x": attainment, TIERS: tier_table(curve)}
    return _commission_rule(curve.mode).evaluate(env)  # type: ignore[no-any-return]


def commission_at(amount: Decimal, quota: Decimal, attainment: Decimal, curve: Curve) -> Decimal:
    """Commission on one amount."""
    return commissions(_one(amount), _one(quota), _one(attainment), curve)[0]  # type: ignore[no-any-return]


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
