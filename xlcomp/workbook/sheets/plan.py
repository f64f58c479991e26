"""The Plan sheet: every plan parameter as a defined name, one tier table per component, the
multiplier bands, and a chart of each component's payout curve."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from xlcomp.model.plan import Component, Kind, Plan
from xlcomp.money import excel_round
from xlcomp.ooxml.refs import cell, chart_text, quote_sheet
from xlcomp.rules.curves import TIERS, tier_table
from xlcomp.rules.payout import Inputs, curve_point
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num
from xlcomp.workbook.sheets.plan_dating import spif_rows, write_ramp_table
from xlcomp.workbook.sheets.plan_versions import part_input_rows, part_rows

__all__ = ["write_plan_sheet"]

LABEL, VALUE, NOTE = 0, 1, 2
TIER_COL = 1          # tier tables sit in columns B:E
CHART_COL = 6         # charts start in column G, right of the notes in F
DATA_COL = 16         # chart data (payout curve points) from column Q
STEP = Decimal("0.01")
ZERO = Decimal(0)

_VALIDATION: dict[str, dict[str, Any]] = {
    "weight": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1},
    "target": {"validate": "decimal", "criteria": ">", "value": 0},
    "quota": {"validate": "decimal", "criteria": ">", "value": 0},
    "threshold": {"validate": "decimal", "criteria": ">=", "value": 0},
    "cap": {"validate": "decimal", "criteria": ">", "value": 0},
    "rate": {"validate": "decimal", "criteria": ">=", "value": 0},
    "cap_amount": {"validate": "decimal", "criteria": ">=", "value": 0},
    "gate_min": {"validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15},
    "risk_per_point": {"validate": "decimal", "criteria": ">=", "value": 0},
    "risk_reference": {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100},
    "risk_floor": {"validate": "decimal", "criteria": ">", "value": 0},
    "risk_ceiling": {"validate": "decimal", "criteria": ">", "value": 0},
    "any": {"validate": "decimal", "criteria": "between", "minimum": -1e15, "maximum": 1e15},
    "non_negative": {"validate": "decimal", "criteria": ">=", "value": 0},
    "window_from": {"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
                    "maximum": date(9999, 12, 31)},
    "window_to": {"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
                  "maximum": date(9999, 12, 31)},
    "part_first": {"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
                   "maximum": date(9999, 12, 31)},
    "part_last": {"validate": "date", "criteria": "between", "minimum": date(1900, 1, 1),
                  "maximum": date(9999, 12, 31)},
}
_PARAM_TEXT = {
    "weight": ("Weight", "share of the CSM's target variable pay", "percent"),
    "target": ("Target", "the metric value that is 100% attainment", None),
    "quota": ("Quota", "the amount that is 100% attainment", "money"),
    "threshold": ("Threshold", "attainment below it pays 0", "attainment"),
    "cap": ("Cap", "the payout share never goes above it", "share"),
    "rate": ("Rate", "commission rate on the whole amount", "rate"),
    "cap_amount": ("Cap amount", "commission never goes above it", "money"),
    "gate_min": ("Gate minimum", "", None),
    "risk_per_point": ("Risk adjustment per point", "target moves down this much per risk_score point above "
                       "the reference", "rate"),
    "risk_reference": ("Risk reference", "risk_score at which the target is the base", "score"),
    "risk_floor": ("Risk floor", "the adjusted target never goes below it", None),
    "risk_ceiling": ("Risk ceiling", "the adjusted target never goes above it", None),
    "window_from": ("SPIF window from", "pays on accounts booked (booked_on) from this day", "date"),
    "window_to": ("SPIF window to", "... to this day, both included (cut to the period)", "date"),
    "part_first": ("Pays from", "this plan version pays the period from this day", "date"),
    "part_last": ("Pays to", "... to this day, both included", "date"),
}


def _validation(kind: str, title: str) -> dict[str, Any]:
    rule = dict(_VALIDATION[kind])
    rule.update({"input_title": title[:32], "error_title": "xlcomp", "error_type": "stop",
                 "error_message": f"{title}: not a valid value (see the note beside it)"[:255]})
    return rule


def _metric_kind(ctx: Context, metric: str) -> str:
    from xlcomp.model.metrics import Unit, metric_def

    definition = metric_def(metric, set(ctx.plan.inputs))
    if definition is None:
        return "number"
    return {Unit.MONEY: "money", Unit.COUNT: "count", Unit.RATE: "percent", Unit.SCORE: "score"}[definition.unit]


def _component_rows(component: Component, parts: Sequence[tuple[Plan, date, date]] = ()
                    ) -> list[tuple[str, str, Decimal | str]]:
    """The component's rows on the Plan sheet, in reading order: ``("param", name, value)`` for a
    named parameter, ``("fixed", label, text)`` for a fact that is not a number."""
    rows: list[tuple[str, str, Decimal | str]] = []
    if component.weight is not None:
        rows.append(("param", "weight", component.weight))
    for what, target in (("target", component.target), ("quota", component.quota)):
        if target is None:
            continue
        if target.column:
            rows.append(("fixed", what.capitalize(), f"roster column {target.column}"))
            continue
        assert target.value is not None
        rows.append(("param", what, target.value))
        if target.risk_adjust is not None:
            ra = target.risk_adjust
            rows += [("param", "risk_per_point", ra.per_point), ("param", "risk_reference", ra.reference),
                     ("param", "risk_floor", ra.floor), ("param", "risk_ceiling", ra.ceiling)]
    for key in ("threshold", "cap", "rate", "cap_amount"):
        value = getattr(component, key)
        if value is not None:
            rows.append(("param", key, value))
    if component.gate is not None:
        rows.append(("fixed", "Gate metric", component.gate.metric))
        rows.append(("param", "gate_min", component.gate.min))
    return rows + spif_rows(component) + part_rows(component, parts)


def chart_points(ctx: Context) -> list[Decimal]:
    """The attainments the payout-curve charts are drawn at: 0 to a little past the last tier."""
    top = Decimal("1.5")
    for component in ctx.plan.components:
        if component.curve is None:
            continue
        for tier in component.curve.tiers:
            if tier.upto is not None:
                top = max(top, tier.upto * Decimal("1.25"))
        if component.threshold is not None:
            top = max(top, component.threshold * Decimal("1.1"))
    top = min(excel_round(top + Decimal("0.05"), 1), Decimal(5))
    count = int(top / STEP)
    return [STEP * i for i in range(count + 1)]


def write_plan_sheet(ctx: Context) -> None:
    """Write the Plan sheet and define the plan's names."""
    sheet = ctx.sheets[layout.SHEET_PLAN]
    styles, plan, period, workbook = ctx.styles, ctx.plan, ctx.period, ctx.workbook
    sheet.set_column(LABEL, LABEL, 32)
    sheet.set_column(VALUE, VALUE, 16)
    sheet.set_column(2, 4, 14)
    sheet.set_column(5, 5, 62)
    sheet.set_column(CHART_COL, DATA_COL - 1, 9)
    sheet.set_column(DATA_COL, DATA_COL + 12, 12)
    sheet.hide_gridlines(2)
    sheet.write_string(0, 0, f"Plan: {plan.name}", styles.title)
    sheet.write_string(1, 0, "Yellow cells are the plan's parameters: edit them and every tab follows. Each has a "
                             "defined name (Formulas ▸ Name Manager).", styles.subtitle)

    def define(name: str, row: int, col: int = VALUE) -> None:
        workbook.define_name(name, f"={quote_sheet(layout.SHEET_PLAN)}!{cell(row, col)}")

    def section(row: int, text: str) -> None:
        sheet.write_string(row, 0, text, styles.section)
        for col in range(1, 6):
            sheet.write_blank(row, col, None, styles.section_fill)

    def fixed(row: int, label: str, value: Any, kind: str = "text", note: str = "") -> None:
        sheet.write_string(row, LABEL, label, styles.label_indent)
        if isinstance(value, str):
            sheet.write_string(row, VALUE, value, styles.fixed[kind])
        else:
            sheet.write_number(row, VALUE, value, styles.fixed[kind])
        if note:
            sheet.write_string(row, 5, note, styles.note)

    def parameter(row: int, label: str, value: Decimal, kind: str, name: str, rule: str, note: str) -> None:
        sheet.write_string(row, LABEL, label, styles.label_indent)
        sheet.write_number(row, VALUE, float(value), styles.input[kind])
        sheet.write_string(row, 5, f"{name}: {note}" if note else name, styles.note)
        sheet.data_validation(row, VALUE, row, VALUE, _validation(rule, label))
        define(name, row)

    row = 3
    section(row, "Plan")
    fixed(row + 1, "Plan id", plan.id)
    fixed(row + 2, "Name", plan.name)
    fixed(row + 3, "Currency", plan.currency)
    fixed(row + 4, "Paid per", plan.period.value)
    fixed(row + 5, "Archetype", plan.archetype or "")
    fixed(row + 6, "Plan hash", plan.short_digest, note="SHA-256 of the plan file (the full hash is in the metadata)")
    row += 8
    section(row, "Period")
    fixed(row + 1, "Period", period.label)
    sheet.write_string(row + 2, LABEL, "First day", styles.label_indent)
    sheet.write_number(row + 2, VALUE, float(excel_date(period.start)), styles.fixed["date"])
    define("period_start", row + 2)
    sheet.write_string(row + 3, LABEL, "Last day", styles.label_indent)
    sheet.write_number(row + 3, VALUE, float(excel_date(period.end)), styles.fixed["date"])
    define("period_end", row + 3)
    sheet.write_string(row + 4, LABEL, "Days in the period", styles.label_indent)
    sheet.write_formula(row + 4, VALUE, "=period_end-period_start+1", styles.calc["days"], period.days)
    define("period_days", row + 4)
    sheet.write_string(row + 5, LABEL, "Periods per year", styles.label_indent)
    sheet.write_number(row + 5, VALUE, period.per_year, styles.fixed["days"])
    define("periods_per_year", row + 5)
    row += 7

    section(row, "Plan inputs")
    sheet.write_string(row, 5, "company and team results; ROI costs", styles.note)
    row += 1
    inputs: dict[str, Decimal] = dict(plan.inputs)
    for name in layout.ROI_INPUTS:
        inputs.setdefault(name, ZERO)
    for name, value in inputs.items():
        kind = "money" if name == "support_team_cost" else ("percent" if "rate" in name or "attainment" in name
                                                             else "number")
        rule = "non_negative" if name in layout.ROI_INPUTS else "any"
        note = {"overhead_rate": "added on base + variable pay in the CS team cost",
                "support_team_cost": "the support team's cost for the period (ROI)"}.get(name, "plan input")
        per_part = part_input_rows(name, ctx.result.parts)
        if per_part:
            note = "the latest version's; each part reads its version's below"
        parameter(row, name, value, kind, layout.input_name(name), rule, note)
        row += 1
        for label, defined, part_value, part_note in per_part:
            parameter(row, label, part_value, kind, defined, rule, part_note)
            row += 1
    row += 1

    section(row, "Components")
    row += 1
    points = chart_points(ctx)
    curve_components = [c for c in plan.components if c.curve is not None]
    data_first = 4
    for component in plan.components:
        block_start = row
        sheet.write_string(row, LABEL, f"{component.label} ({component.id})", styles.label_bold)
        what = "bonus: a share of target variable pay" if component.kind is Kind.BONUS else \
            "commission: rates on an amount"
        sheet.write_string(row, VALUE, f"{what}, on {component.metric}", styles.note)
        row += 1
        metric_kind = _metric_kind(ctx, component.metric)
        for what_row, param, entry in _component_rows(component, ctx.result.parts):
            if what_row == "fixed":
                fixed(row, param, str(entry), note="per CSM, on the Roster sheet" if "roster" in str(entry) else "")
                row += 1
                continue
            assert isinstance(entry, Decimal)
            label, note, default_kind = _PARAM_TEXT[param]
            kind = default_kind or "number"
            if param in ("target", "risk_floor", "risk_ceiling"):
                kind = "attainment" if metric_kind == "percent" else metric_kind
            if param == "quota":
                kind = "money" if metric_kind == "money" else "number"
            if param == "gate_min":
                assert component.gate is not None
                kind = _metric_kind(ctx, component.gate.metric)
                note = "below it, or with no data, the component pays 0"
            if param == "target" and component.target is not None and component.target.risk_adjust is not None:
                label = "Target (base)"
            parameter(row, label, entry, kind, layout.param_name(component.id, param), param, note)
            row += 1
        if component.curve is not None:
            mode_note = {"marginal": "each tier pays its rate on the part inside it",
                         "whole": "the tier holding the attainment pays its rate on all of it",
                         "steps": "the tier holding the attainment pays its rate as the share"}[component.curve.mode]
            fixed(row, "Curve", component.curve.mode.value, note=mode_note)
            row += 1
            row = _tier_table(ctx, component, row)
        # leave room for the chart beside the block
        if component.curve is not None:
            index = curve_components.index(component)
            _curve_chart(ctx, component, block_start, index, data_first, len(points))
            row = max(row, block_start + 16)
        row += 1

    if plan.multipliers:
        section(row, "Multipliers")
        sheet.write_string(row, 5, "bands sorted by min; a metric with no data gets factor 1", styles.note)
        row += 1
        for index, multiplier in enumerate(plan.multipliers):
            applies = ", ".join(multiplier.applies_to) if multiplier.applies_to is not None else "every component"
            sheet.write_string(row, LABEL, f"{multiplier.metric} (applies to {applies})", styles.label_bold)
            row += 1
            bands = sorted(multiplier.bands, key=lambda b: b.min)
            first = row
            sheet.add_table(first, TIER_COL, first + len(bands), TIER_COL + 1, {
                "name": layout.band_table_name(index), "style": "Table Style Light 1", "autofilter": False,
                "columns": [{"header": h, "header_format": styles.header} for h in layout.BAND_COLUMNS]})
            metric_kind = _metric_kind(ctx, multiplier.metric)
            for offset, band in enumerate(bands, start=1):
                sheet.write_number(first + offset, TIER_COL, float(band.min), styles.input[metric_kind])
                sheet.write_number(first + offset, TIER_COL + 1, float(band.factor), styles.input["factor"])
            sheet.data_validation(first + 1, TIER_COL, first + len(bands), TIER_COL,
                                  _validation("any", "band min"))
            sheet.data_validation(first + 1, TIER_COL + 1, first + len(bands), TIER_COL + 1,
                                  _validation("non_negative", "band factor"))
            sheet.write_string(first, 5, f"{layout.band_table_name(index)}: keep min ascending", styles.note)
            row = first + len(bands) + 2

    row = write_ramp_table(ctx, row, section, _validation)
    _curve_data(ctx, curve_components, points, data_first)
    sheet.print_area(0, 0, row, CHART_COL + 9)
    sheet.freeze_panes(3, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0, 1)
    ctx.protect(sheet)


