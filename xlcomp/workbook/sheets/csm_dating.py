"""A CSM tab's "Roster changes" block (SPEC section 10): the stretches of the period each changing field cuts.

One row per stretch (every tab has the same rows: a CSM with fewer stretches has padding rows that
start the day after the period and have no days): first and last day, days (employed days for the
target variable, calendar days for a quota or target), the change in force (blank: the Roster's value),
the value and value x days. ``target_variable x days`` is the sum the bonus TI reads; a quota or target
is the day-weighted mean, ``ROUND(Σ value x days / days in the period, 6)``. The stretch bounds are the
k-th smallest effective date of the CSM's changes inside the period, found with classic functions
(SUMPRODUCT over SMALL and MAX on the Changes table).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.engine.dating import TARGET_VARIABLE, DatedRoster, StretchRow, cut_rows
from xlcomp.model.dating import Changes
from xlcomp.model.plan import Plan
from xlcomp.ooxml.refs import cell, column_ref
from xlcomp.rules import payout as rules
from xlcomp.rules import versions
from xlcomp.rules.payout import Inputs as K
from xlcomp.workbook import layout
from xlcomp.workbook.context import excel_date, num
from xlcomp.workbook.formulas import period_names

if TYPE_CHECKING:
    from xlcomp.workbook.sheets.csm import CsmFacts, CsmTabPlan, Getter

__all__ = ["plan_dating_block"]

B, C, D, E, F, G = range(1, 7)
ZERO = Decimal(0)
_NO_DATE = 2958465   # 9999-12-31: SMALL's pick when a CSM has no k-th change


def _const(text: str) -> Getter:
    return lambda facts: text


def _stretch(field: str, index: int, what: str) -> Getter:
    """A stretch row's ``start``, ``end``, ``days``, ``value`` or ``value_days`` as the cell caches it."""
    def value(facts: CsmFacts) -> Any:
        row: StretchRow = facts.result.stretches[field][index]
        found = getattr(row, what)
        return excel_date(found) if isinstance(found, date) else (found if isinstance(found, int) else num(found))
    return value


def _sum(field: str) -> Getter:
    return lambda facts: num(sum((r.value_days for r in facts.result.stretches[field]), ZERO))


def _mean(dated: DatedRoster, field: str) -> Getter:
    return lambda facts: num(dated.roster.csms[facts.roster_row - 1].value(field))


def _since(changes: Changes, field: str, index: int, period_end: date) -> Getter:
    def value(facts: CsmFacts) -> float | str:
        start = facts.result.stretches[field][index].start
        day = min(start, period_end)
        found = [c.effective for c in changes.of(facts.csm_id, field) if c.effective <= day]
        return excel_date(max(found)) if found else ""
    return value


def plan_dating_block(tab: CsmTabPlan) -> None:
    """Place the block on the tab (rows from ``tab.row``); point ``tab.roster_cells`` of changing quota and
    target columns at their day-weighted means and set ``tab.tv_days_cell``."""
    result = tab.ctx.result
    dated = result.dated
    assert dated is not None and result.changes is not None
    styles, period = tab.styles, result.period
    tab.row += 1
    tab._section("Roster changes", "stretches of the period with a constant value, from the Changes table")
    ident, key = cell(tab.id_row, B), cell(tab.key_row, B)
    ids, fields = column_ref(layout.CHANGES_TABLE, "csm_id"), column_ref(layout.CHANGES_TABLE, "field")
    effective, values = column_ref(layout.CHANGES_TABLE, "effective"), column_ref(layout.CHANGES_TABLE, "value")
    names = period_names()
    for field, count in dated.counts.items():
        employed = field == TARGET_VARIABLE
        header = tab.row
        tab._label(header, field, styles.label_indent)
        for col, text in ((B, "from"), (C, "to"), (D, "days employed" if employed else "days"),
                          (E, "change of"), (F, "value"), (G, "value x days")):
            tab._put(header, col, None, styles.header, _const(text))
        tab.row += 1
        mine = f'({ids}&""={ident})*({fields}="{field}")'   # &"": an id typed as a number is still found
        inside = f"{mine}*({effective}>period_start)*({effective}<=period_end)"

        def kth(k: int, inside: str = inside) -> str:
            # the last stretch asks for one date more than a CSM can have: more than the table may hold
            small = f"SUMPRODUCT(SMALL({inside}*{effective}+(1-{inside})*{_NO_DATE},{k}))"
            return f"IF(ROWS({effective})<{k},{_NO_DATE},{small})"

        first = tab.row
        roster_cell = cell(tab.tv_row, B) if employed else tab.roster_cells[field]
        for k in range(count):
            row = tab.row
            start, end = cell(row, B), cell(row, C)
            tab._label(row, f"stretch {k + 1}", styles.label_indent)
            start_formula = "=period_start" if k == 0 else f"=MIN(period_end+1,{kth(k)})"
            tab._put(row, B, start_formula, styles.calc["date"], _stretch(field, k, "start"))
            tab._put(row, C, f"=MIN(period_end,{kth(k + 1)}-1)", styles.calc["date"], _stretch(field, k, "end"))
            bounds = {**names, K.PERIOD_START: start, K.PERIOD_END: end}
            if employed:
                days = rules.days_employed().formula({**bounds, K.START: cell(tab.start_row, B),
                                                      K.END: cell(tab.end_row, B)})
            else:
                days = rules.calendar_days().formula(bounds)
            tab._put(row, D, days, styles.calc["days"], _stretch(field, k, "days"))
            last = f"SUMPRODUCT(MAX({mine}*({effective}<=MIN({start},period_end))*{effective}))"
            tab._put(row, E, f'=IF({last}=0,"",{last})', styles.calc["date"],
                     _since(result.changes, field, k, period.end))
            since = cell(row, E)
            tab._put(row, F, f'=IF({since}="",{roster_cell},SUMIFS({values},{ids},"="&{key},{fields},"{field}",'
                             f"{effective},{since}))", styles.calc["money"],
                     _stretch(field, k, "value"))
            tab._put(row, G, rules.stretch_value_days().formula({K.VALUE: cell(row, F), K.DAYS: cell(row, D)}),
                     styles.calc["money"], _stretch(field, k, "value_days"))
            tab.row += 1
        total = f"SUM({cell(first, G)}:{cell(tab.row - 1, G)})"
        if employed:
            tab.tv_days_cell = cell(tab._line(
                "Target variable x days", f"={total}", "money",
                _sum(TARGET_VARIABLE),
                note="Σ over the stretches; the bonus TI reads it in place of target variable x days"), B)
        else:
            tab.roster_cells[field] = cell(tab._line(
                f"{field} (day-weighted)", rules.day_weighted_mean().formula({**names, K.VALUE_DAYS: total}),
                "money", _mean(dated, field),
                note="ROUND(Σ value x days / days in the period, 6): the quota or target the plan reads"), B)
        for plan, part_first, part_last in result.parts:
            _part_rows(tab, field, count, first, _part_names(plan, part_first), part_first, part_last)


