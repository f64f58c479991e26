"""Plan letters: one per CSM, for sign-off before the period.

A letter states the CSM's targets and quotas, describes each component's curve in words, draws it
(inline SVG), and works examples at 80%, 100% and 120% attainment. Every example and every point of
the chart is computed by the engine's own payout functions (:func:`xlcomp.engine.payouts.bonus`
and :func:`~xlcomp.engine.payouts.commission`) on a metric set to that attainment: nothing here
re-implements the math. Examples leave gates and multipliers out (they depend on other results)
and say so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from markupsafe import Markup

from xlcomp._version import __version__
from xlcomp.engine.metrics import EMPTY, MetricValue
from xlcomp.engine.payouts import ComponentResult, bonus, commission
from xlcomp.engine.run import resolve_target
from xlcomp.errors import UsageError
from xlcomp.model.metrics import Unit
from xlcomp.model.people import Csm, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Curve, CurveMode, Kind, Multiplier, Plan
from xlcomp.money import exactly
from xlcomp.outputs import OutputSet
from xlcomp.statements import fmt
from xlcomp.statements.chart import curve_svg
from xlcomp.statements.render import PdfPrinter, default_workers, render_template
from xlcomp.statements.statement import DoneCounter, safe_name
from xlcomp.statements.view import day_text, period_range

__all__ = ["EXAMPLE_ATTAINMENTS", "ExampleRow", "LetterComponent", "LetterView", "letter_view", "write_letters"]

EXAMPLE_ATTAINMENTS = (Decimal("0.8"), Decimal("1.0"), Decimal("1.2"))
FLAT_EXAMPLES = {Unit.MONEY: (Decimal(10_000), Decimal(50_000), Decimal(100_000)),
                 Unit.COUNT: (Decimal(1), Decimal(5), Decimal(10))}
_CHART_STEP = Decimal("0.01")
_JUST_BELOW = Decimal("0.000001")


@dataclass(frozen=True)
class ExampleRow:
    """One worked example: the attainment, the measure at it, the share or rate, the payout."""

    attainment: str
    actual: str
    detail: str
    payout: str


@dataclass(frozen=True)
class LetterComponent:
    """One component in a letter: its target, its curve in words and as a chart, its examples."""

    key: str
    number: int
    label: str
    kind: str
    measure: str
    target: str
    weight: str
    incentive: str
    words: tuple[str, ...]
    chart: Markup
    examples: tuple[ExampleRow, ...]
    example_note: str


@dataclass(frozen=True)
class LetterView:
    """A whole plan letter as text."""

    plan_name: str
    plan_id: str
    currency: str
    period: str
    per: str
    issued: str
    csm_id: str
    name: str
    first_name: str
    segment: str
    role: str
    manager: str
    target_variable: str
    employment: str
    components: tuple[LetterComponent, ...]
    multipliers: tuple[str, ...]
    on_target: str
    on_target_note: str
    plan_hash: str
    version: str


def _engine_bonus(component: Component, csm: Csm, target: Decimal, attainment: Decimal, days: int,
                  period_days: int, per_year: int) -> ComponentResult:
    """The engine's bonus for a metric at ``attainment`` of ``target`` (no gate, no multiplier)."""
    metric = MetricValue(component.metric, attainment * target)
    return bonus(dataclasses.replace(component, gate=None), csm.csm_id, metric, target, csm.target_variable, days,
                 period_days, per_year, {}, ())


def _engine_commission(component: Component, csm: Csm, quota: Decimal | None, amount: Decimal) -> ComponentResult:
    """The engine's commission on ``amount`` (no gate, no multiplier)."""
    return commission(dataclasses.replace(component, gate=None), csm.csm_id, MetricValue(component.metric, amount),
                      quota, {}, ())


def _bounds_words(curve: Curve, *, quota: Decimal | None = None, rate_text: bool = True,
                  kind: Kind = Kind.BONUS) -> list[str]:
    """Each tier's span in words (``up to 100%``, ``100%–110%``, ``from 110% up``), with its rate."""
    words = []
    for lower, upper, rate in curve.bounds():
        shown_rate = fmt.multiple(rate) if kind is Kind.BONUS else fmt.commission_rate(rate)
        low = fmt.plain_percent(lower)
        if quota is not None:
            low += f" ({fmt.amount(lower * quota)})"
        if upper is None:
            span = f"from {low} up" if lower > 0 else "any attainment"
        else:
            high = fmt.plain_percent(upper)
            if quota is not None:
                high += f" ({fmt.amount(upper * quota)})"
            span = f"{low}–{high}" if lower > 0 else f"up to {high}"
        words.append(f"{span} at {shown_rate}" if rate_text else span)
    return words


