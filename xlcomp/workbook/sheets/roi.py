"""The ROI sheet: the SPEC section 7 metrics as live formulas beside their benchmarks, with a
traffic light, and the what-if scenarios (engine re-runs at 80%, 100% and 120% of actual)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.ooxml.refs import cell, chart_text, column_ref
from xlcomp.roi.metrics import ROI_METRICS, book_totals, roi_metrics
from xlcomp.roi.scenarios import run_scenarios
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, num

__all__ = ["BENCHMARKS", "SCENARIOS", "Benchmark", "write_roi_sheet"]

SCENARIOS = (Decimal("0.8"), Decimal("1"), Decimal("1.2"))
LABEL, VALUE, BENCH, STATUS, EXTRA, DEFINITION = range(6)


@dataclass(frozen=True)
class Benchmark:
    """Healthy between ``good`` bounds; to watch between ``watch`` bounds; otherwise act (None = open)."""

    text: str
    good: tuple[Decimal | None, Decimal | None]
    watch: tuple[Decimal | None, Decimal | None]

    def status(self, value: Decimal | None) -> str:
        """``healthy``, ``watch`` or ``act`` (``""`` with no value), as the sheet's formula decides."""
        if value is None:
            return ""
        if _inside(value, self.good):
            return "healthy"
        if _inside(value, self.watch):
            return "watch"
        return "act"

    def formula(self, value: str) -> str:
        """The status formula for the value in cell ``value``."""
        return (f'=IF({value}="","",IF({_test(value, self.good)},"healthy",'
                f'IF({_test(value, self.watch)},"watch","act")))')


def _inside(value: Decimal, bounds: tuple[Decimal | None, Decimal | None]) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


def _test(value: str, bounds: tuple[Decimal | None, Decimal | None]) -> str:
    low, high = bounds
    parts = []
    if low is not None:
        parts.append(f"{value}>={low}")
    if high is not None:
        parts.append(f"{value}<={high}")
    return f"AND({','.join(parts)})" if len(parts) > 1 else parts[0]


