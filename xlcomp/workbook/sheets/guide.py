"""The Guide sheet (what each sheet is for, the colour legend, the plan's identity) and the hidden
``_xlcomp`` metadata sheet that ``xlcomp recalc`` reads."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

from xlcomp._version import __version__
from xlcomp.model.plan import Plan
from xlcomp.money import fmt_decimal
from xlcomp.ooxml.refs import column_ref, quote_sheet
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context
from xlcomp.workbook.plan_yaml import plan_yaml

__all__ = ["FUNCTION_NOTES", "metadata", "version_metadata", "write_guide_sheet", "write_meta_sheet"]

SHEET_PURPOSE = (
    (layout.SHEET_GUIDE, "this page: how the workbook works"),
    (layout.SHEET_PLAN, "the plan's parameters (defined names), tier tables, multiplier bands and payout curves"),
    (layout.SHEET_ROSTER, "the CSMs: salary, target variable pay, dates, per-CSM targets (an Excel table)"),
    (layout.SHEET_ACCOUNTS, "the book of business for the period, one row per account (an Excel table)"),
    (layout.SHEET_ADJUSTMENTS, "manual changes to pay, one row each with a reason (an Excel table; add rows "
                               "at its end): each CSM tab adds its rows to the total"),
    (layout.SHEET_SUMMARY, "one row per CSM: payouts, total, attainment; charts; links to every CSM tab"),
    (layout.SHEET_ROI, "what the plan costs against the ARR it retains and expands, with benchmarks and scenarios"),
    ("CSM tabs", "one per CSM: the book, each metric, each component's tier walk and payout"),
)
# Sheets a workbook has only with effective-dated inputs (SPEC section 10): listed after Adjustments when present.
DATED_PURPOSE = (
    (layout.SHEET_CHANGES, "roster changes with effective dates (an Excel table): target pay and quotas paid by "
                           "their days; each CSM tab shows its stretches"),
    (layout.SHEET_MOVES, "accounts moved to another CSM on a date (an Excel table): each owner is credited by "
                         "the days it owned the account"),
    (layout.SHEET_SPLITS, "accounts whose credit is split between CSMs (an Excel table): each listed CSM gets "
                          "its share"),
    (layout.SHEET_CREDIT, "computed: the credited share of every moved or split account, which the CSM tabs add "
                          "to their book"),
)

# How to get the worksheet functions (docs/functions.md has the steps and the table of routes).
FUNCTION_NOTES = (
    "=CSM_TIERED, =CSM_COMMISSION, =CSM_ATTAINMENT, =CS_GRR, =CS_NRR, =CS_HEALTH and the other xlcomp functions "
    "give the engine's numbers in your own sheets. Three ways to get them (docs/functions.md has the steps):",
    "xlwings Lite (Windows, Mac, Excel on the web; nothing to install): run xlcomp lite --out lite, add the "
    "xlwings Lite add-in (Home ▸ Add-ins), paste lite/main.py into its editor and save.",
    "Office.js add-in (Windows, Mac, web; needs a server): run xlcomp serve over HTTPS and upload its "
    "/manifest.xml (Home ▸ Add-ins ▸ My Add-ins ▸ Upload My Add-in); the functions are =XLCOMP.CSM_TIERED(…).",
    "xlwings (Windows desktop, Python installed): pip install \"xlcomp[excel]\", xlwings addin install, "
    "set UDF Modules to xlcomp.udfs and click Import Functions.",
)


def metadata(ctx: Context, generation_id: str) -> dict[str, str]:
    """The metadata keys and values (:data:`~xlcomp.workbook.layout.META_KEYS`)."""
    text = plan_yaml(ctx.plan)
    return {
        "schema_version": str(layout.SCHEMA_VERSION),
        "generator": "xlcomp",
        "xlcomp_version": __version__,
        "mode": ctx.mode,
        "plan_id": ctx.plan.id,
        "plan_digest": ctx.plan.digest,
        "plan_yaml_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "period": ctx.period.label,
        "period_start": ctx.period.start.isoformat(),
        "period_end": ctx.period.end.isoformat(),
        "generation_id": generation_id,
    }


def version_metadata(parts: Sequence[tuple[Plan, date, date]]) -> list[tuple[str, str]]:
    """The metadata rows of a period split by plan versions (none otherwise), so ``xlcomp recalc`` can rebuild
    each version: per version ``n`` (1, 2, … in part order) ``version_<n>_file`` (its file name),
    ``version_<n>_yaml`` (its canonical YAML, in chunks like ``plan_yaml``) and ``version_<n>_yaml_sha256``."""
    rows: list[tuple[str, str]] = []
    for number, (version, _, _) in enumerate(parts if len(parts) > 1 else (), start=1):
        text = plan_yaml(version)
        source = version.source.replace("\\", "/").rsplit("/", 1)[-1] if version.source else f"{version.id}.yaml"
        rows.append((layout.version_key(number, "file"), source))
        rows += [(layout.version_key(number, "yaml"), text[start:start + layout.YAML_CHUNK])
                 for start in range(0, len(text), layout.YAML_CHUNK)]
        rows.append((layout.version_key(number, "yaml_sha256"), hashlib.sha256(text.encode("utf-8")).hexdigest()))
    return rows


def write_guide_sheet(ctx: Context) -> None:
    """Write the Guide sheet."""
    sheet, styles, plan = ctx.sheets[layout.SHEET_GUIDE], ctx.styles, ctx.plan
    sheet.set_column(0, 0, 26)
    sheet.set_column(1, 1, 92)
    sheet.hide_gridlines(2)
    sheet.write_string(0, 0, plan.name, styles.title)
    kind = "template to fill" if ctx.mode == "template" else "computed payouts"
    sheet.write_string(1, 0, f"xlcomp commission workbook · {ctx.period.label} · {kind}", styles.subtitle)
    row = 3
    sheet.write_string(row, 0, "This workbook", styles.section)
    sheet.write_blank(row, 1, None, styles.section_fill)
    row += 1
    facts = (
        ("Plan", f"{plan.id}: {plan.name}"),
        ("Plan hash", plan.digest),
        ("Period", f"{ctx.period.label} ({ctx.period.start.isoformat()} to {ctx.period.end.isoformat()}, "
                   f"{ctx.period.days} days)"),
        ("Currency", plan.currency),
        ("Written by", f"xlcomp {__version__}"),
    )
    for label, value in facts:
        sheet.write_string(row, 0, label, styles.label_indent)
        sheet.write_string(row, 1, value, styles.label)
        row += 1
    row += 1
    sheet.write_string(row, 0, "At a glance", styles.section)
    sheet.write_string(row, 1, "live: follows every edit", styles.section_note)
    row += 1
    glance: tuple[tuple[str, str, str, float], ...] = (
        ("CSMs", f"=ROWS({column_ref(layout.SUMMARY_TABLE, 'csm_id')})", "count", len(ctx.result.csms)),
        ("Accounts", f"=COUNTA({column_ref(layout.ACCOUNTS_TABLE, 'account_id')})", "count", len(ctx.result.book)),
        ("Total payout", f"=SUM({column_ref(layout.SUMMARY_TABLE, 'total_payout')})", "money",
         float(ctx.result.total)),
    )
    for label, formula, kind, number in glance:
        sheet.write_string(row, 0, label, styles.label_indent)
        sheet.write_formula(row, 1, formula, styles.calc[f"{kind}_left"], number)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Sheets", styles.section)
    sheet.write_blank(row, 1, None, styles.section_fill)
    row += 1
    dated = tuple(entry for entry in DATED_PURPOSE if entry[0] in ctx.sheets)
    purposes = [*SHEET_PURPOSE[:5], *dated, *SHEET_PURPOSE[5:]]
    for name, purpose in purposes:
        if name in ctx.sheets:
            sheet.write_url(row, 0, f"internal:{quote_sheet(name)}!A1", styles.link, name)
        else:
            sheet.write_string(row, 0, name, styles.label_indent)
        sheet.write_string(row, 1, purpose, styles.label)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Colours", styles.section)
    sheet.write_blank(row, 1, None, styles.section_fill)
    row += 1
    legend = (
        (styles.legend_input, "input", "yours to edit: unlocked and validated (Roster, Accounts, Adjustments, plan "
                                               "parameters)"),
        (styles.legend_calc, "formula", "computed: locked; the sheet is protected (Review ▸ Unprotect to change it)"),
        (styles.legend_key, "result", "a payout or a total"),
    )
    for fmt, text, meaning in legend:
        sheet.write_string(row, 0, text, fmt)
        sheet.write_string(row, 1, meaning, styles.label)
        row += 1
    row += 1
    sheet.write_string(row, 0, "How it works", styles.section)
    sheet.write_blank(row, 1, None, styles.section_fill)
    row += 1
    notes: tuple[str, ...] = (
        "Every number on Summary, ROI and the CSM tabs is a live formula over Plan, Roster and Accounts, "
        "and was saved with the value xlcomp's engine computed, so it reads right even where nothing recalculates.",
        "Edit a yellow cell and the workbook recomputes: Excel does it at once; in LibreOffice use "
        "Data ▸ Calculate ▸ Recalculate Hard after opening.",
        "Attainment = ROUND(actual / target, 6); payouts are ROUND(…, 2), half away from zero; "
        "a metric with no data (a 0 denominator) shows blank and its bonus pays 0.",
        "Marginal tiers pay each tier's rate on the part inside it; whole tiers pay the rate of the tier "
        "holding the attainment on all of it; steps pay that rate as the share.",
        "To keep payroll honest, send the edited workbook back to xlcomp recalc: it recomputes every payout "
        "with the engine and reports any formula typed over or changed.",
    )
    if ctx.mode == "template":
        notes = ("This is a template: fill the period's actuals in the Accounts table (renewed, upsell, "
                 "cross-sell and contraction ARR, scores, onboarding done, value identified, referrals).", *notes)
    for text in notes:
        sheet.write_string(row, 1, text, styles.wrap)
        sheet.set_row(row, 30)
        row += 1
    row += 1
    sheet.write_string(row, 0, "Worksheet functions", styles.section)
    sheet.write_blank(row, 1, None, styles.section_fill)
    row += 1
    for text in FUNCTION_NOTES:
        sheet.write_string(row, 1, text, styles.wrap)
        sheet.set_row(row, 30)
        row += 1
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.activate()
    ctx.protect(sheet)


def write_meta_sheet(ctx: Context, meta: dict[str, str]) -> None:
    """The hidden, protected ``_xlcomp`` sheet: metadata keys, the plan YAML and the CSM tabs with
    each CSM's total as issued (``xlcomp recalc`` compares uploads with it)."""
    sheet, styles = ctx.sheets[layout.META_SHEET], ctx.styles
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, 1, 80)
    sheet.write_string(0, 0, "key", styles.header)
    sheet.write_string(0, 1, "value", styles.header)
    row = 1
    for key in layout.META_KEYS:
        sheet.write_string(row, 0, key, styles.label)
        sheet.write_string(row, 1, meta[key], styles.label)
        row += 1
    text = plan_yaml(ctx.plan)
    for start in range(0, len(text), layout.YAML_CHUNK):
        sheet.write_string(row, 0, "plan_yaml", styles.label)
        sheet.write_string(row, 1, text[start:start + layout.YAML_CHUNK], styles.label)
        row += 1
    for key, value in version_metadata(ctx.result.parts):   # a period split by plan versions: none otherwise
        sheet.write_string(row, 0, key, styles.label)
        sheet.write_string(row, 1, value, styles.label)
        row += 1
    row += 1
    for col, header in enumerate((*layout.META_TABS_HEADER, layout.META_TABS_ISSUED)):
        sheet.write_string(row, col, header, styles.header)
    row += 1
    for result, name in zip(ctx.result.csms, ctx.csm_sheets, strict=True):
        sheet.write_string(row, 0, result.csm.csm_id, styles.label)
        sheet.write_string(row, 1, name, styles.label)
        # text, not a number: the total to the cent, whatever a spreadsheet does to floats
        sheet.write_string(row, 2, fmt_decimal(result.total, 2), styles.label)
        row += 1
    sheet.hide()
    ctx.protect(sheet)