def _tier_table(ctx: Context, component: Component, row: int) -> int:
    sheet, styles = ctx.sheets[layout.SHEET_PLAN], ctx.styles
    curve = component.curve
    assert curve is not None
    commission = component.kind is Kind.COMMISSION
    bound_kind = "attainment"
    tiers = curve.bounds()
    first = row
    name = layout.tier_table_name(component.id)
    sheet.add_table(first, TIER_COL, first + len(tiers), TIER_COL + 3, {
        "name": name, "style": "Table Style Light 1", "autofilter": False,
        "columns": [{"header": h, "header_format": styles.header} for h in layout.TIER_COLUMNS]})
    unit = "x quota" if commission else "attainment"
    sheet.write_string(first, 5, f"{name}: upto in {unit}; blank upto = no end; rates "
                                 f"{'on the amount' if commission else 'per unit of attainment'}", styles.note)
    for offset, (lower, upper, rate) in enumerate(tiers, start=1):
        r = first + offset
        sheet.write_number(r, TIER_COL, offset, styles.calc["count"])
        if offset == 1:
            sheet.write_number(r, TIER_COL + 1, 0, styles.calc[bound_kind])
        else:
            sheet.write_formula(r, TIER_COL + 1, f"={cell(r - 1, TIER_COL + 2, False)}", styles.calc[bound_kind],
                                float(lower))
        if upper is None:
            sheet.write_blank(r, TIER_COL + 2, None, styles.input[bound_kind])
        else:
            sheet.write_number(r, TIER_COL + 2, float(upper), styles.input[bound_kind])
        sheet.write_number(r, TIER_COL + 3, float(rate), styles.input["rate"])
    sheet.data_validation(first + 1, TIER_COL + 2, first + len(tiers), TIER_COL + 2,
                          {**_validation("target", "tier upto"), "ignore_blank": True})
    sheet.data_validation(first + 1, TIER_COL + 3, first + len(tiers), TIER_COL + 3,
                          _validation("rate", "tier rate"))
    return first + len(tiers) + 1


