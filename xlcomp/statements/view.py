"""A CSM's statement as text for the template: every figure comes from the engine's results.

:func:`statement_view` turns a :class:`~xlcomp.engine.CsmResult` (and its trace) into frozen
records of ready-to-print strings. Nothing here computes a payout: amounts are the engine's
(``ComponentResult.payout``, ``.target_incentive``, ``.value``, ``.segment_amount``), only formatted.
The ``fields`` of a view are the figures ``xlcomp verify`` compares: the same keys are marked in the
HTML (``data-field``) and stored in the embedded record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from xlcomp.engine.curves import Segment
from xlcomp.engine.metrics import metric_value
from xlcomp.engine.payouts import ComponentResult, GateCheck, MultiplierCheck
from xlcomp.engine.run import CsmResult, RunResult
from xlcomp.model.metrics import METRICS, Source, Unit
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, CurveMode, Kind, Plan
from xlcomp.statements import fmt
from xlcomp.statements.credit import CreditView, credit_views
from xlcomp.statements.dating import part_days, part_lines, ramp_text, spif_lines

__all__ = ["ComponentView", "Line", "StatementView", "WalkRow", "day_text", "period_range", "statement_view"]

ONE = Decimal(1)
# Metrics whose num/den is not meaningful to a reader (ARR-weighted means): show only the value.
_WEIGHTED_MEANS = ("health_score", "adoption_rate", "risk_score")
_FRACTION = {4: "¼", 2: "½", 12: "1/12", 1: "1"}


@dataclass(frozen=True)
class Line:
    """One line of a component's derivation: a label, its text, an optional amount and a style."""

    label: str
    text: str
    amount: str = ""
    tone: str = ""          # "" | "warn" (pays nothing, capped) | "ok" (met)
    strong: bool = False    # the payout line


@dataclass(frozen=True)
class WalkRow:
    """One step of the tier walk: ``"80%–100% at 1.0×"``, the part inside it, its amount."""

    step: str
    part: str
    amount: str


@dataclass(frozen=True)
class ComponentView:
    """One component as shown: summary cells, the derivation lines and the tier walk."""

    key: str
    number: int
    label: str
    kind: str
    measure: str
    actual: str
    target: str
    attainment: str
    payout: str
    status: str
    lines: tuple[Line, ...]
    walk_title: str
    walk: tuple[WalkRow, ...]
    walk_paid: bool
    result: tuple[Line, ...]


@dataclass(frozen=True)
class AdjustmentView:
    """One adjustment on a statement: its line number, component, reason, approver and payout."""

    number: int
    component: str
    reason: str
    approved_by: str
    payout: str


@dataclass(frozen=True)
class StatementView:
    """A whole statement as text."""

    plan_name: str
    plan_id: str
    plan_period: str
    currency: str
    period: str
    period_range: str
    issued: str
    csm_id: str
    name: str
    segment: str
    role: str
    manager: str
    employment: str
    target_variable: str
    components: tuple[ComponentView, ...]
    total: str
    total_money: str
    plan_hash: str
    input_hash: str
    version: str
    fields: dict[str, str]
    adjustments: tuple[AdjustmentView, ...] = ()
    credits: tuple[CreditView, ...] = ()   # credited shares of moved and split accounts (SPEC section 10)


def day_text(day: date) -> str:
    """``2027-03-31`` as ``31 Mar 2027``."""
    return f"{day.day} {day:%b %Y}"


def period_range(period: Period) -> str:
    """``1 Jan 2027 – 31 Mar 2027``."""
    return f"{day_text(period.start)} – {day_text(period.end)}"


def _value(value: Decimal | None, unit: Unit) -> str:
    return fmt.metric_value_text(value, unit)


def _bound(value: Decimal, kind: Kind, has_quota: bool) -> str:
    if kind is Kind.BONUS or not has_quota:
        return fmt.plain_percent(value)
    return fmt.amount(value)


def _step_text(segment: Segment, component: Component, has_quota: bool) -> str:
    kind = component.kind
    rate = fmt.multiple(segment.rate) if kind is Kind.BONUS else fmt.commission_rate(segment.rate)
    if kind is Kind.COMMISSION and not has_quota:
        return f"flat rate at {rate}"
    low = _bound(segment.lower, kind, has_quota)
    if segment.upper is None:
        where = f"{low} and above"
    else:
        where = f"{low}–{_bound(segment.upper, kind, has_quota)}"
    return f"{where} at {rate}"


