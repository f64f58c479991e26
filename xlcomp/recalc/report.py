"""The batch reports of ``xlcomp recalc``: ``report.json`` (for programs), ``report.xlsx`` (the same
for people: one row per finding, formatted) and ``payouts.csv`` (every file's payout rows with a
``source`` column).

report.json is a list with one entry per upload, in the order the files were given::

    {"file", "output", "sha256", "status": "ok" | "inputs_changed" | "overridden" | "rejected", "kind",
     "plan", "period", "csms", "total", "totals": [{"csm_id", "issued", "workbook", "engine"}],
     "problems": [{"where", "message"}], "warnings": [{"where", "message"}],
     "plan_edits": [{"where", "name", "before", "after"}],
     "overrides": [{"where", "formula", "found", "kind", "action": "discarded", "message"}],
     "differences": [{"where", "cached", "engine"}]}

report.xlsx has three sheets: **Files** (one row per upload), **Totals** (one row per CSM and upload:
the total issued, the one saved in the workbook, the recomputed one and the difference; the CSMs
whose total changed first) and **Findings** (one row per finding).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlcomp.engine.run import PAYOUT_COLUMNS
from xlcomp.outputs import csv_text
from xlcomp.recalc.outcome import STATUS_OK, STATUS_TEXT, STATUSES, reference_of, total_changed

__all__ = ["PAYOUTS_FILE", "PAYOUT_SOURCE_COLUMNS", "REPORT_JSON", "REPORT_XLSX", "findings", "payouts_text",
           "report_json_text", "write_report_xlsx"]

REPORT_JSON = "report.json"
REPORT_XLSX = "report.xlsx"
PAYOUTS_FILE = "payouts.csv"
PAYOUT_SOURCE_COLUMNS = ("source", *PAYOUT_COLUMNS)

_FINDING_COLUMNS = ("file", "status", "finding", "where", "message", "expected formula", "found", "cached value",
                    "engine value")
_FILE_COLUMNS = ("file", "status", "kind", "plan", "period", "CSMs", "total payout", "problems", "overrides",
                 "differences", "plan edits", "warnings", "regenerated workbook")
_TOTAL_COLUMNS = ("file", "status", "csm_id", "issued", "in the workbook", "recomputed (paid)", "difference",
                  "changed", "compared with")
_STATUS_COLOURS = {"ok": ("#E2EFDA", "#375623"), "inputs_changed": ("#DDEBF7", "#1F4E78"),
                   "overridden": ("#FFF2CC", "#7F6000"), "rejected": ("#FBE2D5", "#9C0006")}


def report_json_text(entries: Sequence[dict[str, Any]]) -> str:
    """report.json: the entries as a JSON list."""
    return json.dumps(list(entries), ensure_ascii=False, indent=2) + "\n"


def payouts_text(rows: Sequence[dict[str, str]]) -> str:
    """payouts.csv: every file's rows, ``source`` first; text that looks like a formula is escaped."""
    return csv_text(PAYOUT_SOURCE_COLUMNS, rows)


