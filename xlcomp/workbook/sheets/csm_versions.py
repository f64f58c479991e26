"""A CSM tab's lines for a part of a period split by plan versions (SPEC section 10): the part's first and last
day (the Plan sheet's ``<id>_part_first`` and ``<id>_part_last``), its calendar days, and

- for a bonus, the CSM's days employed inside the part (its TI is on them; the attainment is the whole period's);
- for a commission, the amount booked inside the part (SUMIFS on the Accounts table's booked_on), the amounts of
  the accounts with no booking date (the metric's numerator less everything booked) and the part's day-weighted
  share of them, and the part's share of the quota: the rules of :mod:`xlcomp.rules.versions`.

A plan input whose value differs between the versions (:func:`~xlcomp.workbook.sheets.plan_versions.varying_inputs`)
has one Metrics line per part (``company_attainment from 15 Feb 2027``, reading the Plan sheet's
``input_company_attainment_at_20270215``); the part's components, gates and multipliers read it
(:func:`part_metric`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.engine.credit import CreditBasis, credit_basis
from xlcomp.engine.parts import part_amounts
from xlcomp.model.plan import Component, Kind, Multiplier
from xlcomp.ooxml.refs import cell
from xlcomp.rules import payout
from xlcomp.rules import versions as rules
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.ramp import serial
from xlcomp.rules.spif import metric_amount, window_amount
from xlcomp.workbook import layout
from xlcomp.workbook.context import num
from xlcomp.workbook.sheets.credit_dated import part_column, part_index
from xlcomp.workbook.sheets.plan_versions import PartSpan, part_input_name, part_of, varying_inputs

if TYPE_CHECKING:
    from xlcomp.rules.metrics import MetricSpec
    from xlcomp.workbook.sheets.csm import CsmFacts, CsmTabPlan, Getter

__all__ = ["part_amount_lines", "part_factor_values", "part_lines", "part_metric", "part_metric_lines",
           "part_quota_formula", "part_roster_cells", "span_of"]

B, C, D = 1, 2, 3
ZERO = Decimal(0)
EVERY_DAY = ("1", "2958465")   # every date Excel has: what is booked at all


def span_of(tab: CsmTabPlan, component: Component) -> PartSpan | None:
    """The part ``component`` pays, None outside a split period."""
    return part_of(component, tab.ctx.result.parts)


def _dated_cells(tab: CsmTabPlan, component: Component) -> dict[str, str]:
    """With roster changes, what a part's component reads (the Roster changes block's part lines): its
    ``target_variable_days`` and its quota and target columns' day-weighted means."""
    span = span_of(tab, component)
    found: dict[date, dict[str, str]] = tab.__dict__.get("part_cells", {})
    return {} if span is None else found.get(span.first, {})


def part_roster_cells(tab: CsmTabPlan, component: Component) -> dict[str, str]:
    """The roster cells a component reads: in a part, with roster changes, the part's day-weighted columns."""
    dated = _dated_cells(tab, component)
    return {**tab.roster_cells, **{k: v for k, v in dated.items() if k != K.TARGET_VARIABLE_DAYS}}


