"""The worksheet functions (SPEC section 6): one registry, exposed through xlwings and Office.js.

Every function is the engine's own math (:mod:`xlcomp.engine.curves`, :mod:`xlcomp.engine.metrics`,
:mod:`xlcomp.roi.metrics`, :func:`xlcomp.model.period.days_inside`) on exact Decimals; the result
goes back to Excel as a float, or as an :class:`~xlcomp.functions.values.ExcelError` (``#VALUE!``,
``#DIV/0!``, ``#NUM!``) with a message. A function never raises into Excel.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext
from types import MappingProxyType
from typing import Any, Literal

from xlcomp.engine.curves import attainment_of, bonus_share, commission_at
from xlcomp.engine.metrics import MetricValue, churn_rate, gross_renewal_rate, health_blend, net_revenue_retention
from xlcomp.functions.values import (
    DIV0,
    NUM,
    VALUE,
    ArgumentError,
    ExcelError,
    cells,
    curve_from_range,
    date_value,
    number,
    optional_number,
)
from xlcomp.model.period import days_inside
from xlcomp.model.plan import CurveMode
from xlcomp.money import CONTEXT, excel_round
from xlcomp.roi.metrics import arr_per_csm, cs_magic_number

__all__ = ["REGISTRY", "ExcelResult", "FunctionSpec", "Param"]

ZERO = Decimal(0)
ONE = Decimal(1)
ExcelResult = float | ExcelError
ParamKind = Literal["number", "text", "date", "range"]
_BONUS_MODES = (CurveMode.MARGINAL, CurveMode.WHOLE, CurveMode.STEPS)
_COMMISSION_MODES = (CurveMode.MARGINAL, CurveMode.WHOLE)


@dataclass(frozen=True)
class Param:
    """One parameter: its name, what it takes, a line of help, and whether it may be omitted.

    ``kind`` is ``number``, ``text``, ``date`` or ``range``; a range is passed 2-D (rows of cells).
    """

    name: str
    kind: ParamKind
    description: str
    optional: bool = False

    @property
    def dimensionality(self) -> Literal["scalar", "matrix"]:
        """``matrix`` for a range, ``scalar`` for one value (Office.js's words)."""
        return "matrix" if self.kind == "range" else "scalar"


@dataclass(frozen=True)
class FunctionSpec:
    """A worksheet function: its name, the plain callable, a description and parameter help.

    Calling the spec calls the function: ``REGISTRY["CS_GRR"](1000, 950)`` is ``0.95``.
    """

    name: str
    func: Callable[..., ExcelResult]
    description: str
    params: tuple[Param, ...]
    example: str = ""

    def __call__(self, *args: Any, **kwargs: Any) -> ExcelResult:
        return self.func(*args, **kwargs)

    @property
    def signature(self) -> str:
        """How it is typed in a cell: ``CSM_TIERED(attainment, tiers, [mode], [threshold], [cap])``."""
        names = [f"[{p.name}]" if p.optional else p.name for p in self.params]
        return f"{self.name}({', '.join(names)})"

    @property
    def required(self) -> int:
        """How many leading parameters must be given."""
        return sum(1 for p in self.params if not p.optional)


_REGISTRY: dict[str, FunctionSpec] = {}
REGISTRY: Mapping[str, FunctionSpec] = MappingProxyType(_REGISTRY)


def _to_excel(name: str, value: Decimal) -> ExcelResult:
    result = float(value)
    if not math.isfinite(result):
        return ExcelError(NUM, f"{name}: the result {value:.6e} is too large for Excel")
    return result


def _worksheet_function(name: str, description: str, params: tuple[Param, ...], example: str = "",
                        aliases: Mapping[str, str] = MappingProxyType({})
                        ) -> Callable[[Callable[..., Decimal]], Callable[..., ExcelResult]]:
    """Register ``impl`` (Decimals in, a Decimal out) as the never-raising Excel function ``name``.

    ``aliases`` maps other keyword names (the SPEC's) to parameter names.
    """

    def register(impl: Callable[..., Decimal]) -> Callable[..., ExcelResult]:
        signature = inspect.signature(impl)
        assert [p.name for p in params] == list(signature.parameters), name

        @functools.wraps(impl)
        def excel_function(*args: Any, **kwargs: Any) -> ExcelResult:
            if aliases and kwargs:
                kwargs = {aliases.get(key, key): value for key, value in kwargs.items()}
            try:
                bound = signature.bind(*args, **kwargs)
            except TypeError as exc:
                return ExcelError(VALUE, f"{name}: {exc} (usage: {spec.signature})")
            try:
                with localcontext(CONTEXT):
                    return _to_excel(name, impl(*bound.args, **bound.kwargs))
            except ArgumentError as exc:
                return ExcelError(exc.code, exc.message)
            except ArithmeticError as exc:  # Decimal overflow and the like: a number out of range
                return ExcelError(NUM, f"{name}: a number is out of range ({type(exc).__name__})")
            except Exception as exc:  # a bug must show in the cell, never crash Excel's calculation
                return ExcelError(VALUE, f"{name}: internal error {type(exc).__name__}: {exc}")

        excel_function.__name__ = excel_function.__qualname__ = name
        spec = FunctionSpec(name, excel_function, description, params, example)
        _REGISTRY[name] = spec
        return excel_function

    return register


def _defined(metric: MetricValue, what: str) -> Decimal:
    if metric.value is None:
        raise ArgumentError(DIV0, f"{what} is undefined: {metric.reason}")
    return metric.value


def _positive(value: Decimal, name: str) -> Decimal:
    if value == 0:
        raise ArgumentError(DIV0, f"{name} is 0")
    if value < 0:
        raise ArgumentError(NUM, f"{name}: {value.normalize():f} must be positive")
    return value


_AMOUNT = "an amount (a blank cell is 0)"


@_worksheet_function(
    "CSM_ATTAINMENT",
    "Attainment as the engine pays it: ROUND(actual / target, 6), and 0 where negative.",
    (Param("actual", "number", "The result: an amount or a rate."),
     Param("target", "number", "The target or quota (must be positive).")),
    "=CSM_ATTAINMENT(276000, 300000) returns 0.92",
)
def _csm_attainment(actual: Any, target: Any) -> Decimal:
    return attainment_of(number(actual, "actual"), _positive(number(target, "target"), "target"))


@_worksheet_function(
    "CSM_TIERED",
    "A bonus's payout share at an attainment: the tier curve (marginal, whole or steps), 0 below the "
    "threshold, at most the cap. Attainment is rounded to 6 places, as the engine does.",
    (Param("attainment", "number", "Attainment (1 = 100%); rounded to 6 places, negative counts as 0."),
     Param("tiers", "range", "2 columns upto | rate, ascending; the last upto may be blank (no end)."),
     Param("mode", "text", '"marginal" (default), "whole" or "steps".', optional=True),
     Param("threshold", "number", "Attainment below it pays 0.", optional=True),
     Param("cap", "number", "The highest share paid.", optional=True)),
    '=CSM_TIERED(1.05, {1,1;1.1,3;"",1}, "marginal", 0.85, 1.5) returns 1.15',
)
def _csm_tiered(attainment: Any, tiers: Any, mode: Any = None, threshold: Any = None, cap: Any = None) -> Decimal:
    curve = curve_from_range(tiers, mode, _BONUS_MODES)
    share = bonus_share(attainment_of(number(attainment, "attainment"), ONE), curve,
                        optional_number(threshold, "threshold", minimum=ZERO),
                        optional_number(cap, "cap", minimum=ZERO))
    return share.share


@_worksheet_function(
    "CSM_COMMISSION",
    "Commission on an amount with tiers cut at upto x quota: marginal pays each tier's rate on the part "
    "inside it, whole pays the rate of the tier holding ROUND(amount / quota, 6) on all of it. "
    "Rounded to cents.",
    (Param("amount", "number", "The amount commission is paid on (e.g. net new ARR)."),
     Param("quota", "number", "The quota the tiers are fractions of (must be positive)."),
     Param("tiers", "range", "2 columns upto | rate, upto as a fraction of quota; the last upto may be blank."),
     Param("mode", "text", '"marginal" (default) or "whole".', optional=True)),
    '=CSM_COMMISSION(500000, 300000, {1,0.075;1.5,0.125;"",0.15}) returns 48750',
)
def _csm_commission(amount: Any, quota: Any, tiers: Any, mode: Any = None) -> Decimal:
    curve = curve_from_range(tiers, mode, _COMMISSION_MODES)
    amount_value = number(amount, "amount")
    quota_value = _positive(number(quota, "quota"), "quota")
    value = commission_at(amount_value, quota_value, attainment_of(amount_value, quota_value), curve)
    return excel_round(max(value, ZERO), 2)


@_worksheet_function(
    "CSM_PRORATION",
    "Days employed inside the period over days in the period, first and last days included.",
    (Param("start_date", "date", "First day employed (blank: before the period)."),
     Param("end_date", "date", "Last day employed (blank: still employed)."),
     Param("period_start", "date", "First day of the period."),
     Param("period_end", "date", "Last day of the period.")),
    "=CSM_PRORATION(DATE(2027,2,15), , DATE(2027,1,1), DATE(2027,3,31)) returns 45/90 = 0.5",
    aliases=MappingProxyType({"start": "start_date", "end": "end_date"}),
)
def _csm_proration(start_date: Any, end_date: Any, period_start: Any, period_end: Any) -> Decimal:
    first, last = date_value(period_start, "period_start"), date_value(period_end, "period_end")
    if first is None or last is None:
        raise ArgumentError(VALUE, f"{'period_start' if first is None else 'period_end'} is blank")
    if last < first:
        raise ArgumentError(NUM, f"period_end {last} is before period_start {first}")
    employed_from, employed_to = date_value(start_date, "start_date"), date_value(end_date, "end_date")
    if employed_from is not None and employed_to is not None and employed_to < employed_from:
        raise ArgumentError(NUM, f"end_date {employed_to} is before start_date {employed_from}")
    days = days_inside(first, last, employed_from, employed_to)
    return Decimal(days) / Decimal(days_inside(first, last, None, None))


@_worksheet_function(
    "CS_GRR",
    "Gross renewal rate: renewed ARR / renewable ARR.",
    (Param("renewable", "number", f"Renewable ARR, {_AMOUNT}."),
     Param("renewed", "number", f"Renewed ARR, {_AMOUNT}.")),
    "=CS_GRR(1000000, 920000) returns 0.92",
)
def _cs_grr(renewable: Any, renewed: Any) -> Decimal:
    metric = gross_renewal_rate(number(renewable, "renewable", minimum=ZERO), number(renewed, "renewed", minimum=ZERO))
    return _defined(metric, "gross renewal rate")


@_worksheet_function(
    "CS_NRR",
    "Net revenue retention: (ARR start + expansion - contraction - churned) / ARR start.",
    (Param("arr_start", "number", "ARR at the start of the period."),
     Param("expansion", "number", f"Upsell and cross-sell ARR, {_AMOUNT}."),
     Param("contraction", "number", f"Contraction ARR, {_AMOUNT}."),
     Param("churned", "number", f"Churned ARR, {_AMOUNT}.")),
    "=CS_NRR(1000000, 150000, 20000, 50000) returns 1.08",
)
def _cs_nrr(arr_start: Any, expansion: Any, contraction: Any, churned: Any) -> Decimal:
    metric = net_revenue_retention(number(arr_start, "arr_start", minimum=ZERO),
                                   number(expansion, "expansion", minimum=ZERO),
                                   number(contraction, "contraction", minimum=ZERO),
                                   number(churned, "churned", minimum=ZERO))
    return _defined(metric, "net revenue retention")


@_worksheet_function(
    "CS_CHURN_RATE",
    "Churn rate: churned customers (or ARR) / total.",
    (Param("churned", "number", "Churned customers or ARR."),
     Param("total", "number", "All customers or ARR (at least churned).")),
    "=CS_CHURN_RATE(3, 40) returns 0.075",
)
def _cs_churn_rate(churned: Any, total: Any) -> Decimal:
    churned_value = number(churned, "churned", minimum=ZERO)
    total_value = number(total, "total", minimum=ZERO)
    if churned_value > total_value:
        raise ArgumentError(NUM, f"churned {churned_value.normalize():f} is more than total "
                                 f"{total_value.normalize():f}")
    return _defined(churn_rate(churned_value, total_value, "churn_rate"), "churn rate")


@_worksheet_function(
    "CS_MAGIC_NUMBER",
    "CS magic number: (renewed ARR + expansion ARR) / (CS team cost + support team cost); healthy above 5.",
    (Param("renewed_arr", "number", "Renewed ARR."),
     Param("expansion_arr", "number", "Upsell and cross-sell ARR."),
     Param("cs_cost", "number", "Cost of the CS team (base + variable + overhead)."),
     Param("support_cost", "number", "Cost of the support team (blank or omitted: 0).", optional=True)),
    "=CS_MAGIC_NUMBER(4600000, 400000, 800000, 200000) returns 5",
)
def _cs_magic_number(renewed_arr: Any, expansion_arr: Any, cs_cost: Any, support_cost: Any = None) -> Decimal:
    value = cs_magic_number(number(renewed_arr, "renewed_arr", minimum=ZERO),
                            number(expansion_arr, "expansion_arr", minimum=ZERO),
                            number(cs_cost, "cs_cost", minimum=ZERO),
                            number(support_cost, "support_cost", minimum=ZERO))
    if value is None:
        raise ArgumentError(DIV0, "CS team cost + support team cost is 0")
    return value


@_worksheet_function(
    "CS_COVERAGE",
    "Coverage: ARR per CSM (benchmark about 2,000,000 per CSM).",
    (Param("arr", "number", "ARR covered."),
     Param("csms", "number", "CSMs (full-time equivalent; must be positive).")),
    "=CS_COVERAGE(10000000, 4) returns 2500000",
)
def _cs_coverage(arr: Any, csms: Any) -> Decimal:
    value = arr_per_csm(number(arr, "arr", minimum=ZERO), _positive(number(csms, "csms"), "csms"))
    assert value is not None
    return value


_SCORE_MAX = Decimal(100)


@_worksheet_function(
    "CS_HEALTH",
    "A health score blended from usage, activity and engagement scores (0-100): the weighted mean of the "
    "scores that have data (a blank score is no data). Weights default to equal.",
    (Param("usage", "number", "Usage score, 0-100 (blank: no data)."),
     Param("activity", "number", "Activity score, 0-100 (blank: no data)."),
     Param("engagement", "number", "Engagement score, 0-100 (blank: no data)."),
     Param("weights", "range", "3 weights (a row or a column), e.g. 0.5, 0.3, 0.2; default equal.",
           optional=True)),
    "=CS_HEALTH(80, 60, 40, {0.5,0.3,0.2}) returns 66",
)
def _cs_health(usage: Any, activity: Any, engagement: Any, weights: Any = None) -> Decimal:
    scores = [optional_number(value, name, minimum=ZERO, maximum=_SCORE_MAX)
              for value, name in ((usage, "usage"), (activity, "activity"), (engagement, "engagement"))]
    if weights is None or (isinstance(weights, str) and not weights.strip()):
        weight_values = [ONE, ONE, ONE]
    else:
        flat = [cell for row in cells(weights, "weights") for cell in row]
        if len(flat) != 3:
            raise ArgumentError(VALUE, f"weights: expected 3 weights (usage, activity, engagement), got {len(flat)}")
        weight_values = []
        for name, cell in zip(("usage", "activity", "engagement"), flat, strict=True):
            weight = optional_number(cell, f"weights ({name})", minimum=ZERO)
            if weight is None:
                raise ArgumentError(VALUE, f"weights ({name}) is blank")
            weight_values.append(weight)
        if sum(weight_values, ZERO) == 0:
            raise ArgumentError(NUM, "weights add up to 0")
    return _defined(health_blend(scores, weight_values), "health score")