def _chart_y(component: Component, x: Decimal) -> Decimal:
    """The engine's value of a chart point: the rule :func:`xlcomp.rules.payout.curve_point` at ``x``."""
    assert component.curve is not None
    env = {Inputs.ATTAINMENT: x, TIERS: tier_table(component.curve), Inputs.THRESHOLD: component.threshold,
           Inputs.CAP: component.cap}
    return curve_point(component).evaluate(env)  # type: ignore[no-any-return]


def _curve_data(ctx: Context, components: list[Component], points: list[Decimal], first: int) -> None:
    """The points each payout-curve chart draws: attainment and, per component, its share."""
    if not components:
        return
    sheet, styles = ctx.sheets[layout.SHEET_PLAN], ctx.styles
    sheet.write_string(first - 2, DATA_COL, "Chart data: payout curves (formulas over the tier tables)", styles.note)
    sheet.write_string(first - 1, DATA_COL, "attainment", styles.header)
    for offset, component in enumerate(components, start=1):
        what = "share" if component.kind is Kind.BONUS else "per 1 of quota"
        sheet.write_string(first - 1, DATA_COL + offset, f"{component.id} {what}", styles.header)
    table_names = {c.id: layout.tier_table_name(c.id) for c in components}
    for index, x in enumerate(points):
        r = first + index
        sheet.write_number(r, DATA_COL, float(x), styles.calc["attainment"])
        x_ref = cell(r, DATA_COL)
        for offset, component in enumerate(components, start=1):
            cells = {Inputs.ATTAINMENT: x_ref, TIERS: table_names[component.id],
                     Inputs.CAP: layout.param_name(component.id, "cap"),
                     Inputs.THRESHOLD: layout.param_name(component.id, "threshold")}
            formula = curve_point(component).formula(cells)
            sheet.write_formula(r, DATA_COL + offset, formula, styles.calc["share"],
                                num(_chart_y(component, x)))


