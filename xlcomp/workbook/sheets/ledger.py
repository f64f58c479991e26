"""The Ledger sheet of a closed period's workbook (SPEC section 9): what the ledger added to the
computed period, so the workbook of a close adds up to what is paid.

Three Excel tables, one under the other:

- ``LedgerLines``: the lines carried in or added by the close (adjustment, prior_period, clawback,
  draw) with their notes, accounts and source versions;
- ``LedgerYtd``: each ``measure: ytd`` component's derivation per CSM: the year-to-date actual,
  target, attainment and TI, the YTD payout, what the ledger paid on it before, and this period's
  line as a live formula (YTD payout − paid before). The CSM tabs keep the period's own computation
  (their cells are the engine's rules on this period's accounts); this table says which figure the
  ledger paid instead;
- ``LedgerBalance``: per CSM, the ledger lines (live SUMIFS over ``LedgerLines``, the draw left
  out), gross, balance in and the draw as recorded, and payable and balance out as live formulas of
  the SPEC's balance rule.

The writer takes the figures as plain records (:mod:`xlcomp.model.ledger_lines`): the workbook does
not import the ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xlcomp.model.ledger_lines import LedgerPanel
from xlcomp.ooxml.refs import cell
from xlcomp.workbook.context import Context, num

__all__ = ["BALANCE_COLUMNS", "LEDGER_SHEET", "LINE_COLUMNS", "TABLES", "YTD_COLUMNS", "write_ledger_sheet"]

LEDGER_SHEET = "Ledger"
TABLES = ("LedgerLines", "LedgerYtd", "LedgerBalance")
LINE_COLUMNS = ("csm_id", "kind", "component", "amount", "note", "account_id", "source")
YTD_COLUMNS = ("csm_id", "component", "ytd_actual", "ytd_target", "ytd_attainment", "ytd_target_incentive",
               "ytd_payout", "paid_before", "this_period")
BALANCE_COLUMNS = ("csm_id", "name", "ledger_lines", "gross", "balance_in", "draw", "recoverable", "payable",
                   "balance_out")
_KINDS = {"amount": "money", "ytd_actual": "number", "ytd_target": "number", "ytd_attainment": "attainment",
          "ytd_target_incentive": "money", "ytd_payout": "money", "paid_before": "money", "this_period": "money",
          "ledger_lines": "money", "gross": "money", "balance_in": "money", "draw": "money", "payable": "money",
          "balance_out": "money"}
_WIDTHS = {"csm_id": 12, "kind": 13, "component": 16, "note": 60, "name": 22, "source": 12, "account_id": 14}


def _table(ctx: Context, sheet: Any, top: int, name: str, columns: tuple[str, ...], rows: int) -> int:
    """An Excel table with ``rows`` data rows (at least one) whose header is on ``top``; its last row."""
    last = top + max(rows, 1)
    sheet.add_table(top, 0, last, len(columns) - 1, {
        "name": name, "style": "Table Style Medium 2",
        "columns": [{"header": c, "header_format": ctx.styles.header} for c in columns]})
    return last


def _write(ctx: Context, sheet: Any, row: int, col: int, column: str, value: Any) -> None:
    kind = _KINDS.get(column)
    if value is None or value == "":
        sheet.write_blank(row, col, None, ctx.styles.calc[kind or "text"])
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, ctx.styles.calc["bool"])
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, num(value), ctx.styles.calc[kind or "number"])
    else:
        sheet.write_string(row, col, str(value), ctx.styles.calc["text"])


def write_ledger_sheet(ctx: Context, sheet: Any, panels: Mapping[str, LedgerPanel]) -> None:
    """Write the Ledger sheet of a closed period from the close's per-CSM panels."""
    styles = ctx.styles
    first = next(iter(panels.values()), None)
    version = f", version {first.version}" if first is not None else ""
    sheet.write_string(0, 0, f"Ledger — {ctx.period.label} closed{version}", styles.title)
    sheet.write_string(1, 0, "What the ledger added to the computed period: payable = MAX(0, gross − balance in) + "
                             "draw; balance out = MAX(0, balance in − gross) + a recoverable draw.", styles.subtitle)
    widths = [max(_WIDTHS.get(c, 13) for c in group if c) for group in
              zip(*(cols + ("",) * (9 - len(cols)) for cols in (LINE_COLUMNS, YTD_COLUMNS, BALANCE_COLUMNS)),
                  strict=True)]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)

    lines = [line for panel in panels.values() for line in panel.lines]
    sheet.write_string(3, 0, "Lines carried in or added by the close", styles.section)
    top = 4
    last = _table(ctx, sheet, top, TABLES[0], LINE_COLUMNS, len(lines))
    for row, line in enumerate(lines, start=top + 1):
        values: tuple[Any, ...] = (line.csm_id, line.kind, line.component, line.amount, line.note, line.account_id,
                                   line.source)
        for col, (column, value) in enumerate(zip(LINE_COLUMNS, values, strict=True)):
            _write(ctx, sheet, row, col, column, value)
    lines_first, lines_last = top + 1, last

    ytd = [y for panel in panels.values() for y in panel.ytd]
    top = last + 3
    sheet.write_string(top - 1, 0, "Year-to-date components: this period's line = YTD payout − paid before "
                                   "(the CSM tabs show the period's own computation)", styles.section)
    last = _table(ctx, sheet, top, TABLES[1], YTD_COLUMNS, len(ytd))
    for row, y in enumerate(ytd, start=top + 1):
        values = (y.csm_id, y.component, y.actual, y.target, y.attainment, y.target_incentive, y.ytd_payout,
                  y.paid_before)
        for col, (column, value) in enumerate(zip(YTD_COLUMNS, values, strict=False)):
            _write(ctx, sheet, row, col, column, value)
        col = YTD_COLUMNS.index("this_period")
        sheet.write_formula(row, col, f"={cell(row, col - 2, False)}-{cell(row, col - 1, False)}",
                            styles.calc["money"], num(y.this_period))

    top = last + 3
    sheet.write_string(top - 1, 0, "Balance per CSM", styles.section)
    _table(ctx, sheet, top, TABLES[2], BALANCE_COLUMNS, len(panels))
    c = {name: BALANCE_COLUMNS.index(name) for name in BALANCE_COLUMNS}
    amounts, ids, kinds = (f"{cell(lines_first, LINE_COLUMNS.index(n))}:{cell(lines_last, LINE_COLUMNS.index(n))}"
                           for n in ("amount", "csm_id", "kind"))
    for row, (csm_id, panel) in enumerate(panels.items(), start=top + 1):
        def at(name: str, r: int = row) -> str:
            return cell(r, c[name], False)

        added = sum((line.amount for line in panel.lines if line.kind != "draw"), Decimal(0))
        _write(ctx, sheet, row, c["csm_id"], "csm_id", csm_id)
        _write(ctx, sheet, row, c["name"], "name", panel.name)
        sheet.write_formula(row, c["ledger_lines"], f'=SUMIFS({amounts},{ids},{at("csm_id")},{kinds},"<>draw")',
                            styles.calc["money"], num(added))
        for name in ("gross", "balance_in", "draw"):
            _write(ctx, sheet, row, c[name], name, getattr(panel, name))
        _write(ctx, sheet, row, c["recoverable"], "recoverable", panel.draw_recoverable)
        sheet.write_formula(row, c["payable"], f"=MAX(0,{at('gross')}-{at('balance_in')})+{at('draw')}",
                            styles.calc["money"], num(panel.payable))
        sheet.write_formula(row, c["balance_out"],
                            f"=MAX(0,{at('balance_in')}-{at('gross')})+IF({at('recoverable')},{at('draw')},0)",
                            styles.calc["money"], num(panel.balance_out))
    sheet.freeze_panes(0, 1)
    ctx.protect(sheet)
