"""``xlcomp ledger export``: the ledger as a workbook finance can recompute.

Sheets: **Balances** (per CSM: paid to date and balance owed, live formulas), **Periods** (per CSM and
paid period: gross and draw summed from the Ledger table, balance_in, payable and balance_out by the
balance rule, live formulas), **Ledger** (every line of every version: the table the formulas read;
lines of a reopened version have ``paid`` 0, their differences are paid as prior_period lines) and
**By period** (payable per period, and its chart). Every formula carries the ledger's value as its
cached value. Classic functions only (SUMIFS, MAX, IF).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import xlsxwriter

from xlcomp.ledger.view import LedgerView, PeriodEntry

__all__ = ["write_ledger_workbook"]

ZERO = Decimal(0)
LEDGER_COLUMNS = ("period", "version", "paid", "closed_at", "closed_by", "reason", "csm_id", "name", "kind",
                  "component", "amount", "note")
PERIOD_COLUMNS = ("csm_id", "name", "period", "recoverable", "gross", "draw", "balance_in", "payable", "balance_out",
                  "last")


def _recoverable(entry: PeriodEntry) -> bool:
    return entry.draw > 0 and entry.balance_out == max(ZERO, entry.balance_in - entry.gross) + entry.draw


def write_ledger_workbook(view: LedgerView, path: Path) -> None:
    """Write the ledger workbook of ``view`` to ``path``."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    money = book.add_format({"num_format": "#,##0.00;[Red]-#,##0.00"})
    money_formula = book.add_format({"num_format": "#,##0.00;[Red]-#,##0.00", "locked": True, "font_color": "#1F3864"})
    bold = book.add_format({"bold": True, "font_size": 14})
    balances = book.add_worksheet("Balances")
    periods = book.add_worksheet("Periods")
    ledger = book.add_worksheet("Ledger")
    by_period = book.add_worksheet("By period")

    # Ledger: every line of every version
    rows = []
    for entry in view.csms:
        for period in entry.periods:
            for line in period.lines:
                rows.append((period, entry, line))
    rows.sort(key=lambda r: (r[0].close.period_start, r[0].close.version, r[1].csm_id))
    for i, (period, entry, line) in enumerate(rows, start=1):
        close = period.close
        ledger.write_string(i, 0, close.period)
        ledger.write_number(i, 1, close.version)
        ledger.write_number(i, 2, 1 if period.paid else 0)
        ledger.write_string(i, 3, close.closed_at.strftime("%Y-%m-%d %H:%M"))
        ledger.write_string(i, 4, close.closed_by)
        ledger.write_string(i, 5, close.reason or "")
        ledger.write_string(i, 6, entry.csm_id)
        ledger.write_string(i, 7, entry.name)
        ledger.write_string(i, 8, line.kind)
        ledger.write_string(i, 9, line.component)
        ledger.write_number(i, 10, float(line.payout), money)
        ledger.write_string(i, 11, line.note)
    n = max(len(rows), 1) + 1
    ledger.add_table(0, 0, n - 1, len(LEDGER_COLUMNS) - 1, {
        "name": "Ledger", "style": "Table Style Light 9", "columns": [{"header": c} for c in LEDGER_COLUMNS]})
    ledger.freeze_panes(1, 0)
    ledger.set_column(0, 9, 12)
    ledger.set_column(10, 10, 14)
    ledger.set_column(11, 11, 60)

    def ledger_range(column: int) -> str:
        letter = "ABCDEFGHIJKL"[column]
        return f"Ledger!${letter}$2:${letter}${n}"

    # Periods: per CSM and paid period, the balance rule as formulas
    paid_rows = [(entry, period) for entry in view.csms for period in entry.periods if period.paid]
    for i, (entry, period) in enumerate(paid_rows, start=1):
        r = i + 1
        last = i == len(paid_rows) or paid_rows[i][0].csm_id != entry.csm_id
        criteria = (f"{ledger_range(10)},{ledger_range(6)},$A{r},{ledger_range(0)},$C{r},{ledger_range(2)},1,"
                    f"{ledger_range(8)}")
        periods.write_string(i, 0, entry.csm_id)
        periods.write_string(i, 1, entry.name)
        periods.write_string(i, 2, period.close.period)
        periods.write_number(i, 3, 1 if _recoverable(period) else 0)
        periods.write_formula(i, 4, f'=SUMIFS({criteria},"<>draw")', money_formula, float(period.gross))
        periods.write_formula(i, 5, f'=SUMIFS({criteria},"draw")', money_formula, float(period.draw))
        periods.write_formula(i, 6, f"=IF($A{r}=$A{r - 1},I{r - 1},0)", money_formula, float(period.balance_in))
        periods.write_formula(i, 7, f"=MAX(0,E{r}-G{r})+F{r}", money_formula, float(period.payable))
        periods.write_formula(i, 8, f"=MAX(0,G{r}-E{r})+IF(D{r}=1,F{r},0)", money_formula,
                              float(period.balance_out))
        periods.write_formula(i, 9, f"=IF($A{r + 1}<>$A{r},1,0)", None, 1 if last else 0)
    m = max(len(paid_rows), 1) + 1
    periods.add_table(0, 0, m - 1, len(PERIOD_COLUMNS) - 1, {
        "name": "Periods", "style": "Table Style Light 9", "columns": [{"header": c} for c in PERIOD_COLUMNS]})
    periods.freeze_panes(1, 0)
    periods.set_column(0, 3, 12)
    periods.set_column(4, 8, 14)

    def periods_range(letter: str) -> str:
        return f"Periods!${letter}$2:${letter}${m}"

    # Balances: per CSM
    balances.write_string(0, 0, f"Ledger of {view.plan_id} ({view.currency})", bold)
    header = 2
    for i, entry in enumerate(view.csms, start=header + 1):
        r = i + 1
        balances.write_string(i, 0, entry.csm_id)
        balances.write_string(i, 1, entry.name)
        balances.write_formula(i, 2, f"=SUMIFS({periods_range('H')},{periods_range('A')},$A{r})", money_formula,
                               float(entry.paid_to_date))
        balances.write_formula(i, 3, f"=SUMIFS({periods_range('I')},{periods_range('A')},$A{r},"
                                     f"{periods_range('J')},1)", money_formula, float(entry.balance))
    last_row = header + max(len(view.csms), 1)
    balances.add_table(header, 0, last_row, 3, {
        "name": "Balances", "style": "Table Style Medium 2",
        "columns": [{"header": "csm_id"}, {"header": "name"}, {"header": "paid_to_date"}, {"header": "balance"}]})
    balances.set_column(0, 1, 16)
    balances.set_column(2, 3, 16)
    balances.freeze_panes(header + 1, 0)

    # By period: payable per period and its chart
    labels = list(dict.fromkeys(c.period for c in view.closes))
    totals = {label: sum((p.payable for _, p in paid_rows if p.close.period == label), ZERO) for label in labels}
    for i, label in enumerate(labels, start=1):
        by_period.write_string(i, 0, label)
        by_period.write_formula(i, 1, f"=SUMIFS({periods_range('H')},{periods_range('C')},$A{i + 1})", money_formula,
                                float(totals[label]))
    k = max(len(labels), 1)
    by_period.add_table(0, 0, k, 1, {"name": "ByPeriod", "style": "Table Style Light 9",
                                     "columns": [{"header": "period"}, {"header": "payable"}]})
    by_period.set_column(0, 1, 14)
    chart = book.add_chart({"type": "column"})
    chart.add_series({"name": "payable", "categories": ["By period", 1, 0, k, 0],
                      "values": ["By period", 1, 1, k, 1]})
    chart.set_title({"name": f"Payable per period, {view.currency}"})
    chart.set_legend({"none": True})
    by_period.insert_chart("D2", chart)
    book.close()