def findings(entry: dict[str, Any]) -> Iterator[dict[str, str]]:
    """One row per finding of an entry (problem, override, difference, plan edit, warning)."""
    base = {"file": entry["file"], "status": entry["status"]}
    for problem in entry.get("problems", []):
        yield {**base, "finding": "problem", "where": problem["where"], "message": problem["message"]}
    for override in entry.get("overrides", []):
        what = {"constant": "typed over with a constant", "blank": "cleared",
                "formula": "holds a different formula"}.get(override.get("kind", ""), "overridden")
        yield {**base, "finding": f"override {override.get('action', 'discarded')}", "where": override["where"],
               "message": override.get("message") or f"the formula cell {what}",
               "expected formula": override["formula"], "found": override["found"]}
    for difference in entry.get("differences", []):
        yield {**base, "finding": "difference", "where": difference["where"],
               "message": "the value saved in the upload is not the engine's", "cached value": difference["cached"],
               "engine value": difference["engine"]}
    for edit in entry.get("plan_edits", []):
        yield {**base, "finding": "plan edit", "where": edit["where"],
               "message": f"{edit['name']} changed from {edit['before'] or '(none)'} to {edit['after'] or '(none)'}; "
                          "the edited value was used"}
    for warning in entry.get("warnings", []):
        yield {**base, "finding": "warning", "where": warning["where"], "message": warning["message"]}
    if entry["status"] == STATUS_OK and not any(entry.get(key) for key in ("warnings", "plan_edits", "differences")):
        yield {**base, "finding": "ok", "where": "", "message": "every value saved in the upload equals the engine's"
               if entry.get("kind") == "xlcomp workbook" else "recalculated"}


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column ``width`` characters wide (an estimate)."""
    usable = max(int(width * 1.1) - 1, 8)
    return sum(max(1, -(-len(part) // usable)) for part in text.split("\n"))


def write_report_xlsx(entries: Sequence[dict[str, Any]], path: Path) -> None:
    """report.xlsx: a Files sheet (one row per upload) and a Findings sheet (one row per finding).

    Every text is written as a text cell (never as a formula), whatever it starts with.
    """
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                               "strings_to_numbers": False})
    try:
        header = workbook.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1,
                                      "valign": "top", "text_wrap": True})
        text = workbook.add_format({"valign": "top", "text_wrap": True})
        mono = workbook.add_format({"valign": "top", "font_name": "Consolas", "text_wrap": True})
        count = workbook.add_format({"valign": "top", "num_format": "#,##0"})
        amount = workbook.add_format({"valign": "top", "num_format": "#,##0.00"})
        status = {name: workbook.add_format({"valign": "top", "bold": True, "bg_color": bg, "font_color": fg,
                                             "border": 1, "border_color": "#BFBFBF"})
                  for name, (bg, fg) in _STATUS_COLOURS.items()}
        workbook.set_properties({"title": "xlcomp recalc report", "subject": "Batch recalculation of uploads"})

        files = workbook.add_worksheet("Files")
        widths = (34, 11, 17, 22, 10, 8, 16, 10, 10, 12, 11, 10, 30)
        for column, (name, width) in enumerate(zip(_FILE_COLUMNS, widths, strict=True)):
            files.write_string(0, column, name, header)
            files.set_column(column, column, width)
        for row, entry in enumerate(entries, start=1):
            files.write_string(row, 0, str(entry["file"]), text)
            files.write_string(row, 1, entry["status"], status.get(entry["status"], text))
            files.write_string(row, 2, str(entry.get("kind", "")), text)
            files.write_string(row, 3, str(entry.get("plan", "")), text)
            files.write_string(row, 4, str(entry.get("period", "")), text)
            files.write_number(row, 5, int(entry.get("csms") or 0), count)
            if entry.get("total"):
                files.write_number(row, 6, float(entry["total"]), amount)
            for column, key in enumerate(("problems", "overrides", "differences", "plan_edits", "warnings"), start=7):
                files.write_number(row, column, len(entry.get(key, [])), count)
            files.write_string(row, 12, str(entry.get("output", "")), text)
        files.freeze_panes(1, 1)
        files.autofilter(0, 0, max(len(entries), 1), len(_FILE_COLUMNS) - 1)
        totals = len(entries) + 2
        for offset, name in enumerate(STATUSES):
            files.write_string(totals + offset, 0, f"{name}", status[name])
            files.write_number(totals + offset, 1, sum(1 for e in entries if e["status"] == name), count)
            files.write_string(totals + offset, 2, STATUS_TEXT[name], text)

        _write_totals(workbook.add_worksheet("Totals"), entries, header, text, amount, status)

        sheet = workbook.add_worksheet("Findings")
        finding_widths = (30, 10, 11, 26, 60, 40, 24, 20, 20)
        for column, (name, width) in enumerate(zip(_FINDING_COLUMNS, finding_widths, strict=True)):
            sheet.write_string(0, column, name, header)
            sheet.set_column(column, column, width)
        row = 0
        for entry in entries:
            for finding in findings(entry):
                row += 1
                lines = 1
                for column, key in enumerate(_FINDING_COLUMNS):
                    value = str(finding.get(key, ""))
                    style = status.get(value, text) if key == "status" else (
                        mono if key in ("expected formula", "found") else text)
                    sheet.write_string(row, column, value, style)
                    lines = max(lines, _lines(value, finding_widths[column]))
                if lines > 1:  # wrapped text: spreadsheet programs do not grow the row on their own
                    sheet.set_row(row, 15 * min(lines, 12))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(row, 1), len(_FINDING_COLUMNS) - 1)
        for worksheet in workbook.worksheets():
            worksheet.set_landscape()
            worksheet.fit_to_pages(1, 0)
            worksheet.repeat_rows(0)
            worksheet.set_paper(9)
    finally:
        workbook.close()


def _write_totals(sheet: Any, entries: Sequence[dict[str, Any]], header: Any, text: Any, amount: Any,
                  status: dict[str, Any]) -> None:
    """Per CSM and upload: the three totals and the difference, the CSMs whose total changed first.

    The difference is the recomputed total (what is paid) less the one saved in the workbook, or,
    where the workbook saved none, less the one issued. Amounts are numbers (to add up or filter).
    """
    widths = (30, 14, 16, 14, 16, 18, 14, 9, 18)
    for column, (name, width) in enumerate(zip(_TOTAL_COLUMNS, widths, strict=True)):
        sheet.write_string(0, column, name, header)
        sheet.set_column(column, column, width)
    rows = [(entry, row) for entry in entries for row in entry.get("totals") or []]
    references = {id(entry): reference_of(entry.get("totals") or []) for entry in entries}
    changed = [_changed(row, references[id(entry)]) for entry, row in rows]
    moved = [(not changed[position], position) for position in range(len(rows))]
    order = [position for _, position in sorted(moved)]
    for line, position in enumerate(order, start=1):
        entry, row = rows[position]
        sheet.write_string(line, 0, str(entry["file"]), text)
        sheet.write_string(line, 1, entry["status"], status.get(entry["status"], text))
        sheet.write_string(line, 2, str(row["csm_id"]), text)
        for column, key in enumerate(("issued", "workbook", "engine"), start=3):
            if row[key] is not None:
                sheet.write_number(line, column, float(row[key]), amount)
        reference = row["workbook"] if row["workbook"] is not None else row["issued"]
        if reference is not None and row["engine"] is not None:
            sheet.write_number(line, 6, float(Decimal(row["engine"]) - Decimal(reference)), amount)
        sheet.write_string(line, 7, "yes" if changed[position] else "no", text)
        sheet.write_string(line, 8, "the workbook" if row["workbook"] is not None else
                           "the issued total" if row["issued"] is not None else "", text)
    sheet.freeze_panes(1, 3)
    sheet.autofilter(0, 0, max(len(rows), 1), len(_TOTAL_COLUMNS) - 1)


def _changed(row: dict[str, str | None], reference: str | None) -> bool:
    """The recomputed total is not the one issued, or not the one saved in the workbook."""
    return total_changed(row, reference) or (row["workbook"] is not None and row["workbook"] != row["engine"])
