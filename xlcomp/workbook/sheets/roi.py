"""The ROI sheet: the SPEC section 7 metrics as live formulas beside their benchmarks, with a
traffic light, and the what-if scenarios (engine re-runs at 80%, 100% and 120% of actual).

Every formula is a rule of :mod:`xlcomp.rules.roi` rendered on this sheet's cells; every cached
value is the same rule evaluated by :func:`xlcomp.roi.metrics.roi_values`."""

from __future__ import annotations

from decimal import Decimal

from xlcomp.ooxml.refs import cell, chart_text
from xlcomp.roi.metrics import ROI_METRICS, roi_values
from xlcomp.roi.scenarios import run_scenarios
from xlcomp.rules import roi as rules
from xlcomp.rules.payout import PERIOD_DAYS, PERIODS_PER_YEAR
from xlcomp.rules.roi import BENCHMARKS, Benchmark
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, num

__all__ = ["BENCHMARKS", "SCENARIOS", "Benchmark", "write_roi_sheet"]

SCENARIOS = (Decimal("0.8"), Decimal("1"), Decimal("1.2"))
LABEL, VALUE, BENCH, STATUS, EXTRA, DEFINITION = range(6)


_KIND = {"rate": "percent", "money": "money", "ratio": "factor", "count": "number"}


