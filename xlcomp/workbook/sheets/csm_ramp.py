"""A CSM tab's ramp lines (SPEC section 10): whole months in post at the period's start (from the Roster's
start_date) and the ramp factor (from the Plan sheet's ``Ramp`` table), the rules of :mod:`xlcomp.rules.ramp`;
each ramped Quota or Target line reads the factor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlcomp.model.plan import Component
from xlcomp.ooxml.refs import cell
from xlcomp.rules import ramp as rules
from xlcomp.rules.payout import Inputs as K
from xlcomp.workbook import layout
from xlcomp.workbook.context import num
from xlcomp.workbook.formulas import period_names

if TYPE_CHECKING:
    from xlcomp.workbook.sheets.csm import CsmTabPlan

__all__ = ["plan_ramp_lines", "ramped_formula"]

B = 1


def plan_ramp_lines(tab: CsmTabPlan) -> None:
    """The two ramp lines, under the dates (nothing without a plan ramp); sets ``tab.ramp_cell``."""
    tab.ramp_cell = None
    if not tab.plan.ramp:
        return
    cells = {**period_names(), K.START: cell(tab.start_row, B)}
    months_row = tab._line("Whole months in post", rules.whole_months().formula(cells), "count",
                           lambda f: f.result.ramp.months if f.result.ramp is not None else "",
                           note="whole months from the start date to the period's first day (at least 0)")
    factor_cells = {rules.MONTHS: cell(months_row, B), rules.RAMP: layout.RAMP_TABLE}
    row = tab._line("Ramp factor", rules.ramp_factor().formula(factor_cells), "factor",
                    lambda f: num(f.result.ramp.factor) if f.result.ramp is not None else "",
                    note=f"from the {layout.RAMP_TABLE} table on the Plan sheet: quotas and amount targets x it")
    tab.ramp_cell = cell(row, B)


def ramped_formula(tab: CsmTabPlan, component: Component, formula: str) -> str:
    """A Target or Quota line's formula on the ramp: ``ROUND(target x ramp factor, 6)`` (as given otherwise)."""
    if tab.ramp_cell is None or not rules.ramped(component, tab.plan):
        return formula
    return rules.ramped_target().formula({K.TARGET: formula.removeprefix("="), rules.RAMP_FACTOR: tab.ramp_cell})
