"""The batch reports: report.json as a list of entries, report.xlsx with one row per finding (texts
kept as texts, formatted for people), payouts.csv with its source column and escaped text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import openpyxl

from xlcomp.recalc.report import (
    PAYOUT_SOURCE_COLUMNS,
    findings,
    payouts_text,
    report_json_text,
    write_report_xlsx,
)

ENTRIES: list[dict[str, Any]] = [
    {"file": "=cmd|' /C calc'!A0.xlsx", "output": "x.xlsx", "sha256": "ab", "status": "changed",
     "kind": "xlcomp workbook", "plan": "p", "period": "2027-Q1", "csms": 2, "total": "8313.05",
     "problems": [], "warnings": [{"where": "", "message": "xl/vbaProject.bin: macros were not run"}],
     "plan_edits": [{"where": "Plan!B25", "name": "renewal_weight", "before": "0.6", "after": "0.7"}],
     "overrides": [{"where": "CSM-A Ava Okafor!B59", "formula": "=ROUND($B$57*$B$58,2)", "found": "9999.99",
                    "kind": "constant"}],
     "differences": [{"where": "Summary!K5", "cached": "16913.04", "engine": "8313.05"}]},
    {"file": "empty.xlsx", "output": "", "sha256": "", "status": "rejected", "kind": "", "plan": "", "period": "",
     "csms": 0, "total": "", "problems": [{"where": "", "message": "the file is empty (0 bytes)"}], "warnings": [],
     "plan_edits": [], "overrides": [], "differences": []},
    {"file": "fine.xlsx", "output": "fine.xlsx", "sha256": "cd", "status": "ok", "kind": "xlcomp workbook",
     "plan": "p", "period": "2027-Q1", "csms": 2, "total": "8313.05", "problems": [], "warnings": [],
     "plan_edits": [], "overrides": [], "differences": []},
]


def test_findings_one_per_row() -> None:
    kinds = [f["finding"] for entry in ENTRIES for f in findings(entry)]
    assert kinds == ["override", "difference", "plan edit", "warning", "problem", "ok"]
    [override] = [f for f in findings(ENTRIES[0]) if f["finding"] == "override"]
    assert override["expected formula"] == "=ROUND($B$57*$B$58,2)" and override["found"] == "9999.99"
    assert override["message"] == "the formula cell typed over with a constant"


def test_report_json_is_a_list_of_the_entries() -> None:
    assert json.loads(report_json_text(ENTRIES)) == ENTRIES


def test_report_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    write_report_xlsx(ENTRIES, path)
    book = openpyxl.load_workbook(path)
    files, sheet = book["Files"], book["Findings"]
    assert files.freeze_panes == "B2" and sheet.freeze_panes == "A2"
    assert files.auto_filter.ref == "A1:M4" and sheet.auto_filter.ref == "A1:I7"
    assert [c.value for c in files[1]][:3] == ["file", "status", "kind"]
    # texts that look like formulas are texts, never formulas
    assert files["A2"].value == "=cmd|' /C calc'!A0.xlsx" and files["A2"].data_type == "s"
    override = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "override")
    assert override[5].value == "=ROUND($B$57*$B$58,2)" and override[5].data_type == "s"
    # statuses stand out: green, amber, red
    fills = {files.cell(row, 2).value: files.cell(row, 2).fill.fgColor.rgb for row in range(2, 5)}
    assert fills == {"changed": "FFFFF2CC", "rejected": "FFFBE2D5", "ok": "FFE2EFDA"}
    assert files["G2"].value == 8313.05 and files["G2"].number_format == "#,##0.00"
    # counts per status under the table
    counts = {files.cell(row, 1).value: files.cell(row, 2).value for row in range(6, 9)}
    assert counts == {"ok": 1, "changed": 1, "rejected": 1}


def test_payouts_csv_escapes_formula_text() -> None:
    rows = [{"source": "'=evil.xlsx", "csm_id": "CSM-A", "component": "renewal", "payout": "1.00",
             "note": "'-10% clawback"}]
    text = payouts_text(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == PAYOUT_SOURCE_COLUMNS
    assert parsed[0]["source"] == "'=evil.xlsx" and parsed[0]["note"] == "'-10% clawback"
    unescaped = payouts_text([{"source": "@SUM(A1)", "csm_id": "+1"}])
    [row] = list(csv.DictReader(io.StringIO(unescaped)))
    assert row["source"] == "'@SUM(A1)" and row["csm_id"] == "'+1"