def part_lines(tab: CsmTabPlan, component: Component, cells: dict[str, str]) -> None:
    """The part's first and last day and its days (bound in ``cells``); a bonus's days employed in the part
    (bound to ``days``, which its TI reads). Nothing outside a split period."""
    span = span_of(tab, component)
    if span is None:
        return
    tv_days = _dated_cells(tab, component).get(K.TARGET_VARIABLE_DAYS)
    if tv_days is not None:
        cells[K.TARGET_VARIABLE_DAYS] = tv_days
    cid = component.id
    first_day, last_day = serial(span.first), serial(span.last)
    assert first_day is not None and last_day is not None
    cells[rules.PART_FIRST] = cell(tab._line("Part: first day", f"={layout.param_name(cid, 'part_first')}", "date",
                                             lambda f: float(first_day), note=f"{span.source} pays from this day"), B)
    cells[rules.PART_LAST] = cell(tab._line("Part: last day", f"={layout.param_name(cid, 'part_last')}", "date",
                                            lambda f: float(last_day), note="... to this day, both included"), B)
    days = rules.part_days().evaluate({rules.PART_FIRST: first_day, rules.PART_LAST: last_day})
    cells[rules.PART_DAYS] = cell(tab._line("Days in the part", rules.part_days().formula(cells), "days",
                                            lambda f: num(days), note="last day - first day + 1"), B)
    if component.kind is not Kind.BONUS:
        return
    bounds = {**cells, K.PERIOD_START: cells[rules.PART_FIRST], K.PERIOD_END: cells[rules.PART_LAST],
              K.START: cell(tab.start_row, B), K.END: cell(tab.end_row, B)}

    def employed(facts: CsmFacts) -> Any:
        part = facts.components[cid].trace.part
        return part.employed if part is not None else 0

    cells[K.DAYS] = cell(tab._line("Days employed in the part", payout.days_employed().formula(bounds), "days",
                                   employed, note="TI on these days; attainment on the whole period"), B)


def _credit_basis(tab: CsmTabPlan) -> CreditBasis | None:
    """The run's credit rows (moves and splits), found once per workbook."""
    result = tab.ctx.result
    if result.credits is None:
        return None
    if "credit_basis" not in tab.ctx.extra:
        tab.ctx.extra["credit_basis"] = credit_basis(result.book, result.credits, result.period)
    found: CreditBasis = tab.ctx.extra["credit_basis"]
    return found


def part_amount_lines(tab: CsmTabPlan, component: Component, cells: dict[str, str]) -> tuple[str, Any]:
    """A commission's lines before its Amount line in a part; the Amount line's formula and cached value.

    With moves and splits the amounts are credited: the booked ones by the Credit table's rows of accounts booked
    in the part, the ones with no booking date by its ``part<n>_…`` columns (each owner's days in the part)."""
    span = span_of(tab, component)
    assert span is not None and component.window is None
    cid, plan, result = component.id, tab.plan, tab.ctx.result
    csms = [r.csm for r in result.csms]
    basis = _credit_basis(tab)
    booked, undated = part_amounts(component, span.plan, result.book, csms, span.first, span.last, basis)
    values = {csm.csm_id: (b, u) for csm, b, u in zip(csms, booked, undated, strict=True)}
    kind = tab._unit_kind(component.metric)
    key = cell(tab.key_row, B)
    booked_formula = window_amount(component, plan, key, cells[rules.PART_FIRST], cells[rules.PART_LAST],
                                   credited=basis is not None)
    booked_row = tab._line("Booked in the part", booked_formula, kind, lambda f: num(values[f.csm_id][0]),
                           note=f"{component.metric} of this CSM's accounts with booked_on in the part"
                                + (" (credited)" if basis is not None else ""))
    if basis is None:
        dated = window_amount(component, plan, key, *EVERY_DAY)
        undated_row = tab._line("No booked_on (whole period)", f"={cells[K.NUM]}-({dated.removeprefix('=')})", kind,
                                lambda f: num(values[f.csm_id][1]),
                                note=f"{component.metric} of this CSM's accounts with no booking date")
    else:
        number = part_index(tab.ctx, span.first)
        undated_row = tab._line(
            "No booked_on (credited for the part)",
            metric_amount(component, plan, lambda c: rules.undated_sum(c, key, part_column(number, f"sum_{c}"))),
            kind, lambda f: num(values[f.csm_id][1]),
            note="no booking date: this CSM's accounts, with the Credit table's shares over the part's days")
    share_cells = {**cells, K.VALUE: cell(undated_row, B)}
    share_row = tab._line("No booked_on: the part's share", rules.part_amount().formula(share_cells), kind,
                          lambda f: num(rules.part_amount().evaluate({
                              K.VALUE: values[f.csm_id][1], rules.PART_DAYS: cells_days(span),
                              payout.PERIOD_DAYS: Decimal(result.period.days)})),
                          note="ROUND(amount x days in the part / days in the period, 6)")
    formula = rules.part_commission_amount().formula({rules.BOOKED: cell(booked_row, B),
                                                       rules.UNDATED_SHARE: cell(share_row, B)})
    return formula, lambda f: num(f.components[cid].actual or ZERO)