def _walk(result: ComponentResult, has_quota: bool) -> tuple[str, tuple[WalkRow, ...]]:
    component = result.component
    curve = component.curve
    mode = curve.mode if curve is not None else None
    rows = []
    for segment in result.trace.segments:
        step = _step_text(segment, component, has_quota)
        if component.kind is Kind.BONUS:
            if mode is CurveMode.STEPS:
                part = f"fixed share {fmt.exact(segment.value)}"
            elif mode is CurveMode.WHOLE:
                part = f"all {fmt.plain_percent(segment.base)}"
            else:
                part = fmt.plain_percent(segment.base)
        elif mode is CurveMode.WHOLE:
            part = f"all {fmt.amount(segment.base)}"
        else:
            part = fmt.amount(segment.base)
        rows.append(WalkRow(step, part, fmt.amount(result.segment_amount(segment))))
    if component.kind is Kind.BONUS:
        title = {CurveMode.MARGINAL: "Marginal tiers: each part of attainment at its rate",
                 CurveMode.WHOLE: "Whole tier: its rate on all of attainment",
                 CurveMode.STEPS: "Steps: the tier pays a fixed share"}[curve.mode] \
            if curve is not None else "Tiers"
    elif not has_quota:
        title = "Flat rate on the whole amount"
    elif mode is CurveMode.WHOLE:
        title = "Whole tier: its rate on the whole amount"
    else:
        title = "Marginal tiers: each part of the amount at its rate"
    return title, tuple(rows)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


_TOKEN = re.compile(r"[a-z][a-z_]*[a-z]")


def _definition(name: str) -> str:
    """The catalogue's definition with column names in words: ``renewed ARR / renewable ARR``."""
    text = METRICS[name].definition if name in METRICS else f"the plan's input {name}"
    return _TOKEN.sub(lambda m: fmt.metric_label(m.group(0)) if "_" in m.group(0) or m.group(0) == "nps"
                      else m.group(0), text).replace(" - ", " − ")


def _measure_line(result: ComponentResult, csm_result: CsmResult, plan: Plan) -> Line:
    metric = result.metric
    name = metric.name
    unit = fmt.metric_unit(name, plan)
    label = _upper_first(fmt.metric_label(name))
    if not metric.defined:
        return Line("Measure", f"{label}: no value — {metric.reason}", tone="warn")
    value = _value(metric.value, unit)
    if name in plan.inputs:
        return Line("Measure", f"{label} {value} (a company figure from the plan)")
    if unit in (Unit.MONEY, Unit.COUNT):
        accounts = csm_result.sums.accounts
        noun = "account" if accounts == 1 else "accounts"
        return Line("Measure", f"{label} {value} — {_definition(name)} over your {accounts:,} {noun}")
    if metric.den != ONE and name not in _WEIGHTED_MEANS:
        assert metric.num is not None
        if name == "nps":
            parts = f"{fmt.count(metric.num)} / {fmt.count(metric.den)} scored accounts"
        elif METRICS[name].source is Source.BOOK and all("arr" in c for c in METRICS[name].columns):
            parts = f"{fmt.amount(metric.num)} / {fmt.amount(metric.den)}"
        else:
            parts = f"{fmt.count(metric.num)} / {fmt.count(metric.den)}"
        return Line("Measure", f"{label} = {_definition(name)} = {parts} = {value}")
    return Line("Measure", f"{label} {value} — {_definition(name)}")


def _gate_line(gate: GateCheck, csm_result: CsmResult, plan: Plan) -> Line:
    label = fmt.metric_label(gate.metric)
    unit = fmt.metric_unit(gate.metric, plan)
    minimum = _value(gate.min, unit)
    if gate.value is None:
        reason = metric_value(gate.metric, csm_result.sums, csm_result.csm, plan).reason
        return Line("Gate", f"{label} has no value ({reason}); it must be at least {minimum} — not met, "
                            "so this component pays nothing", tone="warn")
    shown = _value(gate.value, unit)
    if gate.passed:
        return Line("Gate", f"{label} {shown} is at least {minimum} — met", tone="ok")
    return Line("Gate", f"{label} {shown} is below {minimum} — not met, so this component pays nothing",
                tone="warn")


def _multiplier_line(check: MultiplierCheck, plan: Plan) -> Line:
    label = fmt.metric_label(check.metric)
    unit = fmt.metric_unit(check.metric, plan)
    factor = f"×{fmt.exact(check.factor)}"
    if check.value is None:
        return Line("Multiplier", f"{label}: {check.reason or 'no data'} — {factor}")
    shown = _value(check.value, unit)
    if check.band_min is None:
        return Line("Multiplier", f"{label} {shown} is below every band — {factor}")
    return Line("Multiplier", f"{label} {shown} reaches the band from {_value(check.band_min, unit)} — {factor}",
                tone="ok" if check.factor > ONE else "")


def _attainment_line(result: ComponentResult, actual: str, target: str) -> Line:
    component = result.component
    assert result.attainment is not None
    text = f"{actual} ÷ {target} = {fmt.plain_percent(result.attainment)}"
    if component.threshold is None:
        return Line("Attainment", text)
    threshold = fmt.plain_percent(component.threshold)
    if result.trace.below_threshold:
        return Line("Attainment", f"{text} — below the {threshold} threshold, so this component pays nothing",
                    tone="warn")
    return Line("Attainment", f"{text} — at or above the {threshold} threshold")