def _curve_words(component: Component, plan: Plan, quota: Decimal | None) -> list[str]:
    curve = component.curve
    measure = fmt.metric_label(component.metric)
    sentences: list[str] = []
    if component.kind is Kind.BONUS:
        assert curve is not None
        sentences.append(f"Attainment is your {measure} divided by its target; the bonus pays a share of your "
                         "target incentive that depends on it.")
        if component.threshold is not None:
            sentences.append(f"Below {fmt.plain_percent(component.threshold)} attainment it pays nothing.")
        tiers = "; ".join(_bounds_words(curve))
        if curve.mode is CurveMode.MARGINAL:
            sentences.append(f"Each part of your attainment earns its own tier's rate (marginal tiers): {tiers}.")
            if curve.tiers[-1].upto is not None:
                sentences.append(f"Attainment above {fmt.plain_percent(curve.tiers[-1].upto)} adds nothing more.")
        elif curve.mode is CurveMode.WHOLE:
            sentences.append(f"The tier your attainment falls in sets the rate for all of it (whole tier): {tiers}.")
        else:
            steps = "; ".join(f"{span}: {fmt.multiple(rate)}" for span, (_, _, rate) in
                              zip(_bounds_words(curve, rate_text=False), curve.bounds(), strict=True))
            sentences.append(f"The tier your attainment falls in pays a fixed share (steps): {steps}.")
        if component.cap is not None:
            sentences.append(f"The share is capped at {fmt.multiple(component.cap)} the target incentive.")
    else:
        if quota is None:
            sentences.append(f"Pays {fmt.commission_rate(component.rate or Decimal(0))} of your {measure}; there is "
                             "no quota.")
        else:
            assert curve is not None
            sentences.append(f"Pays on your {measure}; your quota is {fmt.amount(quota)}.")
            if component.threshold is not None:
                sentences.append(f"Below {fmt.plain_percent(component.threshold)} of quota it pays nothing.")
            tiers = "; ".join(_bounds_words(curve, quota=quota, kind=Kind.COMMISSION))
            if curve.mode is CurveMode.MARGINAL:
                sentences.append(f"Each part of the amount earns its own tier's rate (marginal tiers): {tiers}.")
            else:
                sentences.append(f"The tier your attainment falls in sets the rate on the whole amount: {tiers}.")
        if component.cap_amount is not None:
            sentences.append(f"The commission is capped at {fmt.amount(component.cap_amount)}.")
        sentences.append("Commissions are not prorated.")
    if component.gate is not None:
        unit = fmt.metric_unit(component.gate.metric, plan)
        sentences.append(f"It pays only when your {fmt.metric_label(component.gate.metric)} is at least "
                         f"{fmt.metric_value_text(component.gate.min, unit)}.")
    return sentences


def _multiplier_words(multiplier: Multiplier, plan: Plan) -> str:
    unit = fmt.metric_unit(multiplier.metric, plan)
    bands = ", ".join(f"×{fmt.exact(band.factor)} from {fmt.metric_value_text(band.min, unit)}"
                      for band in sorted(multiplier.bands, key=lambda b: b.min))
    applies = "every component" if multiplier.applies_to is None else ", ".join(
        plan.component(cid).label for cid in multiplier.applies_to)
    return (f"{applies}: multiplied by your {fmt.metric_label(multiplier.metric)} band — {bands} "
            "(×1 below the lowest band or without data).")


def _chart_points(curve: Curve | None, threshold: Decimal | None, x_max: Decimal) -> list[Decimal]:
    """Attainments to evaluate: a fine grid, plus just below and at every bound (so jumps show)."""
    xs = {Decimal(i) * _CHART_STEP for i in range(int(x_max / _CHART_STEP) + 1)}
    edges = [t.upto for t in curve.tiers if t.upto is not None] if curve is not None else []
    if threshold is not None:
        edges.append(threshold)
    for edge in edges:
        if 0 < edge <= x_max:
            xs.update((edge - _JUST_BELOW, edge))
    return sorted(xs)


def _x_max(curve: Curve | None) -> Decimal:
    last = max((t.upto for t in curve.tiers if t.upto is not None), default=Decimal(1)) if curve else Decimal(1)
    return Decimal("2") if last >= Decimal("1.5") else Decimal("1.5")


