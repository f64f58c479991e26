"""A component's payout rules (SPEC section 3), each written once as an expression.

The rules read named inputs; the engine binds them to arrays (one value per CSM) and the CSM tab
binds them to its cells, so the chain of rules is the chain of cells on the tab:

bonus: ``attainment`` -> ``curve_share`` -> ``share`` (threshold, gate, cap) -> ``payout``, with
``target_incentive`` shown beside it; commission: ``amount`` -> ``attainment`` (with a quota) ->
``before_cap`` -> ``commission`` (cap_amount, gate) -> ``payout``. Around them: ``days_employed``,
``proration``, a risk-adjusted ``target``, the ``gate``, each multiplier's ``factor`` and their
product.

Input names (the keys of an environment or of a cell map) are the module's constants.
"""

from __future__ import annotations

from decimal import Decimal

from xlcomp.model.plan import Component, CurveMode, Kind, Multiplier
from xlcomp.rules.curves import attainment, commission_curve, curve_share
from xlcomp.rules.expr import (
    BLANK,
    FALSE,
    MAX,
    MIN,
    NOT,
    OR,
    ROUND,
    Expr,
    Func,
    If,
    Input,
    N,
    Num,
    as_expr,
)
from xlcomp.rules.tables import ColumnMin, Lookup

__all__ = ["BANDS", "PERIODS_PER_YEAR", "PERIOD_DAYS", "Inputs", "band_min", "band_table", "bonus_attainment",
           "bonus_curve_share", "bonus_payout", "bonus_share", "calendar_days", "commission_amount",
           "commission_attainment", "commission_before_cap", "commission_capped", "commission_payout", "curve_point",
           "day_weighted_mean", "days_employed", "gate_passed", "multiplier_factor", "multiplier_product",
           "proration", "risk_adjusted_target", "stretch_value_days", "target_incentive"]

PERIOD_DAYS = "period_days"
PERIODS_PER_YEAR = "periods_per_year"
BANDS = "bands"
ZERO = Decimal(0)


class Inputs:
    """The names a component's rules read (each bound to a value or a cell)."""

    VALUE = "value"                 # the metric's value (blank: no data)
    NUM = "num"                     # its numerator
    DEN = "den"                     # its denominator
    TARGET = "target"               # the bonus target or commission quota
    ATTAINMENT = "attainment"
    CURVE_SHARE = "curve_share"
    THRESHOLD = "threshold"
    CAP = "cap"                     # a bonus's share cap
    CAP_AMOUNT = "cap_amount"       # a commission's cap
    GATE = "gate"                   # TRUE when the gate passed
    SHARE = "share"
    MULTIPLIER = "multiplier"
    TARGET_VARIABLE = "target_variable"
    WEIGHT = "weight"
    DAYS = "days"
    AMOUNT = "amount"
    QUOTA = "quota"
    RATE = "rate"
    BEFORE_CAP = "before_cap"
    COMMISSION = "commission"
    START = "start"
    END = "end"
    PERIOD_START = "period_start"
    PERIOD_END = "period_end"
    RISK = "risk"
    TARGET_VARIABLE_DAYS = "target_variable_days"   # Σ over the period's stretches of target_variable x days
    VALUE_DAYS = "value_days"                       # Σ over the stretches of a roster value x days


K = Inputs


def days_employed() -> Expr:
    """Days of the period inside [start, end], both included; a blank date is an open end.

    Dates are day numbers (Excel serials on the tab, ordinals in the engine: only differences count).
    """
    end = MIN(K.PERIOD_END, If(Input(K.END).eq(BLANK), Input(K.PERIOD_END), Input(K.END)))
    start = MAX(K.PERIOD_START, If(Input(K.START).eq(BLANK), Input(K.PERIOD_START), Input(K.START)))
    return MAX(0, end - start + 1)


def proration() -> Expr:
    """Days employed over days in the period."""
    return Input(K.DAYS) / PERIOD_DAYS