def _curve_chart(ctx: Context, component: Component, anchor_row: int, index: int, first: int, count: int) -> None:
    sheet = ctx.sheets[layout.SHEET_PLAN]
    chart = ctx.workbook.add_chart({"type": "scatter", "subtype": "straight"})
    assert chart is not None
    plan_sheet = layout.SHEET_PLAN
    col = DATA_COL + 1 + index
    chart.add_series({
        "name": chart_text(component.label),
        "categories": [plan_sheet, first, DATA_COL, first + count - 1, DATA_COL],
        "values": [plan_sheet, first, col, first + count - 1, col],
        "line": {"color": "#1F3864", "width": 2.25},
    })
    if component.kind is Kind.BONUS:
        title, y_title = f"{component.label}: payout share", "share of target incentive"
    else:
        title, y_title = f"{component.label}: commission per 1 of quota", "commission / quota"
    chart.set_title({"name": chart_text(title), "name_font": {"size": 11, "bold": True}})
    chart.set_x_axis({"name": "attainment", "num_format": "0%", "min": 0,
                      "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_y_axis({"name": y_title, "num_format": "0.00", "min": 0,
                      "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 560, "height": 300})
    sheet.insert_chart(anchor_row, CHART_COL, chart, {"x_offset": 10, "y_offset": 2, "object_position": 1})
