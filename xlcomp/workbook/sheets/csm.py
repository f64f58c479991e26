"""One tab per CSM: who, the book of business, the metrics, and each component's payout, step by step.

Every CSM tab of a workbook has the same cells and the same formulas (they read the tab's own cells,
the plan's defined names and the Roster/Accounts tables); only the csm_id at the top and the cached
values differ. So the tab is planned once per plan (:class:`CsmTabPlan`: a list of cells with
formula text and a function giving each cell's engine value) and written once per CSM.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from xlcomp.engine.curves import tier_share
from xlcomp.engine.metrics import MetricValue, metric_value
from xlcomp.engine.payouts import ComponentResult
from xlcomp.engine.run import CsmResult
from xlcomp.load.roster import plan_roster_columns
from xlcomp.model.metrics import METRICS, Unit, metric_def
from xlcomp.model.plan import Component, CurveMode, Kind, Plan
from xlcomp.ooxml.refs import cell, column_ref, quote_sheet, sumifs_key
from xlcomp.workbook import formulas as fx
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num

__all__ = ["CsmFacts", "CsmTabPlan", "component_status"]

ZERO = Decimal(0)
ONE = Decimal(1)
LABEL, B, C, D, E, F, G, NOTE = range(8)
WIDTHS = {LABEL: 36, B: 15, C: 15, D: 15, E: 13, F: 15, G: 15, NOTE: 52}


@dataclass
class CsmFacts:
    """The engine's numbers for one CSM, as the tab's cached values need them."""

    result: CsmResult
    roster_row: int                       # 1-based row inside the Roster table
    summary_row: int                      # 0-based sheet row of the CSM on Summary
    values: dict[str, MetricValue]        # every metric the tab computes
    components: dict[str, ComponentResult]
    factors: list[Decimal]                # one per plan multiplier

    @property
    def csm_id(self) -> str:
        """The CSM's id."""
        return self.result.csm.csm_id


Getter = Callable[[CsmFacts], Any]


@dataclass(frozen=True)
class PlannedCell:
    """A cell of the CSM tab: formula text (or None for a constant) and how to get its value."""

    row: int
    col: int
    formula: str | None
    fmt: Format | None
    value: Getter


@dataclass
class ComponentCells:
    """Where a component's key cells are on every CSM tab (0-based row, column B)."""

    attainment: int | None = None
    payout: int = 0
    share: int | None = None


def component_status(result: ComponentResult) -> str:
    """The words the tab's status cell shows, decided as its formula decides them."""
    trace = result.trace
    component = result.component
    if component.kind is Kind.BONUS and result.attainment is None:
        return "no data: pays 0"
    if trace.gate is not None and not trace.gate.passed:
        return "gate not met: pays 0"
    if trace.below_threshold:
        return "below threshold: pays 0"
    if trace.capped:
        return "capped"
    return "on the curve" if component.curve is not None else "pays the rate"


def _roster_value(column: str) -> Getter:
    return lambda facts: num(facts.result.csm.value(column))


def _book_value(item: fx.BookItem) -> Getter:
    return lambda facts: num(item.value(facts.result.sums))


def _metric_value(name: str) -> Getter:
    return lambda facts: num(facts.values[name].value)


def _factor(index: int) -> Getter:
    return lambda facts: num(facts.factors[index])


def _gate_passed(component_id: str) -> Getter:
    def value(facts: CsmFacts) -> bool:
        gate = facts.components[component_id].trace.gate
        return bool(gate is not None and gate.passed)
    return value


def _quota(facts: CsmFacts, component_id: str) -> Decimal:
    quota = facts.components[component_id].target
    return quota if quota is not None else ONE


def _bound(bound: Decimal | None, component_id: str, commission: bool) -> Getter:
    """A tier bound on the tab: attainment for a bonus, money (x quota) for a commission."""
    def value(facts: CsmFacts) -> float | str:
        if bound is None:
            return ""
        return num(bound * _quota(facts, component_id)) if commission else num(bound)
    return value


def _segment_value(component_id: str, index: int, which: int) -> Getter:
    """The part (``which`` 0) or pay (1) of tier ``index`` in the engine's tier walk."""
    def value(facts: CsmFacts) -> float | str:
        for segment in facts.components[component_id].trace.segments:
            if segment.tier == index:
                return num(segment.base if which == 0 else segment.value)
        return 0.0
    return value