def _part_names(plan: Plan, first: date) -> tuple[str, str]:
    """The Plan sheet's names of a part's first and last day (its first component's)."""
    cid = f"{plan.components[0].id}@{first.isoformat()}"
    return layout.param_name(cid, "part_first"), layout.param_name(cid, "part_last")


def _cut(field: str, index: int, first: date, last: date, what: str) -> Getter:
    """A stretch row cut to a part, as the cell caches it."""
    def value(facts: CsmFacts) -> Any:
        rows = facts.result.stretches[field]
        row = cut_rows(rows, facts.result.csm, first, last, field == TARGET_VARIABLE)[index]
        found = getattr(row, what)
        return excel_date(found) if isinstance(found, date) else (found if isinstance(found, int) else num(found))
    return value


def _part_rows(tab: CsmTabPlan, field: str, count: int, first_row: int, bounds: tuple[str, str], first: date,
               last: date) -> None:
    """A field's stretches cut to a part of a period split by plan versions (SPEC section 10), and what the part's
    components read: ``Target variable x days`` in the part, or the quota's mean over the part's days."""
    styles = tab.styles
    employed = field == TARGET_VARIABLE
    part_first, part_last = bounds
    top = tab.row
    for k in range(count):
        row, stretch = tab.row, first_row + k
        start, end = cell(row, B), cell(row, C)
        tab._label(row, f"stretch {k + 1} in the part from {first:%d %b}", styles.label_indent)
        tab._put(row, B, f"=MAX({cell(stretch, B)},{part_first})", styles.calc["date"],
                 _cut(field, k, first, last, "start"))
        tab._put(row, C, f"=MIN({cell(stretch, C)},{part_last})", styles.calc["date"],
                 _cut(field, k, first, last, "end"))
        bounds_cells = {**period_names(), K.PERIOD_START: start, K.PERIOD_END: end}
        if employed:
            days = rules.days_employed().formula({**bounds_cells, K.START: cell(tab.start_row, B),
                                                  K.END: cell(tab.end_row, B)})
        else:
            days = rules.calendar_days().formula(bounds_cells)
        tab._put(row, D, days, styles.calc["days"], _cut(field, k, first, last, "days"))
        tab._put(row, F, f"={cell(stretch, F)}", styles.calc["money"], _cut(field, k, first, last, "value"))
        tab._put(row, G, rules.stretch_value_days().formula({K.VALUE: cell(row, F), K.DAYS: cell(row, D)}),
                 styles.calc["money"], _cut(field, k, first, last, "value_days"))
        tab.row += 1
    total = f"SUM({cell(top, G)}:{cell(tab.row - 1, G)})"
    cells = tab.__dict__.setdefault("part_cells", {}).setdefault(first, {})
    if employed:
        cells[K.TARGET_VARIABLE_DAYS] = cell(tab._line(
            f"Target variable x days, part from {first:%d %b}", f"={total}", "money",
            lambda f: num(sum((r.value_days for r in cut_rows(f.result.stretches[field], f.result.csm, first,
                                                               last, True)), ZERO)),
            note="the part's bonus TI reads it"), B)
        return
    days = versions.part_days().formula({versions.PART_FIRST: part_first, versions.PART_LAST: part_last})

    def mean(facts: CsmFacts) -> Any:
        rows = cut_rows(facts.result.stretches[field], facts.result.csm, first, last, False)
        return num(rules.day_weighted_mean().evaluate({
            K.VALUE_DAYS: sum((r.value_days for r in rows), ZERO),
            rules.PERIOD_DAYS: Decimal((last - first).days + 1)}))

    cells[field] = cell(tab._line(
        f"{field} (day-weighted), part from {first:%d %b}",
        rules.day_weighted_mean().formula({rules.PERIOD_DAYS: f"({days.removeprefix('=')})", K.VALUE_DAYS: total}),
        "money", mean, note="ROUND(Σ value x days / days in the part, 6): the part's quota or target"), B)