def _letter_component(number: int, component: Component, csm: Csm, plan: Plan, days: int, period_days: int,
                      per_year: int) -> tuple[LetterComponent, Decimal | None]:
    unit = fmt.metric_unit(component.metric, plan)
    measure = fmt.metric_label(component.metric)
    currency = plan.currency
    marks: list[tuple[Decimal, Decimal, str]] = []
    examples: list[ExampleRow] = []
    on_target: Decimal | None = None
    curve = component.curve
    x_max = _x_max(curve)

    def money_label(value: float) -> str:
        return f"{value:,.0f}"

    if component.kind is Kind.BONUS:
        assert component.target is not None and component.weight is not None
        target = resolve_target(component.target, csm, EMPTY, plan)
        assert target is not None
        target_text = fmt.metric_value_text(target, unit)
        if component.target.column:
            target_text += " (your own target)"
        elif component.target.risk_adjust is not None:
            ra = component.target.risk_adjust
            target_text += (f", adjusted for your book's risk between {fmt.metric_value_text(ra.floor, unit)} and "
                            f"{fmt.metric_value_text(ra.ceiling, unit)}")
        for attainment in EXAMPLE_ATTAINMENTS:
            result = _engine_bonus(component, csm, target, attainment, days, period_days, per_year)
            share = result.share if result.share is not None else Decimal(0)
            detail = f"{fmt.exact(share)} × {fmt.amount(result.target_incentive or Decimal(0))}"
            if result.trace.below_threshold:
                detail = "below the threshold"
            elif result.trace.capped:
                detail += " (capped)"
            examples.append(ExampleRow(fmt.plain_percent(attainment), fmt.metric_value_text(result.actual, unit),
                                       detail, fmt.amount(result.payout)))
            marks.append((attainment, result.payout, fmt.amount(result.payout)))
            if attainment == 1:
                on_target = result.payout
        incentive_result = _engine_bonus(component, csm, target, Decimal(1), days, period_days, per_year)
        incentive = fmt.amount(incentive_result.target_incentive or Decimal(0))
        points = [(a, _engine_bonus(component, csm, target, a, days, period_days, per_year).payout)
                  for a in _chart_points(curve, component.threshold, x_max)]
        guides = [t.upto for t in curve.tiers if t.upto is not None] if curve is not None else []
        if component.threshold is not None:
            guides.append(component.threshold)
        kind = f"Bonus · {fmt.plain_percent(component.weight)} of your target variable pay"
        weight = fmt.plain_percent(component.weight)
        note = "Share × target incentive; gates and multipliers left out."
        quota = None
    else:
        quota = resolve_target(component.quota, csm, EMPTY, plan) if component.quota is not None else None
        weight = fmt.DASH
        incentive = fmt.DASH
        if quota is not None:
            target_text = f"{fmt.amount(quota)} quota" + (" (your own quota)" if component.quota is not None and
                                                          component.quota.column else "")
            for attainment in EXAMPLE_ATTAINMENTS:
                result = _engine_commission(component, csm, quota, attainment * quota)
                examples.append(ExampleRow(fmt.plain_percent(attainment), fmt.amount(attainment * quota),
                                           "sum of the tiers" if curve is not None and
                                           curve.mode is CurveMode.MARGINAL else "rate × whole amount",
                                           fmt.amount(result.payout)))
                marks.append((attainment, result.payout, fmt.amount(result.payout)))
                if attainment == 1:
                    on_target = result.payout
            points = [(a, _engine_commission(component, csm, quota, a * quota).payout)
                      for a in _chart_points(curve, component.threshold, x_max)]
            guides = [t.upto for t in curve.tiers if t.upto is not None] if curve is not None else []
            note = "Commission on the amount at each attainment of quota; gates and multipliers left out."
        else:
            target_text = f"no quota: {fmt.commission_rate(component.rate or Decimal(0))} of {measure}"
            amounts = FLAT_EXAMPLES.get(unit, FLAT_EXAMPLES[Unit.MONEY])
            for amount in amounts:
                result = _engine_commission(component, csm, None, amount)
                examples.append(ExampleRow(fmt.DASH, fmt.metric_value_text(amount, unit),
                                           f"{fmt.commission_rate(component.rate or Decimal(0))} × amount",
                                           fmt.amount(result.payout)))
            biggest = amounts[-1]
            x_max = biggest
            points = [(x, _engine_commission(component, csm, None, x).payout)
                      for x in (Decimal(i) * biggest / 50 for i in range(51))]
            for amount in amounts:
                payout = _engine_commission(component, csm, None, amount).payout
                marks.append((amount, payout, fmt.amount(payout)))
            guides = []
            note = f"Examples at a few amounts of {measure}; gates and multipliers left out."
        kind = "Commission" + (" on quota" if quota is not None else "")
    if component.kind is Kind.COMMISSION and quota is None:
        chart = curve_svg(points, marks, guides, x_max, money_label, f"{component.label}: payout ({currency}) by "
                          f"{measure}", x_label=money_label, x_title=measure)
    else:
        chart = curve_svg(points, marks, guides, x_max, money_label,
                          f"{component.label}: payout ({currency}) by attainment")
    view = LetterComponent(
        key=component.id, number=number, label=component.label, kind=kind, measure=measure, target=target_text,
        weight=weight, incentive=incentive, words=tuple(_curve_words(component, plan, quota)), chart=chart,
        examples=tuple(examples), example_note=note)
    return view, on_target


