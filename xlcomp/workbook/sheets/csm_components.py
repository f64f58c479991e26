"""A CSM tab's component blocks: each line binds a rule of :mod:`xlcomp.rules` to the tab's cells.

The formula of every line is the rule rendered with the cells of the lines above it (the cell map
grows as lines are placed), and its cached value is the engine's result of the same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.engine.curves import tier_share
from xlcomp.engine.payouts import ComponentResult
from xlcomp.model.plan import Component, Kind, Plan
from xlcomp.ooxml.refs import cell
from xlcomp.rules import curves as walk
from xlcomp.rules import payout as rules
from xlcomp.rules.curves import TIERS
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.ramp import ramped
from xlcomp.rules.status import status_formula
from xlcomp.workbook import layout
from xlcomp.workbook.context import num
from xlcomp.workbook.formulas import period_names
from xlcomp.workbook.sheets.csm_ramp import ramped_formula
from xlcomp.workbook.sheets.csm_spif import spif_lines
from xlcomp.workbook.sheets.csm_versions import (
    part_amount_lines,
    part_lines,
    part_metric,
    part_quota_formula,
    part_roster_cells,
    span_of,
)

if TYPE_CHECKING:
    from xlcomp.workbook.sheets.csm import CsmFacts, Getter

__all__ = ["ComponentBlocks", "ComponentCells"]

ZERO = Decimal(0)
ONE = Decimal(1)
B, C, D, E, F, G = range(1, 7)


class ComponentCells:
    """Where a component's key cells are on every CSM tab (0-based row, column B)."""

    def __init__(self) -> None:
        self.attainment: int | None = None
        self.payout = 0
        self.share: int | None = None


def _const(value: Any) -> Getter:
    return lambda facts: value


def _gate_passed(component_id: str) -> Getter:
    def value(facts: CsmFacts) -> bool:
        gate = facts.components[component_id].trace.gate
        return bool(gate is not None and gate.passed)
    return value


def _bound(bound: Decimal | None, component_id: str, commission: bool) -> Getter:
    """A tier bound on the tab: attainment for a bonus, money (x quota) for a commission."""
    def value(facts: CsmFacts) -> float | str:
        if bound is None:
            return ""
        quota = facts.components[component_id].target
        return num(bound * (quota if quota is not None else ONE)) if commission else num(bound)
    return value


def _segment_value(component_id: str, index: int, which: int) -> Getter:
    """The part (``which`` 0) or pay (1) of tier ``index`` in the engine's tier walk."""
    def value(facts: CsmFacts) -> float | str:
        for segment in facts.components[component_id].trace.segments:
            if segment.tier == index:
                return num(segment.base if which == 0 else segment.value)
        return 0.0
    return value


def _curve_share(result: ComponentResult) -> Decimal:
    if result.attainment is None:
        return ZERO
    assert result.component.curve is not None
    return tier_share(result.attainment, result.component.curve)[0]