def _bonus_lines(result: ComponentResult, csm_result: CsmResult, plan: Plan, period: Period) -> list[Line]:
    component = result.component
    assert component.weight is not None and result.target is not None and component.target is not None
    csm = csm_result.csm
    unit = fmt.metric_unit(component.metric, plan)
    lines = [_measure_line(result, csm_result, plan)]
    target = _value(result.target, unit)
    where = ""
    if component.target.column:
        where = f" (your {fmt.metric_label(component.target.column)} on the roster)"
    elif component.target.risk_adjust is not None:
        where = f" (plan target {_value(component.target.value, unit)}, adjusted for your book's risk)"
    lines.append(Line("Target", target + where + ramp_text(result, csm_result, plan)))
    if result.attainment is None:
        lines.append(Line("Attainment", f"none: {fmt.metric_label(component.metric)} is undefined, so this "
                                        "bonus pays nothing", tone="warn"))
    else:
        lines.append(_attainment_line(result, _value(result.actual, unit), target))
    fraction = _FRACTION.get(period.per_year, f"1/{period.per_year}")
    assert result.target_incentive is not None
    part = result.trace.part   # plan versions: the part's own stretches
    stretches = [s for s in (csm_result.stretches.get("target_variable", ()) if part is None else part.stretches)
                 if s.days]
    if len(stretches) > 1 or (stretches and stretches[0].value != csm.target_variable):
        # roster changes (SPEC section 10): one term per stretch of the period
        terms = " + ".join(f"{fmt.amount(s.value)} a year × {s.days} days" for s in stretches)
        lines.append(Line("Target incentive",
                          f"({terms}) / {csm_result.period_days} days × "
                          f"{fmt.plain_percent(component.weight)} × {fraction} = "
                          f"{fmt.amount(result.target_incentive)}"))
    else:
        lines.append(Line("Target incentive",
                          f"{fmt.amount(csm.target_variable)} a year × {fmt.plain_percent(component.weight)} × "
                          f"{fraction} × {part_days(result, csm_result)}/{csm_result.period_days} days = "
                          f"{fmt.amount(result.target_incentive)}"))
    if csm_result.days == 0:
        lines.append(Line("Employment", "not employed during the period: no target incentive", tone="warn"))
    if result.trace.gate is not None:
        lines.append(_gate_line(result.trace.gate, csm_result, plan))
    return lines


def _commission_lines(result: ComponentResult, csm_result: CsmResult, plan: Plan) -> list[Line]:
    component = result.component
    lines = [_measure_line(result, csm_result, plan)]
    lines += [Line(label, text, tone=tone) for label, text, tone in spif_lines(result)]
    if result.target is not None:
        assert component.quota is not None
        where = f" (your {fmt.metric_label(component.quota.column)} on the roster)" if component.quota.column else ""
        lines.append(Line("Quota", fmt.amount(result.target) + where + ramp_text(result, csm_result, plan)))
        lines.append(_attainment_line(result, fmt.amount(result.actual or Decimal(0)), fmt.amount(result.target)))
    else:
        lines.append(Line("Rate", f"{fmt.commission_rate(component.rate or Decimal(0))} of "
                                  f"{fmt.metric_label(component.metric)}, no quota"))
    if result.trace.gate is not None:
        lines.append(_gate_line(result.trace.gate, csm_result, plan))
    return lines


def _result_lines(result: ComponentResult, plan: Plan) -> list[Line]:
    component = result.component
    trace = result.trace
    lines: list[Line] = []
    why = ["your segment is not eligible for this SPIF"] if trace.excluded else []
    if trace.undefined:
        why.append(f"{fmt.metric_label(component.metric)} is undefined ({trace.undefined})")
    if trace.below_threshold:
        why.append("attainment is below the threshold")
    if trace.gate is not None and not trace.gate.passed:
        why.append("the gate is not met")
    multiplied = result.multiplier != ONE
    if component.kind is Kind.BONUS:
        if trace.uncapped is not None and not why:
            text = f"{fmt.exact(trace.uncapped)} of the target incentive"
            if trace.capped:
                assert component.cap is not None
                lines.append(Line("Share", f"{text}, capped at {fmt.exact(component.cap)}", tone="warn"))
            else:
                lines.append(Line("Share", text))
        how = f"{fmt.exact(result.share or Decimal(0))} × {fmt.amount(result.target_incentive or Decimal(0))}"
    else:
        if trace.capped and not why:
            assert component.cap_amount is not None and trace.uncapped is not None
            lines.append(Line("Cap", f"{fmt.amount(trace.uncapped)} is above the cap of "
                                     f"{fmt.amount(component.cap_amount)}", tone="warn"))
        how = fmt.amount(result.value)
    lines.extend(_multiplier_line(check, plan) for check in trace.multipliers)
    if why:
        lines.append(Line("Payout", "nothing: " + "; ".join(why), fmt.amount(result.payout), tone="warn",
                          strong=True))
    elif multiplied:
        lines.append(Line("Payout", f"{how} × {fmt.exact(result.multiplier)}", fmt.amount(result.payout),
                          strong=True))
    elif component.kind is Kind.BONUS:
        lines.append(Line("Payout", how, fmt.amount(result.payout), strong=True))
    else:
        lines.append(Line("Payout", "sum of the tiers" if len(trace.segments) > 1 else "",
                          fmt.amount(result.payout), strong=True))
    return lines


