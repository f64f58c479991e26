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
    {"file": "=cmd|' /C calc'!A0.xlsx", "output": "x.xlsx", "sha256": "ab", "status": "overridden",
     "kind": "xlcomp workbook", "plan": "p", "period": "2027-Q1", "csms": 2, "total": "8313.05",
     "totals": [{"csm_id": "CSM-A", "issued": "8313.05", "workbook": "16913.04", "engine": "8313.05"},
                {"csm_id": "CSM-B", "issued": "0.00", "workbook": "0.00", "engine": "0.00"}],
     "problems": [], "warnings": [{"where": "", "message": "xl/vbaProject.bin: macros were not run"}],
     "plan_edits": [{"where": "Plan!B25", "name": "renewal_weight", "before": "0.6", "after": "0.7"}],
     "overrides": [{"where": "CSM-A Ava Okafor!B59", "formula": "=ROUND($B$57*$B$58,2)", "found": "9999.99",
                    "kind": "constant", "action": "discarded",
                    "message": "the value USD 9,999.99 typed over this formula cell is not paid"}],
     "differences": [{"where": "Summary!K5", "cached": "16913.04", "engine": "8313.05"}]},
    {"file": "empty.xlsx", "output": "", "sha256": "", "status": "rejected", "kind": "", "plan": "", "period": "",
     "csms": 0, "total": "", "problems": [{"where": "", "message": "the file is empty (0 bytes)"}], "warnings": [],
     "plan_edits": [], "overrides": [], "differences": []},
    {"file": "fine.xlsx", "output": "fine.xlsx", "sha256": "cd", "status": "ok", "kind": "xlcomp workbook",
     "plan": "p", "period": "2027-Q1", "csms": 2, "total": "8313.05",
     "totals": [{"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8313.05", "engine": "8313.05"},
                {"csm_id": "CSM-B", "issued": "0.00", "workbook": None, "engine": "0.00"}],
     "problems": [], "warnings": [],
     "plan_edits": [], "overrides": [], "differences": []},
]


def test_findings_one_per_row() -> None:
    kinds = [f["finding"] for entry in ENTRIES for f in findings(entry)]
    assert kinds == ["override discarded", "difference", "plan edit", "warning", "problem", "ok"]
    [override] = [f for f in findings(ENTRIES[0]) if f["finding"] == "override discarded"]
    assert override["expected formula"] == "=ROUND($B$57*$B$58,2)" and override["found"] == "9999.99"
    assert override["message"] == "the value USD 9,999.99 typed over this formula cell is not paid"


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
    override = next(row for row in sheet.iter_rows(min_row=2) if row[2].value == "override discarded")
    assert override[5].value == "=ROUND($B$57*$B$58,2)" and override[5].data_type == "s"
    # statuses stand out: green, amber, red
    fills = {files.cell(row, 2).value: files.cell(row, 2).fill.fgColor.rgb for row in range(2, 5)}
    assert fills == {"overridden": "FFFFF2CC", "rejected": "FFFBE2D5", "ok": "FFE2EFDA"}
    assert files["G2"].value == 8313.05 and files["G2"].number_format == "#,##0.00"
    # counts per status under the table
    counts = {files.cell(row, 1).value: files.cell(row, 2).value for row in range(6, 10)}
    assert counts == {"ok": 1, "inputs_changed": 0, "overridden": 1, "rejected": 1}
    assert files["C7"].value.startswith("inputs were edited")
    # per CSM: the three totals and the difference, the CSMs whose total changed first
    totals = book["Totals"]
    assert [c.value for c in totals[1]] == ["file", "status", "csm_id", "issued", "in the workbook",
                                            "recomputed (paid)", "difference", "changed", "compared with"]
    rows = [[c.value for c in row] for row in totals.iter_rows(min_row=2)]
    assert rows == [
        ["=cmd|' /C calc'!A0.xlsx", "overridden", "CSM-A", 8313.05, 16913.04, 8313.05, -8599.99, "yes", "the workbook"],
        ["=cmd|' /C calc'!A0.xlsx", "overridden", "CSM-B", 0, 0, 0, 0, "no", "the workbook"],
        ["fine.xlsx", "ok", "CSM-A", 8313.05, 8313.05, 8313.05, 0, "no", "the workbook"],
        ["fine.xlsx", "ok", "CSM-B", 0, None, 0, 0, "no", "the issued total"]]
    assert totals["A2"].data_type == "s" and totals.auto_filter.ref == "A1:I5"


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
