"""The Summary sheet: one row per CSM (links to the CSM tabs), a totals row, the attainment
distribution and two charts (payout by CSM, attainment distribution)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xlcomp.model.plan import Kind
from xlcomp.ooxml.refs import cell, column_ref, quote_sheet
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, num
from xlcomp.workbook.sheets.csm import CsmTabPlan

__all__ = ["ATTAINMENT_BINS", "FIRST_ROW", "summary_columns", "write_summary_sheet"]

HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
# Attainment bins of the distribution: [low, high) with None = open.
ATTAINMENT_BINS: tuple[tuple[Decimal | None, Decimal | None, str], ...] = (
    (None, Decimal("0.5"), "below 50%"),
    (Decimal("0.5"), Decimal("0.8"), "50–80%"),
    (Decimal("0.8"), Decimal("0.9"), "80–90%"),
    (Decimal("0.9"), Decimal("1"), "90–100%"),
    (Decimal("1"), Decimal("1.1"), "100–110%"),
    (Decimal("1.1"), Decimal("1.2"), "110–120%"),
    (Decimal("1.2"), None, "120% and above"),
)


def summary_columns(ctx: Context) -> list[tuple[str, str, str]]:
    """The Summary table's columns: (header, kind, what) with what one of the CSM tab's cells."""
    columns = [("csm_id", "text", "id"), ("name", "text", "name"), ("segment", "text", "segment"),
               ("manager", "text", "manager"), ("base_salary", "money", "base"),
               ("target_variable", "money", "tv"), ("days", "days", "days"), ("proration", "percent", "proration")]
    for component in ctx.plan.components:
        columns.append((f"{component.id}_payout", "money", f"payout:{component.id}"))
    columns.append(("total_payout", "money", "total"))
    for component in ctx.plan.components:
        if component.kind is Kind.BONUS or component.quota is not None:
            columns.append((f"{component.id}_attainment", "attainment", f"attainment:{component.id}"))
    return columns


def write_summary_sheet(ctx: Context, tab: CsmTabPlan) -> None:
    """Write the Summary sheet; CSM tabs must have their names in ``ctx.csm_sheets``."""
    sheet, styles, plan = ctx.sheets[layout.SHEET_SUMMARY], ctx.styles, ctx.plan
    columns = summary_columns(ctx)
    results = ctx.result.csms
    n = len(results)
    last_row = FIRST_ROW + n  # the totals row
    sheet.write_string(0, 0, f"Summary: {plan.name}", styles.title)
    sheet.write_string(1, 0, f"{ctx.period.label} · {plan.currency} · every number is a live formula over the CSM "
                             f"tabs; click a csm_id to open its tab", styles.subtitle)
    tab_rows: dict[str, int] = {"name": tab.name_row, "segment": tab.segment_row, "manager": tab.manager_row,
                                "base": tab.base_row, "tv": tab.tv_row, "days": tab.days_row,
                                "proration": tab.proration_row, "total": tab.total_row}
    for cid, cells in tab.components.items():
        tab_rows[f"payout:{cid}"] = cells.payout
        if cells.attainment is not None:
            tab_rows[f"attainment:{cid}"] = cells.attainment

    def cached(what: str, index: int) -> Any:
        result = results[index]
        csm = result.csm
        if what in ("name", "segment", "manager"):
            return getattr(csm, what)
        if what == "base":
            return num(csm.base_salary)
        if what == "tv":
            return num(csm.target_variable)
        if what == "days":
            return result.days
        if what == "proration":
            return num(result.proration)
        if what == "total":
            return num(result.total)
        kind, cid = what.split(":")
        component = result.component(cid)
        return num(component.payout if kind == "payout" else component.attainment)

    table_columns: list[dict[str, Any]] = []
    totals: dict[str, Decimal] = {}
    for header, kind, what in columns:
        spec: dict[str, Any] = {"header": header, "header_format": styles.header, "format": styles.calc[kind]}
        if header == "csm_id":
            spec["total_string"] = "Total"
        elif kind == "money" or header == "proration":
            total = _total(ctx, what)
            totals[header] = total
            spec["total_function"] = f"SUBTOTAL(109,{column_ref(layout.SUMMARY_TABLE, header)})"
            spec["total_value"] = float(total)
        table_columns.append(spec)
    sheet.add_table(HEADER_ROW, 0, last_row, len(columns) - 1, {
        "name": layout.SUMMARY_TABLE, "style": "Table Style Light 9", "total_row": True, "columns": table_columns})
    for col, spec in enumerate(table_columns):  # the totals row again, in the totals style
        if "total_function" in spec:
            kind = "fte" if spec["header"] == "proration" else "money"
            sheet.write_formula(last_row, col, "=" + spec["total_function"], styles.total[kind], spec["total_value"])
        elif "total_string" in spec:
            sheet.write_string(last_row, col, spec["total_string"], styles.total["text"])
        else:
            sheet.write_blank(last_row, col, None, styles.total["text"])
    for col, (header, kind, what) in enumerate(columns):
        width = {"csm_id": 13, "name": 22, "segment": 12, "manager": 20, "days": 7, "proration": 11}.get(
            header, max(14, len(header) + 3))
        sheet.set_column(col, col, width)
        fmt = styles.calc[kind]
        for index in range(n):
            row = FIRST_ROW + index
            tab_name = ctx.csm_sheets[index]
            if what == "id":
                sheet.write_url(row, col, f"internal:{quote_sheet(tab_name)}!A1", styles.link,
                                results[index].csm.csm_id, tip=f"open {tab_name}")
                continue
            ref = f"{quote_sheet(tab_name)}!{cell(tab_rows[what], 1)}"
            sheet.write_formula(row, col, f"={ref}", fmt, cached(what, index))
    for header, _kind, what in columns:
        if what.startswith("attainment:") and n:
            col = [c[0] for c in columns].index(header)
            sheet.conditional_format(FIRST_ROW, col, FIRST_ROW + n - 1, col, {
                "type": "3_color_scale", "min_type": "num", "min_value": 0.5, "min_color": "#F8696B",
                "mid_type": "num", "mid_value": 1, "mid_color": "#FFEB84", "max_type": "num", "max_value": 1.3,
                "max_color": "#63BE7B"})
    sheet.freeze_panes(FIRST_ROW, 2)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.hide_gridlines(2)
    side = len(columns) + 1
    # the print area holds the table, the attainment table and both charts beside it (about 10 columns wide,
    # the charts about 16 rows tall each)
    attainments = sum(1 for _h, _k, w in columns if w.startswith("attainment:"))
    chart_rows = HEADER_ROW + len(ATTAINMENT_BINS) + 20 + 17 if attainments else HEADER_ROW + 17
    sheet.print_area(0, 0, max(last_row, chart_rows) if n else last_row,
                     side + max(attainments + 1, 10) if n else len(columns) - 1)
    _distribution(ctx, columns, side, n)
    _payout_chart(ctx, columns, side, n)
    ctx.protect(sheet)


def _total(ctx: Context, what: str) -> Decimal:
    results = ctx.result.csms
    if what == "base":
        return sum((r.csm.base_salary for r in results), Decimal(0))
    if what == "tv":
        return sum((r.csm.target_variable for r in results), Decimal(0))
    if what == "days":
        return Decimal(sum(r.days for r in results))
    if what == "proration":
        return sum((r.proration for r in results), Decimal(0))
    if what == "total":
        return ctx.result.total
    cid = what.split(":")[1]
    return sum((r.component(cid).payout for r in results), Decimal(0))


def _in_bin(value: Decimal | None, low: Decimal | None, high: Decimal | None) -> bool:
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value < high)


def _distribution(ctx: Context, columns: list[tuple[str, str, str]], side: int, n: int) -> None:
    sheet, styles = ctx.sheets[layout.SHEET_SUMMARY], ctx.styles
    attainment_columns = [(h, w.split(":")[1]) for h, _k, w in columns if w.startswith("attainment:")]
    if not attainment_columns:
        return
    top = HEADER_ROW
    sheet.write_string(top - 1, side, "Attainment distribution (CSMs per band)", styles.label_bold)
    sheet.write_string(top, side, "attainment", styles.header)
    sheet.set_column(side, side, 16)
    for offset, (_header, cid) in enumerate(attainment_columns, start=1):
        sheet.write_string(top, side + offset, ctx.plan.component(cid).label, styles.header)
        sheet.set_column(side + offset, side + offset, max(12, min(24, len(ctx.plan.component(cid).label) + 2)))
    for index, (low, high, label) in enumerate(ATTAINMENT_BINS, start=1):
        row = top + index
        sheet.write_string(row, side, label, styles.label)
        for offset, (header, cid) in enumerate(attainment_columns, start=1):
            ref = column_ref(layout.SUMMARY_TABLE, header)
            criteria = []
            if low is not None:
                criteria.append(f'{ref},">="&{low}')
            if high is not None:
                criteria.append(f'{ref},"<"&{high}')
            if low is None:
                criteria.append(f'{ref},">=0"')
            formula = f"=COUNTIFS({','.join(criteria)})"
            count = sum(1 for r in ctx.result.csms if _in_bin(r.component(cid).attainment, low, high))
            sheet.write_formula(row, side + offset, formula, styles.calc["count"], count)
    row = top + len(ATTAINMENT_BINS) + 1
    sheet.write_string(row, side, "no data", styles.label)
    for offset, (header, cid) in enumerate(attainment_columns, start=1):
        ref = column_ref(layout.SUMMARY_TABLE, header)
        count = sum(1 for r in ctx.result.csms if r.component(cid).attainment is None)
        sheet.write_formula(row, side + offset, f"=ROWS({ref})-COUNT({ref})", styles.calc["count"], count)
    chart = ctx.workbook.add_chart({"type": "column"})
    assert chart is not None
    palette = ("#1F3864", "#4472C4", "#A5A5A5", "#ED7D31", "#70AD47", "#FFC000")
    for offset in range(1, len(attainment_columns) + 1):
        chart.add_series({
            "name": [layout.SHEET_SUMMARY, top, side + offset],
            "categories": [layout.SHEET_SUMMARY, top + 1, side, top + len(ATTAINMENT_BINS), side],
            "values": [layout.SHEET_SUMMARY, top + 1, side + offset, top + len(ATTAINMENT_BINS), side + offset],
            "fill": {"color": palette[(offset - 1) % len(palette)]},
        })
    chart.set_title({"name": "Attainment distribution", "name_font": {"size": 11, "bold": True}})
    chart.set_y_axis({"name": "CSMs", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 620, "height": 300})
    sheet.insert_chart(top + len(ATTAINMENT_BINS) + 3, side, chart, {"x_offset": 4, "y_offset": 4,
                                                                     "object_position": 1})


def _payout_chart(ctx: Context, columns: list[tuple[str, str, str]], side: int, n: int) -> None:
    if n == 0:
        return
    sheet = ctx.sheets[layout.SHEET_SUMMARY]
    headers = [c[0] for c in columns]
    chart = ctx.workbook.add_chart({"type": "column"})
    assert chart is not None
    total_col, name_col = headers.index("total_payout"), headers.index("csm_id")
    chart.add_series({
        "name": "Total payout",
        "categories": [layout.SHEET_SUMMARY, FIRST_ROW, name_col, FIRST_ROW + n - 1, name_col],
        "values": [layout.SHEET_SUMMARY, FIRST_ROW, total_col, FIRST_ROW + n - 1, total_col],
        "fill": {"color": "#1F3864"}, "gap": 40,
    })
    chart.set_title({"name": "Payout by CSM", "name_font": {"size": 11, "bold": True}})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_x_axis({"num_font": {"size": 7, "rotation": -45}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 620, "height": 320})
    anchor = HEADER_ROW + len(ATTAINMENT_BINS) + 20 if any(w.startswith("attainment:") for _h, _k, w in columns) \
        else HEADER_ROW
    sheet.insert_chart(anchor, side, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})