def cells_days(span: PartSpan) -> Decimal:
    """The part's calendar days (:func:`xlcomp.rules.versions.part_days`)."""
    return Decimal(rules.part_days().evaluate({rules.PART_FIRST: serial(span.first),
                                               rules.PART_LAST: serial(span.last)}))


def part_quota_formula(cells: dict[str, str], quota_formula: str) -> str:
    """The part's share of the version's quota (``quota_formula``, the ordinary Quota line's)."""
    return rules.part_quota().formula({**cells, K.QUOTA: f"({quota_formula.removeprefix('=')})"})


def _const(value: Any) -> Getter:
    return lambda facts: value


def part_metric(tab: CsmTabPlan, metric: str, owner: str | None) -> str:
    """The Metrics line a part's component (or gate, or multiplier) ``owner`` reads for ``metric``: the part's
    own line for a plan input that differs between the versions (``company_attainment@2027-02-15``), else the
    metric's one line (``metric``). ``owner`` None: the last part's."""
    parts = tab.ctx.result.parts
    if metric not in varying_inputs(parts):
        return metric
    day = owner.rsplit("@", 1)[1] if owner is not None and "@" in owner else parts[-1][1].isoformat()
    return f"{metric}@{day}"


def part_metric_lines(tab: CsmTabPlan, spec: MetricSpec) -> bool:
    """One Metrics line per part for a plan input that differs between the versions (each reads the part's cell
    on the Plan sheet, or is blank when the part's version has no such input); False for any other metric."""
    name = spec.name
    if name not in varying_inputs(tab.ctx.result.parts) or spec.num is None or \
            f"input:{name}" not in spec.num.inputs():
        return False
    kind = tab._unit_kind(name)
    for plan, first, last in tab.ctx.result.parts:
        row, span = tab.row, PartSpan(plan, first, last)
        tab._label(row, f"{name} from {first:%d %b %Y}", tab.styles.label_indent)
        if name in plan.inputs:
            value = num(plan.inputs[name])
            tab._put(row, B, spec.num.formula({**tab.metric_inputs, f"input:{name}": part_input_name(name, first)}),
                     tab.styles.calc["number"], _const(value))
            tab._put(row, D, f"={cell(row, B)}", tab.styles.calc[kind], _const(value))
            tab._note(row, f"the plan's inputs.{name} in {span.source}, which pays {first.isoformat()} to "
                           f"{last.isoformat()}")
            tab.metric_cells[f"{name}@{first.isoformat()}"] = (cell(row, B), None, cell(row, D))
        else:
            tab._put(row, D, '=""', tab.styles.calc[kind], lambda f: "")
            tab._note(row, f"{span.source} has no input {name}: no data")
            tab.metric_cells[f"{name}@{first.isoformat()}"] = (cell(row, D), None, cell(row, D))
        tab.row += 1
    return True


def part_factor_values(tab: CsmTabPlan, multiplier: Multiplier, key: str) -> tuple[Getter, Getter]:
    """The cached metric value and factor of a multiplier that reads a part's plan input (``key``,
    :func:`part_metric`): the part's version's input, the same for every CSM."""
    day = key.rsplit("@", 1)[1]
    plan = next(plan for plan, first, _ in tab.ctx.result.parts if first.isoformat() == day)
    value = plan.inputs.get(multiplier.metric)
    shown, factor = num(value), num(multiplier.factor(value)[0])
    return (lambda f: shown), (lambda f: factor)
