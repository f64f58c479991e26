"""A CSM tab's SPIF lines (SPEC section 10): the window cut to the period, the amount booked in it (SUMIFS on the
Accounts table's booked_on; with moves and splits, plus the CSM's rows of the Credit table whose account was booked
in it), the CSM's eligibility by segment, and the amount the SPIF pays on: the rules of :mod:`xlcomp.rules.spif`."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.model.plan import Component
from xlcomp.ooxml.refs import cell
from xlcomp.rules import spif as rules
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.ramp import serial
from xlcomp.rules.versions import PART_FIRST, PART_LAST
from xlcomp.workbook import layout
from xlcomp.workbook.context import num
from xlcomp.workbook.formulas import period_names

if TYPE_CHECKING:
    from xlcomp.workbook.sheets.csm import CsmFacts, CsmTabPlan
    from xlcomp.workbook.sheets.plan_versions import PartSpan

__all__ = ["spif_lines"]

B = 1
ZERO = Decimal(0)


def spif_lines(tab: CsmTabPlan, component: Component, cells: dict[str, str], span: PartSpan | None = None
               ) -> tuple[str, Any]:
    """The SPIF's lines before its Amount line; the Amount line's formula and cached value (binds ``value``
    to the amount booked in the window). In a part of a period split by plan versions (``span``), the window is
    cut to the part (its first and last day cells, bound in ``cells``) rather than to the period."""
    cid = component.id
    assert component.window is not None
    bounds = {**period_names(), rules.WINDOW_FROM: layout.param_name(cid, "window_from"),
              rules.WINDOW_TO: layout.param_name(cid, "window_to")}
    start, end = tab.ctx.result.period.start, tab.ctx.result.period.end
    if span is not None:
        bounds[K.PERIOD_START], bounds[K.PERIOD_END] = cells[PART_FIRST], cells[PART_LAST]
        start, end = span.first, span.last
    days = {K.PERIOD_START: serial(start), K.PERIOD_END: serial(end),
            rules.WINDOW_FROM: serial(component.window[0]), rules.WINDOW_TO: serial(component.window[1])}
    first_day, last_day = (float(rule.evaluate(days)) for rule in (rules.window_from(), rules.window_to()))
    first = cell(tab._line("SPIF window: first day", rules.window_from().formula(bounds), "date",
                           lambda f: first_day, note="the later of the window's first day and the period's"), B)
    last = cell(tab._line("SPIF window: last day", rules.window_to().formula(bounds), "date",
                          lambda f: last_day, note="the earlier of the window's last day and the period's"), B)
    booked = tab._line("Booked in the window",
                       rules.window_amount(component, tab.plan, cell(tab.key_row, B), first, last,
                                           credited=tab.ctx.result.credits is not None),
                       tab._unit_kind(component.metric), lambda f: num(f.components[cid].actual or ZERO),
                       note=f"{component.metric} of this CSM's accounts with booked_on in the window")
    cells[K.VALUE] = cell(booked, B)
    if component.segments is not None:
        row = tab._line("Eligible (segment)", rules.eligible(component.segments).formula(
                            {rules.SEGMENT: cell(tab.segment_row, B)}), "bool",
                        lambda f: not f.components[cid].trace.excluded,
                        note=f"the SPIF pays CSMs of {', '.join(component.segments)} only")
        cells[rules.ELIGIBLE] = cell(row, B)

    def amount(facts: CsmFacts) -> float | str:
        basis = facts.components[cid].trace.basis
        return num(basis[0] if basis is not None else ZERO)

    return rules.spif_amount(component).formula(cells), amount