def risk_adjusted_target() -> Expr:
    """``ROUND(clamp(base - per_point x (risk - reference), floor, ceiling), 6)``; the base without risk data.

    Reads ``target`` (the base), ``risk`` (the book's ARR-weighted risk_score) and ``risk_floor``,
    ``risk_ceiling``, ``risk_per_point``, ``risk_reference``.
    """
    base = Input(K.TARGET)
    moved = base - Input("risk_per_point") * (Input(K.RISK) - Input("risk_reference"))
    return If(Input(K.RISK).eq(BLANK), base, ROUND(MIN("risk_ceiling", MAX("risk_floor", moved)), 6))


def bonus_attainment(has_den: bool) -> Expr:
    """``MAX(0, ROUND(num / (den x target), 6))``; blank with no data or no positive target."""
    den = K.DEN if has_den else None
    return If(OR(Input(K.VALUE).eq(BLANK), N(K.TARGET) <= 0), BLANK, attainment(K.NUM, K.TARGET, den))


def bonus_curve_share(mode: CurveMode) -> Expr:
    """The curve's share at the attainment (0 with no data), before threshold and cap."""
    x = Input(K.ATTAINMENT)
    return If(x.eq(BLANK), Num(ZERO), curve_share(mode, x))


def bonus_share(component: Component) -> Expr:
    """The share paid: 0 with no data, below the threshold or with the gate closed; else the curve's
    share, at most the cap."""
    x = Input(K.ATTAINMENT)
    conditions: list[Expr] = [x.eq(BLANK)]
    if component.threshold is not None:
        conditions.append(x < K.THRESHOLD)
    if component.gate is not None:
        conditions.append(NOT(K.GATE))
    paid: Expr = MIN(K.CAP, K.CURVE_SHARE) if component.cap is not None else Input(K.CURVE_SHARE)
    return If(Func("OR", tuple(conditions)), Num(ZERO), paid)


def _annual_fraction(numerator: Expr) -> Expr:
    return numerator / (Input(PERIOD_DAYS) * PERIODS_PER_YEAR)


def target_incentive(dated: bool = False) -> Expr:
    """target variable x weight x days employed / (days in period x periods a year).

    ``dated``: the target variable changes inside the period (SPEC section 10), so ``target_variable x days``
    is ``target_variable_days``, the sum over the stretches (:func:`stretch_value_days`).
    """
    if dated:
        return _annual_fraction(Input(K.TARGET_VARIABLE_DAYS) * K.WEIGHT)
    return _annual_fraction(Input(K.TARGET_VARIABLE) * K.WEIGHT * K.DAYS)


def bonus_payout(dated: bool = False) -> Expr:
    """``ROUND(target_variable x weight x days x share x multiplier / (days in period x periods a year), 2)``:
    one division, last (``dated``: ``target_variable_days`` for ``target_variable x days``)."""
    if dated:
        return ROUND(_annual_fraction(Input(K.TARGET_VARIABLE_DAYS) * K.WEIGHT * K.SHARE * K.MULTIPLIER), 2)
    return ROUND(_annual_fraction(Input(K.TARGET_VARIABLE) * K.WEIGHT * K.DAYS * K.SHARE * K.MULTIPLIER), 2)


def calendar_days() -> Expr:
    """Days from ``period_start`` to ``period_end`` (a stretch's first and last day), both included; 0 when empty."""
    return MAX(0, Input(K.PERIOD_END) - K.PERIOD_START + 1)


def stretch_value_days() -> Expr:
    """A stretch's part of a sum over the period: its value x its days."""
    return Input(K.VALUE) * K.DAYS


def day_weighted_mean() -> Expr:
    """A quota or target that changes inside the period: ``ROUND(Σ value x days / days in the period, 6)``."""
    return ROUND(Input(K.VALUE_DAYS) / PERIOD_DAYS, 6)