def _part_kind(spec: fx.MetricSpec) -> str:
    """How a metric's numerator and denominator look: money when every part is a money sum."""
    items = spec.items()
    if items and all(fx.BOOK_ITEMS[i].count for i in items):
        return "count"
    if items and all(i.startswith("sum:") and i != "sum:nps" and not fx.BOOK_ITEMS[i].count for i in items):
        return "money"
    return "number"


def _unit_kind(name: str, plan: Plan) -> str:
    definition = metric_def(name, set(plan.inputs))
    if definition is None:
        return "number"
    return {Unit.MONEY: "money", Unit.COUNT: "count", Unit.RATE: "percent", Unit.SCORE: "score"}[definition.unit]


def _const(value: Any) -> Getter:
    return lambda facts: value


class CsmTabPlan:
    """The cells of a CSM tab for one plan; :meth:`write` puts them on a worksheet for one CSM."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.plan = ctx.plan
        self.styles = ctx.styles
        self.cells: list[PlannedCell] = []
        self.hidden_rows: list[int] = []
        self.section_rows: list[int] = []
        self.attainment_cells: list[tuple[int, int]] = []
        self.components: dict[str, ComponentCells] = {}
        self.row = 0
        self._build()

    # -- helpers ---------------------------------------------------------------------------

    def _put(self, row: int, col: int, formula: str | None, fmt: Format | None, value: Getter) -> None:
        self.cells.append(PlannedCell(row, col, formula, fmt, value))

    def _label(self, row: int, text: str, fmt: Format | None = None, col: int = LABEL) -> None:
        self._put(row, col, None, fmt or self.styles.label, _const(text))

    def _note(self, row: int, text: str) -> None:
        self._put(row, NOTE, None, self.styles.note, _const(text))

    def _section(self, text: str, note: str = "") -> int:
        row = self.row
        self._label(row, text, self.styles.section)
        for col in range(B, NOTE + 1):
            self._put(row, col, None, self.styles.section_fill, _const(""))
        if note:
            self._put(row, NOTE, None, self.styles.section_note, _const(note))
        self.section_rows.append(row)
        self.row += 1
        return row

    def _line(self, label: str, formula: str | None, kind: str, value: Getter, note: str = "",
              style: dict[str, Format] | None = None) -> int:
        row = self.row
        self._label(row, label, self.styles.label_indent)
        self._put(row, B, formula, (style or self.styles.calc)[kind], value)
        if note:
            self._note(row, note)
        self.row += 1
        return row

    # -- the tab ---------------------------------------------------------------------------

    def _build(self) -> None:
        plan, styles = self.plan, self.styles
        # title rows: 0 title (formula), 1 subtitle; the Summary link goes in the note column
        self.title_row = 0
        self.row = 3
        self._section("CSM", "from the Roster table (edit the CSM there)")
        self.id_row = self._line("CSM id", None, "text", lambda f: f.csm_id, style=styles.fixed)
        self.key_row = self._line("Lookup key", None, "text", lambda f: sumifs_key(f.csm_id), style=styles.fixed,
                                  note="the csm_id as SUMIFS and MATCH need it (wildcards escaped)")
        key = cell(self.key_row, B)
        self.roster_row_row = self._line("Row in the Roster table",
                                         f"=MATCH({key},{column_ref(layout.ROSTER_TABLE, 'csm_id')},0)",
                                         "count", lambda f: f.roster_row)
        rr = cell(self.roster_row_row, B)

        def roster_text(column: str) -> str:
            ref = f"INDEX({column_ref(layout.ROSTER_TABLE, column)},{rr})"
            return f'=IF({ref}="","",{ref})'

        self.name_row = self._line("Name", roster_text("name"), "text", lambda f: f.result.csm.name)
        self.segment_row = self._line("Segment", roster_text("segment"), "text", lambda f: f.result.csm.segment)
        self.role_row = self._line("Role", roster_text("role"), "text", lambda f: f.result.csm.role)
        self.manager_row = self._line("Manager", roster_text("manager"), "text", lambda f: f.result.csm.manager)
        self.base_row = self._line("Base salary (annual)",
                                   f"=INDEX({column_ref(layout.ROSTER_TABLE, 'base_salary')},{rr})", "money",
                                   lambda f: num(f.result.csm.base_salary))
        self.tv_row = self._line("Target variable pay (annual)",
                                 f"=INDEX({column_ref(layout.ROSTER_TABLE, 'target_variable')},{rr})", "money",
                                 lambda f: num(f.result.csm.target_variable))
        self.start_row = self._line("Start date", roster_text("start_date"), "date",
                                    lambda f: excel_date(f.result.csm.start_date))
        self.end_row = self._line("End date", roster_text("end_date"), "date",
                                  lambda f: excel_date(f.result.csm.end_date), note="blank: still employed")
        self.days_row = self._line("Days employed in the period",
                                   fx.days_employed(cell(self.start_row, B), cell(self.end_row, B)), "days",
                                   lambda f: f.result.days, note="first and last day included")
        self.proration_row = self._line("Proration", f"={cell(self.days_row, B)}/period_days", "percent",
                                        lambda f: num(f.result.proration), note="days employed / days in the period")
        self.roster_cells: dict[str, str] = {}
        for column, why in plan_roster_columns(plan).items():
            row = self._line(column, roster_text(column), "money" if column.startswith("quota") else "number",
                             _roster_value(column), note=f"roster column ({why})")
            self.roster_cells[column] = cell(row, B)
        self.row += 1

        # the book of business
        self._section("Book of business", "sums over this CSM's rows of the Accounts table")
        ident = cell(self.id_row, B)
        self.book_cells: dict[str, str] = {}
        for item in fx.book_items(plan):
            kind = "count" if item.count else ("money" if item.key.startswith(("sum:", "wden:")) else "number")
            if item.key == "sum:nps":
                kind = "number"
            row = self._line(item.label, "=" + item.formula(ident, key), kind,
                             _book_value(item))
            self.book_cells[item.key] = cell(row, B)
            if item.key == "accounts":
                accounts = cell(row, B)
                self._put(row, NOTE, f'=IF({accounts}=0,"no accounts in the book: account metrics have no data","")',
                          styles.note, lambda f: "no accounts in the book: account metrics have no data"
                          if f.result.sums.accounts == 0 else "")
        self.row += 1

        # metrics
        self._section("Metrics", "numerator / denominator; blank = no data (a 0 denominator)")
        header = self.row
        for col, text in ((B, "numerator"), (C, "denominator"), (D, "value")):
            self._put(header, col, None, styles.header, _const(text))
        self.row += 1
        self.metric_cells: dict[str, tuple[str, str | None, str]] = {}
        for spec in fx.metric_specs(plan):
            self._metric(spec)
        self.row += 1

        # multipliers
        self.factor_cells: dict[int, str] = {}
        if plan.multipliers:
            self._section("Multipliers", "the factor of the highest band whose min is at most the metric")
            header = self.row
            for col, text in ((B, "metric"), (C, "factor")):
                self._put(header, col, None, styles.header, _const(text))
            self.row += 1
            for index, multiplier in enumerate(plan.multipliers):
                row = self.row
                applies = ", ".join(multiplier.applies_to) if multiplier.applies_to is not None else "every component"
                self._label(row, f"{multiplier.metric} bands ({layout.band_table_name(index)})", styles.label_indent)
                value_cell = self.metric_cells[multiplier.metric][2]
                self._put(row, B, f"={value_cell}", styles.calc[_unit_kind(multiplier.metric, plan)],
                          _metric_value(multiplier.metric))
                self._put(row, C, fx.multiplier_factor(cell(row, B), layout.band_table_name(index)),
                          styles.calc["factor"], _factor(index))
                self._note(row, f"applies to {applies}")
                self.factor_cells[index] = cell(row, C)
                self.row += 1
            self.row += 1

        # components
        for component in plan.components:
            self._component(component)
            self.row += 1

        payouts = [cell(c.payout, B) for c in self.components.values()]
        self.total_row = self.row
        self._label(self.row, "Total payout", styles.label_bold)
        self._put(self.row, B, "=" + ("+".join(payouts) if payouts else "0"), styles.key["money"],
                  lambda f: num(f.result.total))
        self._note(self.row, "sum of the rounded component payouts")
        self.row += 1
        self.last_row = self.row

    def _metric(self, spec: fx.MetricSpec) -> None:
        plan, styles = self.plan, self.styles
        row = self.row
        definition = METRICS[spec.name].definition if spec.name in METRICS else f"the plan's inputs.{spec.name}"
        self._label(row, spec.name, styles.label_indent)
        kind = _unit_kind(spec.name, plan)
        part_kind = _part_kind(spec)
        if spec.num is None:
            self._put(row, D, '=""', styles.calc[kind], _const(""))   # empty text: no data, not 0
            self._note(row, f"{definition}: {spec.undefined_text}")
            self.metric_cells[spec.name] = (cell(row, D), None, cell(row, D))
            self.row += 1
            return
        num_cell = cell(row, B)
        den_cell = cell(row, C) if spec.den is not None else None
        numerator = spec.num
        self._put(row, B, "=" + numerator.render(self.book_cells, self.roster_cells), styles.calc[part_kind],
                  lambda f: num(numerator.evaluate(f.result.sums, f.result.csm)))
        if spec.den is not None:
            denominator = spec.den
            self._put(row, C, "=" + denominator.render(self.book_cells, self.roster_cells),
                      styles.calc[part_kind], lambda f: num(denominator.evaluate(f.result.sums, f.result.csm)))
        self._put(row, D, spec.value_formula(num_cell, den_cell or ""), styles.calc[kind],
                  _metric_value(spec.name))
        self._note(row, definition)
        self.metric_cells[spec.name] = (num_cell, den_cell, cell(row, D))
        self.row += 1

    def _target_formula(self, component: Component, what: str) -> str:
        target = component.target if what == "target" else component.quota
        assert target is not None
        if target.column:
            return f"={self.roster_cells[target.column]}"
        base = layout.param_name(component.id, what)
        risk = target.risk_adjust
        if risk is None:
            return f"={base}"
        def p(param: str) -> str:
            return layout.param_name(component.id, param)

        risk_cell = self.metric_cells["risk_score"][2]
        return (f'=IF({risk_cell}="",{base},ROUND(MIN({p("risk_ceiling")},MAX({p("risk_floor")},'
                f'{base}-{p("risk_per_point")}*({risk_cell}-{p("risk_reference")}))),6))')

    def _gate_line(self, component: Component) -> str | None:
        gate = component.gate
        if gate is None:
            return None
        num_cell, den_cell, value_cell = self.metric_cells[gate.metric]
        minimum = layout.param_name(component.id, "gate_min")
        test = f"{num_cell}>={minimum}*{den_cell}" if den_cell else f"{value_cell}>={minimum}"
        row = self._line(f"Gate: {gate.metric} at least the minimum", f'=IF({value_cell}="",FALSE,{test})', "bool",
                         _gate_passed(component.id),
                         note=f"{minimum} on the Plan sheet; below it, or no data, the component pays 0")
        return cell(row, B)

    def _multiplier_formula(self, component: Component) -> str | None:
        factors = [self.factor_cells[i] for i, m in enumerate(self.plan.multipliers) if m.applies(component.id)]
        return "=" + "*".join(factors) if factors else None

    def _tier_walk(self, component: Component, x: str | None, amount: str | None, quota: str | None) -> None:
        """One row per tier: bounds, rate, the part of attainment (or amount) inside, what it pays."""
        styles = self.styles
        curve = component.curve
        assert curve is not None
        table = layout.tier_table_name(component.id)
        low, upto, rate = fx.tier_columns(table)
        commission = component.kind is Kind.COMMISSION
        header = self.row
        self._label(header, "Tier walk", styles.label_indent)
        pays = "commission" if commission else "share"
        for col, text in ((B, "tier"), (C, "from"), (D, "up to"), (E, "rate"), (F, "part"), (G, pays)):
            self._put(header, col, None, styles.header, _const(text))
        self._note(header, f"tiers from the {table} table on the Plan sheet")
        self.row += 1
        bound_kind = "money" if commission else "percent"
        part_kind = "money" if commission else "share"
        cid = component.id
        bounds = curve.bounds()
        for index, (lower, upper, tier_rate) in enumerate(bounds, start=1):
            row = self.row
            scale = f"*{quota}" if commission and quota else ""
            self._put(row, B, None, styles.calc["count"], _const(index))
            self._put(row, C, f"=INDEX({low},{index}){scale}", styles.calc[bound_kind],
                      _bound(lower, cid, commission))
            upto_ref = f"INDEX({upto},{index})"
            self._put(row, D, f'=IF({upto_ref}="","",{upto_ref}{scale})', styles.calc[bound_kind],
                      _bound(upper, cid, commission))
            self._put(row, E, f"=INDEX({rate},{index})", styles.calc["rate"], _const(float(tier_rate)))
            c_from, c_upto = cell(row, C), cell(row, D)
            if curve.mode is CurveMode.MARGINAL:
                if commission:
                    part = f'=MAX(0,IF({c_upto}="",{amount},MIN({amount},{c_upto}))-{c_from})'
                else:
                    part = f'=IF({x}="",0,MAX(0,IF({c_upto}="",{x},MIN({x},{c_upto}))-{c_from}))'
            else:
                held = f"MATCH({x},{low},1)={index}"
                if commission:
                    part = f'=IF({x}="",0,IF({held},MAX(0,{amount}),0))'
                elif curve.mode is CurveMode.WHOLE:
                    part = f'=IF({x}="",0,IF({held},{x},0))'
                else:
                    part = f'=IF({x}="",0,IF({held},1,0))'
            self._put(row, F, part, styles.calc[part_kind], _segment_value(cid, index - 1, 0))
            self._put(row, G, f"={cell(row, E)}*{cell(row, F)}", styles.calc[part_kind],
                      _segment_value(cid, index - 1, 1))
            self.row += 1

    def _component(self, component: Component) -> None:
        plan, styles = self.plan, self.styles
        cid = component.id
        def name(param: str) -> str:
            return layout.param_name(cid, param)

        what = "bonus" if component.kind is Kind.BONUS else "commission"
        mode = f", {component.curve.mode.value} tiers" if component.curve else ", flat rate"
        self._section(component.label, f"{what} on {component.metric}{mode} ({cid})")
        cells = ComponentCells()
        self.components[cid] = cells
        num_cell, den_cell, value_cell = self.metric_cells[component.metric]
        kind = _unit_kind(component.metric, plan)
        def get(facts: CsmFacts) -> ComponentResult:
            return facts.components[cid]

        gate_cell: str | None = None
        status_parts: list[tuple[str, str]] = []

        if component.kind is Kind.BONUS:
            assert component.curve is not None
            self._line("Metric value", f"={value_cell}", kind, lambda f: num(get(f).actual),
                       note=f"{component.metric}, from the Metrics block")
            target_row = self._line("Target", self._target_formula(component, "target"), kind,
                                    lambda f: num(get(f).target), note=self._target_note(component, "target"))
            target = cell(target_row, B)
            ratio = f"{num_cell}/({den_cell}*{target})" if den_cell else f"{num_cell}/{target}"
            att_row = self._line("Attainment", f'=IF(OR({value_cell}="",N({target})<=0),"",MAX(0,ROUND({ratio},6)))',
                                 "attainment", lambda f: num(get(f).attainment),
                                 note="ROUND(actual / target, 6), not below 0; blank = no data")
            cells.attainment = att_row
            self.attainment_cells.append((att_row, B))
            x = cell(att_row, B)
            threshold = None
            if component.threshold is not None:
                self._line("Threshold", f"={name('threshold')}", "attainment",
                           lambda f: num(component.threshold), note="below it the component pays 0")
                threshold = name("threshold")
            self._tier_walk(component, x, None, None)
            table = layout.tier_table_name(cid)
            curve_row = self._line("Curve share", f'=IF({x}="",0,{fx.curve_share(component.curve, x, table)})',
                                   "share", lambda f: num(self._curve_share(get(f))),
                                   note=f"{component.curve.mode.value} tiers at the attainment (before threshold "
                                        f"and cap)")
            curve = cell(curve_row, B)
            cap = None
            if component.cap is not None:
                self._line("Cap", f"={name('cap')}", "share", lambda f: num(component.cap),
                           note="the share never goes above it")
                cap = name("cap")
            gate_cell = self._gate_line(component)
            conditions = [f'{x}=""']
            if threshold:
                conditions.append(f"{x}<{threshold}")
            if gate_cell:
                conditions.append(f"NOT({gate_cell})")
            capped = f"MIN({cap},{curve})" if cap else curve
            share_row = self._line("Share", f"=IF(OR({','.join(conditions)}),0,{capped})", "share",
                                   lambda f: num(get(f).share), note="0 with no data, below the threshold or gate")
            cells.share = share_row
            multiplier = self._multiplier_formula(component)
            mult_row = self._line("Multiplier", multiplier, "factor", lambda f: num(get(f).multiplier))
            if multiplier is None:
                self._note(mult_row, "no multiplier applies")
            tv, days = cell(self.tv_row, B), cell(self.days_row, B)
            self._line("Target incentive", f"={tv}*{name('weight')}*{days}/(period_days*periods_per_year)", "money",
                       lambda f: num(get(f).target_incentive),
                       note=f"target variable x {name('weight')} x days employed / (days in period x periods a year)")
            payout_row = self._line("Payout", fx.bonus_payout(tv, name("weight"), days, cell(share_row, B),
                                                              cell(mult_row, B)), "money",
                                    lambda f: num(get(f).payout), style=styles.key,
                                    note="ROUND(target incentive x share x multiplier, 2)")
            cells.payout = payout_row
            status_parts = [(f'{x}=""', "no data: pays 0")]
            if gate_cell:
                status_parts.append((f"NOT({gate_cell})", "gate not met: pays 0"))
            if threshold:
                status_parts.append((f"{x}<{threshold}", "below threshold: pays 0"))
            if cap:
                status_parts.append((f"{curve}>{cap}", "capped"))
            last = "on the curve"
        else:
            amount_row = self._line("Amount", f'=IF({value_cell}="",0,{value_cell})', kind,
                                    lambda f: num(get(f).actual or ZERO),
                                    note=f"{component.metric}, from the Metrics block")
            amount = cell(amount_row, B)
            threshold = None
            if component.quota is not None:
                assert component.curve is not None
                quota_row = self._line("Quota", self._target_formula(component, "quota"), kind,
                                       lambda f: num(get(f).target), note=self._target_note(component, "quota"))
                quota = cell(quota_row, B)
                att_row = self._line("Attainment", f'=IF(N({quota})<=0,"",MAX(0,ROUND({amount}/{quota},6)))',
                                     "attainment", lambda f: num(get(f).attainment), note="ROUND(amount / quota, 6)")
                cells.attainment = att_row
                self.attainment_cells.append((att_row, B))
                x = cell(att_row, B)
                if component.threshold is not None:
                    self._line("Threshold", f"={name('threshold')}", "attainment",
                               lambda f: num(component.threshold), note="below it the component pays 0")
                    threshold = name("threshold")
                self._tier_walk(component, x, amount, quota)
                curve_formula = fx.commission_curve(component.curve, amount, quota, x,
                                                    layout.tier_table_name(cid))
                if threshold:
                    before = f'=IF(OR({x}="",{x}<{threshold}),0,MAX(0,{curve_formula}))'
                else:
                    before = f'=IF({x}="",0,MAX(0,{curve_formula}))'
                before_note = f"{component.curve.mode.value} tiers cut at upto x quota"
                last = "on the curve"
            else:
                self._line("Rate", f"={name('rate')}", "rate", lambda f: num(component.rate), note="flat rate")
                before = f"=MAX(0,{amount})*{name('rate')}"
                before_note = "amount x rate"
                last = "pays the rate"
            before_row = self._line("Commission before cap", before, "money", lambda f: num(get(f).trace.uncapped),
                                    note=before_note)
            capped_value = cell(before_row, B)
            cap = None
            if component.cap_amount is not None:
                self._line("Cap amount", f"={name('cap_amount')}", "money", lambda f: num(component.cap_amount))
                cap = name("cap_amount")
                capped_value = f"MIN({cap},{capped_value})"
            gate_cell = self._gate_line(component)
            commission = f"=IF(NOT({gate_cell}),0,{capped_value})" if gate_cell else f"={capped_value}"
            commission_row = self._line("Commission", commission, "money", lambda f: num(get(f).value))
            multiplier = self._multiplier_formula(component)
            mult_row = self._line("Multiplier", multiplier, "factor", lambda f: num(get(f).multiplier))
            if multiplier is None:
                self._note(mult_row, "no multiplier applies")
            payout_row = self._line("Payout", f"=ROUND({cell(commission_row, B)}*{cell(mult_row, B)},2)", "money",
                                    lambda f: num(get(f).payout), style=styles.key,
                                    note="ROUND(commission x multiplier, 2)")
            cells.payout = payout_row
            status_parts = []
            if gate_cell:
                status_parts.append((f"NOT({gate_cell})", "gate not met: pays 0"))
            if threshold:
                status_parts.append((f"{cell(cells.attainment or 0, B)}<{threshold}", "below threshold: pays 0"))
            if cap:
                status_parts.append((f"{cell(before_row, B)}>{cap}", "capped"))
        status = f'"{last}"'
        for condition, text in reversed(status_parts):
            status = f'IF({condition},"{text}",{status})'
        self._line("Status", "=" + status, "text", lambda f: component_status(get(f)))

    @staticmethod
    def _curve_share(result: ComponentResult) -> Decimal:
        if result.attainment is None:
            return ZERO
        assert result.component.curve is not None
        return tier_share(result.attainment, result.component.curve)[0]

    def _target_note(self, component: Component, what: str) -> str:
        target = component.target if what == "target" else component.quota
        assert target is not None
        if target.column:
            return f"roster column {target.column}"
        if target.risk_adjust is not None:
            return (f"{layout.param_name(component.id, what)} moved by the book's risk_score, between "
                    f"{layout.param_name(component.id, 'risk_floor')} and "
                    f"{layout.param_name(component.id, 'risk_ceiling')}, rounded to 6 places")
        return f"{layout.param_name(component.id, what)} on the Plan sheet"

    # -- writing ---------------------------------------------------------------------------

    def write(self, sheet: Worksheet, name: str, facts: CsmFacts) -> None:
        """Write the tab for one CSM."""
        styles = self.styles
        ctx = self.ctx
        for col, width in WIDTHS.items():
            sheet.set_column(col, col, width)
        csm = facts.result.csm
        sheet.write_formula(self.title_row, LABEL, f'={cell(self.name_row, B)}&" ("&{cell(self.id_row, B)}&")"',
                            styles.title, f"{csm.name} ({csm.csm_id})")
        sheet.write_string(1, LABEL, f"{self.plan.name} · {ctx.period.label} · payout statement, live formulas",
                           styles.subtitle)
        sheet.write_url(0, NOTE, f"internal:{quote_sheet(layout.SHEET_SUMMARY)}!A{facts.summary_row + 1}",
                        styles.link, "← back to Summary")
        write_formula, write_string, write_number = sheet.write_formula, sheet.write_string, sheet.write_number
        for planned in self.cells:
            value = planned.value(facts)
            if planned.formula is not None:
                write_formula(planned.row, planned.col, planned.formula, planned.fmt, value)
            elif isinstance(value, str):
                if value:
                    write_string(planned.row, planned.col, value, planned.fmt)
                else:
                    sheet.write_blank(planned.row, planned.col, None, planned.fmt)
            else:
                write_number(planned.row, planned.col, value, planned.fmt)
        if sumifs_key(facts.csm_id) == facts.csm_id:
            sheet.set_row(self.key_row, None, None, {"hidden": True})
        for row, col in self.attainment_cells:
            sheet.conditional_format(row, col, row, col, _ATTAINMENT_SCALE)
        sheet.freeze_panes(3, 0)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.repeat_rows(0, 1)
        sheet.hide_gridlines(2)
        sheet.set_zoom(100)
        ctx.protect(sheet)


_ATTAINMENT_SCALE = {"type": "3_color_scale", "min_type": "num", "min_value": 0.5, "min_color": "#F8696B",
                     "mid_type": "num", "mid_value": 1, "mid_color": "#FFEB84", "max_type": "num", "max_value": 1.3,
                     "max_color": "#63BE7B"}


def csm_facts(result: CsmResult, plan: Plan, roster_row: int, summary_row: int, needed: list[str]) -> CsmFacts:
    """The engine values a CSM tab caches."""
    values = {name: metric_value(name, result.sums, result.csm, plan) for name in needed}
    factors = [m.factor(values[m.metric].value)[0] for m in plan.multipliers]
    components = {c.component.id: c for c in result.components}
    return CsmFacts(result, roster_row, summary_row, values, components, factors)
