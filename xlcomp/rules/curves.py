"""Bonus curves and commission tiers (SPEC section 3) as rules over a tier table.

The tier table is an input: bound to :func:`tier_table` of a :class:`~xlcomp.model.plan.Curve` at
evaluation, to the tier table's name at rendering. The tier *holding* a value is the last tier
whose lower bound is at most the value (``MATCH(value, from, 1)``).

- marginal: ``SUMPRODUCT(rate, part)``, the part of x inside each tier being ``MIN(x, upto) - from``
  where x is above ``from`` (a blank ``upto`` has no end: ``upto + (upto="") x 1E+100``); a
  commission's bounds are scaled by the quota;
- whole: ``x x rate`` of the tier holding x (a commission: the non-negative amount times the rate
  of the tier holding the attainment); steps: the ``rate`` of the tier holding x.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from xlcomp.model.plan import Curve, CurveMode
from xlcomp.rules.expr import (
    BLANK,
    MAX,
    MIN,
    ROUND,
    Binary,
    Cells,
    Env,
    Expr,
    Group,
    If,
    Input,
    Num,
    Operand,
    as_expr,
    decimals,
)
from xlcomp.rules.tables import Column, Index, Lookup, Match

__all__ = ["BIG", "TIERS", "TIER_FROM", "TIER_PART", "TIER_RATE", "TIER_UPTO", "MarginalTiers", "attainment",
           "commission_curve", "curve_share", "held_rate", "tier_table", "walk_from", "walk_part", "walk_pay",
           "walk_rate", "walk_upto"]

TIERS = "tiers"
# Stands in for "no end" in a tier's upto inside array formulas (blank upto + BIG).
BIG = Num(Decimal("1E+100"), "1E+100")
ZERO = Decimal(0)
_MAXIMUM: Any = np.maximum  # on object arrays of Decimals
_MINIMUM: Any = np.minimum


def tier_table(curve: Curve) -> dict[str, tuple[Decimal | None, ...]]:
    """A curve as the tier table a rule reads: ``from``, ``upto`` (None: no end) and ``rate``."""
    bounds = curve.bounds()
    return {"from": tuple(b[0] for b in bounds), "upto": tuple(b[1] for b in bounds),
            "rate": tuple(b[2] for b in bounds)}


@dataclass(frozen=True, eq=False)
class MarginalTiers(Expr):
    """Σ rate x (the part of ``x`` inside each tier), bounds times ``scale`` (a commission's quota).

    Evaluated tier by tier: ``rate x MIN(MAX(x - from, 0), upto - from)``, the same number as the
    SUMPRODUCT it renders.
    """

    x: Expr
    table: str = TIERS
    scale: Expr | None = None

    def evaluate(self, env: Env) -> Any:
        table = env[self.table]
        x = self.x.evaluate(env)
        scalar = not isinstance(x, np.ndarray)
        values = decimals([x]) if scalar else x
        scale = None if self.scale is None else self.scale.evaluate(env)
        total = np.full(len(values), ZERO, dtype=object)
        for lower, upper, rate in zip(table["from"], table["upto"], table["rate"], strict=True):
            low = lower if scale is None else lower * scale
            part = _MAXIMUM(values - low, ZERO)
            if upper is not None:
                part = _MINIMUM(part, (upper - lower) if scale is None else upper * scale - low)
            total = total + rate * part
        return total[0] if scalar else total

    def render(self, cells: Cells) -> str:
        low, upto, rate = (Column(self.table, c) for c in ("from", "upto", "rate"))
        top: Expr = Group(upto + upto.eq(BLANK) * BIG)
        lower: Expr = low
        if self.scale is not None:
            top, lower = top * self.scale, low * self.scale
        x = self.x
        part = (x > lower) * ((x < top) * x + (x >= top) * top - lower)
        return f"SUMPRODUCT({rate.render(cells)},{part.render(cells)})"

    def children(self) -> tuple[Expr, ...]:
        return (self.x,) if self.scale is None else (self.x, self.scale)

    def inputs(self) -> set[str]:
        return super().inputs() | {self.table}


def held_rate(x: Operand, table: str = TIERS) -> Expr:
    """The rate of the tier holding ``x``: ``INDEX(rate, MATCH(x, from, 1))``."""
    return Lookup(as_expr(x), table, "from", "rate")


def curve_share(mode: CurveMode, x: Operand, table: str = TIERS) -> Expr:
    """A bonus curve's share at attainment ``x`` (no threshold, cap or multiplier)."""
    x = as_expr(x)
    if mode is CurveMode.MARGINAL:
        return MarginalTiers(x, table)
    if mode is CurveMode.WHOLE:
        return x * held_rate(x, table)
    return held_rate(x, table)


def commission_curve(mode: CurveMode, amount: Operand, quota: Operand, attainment: Operand,
                     table: str = TIERS) -> Expr:
    """Commission on ``amount``: marginal tiers cut at ``upto x quota``; whole pays the rate of the tier
    holding ``attainment`` on the whole non-negative amount."""
    if mode is CurveMode.MARGINAL:
        return MarginalTiers(as_expr(amount), table, as_expr(quota))
    return MAX(0, amount) * held_rate(attainment, table)


def attainment(actual: Operand, target: Operand, den: Operand | None = None) -> Expr:
    """``MAX(0, ROUND(actual / (den x target), 6))``: one division, 0 where negative."""
    divisor = as_expr(target) if den is None else as_expr(den) * target
    return MAX(0, ROUND(as_expr(actual) / divisor, 6))


# The tier walk a CSM tab shows: one row per tier, reading that row's own cells.
TIER_FROM, TIER_UPTO, TIER_RATE, TIER_PART = "tier_from", "tier_upto", "tier_rate", "tier_part"


def walk_from(row: int, scaled: bool) -> Expr:
    """A tier's lower bound: ``INDEX(from, row)``, times the quota for a commission."""
    low = Index(TIERS, "from", row)
    return low * "quota" if scaled else low


def walk_upto(row: int, scaled: bool) -> Expr:
    """A tier's upper bound: blank for no end, times the quota for a commission."""
    upto = Index(TIERS, "upto", row)
    return If(upto.eq(BLANK), BLANK, upto * "quota" if scaled else upto)


def walk_rate(row: int) -> Expr:
    """A tier's rate."""
    return Index(TIERS, "rate", row)


def walk_part(mode: CurveMode, commission: bool, row: int) -> Expr:
    """The part of attainment ``x`` (or of ``amount``) inside tier ``row``; whole and steps count only the
    tier holding ``x`` (1 for steps)."""
    x, low, upto = Input("x"), Input(TIER_FROM), Input(TIER_UPTO)
    if mode is CurveMode.MARGINAL:
        reach = as_expr("amount") if commission else x
        part = MAX(0, If(upto.eq(BLANK), reach, MIN(reach, upto)) - low)
        return part if commission else If(x.eq(BLANK), Num(ZERO), part)
    held = Binary("=", Match(x, TIERS, "from"), Num(Decimal(row)))
    inside: Expr = MAX(0, "amount") if commission else x if mode is CurveMode.WHOLE else Num(Decimal(1))
    return If(x.eq(BLANK), Num(ZERO), If(held, inside, Num(ZERO)))


def walk_pay(row: int) -> Expr:
    """What a tier pays: rate x part."""
    return Input(TIER_RATE) * TIER_PART