def commission_amount() -> Expr:
    """The amount commission is paid on: the metric's value, 0 with no data."""
    value = Input(K.VALUE)
    return If(value.eq(BLANK), Num(ZERO), value)


def commission_attainment() -> Expr:
    """``MAX(0, ROUND(amount / quota, 6))``; blank without a positive quota."""
    return If(N(K.QUOTA) <= 0, BLANK, attainment(K.AMOUNT, K.QUOTA))


def commission_before_cap(component: Component) -> Expr:
    """Commission before cap and gate: the tiers on the amount (0 below the threshold), or the flat rate."""
    if component.quota is None:
        return MAX(0, K.AMOUNT) * K.RATE
    assert component.curve is not None
    x = Input(K.ATTAINMENT)
    conditions: list[Expr] = [x.eq(BLANK)]
    if component.threshold is not None:
        conditions.append(x < K.THRESHOLD)
    curve = commission_curve(component.curve.mode, K.AMOUNT, K.QUOTA, x)
    return If(OR(*conditions), Num(ZERO), MAX(0, curve))


def commission_capped(component: Component) -> Expr:
    """The commission: at most cap_amount, 0 with the gate closed."""
    value: Expr = Input(K.BEFORE_CAP)
    if component.cap_amount is not None:
        value = MIN(K.CAP_AMOUNT, value)
    if component.gate is not None:
        return If(NOT(K.GATE), Num(ZERO), value)
    return value


def commission_payout() -> Expr:
    """``ROUND(commission x multiplier, 2)``."""
    return ROUND(Input(K.COMMISSION) * K.MULTIPLIER, 2)


def gate_passed(has_den: bool, minimum: str = "gate_min") -> Expr:
    """The gate: the metric at least its minimum (``num >= min x den``, no division); FALSE with no data."""
    test = (Input(K.NUM) >= Input(minimum) * K.DEN) if has_den else (Input(K.VALUE) >= minimum)
    return If(Input(K.VALUE).eq(BLANK), FALSE, test)


def curve_point(component: Component) -> Expr:
    """A point of the Plan sheet's payout-curve chart at attainment ``attainment``: the bonus share after
    threshold and cap, or a commission's pay per 1 of quota (0 below the threshold)."""
    assert component.curve is not None
    x = Input(K.ATTAINMENT)
    point = curve_share(component.curve.mode, x)
    if component.kind is Kind.BONUS and component.cap is not None:
        point = MIN(K.CAP, point)
    if component.kind is Kind.COMMISSION:
        point = MAX(0, point)
    if component.threshold is not None:
        point = If(x < K.THRESHOLD, Num(ZERO), point)
    return point


def band_table(multiplier: Multiplier) -> dict[str, tuple[Decimal, ...]]:
    """A multiplier's bands as the table its rule reads: ``min`` ascending and ``factor``."""
    bands = sorted(multiplier.bands, key=lambda b: b.min)
    return {"min": tuple(b.min for b in bands), "factor": tuple(b.factor for b in bands)}


def _by_band(column: str, otherwise: Expr) -> Expr:
    value = Input(K.VALUE)
    return If(value.eq(BLANK), otherwise, If(value < ColumnMin(BANDS, "min"), otherwise,
                                             Lookup(value, BANDS, "min", column)))


def multiplier_factor() -> Expr:
    """The factor of the highest band whose min is at most the value; 1 with no data or below every band."""
    return _by_band("factor", Num(Decimal(1)))


def band_min() -> Expr:
    """The min of the band :func:`multiplier_factor` picked (blank: none)."""
    return _by_band("min", BLANK)


def multiplier_product(factors: list[str]) -> Expr | None:
    """The product of the factors that apply to a component (None: no multiplier applies)."""
    if not factors:
        return None
    product = as_expr(factors[0])
    for name in factors[1:]:
        product = product * name
    return product

