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

from xlcomp.engine.metrics import MetricValue, metric_value
from xlcomp.engine.payouts import ComponentResult
from xlcomp.engine.run import CsmResult
from xlcomp.load.roster import plan_roster_columns
from xlcomp.model.metrics import METRICS, Unit, metric_def
from xlcomp.model.plan import Plan
from xlcomp.ooxml.refs import cell, column_ref, quote_sheet, sumifs_key
from xlcomp.rules import payout as rules
from xlcomp.rules.metrics import metric_env
from xlcomp.rules.payout import Inputs
from xlcomp.workbook import formulas as fx
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num
from xlcomp.workbook.sheets.credit import credit_sum
from xlcomp.workbook.sheets.credit_tab import write_credit_block
from xlcomp.workbook.sheets.csm_components import ComponentBlocks, ComponentCells
from xlcomp.workbook.sheets.csm_dating import plan_dating_block
from xlcomp.workbook.sheets.csm_ramp import plan_ramp_lines
from xlcomp.workbook.sheets.csm_versions import part_factor_values, part_metric, part_metric_lines

__all__ = ["CsmFacts", "CsmTabPlan"]

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


def _roster_value(column: str) -> Getter:
    return lambda facts: num(facts.result.csm.value(column))


def _book_value(item: fx.BookItem) -> Getter:
    return lambda facts: num(item.value(facts.result.sums))


def _metric_value(name: str) -> Getter:
    return lambda facts: num(facts.values[name].value)


def _factor(index: int) -> Getter:
    return lambda facts: num(facts.factors[index])


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


class CsmTabPlan(ComponentBlocks):
    """The cells of a CSM tab for one plan; :meth:`write` puts them on a worksheet for one CSM."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.tv_days_cell: str | None = None
        self.ramp_cell: str | None = None
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

    def _unit_kind(self, name: str) -> str:
        return _unit_kind(name, self.plan)

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
        self.proration_row = self._line("Proration", rules.proration().formula(
                                            {**fx.period_names(), Inputs.DAYS: cell(self.days_row, B)}), "percent",
                                        lambda f: num(f.result.proration), note="days employed / days in the period")
        plan_ramp_lines(self)
        self.roster_cells: dict[str, str] = {}
        for column, why in plan_roster_columns(plan).items():
            row = self._line(column, roster_text(column), "money" if column.startswith("quota") else "number",
                             _roster_value(column), note=f"roster column ({why})")
            self.roster_cells[column] = cell(row, B)
        if self.ctx.result.dated is not None:
            plan_dating_block(self)
        self.row += 1

        # the book of business
        self._section("Book of business", "sums over this CSM's rows of the Accounts table")
        ident = cell(self.id_row, B)
        self.book_cells: dict[str, str] = {}
        for item in fx.book_items(plan):
            kind = "count" if item.count else ("money" if item.key.startswith(("sum:", "wden:")) else "number")
            if item.key == "sum:nps":
                kind = "number"
            formula = "=" + item.formula(ident, key)
            if self.ctx.result.credits is not None:   # moved and split accounts: the Credit table's rows
                formula += "+" + credit_sum(item, key)
            row = self._line(item.label, formula, kind, _book_value(item))
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
        self.metric_inputs = {**{f"book:{k}": v for k, v in self.book_cells.items()},
                              **{f"roster:{k}": v for k, v in self.roster_cells.items()},
                              **{f"input:{k}": layout.input_name(k) for k in plan.inputs}}
        for spec in fx.metric_specs(plan):
            if not part_metric_lines(self, spec):   # a plan input the versions differ on: a line per part
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
                key = part_metric(self, multiplier.metric, (multiplier.applies_to or (None,))[0])
                value_cell = self.metric_cells[key][2]
                value, factor = _metric_value(multiplier.metric), _factor(index)
                if key != multiplier.metric:
                    value, factor = part_factor_values(self, multiplier, key)
                self._put(row, B, f"={value_cell}", styles.calc[_unit_kind(multiplier.metric, plan)], value)
                self._put(row, C, fx.multiplier_factor(cell(row, B), layout.band_table_name(index)),
                          styles.calc["factor"], factor)
                self._note(row, f"applies to {applies}")
                self.factor_cells[index] = cell(row, C)
                self.row += 1
            self.row += 1

        # components
        for component in plan.components:
            self._component(component)
            self.row += 1

        # adjustments (SPEC section 8): the CSM's rows of the Adjustments table
        self._section("Adjustments", "manual changes: rows of the Adjustments table for this CSM")
        self.adjustments_row = self._line("Adjustments", fx.adjustments_total(ident, layout.ADJUSTMENTS_TABLE),
                                          "money", lambda f: num(f.result.adjustments_total),
                                          note="Σ ROUND(amount, 2) of this CSM's rows (reasons on the Adjustments "
                                               "sheet)")
        self.row += 1

        payouts = [cell(c.payout, B) for c in self.components.values()] + [cell(self.adjustments_row, B)]
        self.total_row = self.row
        self._label(self.row, "Total payout", styles.label_bold)
        self._put(self.row, B, "=" + "+".join(payouts), styles.key["money"],
                  lambda f: num(f.result.total))
        self._note(self.row, "sum of the rounded component payouts and the adjustments")
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
        self._put(row, B, numerator.formula(self.metric_inputs), styles.calc[part_kind],
                  lambda f: num(numerator.evaluate(metric_env(f.result.sums, f.result.csm, plan))))
        if spec.den is not None:
            denominator = spec.den
            self._put(row, C, denominator.formula(self.metric_inputs), styles.calc[part_kind],
                      lambda f: num(denominator.evaluate(metric_env(f.result.sums, f.result.csm, plan))))
        self._put(row, D, spec.value_rule().formula({"num": num_cell, "den": den_cell or ""}), styles.calc[kind],
                  _metric_value(spec.name))
        self._note(row, definition)
        self.metric_cells[spec.name] = (num_cell, den_cell, cell(row, D))
        self.row += 1

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
        if ctx.result.credits is not None:
            write_credit_block(ctx, sheet, self.last_row + 1, facts.csm_id)
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