class ComponentBlocks:
    """The component sections of :class:`~xlcomp.workbook.sheets.csm.CsmTabPlan` (a mixin)."""

    plan: Plan
    styles: Any
    row: int
    tv_row: int
    days_row: int
    tv_days_cell: str | None
    ramp_cell: str | None
    roster_cells: dict[str, str]
    metric_cells: dict[str, tuple[str, str | None, str]]
    factor_cells: dict[int, str]
    components: dict[str, ComponentCells]
    attainment_cells: list[tuple[int, int]]
    _put: Callable[..., None]
    _label: Callable[..., None]
    _note: Callable[..., None]
    _section: Callable[..., int]
    _line: Callable[..., int]
    _unit_kind: Callable[[str], str]

    def _component(self, component: Component) -> None:
        cid = component.id
        what = "bonus" if component.kind is Kind.BONUS else "commission"
        mode = f", {component.curve.mode.value} tiers" if component.curve else ", flat rate"
        self._section(component.label, f"{what} on {component.metric}{mode} ({cid})")
        self.components[cid] = ComponentCells()
        num_cell, den_cell, value_cell = self.metric_cells[part_metric(self, component.metric, cid)]  # type: ignore[arg-type]
        cells = {**period_names(), K.VALUE: value_cell, K.NUM: num_cell, TIERS: layout.tier_table_name(cid),
                 K.TARGET_VARIABLE: cell(self.tv_row, B), K.DAYS: cell(self.days_row, B)}
        if self.tv_days_cell is not None:
            cells[K.TARGET_VARIABLE_DAYS] = self.tv_days_cell
        for param in ("threshold", "cap", "cap_amount", "weight", "rate", "gate_min"):
            cells[param] = layout.param_name(cid, param)
        if den_cell:
            cells[K.DEN] = den_cell
        part_lines(self, component, cells)  # type: ignore[arg-type]
        saved, self.roster_cells = self.roster_cells, part_roster_cells(self, component)  # type: ignore[arg-type]
        try:
            if component.kind is Kind.BONUS:
                self._bonus(component, cells)
            else:
                self._commission(component, cells)
        finally:
            self.roster_cells = saved
        self._line("Status", status_formula(component, cells), "text",
                   lambda f: f.components[cid].status.text)

    def _bonus(self, component: Component, cells: dict[str, str]) -> None:
        cid, styles, kind = component.id, self.styles, self._unit_kind(component.metric)
        assert component.curve is not None

        def get(facts: CsmFacts) -> ComponentResult:
            return facts.components[cid]

        self._line("Metric value", f"={cells[K.VALUE]}", kind, lambda f: num(get(f).actual),
                   note=f"{component.metric}, from the Metrics block")
        cells[K.TARGET] = cell(self._line("Target", self._target_formula(component, "target"), kind,
                                          lambda f: num(get(f).target),
                                          note=self._target_note(component, "target")), B)
        att_row = self._line("Attainment", rules.bonus_attainment(K.DEN in cells).formula(cells), "attainment",
                             lambda f: num(get(f).attainment),
                             note="ROUND(actual / target, 6), not below 0; blank = no data")
        self.components[cid].attainment = att_row
        self.attainment_cells.append((att_row, B))
        cells[K.ATTAINMENT] = cells["x"] = cell(att_row, B)
        if component.threshold is not None:
            self._line("Threshold", f"={cells['threshold']}", "attainment", lambda f: num(component.threshold),
                       note="below it the component pays 0")
        self._tier_walk(component, cells)
        cells[K.CURVE_SHARE] = cell(self._line(
            "Curve share", rules.bonus_curve_share(component.curve.mode).formula(cells), "share",
            lambda f: num(_curve_share(get(f))),
            note=f"{component.curve.mode.value} tiers at the attainment (before threshold and cap)"), B)
        if component.cap is not None:
            self._line("Cap", f"={cells['cap']}", "share", lambda f: num(component.cap),
                       note="the share never goes above it")
        self._gate_line(component, cells)
        share_row = self._line("Share", rules.bonus_share(component).formula(cells), "share",
                               lambda f: num(get(f).share), note="0 with no data, below the threshold or gate")
        self.components[cid].share = share_row
        cells[K.SHARE] = cell(share_row, B)
        self._multiplier_line(component, cells)
        weight = cells["weight"]
        dated = K.TARGET_VARIABLE_DAYS in cells
        note = f"target variable x {weight} x days employed / (days in period x periods a year)" if not dated \
            else f"(target variable x days employed, summed over the stretches) x {weight} / (days in period x " \
                 "periods a year)"
        self._line("Target incentive", rules.target_incentive(dated).formula(cells), "money",
                   lambda f: num(get(f).target_incentive), note=note)
        self.components[cid].payout = self._line("Payout", rules.bonus_payout(dated).formula(cells), "money",
                                                 lambda f: num(get(f).payout), style=styles.key,
                                                 note="ROUND(target incentive x share x multiplier, 2)")

    def _commission(self, component: Component, cells: dict[str, str]) -> None:
        cid, styles, kind = component.id, self.styles, self._unit_kind(component.metric)

        def get(facts: CsmFacts) -> ComponentResult:
            return facts.components[cid]

        amount_formula, amount_value = rules.commission_amount().formula(cells), lambda f: num(get(f).actual or ZERO)
        amount_note = f"{component.metric}, from the Metrics block"
        span = span_of(self, component)  # type: ignore[arg-type]
        if component.window is not None:
            amount_formula, amount_value = spif_lines(self, component, cells, span)  # type: ignore[arg-type]
            amount_note = "booked in the window" + (", 0 outside the segments" if component.segments else "")
        elif span is not None:
            amount_formula, amount_value = part_amount_lines(self, component, cells)  # type: ignore[arg-type]
            amount_note = "booked in the part + the part's share of the amounts with no booking date"
        cells[K.AMOUNT] = cells["amount"] = cell(self._line("Amount", amount_formula, kind, amount_value,
                                                            note=amount_note), B)
        if component.quota is not None:
            assert component.curve is not None
            quota_formula, quota_note = self._target_formula(component, "quota"), self._target_note(component, "quota")
            if span is not None:
                quota_formula = part_quota_formula(cells, quota_formula)
                quota_note = f"ROUND(({quota_note}) x days in the part / days in the period, 6)"
            cells[K.QUOTA] = cells["quota"] = cell(self._line(
                "Quota", quota_formula, kind, lambda f: num(get(f).target), note=quota_note), B)
            att_row = self._line("Attainment", rules.commission_attainment().formula(cells), "attainment",
                                 lambda f: num(get(f).attainment), note="ROUND(amount / quota, 6)")
            self.components[cid].attainment = att_row
            self.attainment_cells.append((att_row, B))
            cells[K.ATTAINMENT] = cells["x"] = cell(att_row, B)
            if component.threshold is not None:
                self._line("Threshold", f"={cells['threshold']}", "attainment", lambda f: num(component.threshold),
                           note="below it the component pays 0")
            self._tier_walk(component, cells)
            before_note = f"{component.curve.mode.value} tiers cut at upto x quota"
        else:
            self._line("Rate", f"={cells['rate']}", "rate", lambda f: num(component.rate), note="flat rate")
            before_note = "amount x rate"
        cells[K.BEFORE_CAP] = cell(self._line(
            "Commission before cap", rules.commission_before_cap(component).formula(cells), "money",
            lambda f: num(get(f).trace.uncapped), note=before_note), B)
        if component.cap_amount is not None:
            self._line("Cap amount", f"={cells['cap_amount']}", "money", lambda f: num(component.cap_amount))
        self._gate_line(component, cells)
        cells[K.COMMISSION] = cell(self._line("Commission", rules.commission_capped(component).formula(cells),
                                              "money", lambda f: num(get(f).value)), B)
        self._multiplier_line(component, cells)
        self.components[cid].payout = self._line("Payout", rules.commission_payout().formula(cells), "money",
                                                 lambda f: num(get(f).payout), style=styles.key,
                                                 note="ROUND(commission x multiplier, 2)")

    def _target_formula(self, component: Component, what: str) -> str:
        return ramped_formula(self, component, self._base_target_formula(component, what))  # type: ignore[arg-type]

    def _base_target_formula(self, component: Component, what: str) -> str:
        target = component.target if what == "target" else component.quota
        assert target is not None
        if target.column:
            return f"={self.roster_cells[target.column]}"
        base = layout.param_name(component.id, what)
        if target.risk_adjust is None:
            return f"={base}"
        cells = {K.TARGET: base, K.RISK: self.metric_cells["risk_score"][2]}
        for param in ("risk_floor", "risk_ceiling", "risk_per_point", "risk_reference"):
            cells[param] = layout.param_name(component.id, param)
        return rules.risk_adjusted_target().formula(cells)

    def _target_note(self, component: Component, what: str) -> str:
        target = component.target if what == "target" else component.quota
        assert target is not None
        if target.column:
            return f"roster column {target.column}" + self._ramp_note(component)
        if target.risk_adjust is not None:
            return (f"{layout.param_name(component.id, what)} moved by the book's risk_score, between "
                    f"{layout.param_name(component.id, 'risk_floor')} and "
                    f"{layout.param_name(component.id, 'risk_ceiling')}, rounded to 6 places")
        return f"{layout.param_name(component.id, what)} on the Plan sheet" + self._ramp_note(component)

    def _ramp_note(self, component: Component) -> str:
        return " x the ramp factor" if self.ramp_cell is not None and ramped(component, self.plan) else ""

    def _gate_line(self, component: Component, cells: dict[str, str]) -> None:
        gate = component.gate
        if gate is None:
            return
        num_cell, den_cell, value_cell = self.metric_cells[part_metric(self, gate.metric, component.id)]  # type: ignore[arg-type]
        gate_cells = {**cells, K.NUM: num_cell, K.VALUE: value_cell}
        if den_cell:
            gate_cells[K.DEN] = den_cell
        minimum = cells["gate_min"]
        row = self._line(f"Gate: {gate.metric} at least the minimum",
                         rules.gate_passed(den_cell is not None).formula(gate_cells), "bool",
                         _gate_passed(component.id),
                         note=f"{minimum} on the Plan sheet; below it, or no data, the component pays 0")
        cells[K.GATE] = cell(row, B)

    def _multiplier_line(self, component: Component, cells: dict[str, str]) -> None:
        factors = [self.factor_cells[i] for i, m in enumerate(self.plan.multipliers) if m.applies(component.id)]
        product = rules.multiplier_product(factors)
        formula = None if product is None else product.formula({name: name for name in factors})
        row = self._line("Multiplier", formula, "factor", lambda f: num(f.components[component.id].multiplier))
        if formula is None:
            self._note(row, "no multiplier applies")
        cells[K.MULTIPLIER] = cell(row, B)

    def _tier_walk(self, component: Component, cells: dict[str, str]) -> None:
        """One row per tier: bounds, rate, the part of attainment (or amount) inside, what it pays."""
        styles = self.styles
        curve = component.curve
        assert curve is not None
        commission = component.kind is Kind.COMMISSION
        header = self.row
        self._label(header, "Tier walk", styles.label_indent)
        pays = "commission" if commission else "share"
        for col, text in ((B, "tier"), (C, "from"), (D, "up to"), (E, "rate"), (F, "part"), (G, pays)):
            self._put(header, col, None, styles.header, _const(text))
        self._note(header, f"tiers from the {cells[TIERS]} table on the Plan sheet")
        self.row += 1
        bound_kind = "money" if commission else "percent"
        part_kind = "money" if commission else "share"
        cid = component.id
        for index, (lower, upper, tier_rate) in enumerate(curve.bounds(), start=1):
            row = self.row
            here = {**cells, walk.TIER_FROM: cell(row, C), walk.TIER_UPTO: cell(row, D),
                    walk.TIER_RATE: cell(row, E), walk.TIER_PART: cell(row, F)}
            self._put(row, B, None, styles.calc["count"], _const(index))
            self._put(row, C, walk.walk_from(index, commission).formula(here), styles.calc[bound_kind],
                      _bound(lower, cid, commission))
            self._put(row, D, walk.walk_upto(index, commission).formula(here), styles.calc[bound_kind],
                      _bound(upper, cid, commission))
            self._put(row, E, walk.walk_rate(index).formula(here), styles.calc["rate"], _const(float(tier_rate)))
            self._put(row, F, walk.walk_part(curve.mode, commission, index).formula(here), styles.calc[part_kind],
                      _segment_value(cid, index - 1, 0))
            self._put(row, G, walk.walk_pay(index).formula(here), styles.calc[part_kind],
                      _segment_value(cid, index - 1, 1))
            self.row += 1