def write_roi_sheet(ctx: Context) -> None:
    """Write the ROI sheet."""
    sheet, styles, result = ctx.sheets[layout.SHEET_ROI], ctx.styles, ctx.result
    sheet.set_column(LABEL, LABEL, 34)
    sheet.set_column(VALUE, VALUE, 18)
    sheet.set_column(BENCH, BENCH, 26)
    sheet.set_column(STATUS, STATUS, 16)
    sheet.set_column(EXTRA, EXTRA, 22)
    sheet.set_column(DEFINITION, DEFINITION, 62)
    sheet.hide_gridlines(2)
    sheet.write_string(0, 0, f"ROI: {ctx.plan.name}", styles.title)
    sheet.write_string(1, 0, f"{ctx.period.label} · what the plan costs against the ARR it retains and expands; "
                             f"live formulas over Accounts and Summary", styles.subtitle)
    values = roi_values(result)
    # every rule's inputs: the tables and defined names, then each line's and metric's cell
    cells: dict[str, str] = {rules.ACCOUNTS: layout.ACCOUNTS_TABLE, rules.SUMMARY: layout.SUMMARY_TABLE,
                             PERIOD_DAYS: "period_days", PERIODS_PER_YEAR: "periods_per_year",
                             rules.OVERHEAD_RATE: "input_overhead_rate",
                             rules.SUPPORT_TEAM_COST: "input_support_team_cost"}
    row = 3

    def section(text: str) -> None:
        nonlocal row
        sheet.write_string(row, 0, text, styles.section)
        for col in range(1, DEFINITION + 1):
            sheet.write_blank(row, col, None, styles.section_fill)
        row += 1

    section("Book and team")
    for line in rules.BOOK_LINES:
        sheet.write_string(row, LABEL, line.label, styles.label_indent)
        sheet.write_formula(row, VALUE, line.rule.formula(cells), styles.calc[line.kind], num(values[line.key]))
        if line.note:
            sheet.write_string(row, DEFINITION, line.note, styles.note)
        cells[line.key] = cell(row, VALUE)
        row += 1
    row += 1

    section("ROI metrics")
    for col, text in enumerate(("metric", "value", "benchmark", "status", "", "definition")):
        sheet.write_string(row, col, text, styles.header)
    row += 1
    metric_cells: dict[str, str] = {}
    first_metric = row
    for metric in ROI_METRICS:
        value = values[metric.name]
        kind = _KIND.get(metric.unit, "number")
        sheet.write_string(row, LABEL, metric.name, styles.label_indent)
        rule = rules.METRIC_RULES.get(metric.name)
        if rule is not None:
            sheet.write_formula(row, VALUE, rule.formula(cells), styles.calc[kind], num(value))
        elif value is None:
            sheet.write_blank(row, VALUE, None, styles.fixed[kind])
        else:  # a metric this sheet has no formula for: the engine's value
            sheet.write_number(row, VALUE, float(value), styles.fixed[kind])
        metric_cells[metric.name] = cells[metric.name] = cell(row, VALUE)
        benchmark = BENCHMARKS.get(metric.name)
        if benchmark is not None:
            sheet.write_string(row, BENCH, benchmark.text, styles.label)
            sheet.write_formula(row, STATUS, benchmark.formula(cell(row, VALUE)), styles.calc["text"],
                                benchmark.status(value))
        sheet.write_string(row, DEFINITION, metric.definition, styles.note)
        row += 1
    status_range = (first_metric, STATUS, row - 1, STATUS)
    for text, fmt in (("healthy", styles.good), ("watch", styles.watch), ("act", styles.bad)):
        sheet.conditional_format(*status_range, {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                                 "format": fmt})
    for name in BENCHMARKS:
        if name not in metric_cells:
            continue
        target = metric_cells[name]
        r = int(target.split("$")[-1]) - 1
        for text, fmt in (("healthy", styles.good), ("watch", styles.watch), ("act", styles.bad)):
            sheet.conditional_format(r, VALUE, r, VALUE, {"type": "formula",
                                                          "criteria": f'={cell(r, STATUS)}="{text}"',
                                                          "format": fmt})
    row += 1

    section("Scenarios")
    sheet.write_string(row - 1, DEFINITION, "the engine re-run with every CSM's metrics scaled (values, not formulas)",
                       styles.section_note)
    headers = ("metrics at (of actual)", "payouts", "CS team cost", "magic number", "cost per retained $")
    for col, text in enumerate(headers):
        sheet.write_string(row, col, text, styles.header)
    header_row = row
    row += 1
    rows = run_scenarios(result, SCENARIOS)
    for scenario in rows:
        sheet.write_number(row, 0, float(scenario.scenario), styles.fixed["percent"])
        sheet.write_number(row, 1, float(scenario.payout_total), styles.fixed["money"])
        sheet.write_number(row, 2, float(scenario.cs_team_cost), styles.fixed["money"])
        for col, value in ((3, scenario.cs_magic_number), (4, scenario.cost_per_retained_dollar)):
            if value is None:
                sheet.write_blank(row, col, None, styles.fixed["factor"])
            else:
                sheet.write_number(row, col, float(value), styles.fixed["factor"])
        row += 1
    chart = ctx.workbook.add_chart({"type": "column"})
    assert chart is not None
    first, last = header_row + 1, header_row + len(rows)
    for col, color in ((1, "#1F3864"), (2, "#A5A5A5")):
        chart.add_series({"name": [layout.SHEET_ROI, header_row, col],
                          "categories": [layout.SHEET_ROI, first, 0, last, 0],
                          "values": [layout.SHEET_ROI, first, col, last, col], "fill": {"color": color}})
    line_chart = ctx.workbook.add_chart({"type": "line"})
    assert line_chart is not None
    line_chart.add_series({"name": [layout.SHEET_ROI, header_row, 3],
                           "categories": [layout.SHEET_ROI, first, 0, last, 0],
                           "values": [layout.SHEET_ROI, first, 3, last, 3], "y2_axis": True,
                           "line": {"color": "#ED7D31", "width": 2.5}, "marker": {"type": "circle"}})
    chart.combine(line_chart)
    chart.set_title({"name": "Scenarios: cost and magic number", "name_font": {"size": 11, "bold": True}})
    chart.set_x_axis({"name": "metrics as a share of actual", "num_format": "0%"})
    chart.set_y_axis({"name": chart_text(ctx.plan.currency), "num_format": "#,##0",
                      "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    line_chart.set_y2_axis({"name": "CS magic number", "num_format": "0.0"})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 320})
    sheet.insert_chart(row + 1, 0, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})
    sheet.freeze_panes(3, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    ctx.protect(sheet)