D = Decimal
BENCHMARKS = {
    "cs_magic_number": Benchmark("healthy above 5", (D(5), None), (D(3), D(5))),
    "arr_per_csm": Benchmark("about 2,000,000 per CSM", (D(1_500_000), D(2_500_000)), (D(1_000_000), D(3_000_000))),
    "variable_share": Benchmark("10–30% of on-target earnings", (D("0.10"), D("0.30")), (D("0.05"), D("0.40"))),
}

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
    book = book_totals(result)
    s = book.sum

    def acc(column: str) -> str:
        return column_ref(layout.ACCOUNTS_TABLE, column)

    def summ(column: str) -> str:
        return column_ref(layout.SUMMARY_TABLE, column)

    row = 3

    def section(text: str) -> None:
        nonlocal row
        sheet.write_string(row, 0, text, styles.section)
        for col in range(1, DEFINITION + 1):
            sheet.write_blank(row, col, None, styles.section_fill)
        row += 1

    section("Book and team")
    cells: dict[str, str] = {}

    def line(key: str, label: str, formula: str, kind: str, value: Decimal | int | None, note: str = "") -> None:
        nonlocal row
        sheet.write_string(row, LABEL, label, styles.label_indent)
        sheet.write_formula(row, VALUE, formula, styles.calc[kind], num(value))
        if note:
            sheet.write_string(row, DEFINITION, note, styles.note)
        cells[key] = cell(row, VALUE)
        row += 1

    accounts = sum(c.sums.accounts for c in result.csms)
    line("arr_start", "ARR at the start", f"=SUM({acc('arr_start')})", "money", s("arr_start"))
    line("renewable", "Renewable ARR", f"=SUM({acc('renewable_arr')})", "money", s("renewable_arr"))
    line("renewed", "Renewed ARR", f"=SUM({acc('renewed_arr')})", "money", s("renewed_arr"))
    line("expansion", "Expansion ARR", f"=SUM({acc('upsell_arr')})+SUM({acc('cross_sell_arr')})", "money",
         s("upsell_arr") + s("cross_sell_arr"), "upsell + cross-sell")
    line("contraction", "Contraction ARR", f"=SUM({acc('contraction_arr')})", "money", s("contraction_arr"))
    line("churned", "Churned ARR", f"={cells['renewable']}-{cells['renewed']}", "money",
         s("renewable_arr") - s("renewed_arr"), "renewable - renewed")
    line("accounts", "Accounts", f"=COUNTA({acc('account_id')})", "count", accounts)
    line("logos", "Accounts churned", f"=SUMPRODUCT(({acc('renewable_arr')}>0)*({acc('renewed_arr')}=0))", "count",
         book.logos_churned, "renewable ARR, nothing renewed")
    base_total = sum((c.csm.base_salary for c in result.csms), Decimal(0))
    tv_total = sum((c.csm.target_variable for c in result.csms), Decimal(0))
    line("base", "Σ base salary (annual)", f"=SUM({summ('base_salary')})", "money", base_total)
    line("tv", "Σ target variable pay (annual)", f"=SUM({summ('target_variable')})", "money", tv_total)
    line("days", "Σ days employed", f"=SUM({summ('days')})", "count", sum(c.days for c in result.csms))
    line("payouts", "Σ payouts", f"=SUM({summ('total_payout')})", "money", result.total)
    line("overhead", "Overhead rate", "=input_overhead_rate", "percent", ctx.plan.input("overhead_rate"),
         "input_overhead_rate on the Plan sheet")
    line("support", "Support team cost (period)", "=input_support_team_cost", "money",
         ctx.plan.input("support_team_cost"), "input_support_team_cost on the Plan sheet")
    row += 1

    section("ROI metrics")
    for col, text in enumerate(("metric", "value", "benchmark", "status", "", "definition")):
        sheet.write_string(row, col, text, styles.header)
    row += 1
    metrics = roi_metrics(result)
    c = cells
    returns = f"({c['renewed']}+{c['expansion']})"
    metric_cells: dict[str, str] = {}

    def m(name: str) -> str:
        return metric_cells[name]

    formulas: dict[str, Callable[[], str]] = {
        "gross_renewal_rate": lambda: f'=IF({c["renewable"]}=0,"",{c["renewed"]}/{c["renewable"]})',
        "net_revenue_retention": lambda: (f'=IF({c["arr_start"]}=0,"",({c["arr_start"]}+{c["expansion"]}'
                                          f'-{c["contraction"]}-{c["churned"]})/{c["arr_start"]})'),
        "logo_churn_rate": lambda: f'=IF({c["accounts"]}=0,"",{c["logos"]}/{c["accounts"]})',
        "base_cost": lambda: (f"=SUMPRODUCT({summ('base_salary')},{summ('days')})"
                              f"/(periods_per_year*period_days)"),
        "variable_cost": lambda: f"={c['payouts']}",
        "cs_team_cost": lambda: f"=({m('base_cost')}+{m('variable_cost')})*(1+{c['overhead']})",
        "support_team_cost": lambda: f"={c['support']}",
        "cs_magic_number": lambda: (f'=IF({m("cs_team_cost")}+{m("support_team_cost")}=0,"",'
                                    f'{returns}/({m("cs_team_cost")}+{m("support_team_cost")}))'),
        "fte": lambda: f"={c['days']}/period_days",
        "arr_per_csm": lambda: f'=IF({m("fte")}=0,"",{c["arr_start"]}/{m("fte")})',
        "variable_share": lambda: f'=IF({c["base"]}+{c["tv"]}=0,"",{c["tv"]}/({c["base"]}+{c["tv"]}))',
        "cost_per_retained_dollar": lambda: f'=IF({returns}=0,"",{m("variable_cost")}/{returns})',
    }
    first_metric = row
    for metric in ROI_METRICS:
        value = metrics[metric.name]
        kind = _KIND.get(metric.unit, "number")
        sheet.write_string(row, LABEL, metric.name, styles.label_indent)
        if metric.name in formulas:
            sheet.write_formula(row, VALUE, formulas[metric.name](), styles.calc[kind], num(value))
        elif value is None:
            sheet.write_blank(row, VALUE, None, styles.fixed[kind])
        else:  # a metric this sheet has no formula for: the engine's value
            sheet.write_number(row, VALUE, float(value), styles.fixed[kind])
        metric_cells[metric.name] = cell(row, VALUE)
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