def _component_view(number: int, result: ComponentResult, csm_result: CsmResult, run: RunResult) -> ComponentView:
    plan = run.plan
    component = result.component
    unit = fmt.metric_unit(component.metric, plan)
    has_quota = result.target is not None
    if component.kind is Kind.BONUS:
        kind = f"Bonus · {fmt.plain_percent(component.weight or Decimal(0))} of target variable"
        lines = _bonus_lines(result, csm_result, plan, run.period)
        target = _value(result.target, unit)
    else:
        kind = "Commission" + (" on quota" if has_quota else f" at {fmt.commission_rate(component.rate or Decimal(0))}")
        lines = _commission_lines(result, csm_result, plan)
        target = fmt.amount(result.target) if result.target is not None else fmt.DASH
    lines = [*(Line(label, text, tone=tone) for label, text, tone in part_lines(result)), *lines]
    result_lines = _result_lines(result, plan)
    walk_title, walk = _walk(result, has_quota)
    trace = result.trace
    walk_paid = not (trace.undefined or trace.below_threshold or (trace.gate is not None and not trace.gate.passed))
    attainment = fmt.percent(result.attainment) if result.attainment is not None else fmt.DASH
    return ComponentView(
        key=component.id, number=number, label=component.label, kind=kind,
        measure=fmt.metric_label(component.metric), actual=_value(result.actual, unit), target=target,
        attainment=attainment, payout=fmt.amount(result.payout), status=result.status.short, lines=tuple(lines),
        walk_title=walk_title, walk=walk, walk_paid=walk_paid, result=tuple(result_lines))


def _employment(csm_result: CsmResult, period: Period) -> str:
    csm = csm_result.csm
    text = f"{csm_result.days} of {csm_result.period_days} days ({fmt.percent(csm_result.proration)})"
    notes = []
    if csm.start_date is not None and csm.start_date > period.start:
        notes.append(f"joined {day_text(csm.start_date)}")
    if csm.end_date is not None and csm.end_date < period.end:
        notes.append(f"left {day_text(csm.end_date)}")
    if notes:
        text += " — " + ", ".join(notes)
    return text


def statement_view(run: RunResult, csm_result: CsmResult, *, issued: date, input_hash: str,
                   version: str) -> StatementView:
    """The statement of one CSM of ``run`` as text."""
    plan = run.plan
    csm = csm_result.csm
    components = tuple(_component_view(i, result, csm_result, run)
                       for i, result in enumerate(csm_result.components, start=1))
    total = fmt.amount(csm_result.total)
    fields: dict[str, str] = {
        "csm_id": csm.csm_id, "name": csm.name, "period": run.period.label, "plan": plan.id,
        "plan_hash": plan.digest, "input_hash": input_hash,
    }
    for view in components:
        for name in ("actual", "target", "attainment", "payout"):
            fields[f"{view.key}.{name}"] = getattr(view, name)
    adjustments = tuple(AdjustmentView(len(components) + i, line.component, line.adjustment.reason,
                                       line.adjustment.approved_by, fmt.amount(line.payout))
                        for i, line in enumerate(csm_result.adjustments, start=1))
    for adjustment in adjustments:
        fields[f"adjustment.{adjustment.number}.payout"] = adjustment.payout
    fields["total"] = total
    return StatementView(
        plan_name=plan.name, plan_id=plan.id, plan_period=plan.period.value, currency=plan.currency,
        period=run.period.label, period_range=period_range(run.period), issued=day_text(issued),
        csm_id=csm.csm_id, name=csm.name, segment=csm.segment, role=csm.role or fmt.DASH,
        manager=csm.manager or fmt.DASH, employment=_employment(csm_result, run.period),
        target_variable=fmt.money(csm.target_variable, plan.currency), components=components, total=total,
        total_money=fmt.money(csm_result.total, plan.currency), plan_hash=plan.digest, input_hash=input_hash,
        version=version, fields=fields, adjustments=adjustments, credits=credit_views(run, csm.csm_id))