@exactly
def letter_view(plan: Plan, csm: Csm, period: Period | None, issued: date) -> LetterView:
    """The plan letter of one CSM as text, every example computed by the engine."""
    per = plan.period.value
    if period is not None:
        if period.kind is not plan.period:
            raise UsageError(f"the plan {plan.id} pays per {plan.period.value}, but the period {period.label} is a "
                             f"{period.kind.value}")
        days, period_days = period.days_employed(csm.start_date, csm.end_date), period.days
        period_text = f"{period.label} ({period_range(period)})"
        employment = f"{days} of {period_days} days in {period.label} ({fmt.percent(Decimal(days) / period_days)})"
    else:
        days = period_days = 1
        period_text = f"each {per}"
        employment = f"a full {per}"
    components = []
    total = Decimal(0)
    missing = []
    for number, component in enumerate(plan.components, start=1):
        view, on_target = _letter_component(number, component, csm, plan, days, period_days, plan.period.per_year)
        components.append(view)
        if on_target is None:
            missing.append(component.label)
        else:
            total += on_target
    note = ""
    if missing:
        note = f" (not counting {', '.join(missing)}, which has no quota)"
    return LetterView(
        plan_name=plan.name, plan_id=plan.id, currency=plan.currency, period=period_text, per=per,
        issued=day_text(issued), csm_id=csm.csm_id, name=csm.name, first_name=csm.name.split()[0],
        segment=csm.segment, role=csm.role or fmt.DASH, manager=csm.manager or fmt.DASH,
        target_variable=fmt.money(csm.target_variable, plan.currency), employment=employment,
        components=tuple(components), multipliers=tuple(_multiplier_words(m, plan) for m in plan.multipliers),
        on_target=fmt.money(total, plan.currency), on_target_note=note, plan_hash=plan.digest, version=__version__)


@exactly
def write_letters(plan: Plan, roster: Roster, out: Path, *, period: Period | None = None, pdf: bool = True,
                  issued: date | None = None, csm_ids: Iterable[str] | None = None,
                  printer: PdfPrinter | None = None, workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write ``<csm>[-<period>]-letter.html`` (and ``.pdf``) per CSM and an ``index.html`` into ``out``.

    ``progress`` is called with (letters done, letters in all). All files appear together or none does.
    """
    day = issued or date.today()
    csms = list(roster.csms)
    if csm_ids is not None:
        wanted = list(dict.fromkeys(csm_ids))
        known = {c.csm_id for c in csms}
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise UsageError(f"not on the roster: {', '.join(unknown)}")
        csms = [c for c in csms if c.csm_id in set(wanted)]
    suffix = f"-{period.label}" if period is not None else ""
    letters = []
    stems: set[str] = set()
    for csm in csms:
        base = f"{safe_name(csm.csm_id)}{suffix}-letter"
        stem, n = base, 1
        while stem.lower() in stems:
            n += 1
            stem = f"{base}-{n}"
        stems.add(stem.lower())
        view = letter_view(plan, csm, period, day)
        letters.append((stem, view, render_template("letters/letter.html.j2", l=view)))
    finished = DoneCounter(len(letters), progress)
    own = None
    if pdf and printer is None:
        own = printer = PdfPrinter(workers if workers is not None else default_workers(len(letters)))
    try:
        with OutputSet() as outputs:
            for stem, _view, html in letters:
                outputs.add(out / f"{stem}.html", html)
                if pdf:
                    assert printer is not None
                    printer.submit(html, outputs.path(out / f"{stem}.pdf"), done=finished.one)
                else:
                    finished.one()
            outputs.add(out / "index.html", render_template(
                "letters/index.html.j2", plan=plan, letters=letters, pdf=pdf, issued=day_text(day),
                period=period.label if period is not None else f"each {plan.period.value}", version=__version__))
            if printer is not None:
                printer.wait()
            return outputs.commit()
    finally:
        if own is not None:
            own.close()
