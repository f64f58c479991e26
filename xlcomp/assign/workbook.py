"""The assignment workbook: an Assignment sheet (every account, ``to_csm`` editable), a Balance sheet
whose after-columns are live SUMIFS/COUNTIFS over the Assignment table (so an edited owner shows its
effect), before/after charts, and the Targets the new books imply."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter

from xlcomp.outputs import escape_text

if TYPE_CHECKING:
    from xlcomp.assign.api import AssignmentResult

__all__ = ["write_assignment_workbook"]


def _num(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return "" if value is None else value


def write_assignment_workbook(result: AssignmentResult, path: str | Path) -> None:
    """Write the workbook to ``path``."""
    book = xlsxwriter.Workbook(str(path))
    money = book.add_format({"num_format": "#,##0"})
    money_in = book.add_format({"num_format": "#,##0", "locked": False, "bg_color": "#FFF2CC"})
    text_in = book.add_format({"locked": False, "bg_color": "#FFF2CC"})
    ratio = book.add_format({"num_format": "0.00"})
    wrap = book.add_format({"text_wrap": False})
    title = book.add_format({"bold": True, "font_size": 13})

    guide = book.add_worksheet("Guide")
    guide.write(0, 0, "Book assignment", title)
    lines = [f"Period of the new books: {result.inputs.period.label}", f"Solver: {result.status}",
             f"Accounts moved: {result.moves} of {len(result.rows)}",
             "Assignment: every account; to_csm (yellow) may be edited. Balance recomputes ARR and accounts "
             "after from it (SUMIFS / COUNTIFS).", "Targets: quotas and risk-adjusted retention targets of the "
             "proposed books (as proposed). After editing to_csm, save this workbook and run "
             "xlcomp assign --roster R --accounts A --apply assignment.xlsx --out DIR: it checks every edited "
             "cell and writes the balance, quotas and targets of the edited books.",
             "The model: docs/assign.md."]
    for i, line in enumerate(lines):
        guide.write(2 + i, 0, line)
    guide.set_column(0, 0, 110)

    sheet = book.add_worksheet("Assignment")
    rows = result.rows
    data = [[r.account_id, r.from_csm, r.to_csm, _num(r.arr_start), _num(r.risk_score), _num(r.white_space),
             escape_text(r.reason)] for r in rows]
    columns = [{"header": "account_id"}, {"header": "from_csm"}, {"header": "to_csm", "format": text_in},
               {"header": "arr_start", "format": money}, {"header": "risk_score"},
               {"header": "white_space", "format": money}, {"header": "reason", "format": wrap}]
    sheet.add_table(0, 0, max(1, len(data)), len(columns) - 1,
                    {"name": "Assignment", "columns": columns, "data": data or None, "style": "Table Style Light 9"})
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 2, 14)
    sheet.set_column(3, 5, 13)
    sheet.set_column(6, 6, 90)
    sheet.protect("", {"autofilter": True, "sort": True, "format_columns": True})

    balance = book.add_worksheet("Balance")
    headers = ["csm_id", "name", "segment", "leaves", "skill_retention", "skill_expansion", "arr_before",
               "arr_after", "arr_low", "arr_high", "accounts_before", "accounts_after", "accounts_low",
               "accounts_high", "risk_before", "risk_after"]
    brows = result.balance
    table_rows = []
    for b in brows:
        table_rows.append([b.csm_id, b.name, b.segment, b.leaves, b.skill_retention, b.skill_expansion,
                           _num(b.arr_before), None, _num(b.arr_low), _num(b.arr_high), b.accounts_before, None,
                           b.accounts_low, b.accounts_high, _num(b.risk_before), _num(b.risk_after)])
    cols: list[dict[str, Any]] = [{"header": h} for h in headers]
    for i in (6, 8, 9):
        cols[i]["format"] = money
    cols[7] = {"header": "arr_after", "format": money,
               "formula": "SUMIFS(Assignment[arr_start],Assignment[to_csm],[@csm_id])"}
    cols[11] = {"header": "accounts_after", "formula": "COUNTIFS(Assignment[to_csm],[@csm_id])"}
    cols[4]["format"] = cols[5]["format"] = ratio
    n = max(1, len(table_rows))
    balance.add_table(0, 0, n, len(headers) - 1, {"name": "Balance", "columns": cols,
                                                 "data": [[c if c is not None else "" for c in r]
                                                          for r in table_rows] or None,
                                                 "style": "Table Style Light 9"})
    for i, b in enumerate(brows):  # the engine's values as cached results
        balance.write_formula(1 + i, 7, f"=SUMIFS(Assignment[arr_start],Assignment[to_csm],\"{b.csm_id}\")",
                              money, float(b.arr_after))
        balance.write_formula(1 + i, 11, f"=COUNTIFS(Assignment[to_csm],\"{b.csm_id}\")", None, b.accounts_after)
    balance.freeze_panes(1, 1)
    balance.set_column(0, len(headers) - 1, 13)
    if brows:
        for name, before_col, after_col, anchor in (("ARR per CSM", 6, 7, "R2"), ("Accounts per CSM", 10, 11, "R20")):
            chart = book.add_chart({"type": "column"})
            for label, col in (("before", before_col), ("after", after_col)):
                chart.add_series({"name": label, "categories": ["Balance", 1, 0, len(brows), 0],
                                  "values": ["Balance", 1, col, len(brows), col]})
            chart.set_title({"name": f"{name}, before and after"})
            chart.set_size({"width": 900, "height": 340})
            balance.insert_chart(anchor, chart)

    targets = book.add_worksheet("Targets")
    theaders = ["csm_id", "segment", "accounts", "book_arr", "book_risk", "retention_target", "quota_renewal",
                "quota_upsell", "quota_cross_sell"]
    tdata = [[t.csm_id, t.segment, t.accounts, _num(t.book_arr), _num(t.book_risk), _num(t.retention_target),
              _num(t.quota_renewal), _num(t.quota_upsell), _num(t.quota_cross_sell)] for t in result.targets]
    tcols: list[dict[str, Any]] = [{"header": h} for h in theaders]
    for i in (3, 6, 7, 8):
        tcols[i]["format"] = money
    targets.add_table(0, 0, max(1, len(tdata)), len(theaders) - 1,
                      {"name": "Targets", "columns": tcols, "data": tdata or None, "style": "Table Style Light 9"})
    targets.set_column(0, len(theaders) - 1, 15)
    _ = money_in
    book.close()
