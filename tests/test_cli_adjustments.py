"""Adjustments on the command line (SPEC section 8), run as a user runs it: real subprocesses.

The project (tests/conftest.py) pays CSM-1 11,016.31, CSM-2 and CSM-3 nothing. Adjustments: CSM-1
+1,200.505 (-> 1,200.51) and a 300 clawback written as finance writes it, "(300.00)"; CSM-2
"$1.234,50" read with --decimal-comma... (one run with it, one without).
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from tests.test_cli import rows, xlcomp

ADJUSTMENTS = ('csm_id,amount,reason,component,approved_by\n'
               'CSM-1,"1,200.505",Missed Q4 renewal credit,,Dana Ruiz\n'
               'CSM-1,(300.00),Clawback: churned account A-9,clawback,\n')


def _calc(project: Path, out: Path, *extra: str | Path):
    return xlcomp("calc", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out, *extra)


def test_calc_pays_each_adjustment_as_a_payout_line_and_in_the_totals(project: Path, tmp_path: Path) -> None:
    (project / "adjustments.csv").write_text(ADJUSTMENTS)
    out = tmp_path / "out"
    done = _calc(project, out, "--adjustments", project / "adjustments.csv")
    assert done.returncode == 0, done.stderr
    # 11,016.31 + 1,200.51 - 300.00
    assert "total USD 11,916.82" in done.stdout
    lines = [r for r in rows(out / "payouts.csv") if r["kind"] == "adjustment"]
    assert lines == [
        {"csm_id": "CSM-1", "component": "adjustment", "kind": "adjustment", "metric": "", "actual": "",
         "target": "", "attainment": "", "share": "", "target_incentive": "", "multiplier": "",
         "payout": "1200.51", "note": "Missed Q4 renewal credit; approved by Dana Ruiz"},
        {"csm_id": "CSM-1", "component": "clawback", "kind": "adjustment", "metric": "", "actual": "",
         "target": "", "attainment": "", "share": "", "target_incentive": "", "multiplier": "",
         "payout": "-300.00", "note": "Clawback: churned account A-9"},
    ]
    assert rows(out / "summary.csv")[0]["payout_total"] == "11916.82"
    workbook = openpyxl.load_workbook(out / "csm-fy27-ar-2027-Q1.xlsx" if (out / "csm-fy27-ar-2027-Q1.xlsx").exists()
                                      else next(out.glob("*.xlsx")))
    sheet = workbook["Adjustments"]
    assert [c.value for c in sheet[2]] == ["CSM-1", 1200.505, "Missed Q4 renewal credit", "adjustment", "Dana Ruiz"]


def test_decimal_comma_reads_european_amounts(project: Path, tmp_path: Path) -> None:
    (project / "adjustments.csv").write_text("csm_id,amount,reason\nCSM-2,\"1.234,50\",Spiff\n")
    plain = _calc(project, tmp_path / "plain", "--adjustments", project / "adjustments.csv", "--no-workbook")
    assert plain.returncode == 1
    assert "adjustments.csv:2 amount" in plain.stderr and "--decimal-comma" in plain.stderr
    done = _calc(project, tmp_path / "out", "--adjustments", project / "adjustments.csv", "--decimal-comma",
                 "--no-workbook")
    assert done.returncode == 0, done.stderr
    assert rows(tmp_path / "out" / "summary.csv")[1]["payout_total"] == "1234.50"


def test_bad_adjustment_rows_exit_1_at_their_place_and_write_nothing(project: Path, tmp_path: Path) -> None:
    (project / "adjustments.csv").write_text("csm_id,amount,reason\nCSM-9,10,Who?\nCSM-1,12k,Typo\nCSM-2,5,\n")
    out = tmp_path / "out"
    done = _calc(project, out, "--adjustments", project / "adjustments.csv")
    assert done.returncode == 1
    assert 'adjustments.csv:2 csm_id: "CSM-9" is not a CSM of the roster' in done.stderr
    assert "adjustments.csv:3 amount" in done.stderr and "12k" in done.stderr
    assert "adjustments.csv:4 reason: is blank" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not out.exists() or not any(out.iterdir())


def test_statements_show_each_adjustment_with_reason_and_approver(project: Path, tmp_path: Path) -> None:
    (project / "adjustments.csv").write_text(ADJUSTMENTS)
    out = tmp_path / "statements"
    done = xlcomp("statements", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out, "--no-pdf", "--csm", "CSM-1",
                  "--adjustments", project / "adjustments.csv")
    assert done.returncode == 0, done.stderr
    html = next(p for p in out.glob("*.html") if p.name != "index.html").read_text()
    assert "Missed Q4 renewal credit" in html and "approved by Dana Ruiz" in html
    assert "Clawback: churned account A-9" in html and "Adjustment (clawback)" in html
    assert 'data-field="adjustment.3.payout">1,200.51<' in html
    assert 'data-field="adjustment.4.payout">-300.00<' in html or "(300.00)" in html
    assert 'data-field="total">11,916.82<' in html


def test_recalc_pays_an_adjustment_typed_into_the_uploaded_workbook(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _calc(project, out).returncode == 0
    path = next(out.glob("*.xlsx"))
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Adjustments"]
    c0, first, _c1, _last = range_boundaries(sheet.tables["Adjustments"].ref)
    for offset, value in enumerate(("CSM-2", 250.255, "Typed in by finance", None, "CFO")):
        sheet.cell(first + 1, c0 + offset).value = value
    upload = tmp_path / "upload.xlsx"
    workbook.save(upload)
    done = xlcomp("recalc", upload, "--out", tmp_path / "inbox", "--workers", "1")
    assert done.returncode == 0, done.stderr + done.stdout
    report = json.loads((tmp_path / "inbox" / "report.json").read_text())
    entry = report[0] if isinstance(report, list) else report["files"][0]
    assert entry["total"] == "11266.57"  # 11,016.31 + 250.26
    lines = [r for r in rows(tmp_path / "inbox" / "payouts.csv") if r["kind"] == "adjustment"]
    assert [(r["csm_id"], r["payout"], r["note"]) for r in lines] == [
        ("CSM-2", "250.26", "Typed in by finance; approved by CFO")]


def test_verify_holds_for_a_statement_with_adjustments(project: Path, tmp_path: Path) -> None:
    (project / "adjustments.csv").write_text(ADJUSTMENTS)
    out = tmp_path / "statements"
    done = xlcomp("statements", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out, "--no-pdf", "--csm", "CSM-1",
                  "--adjustments", project / "adjustments.csv")
    assert done.returncode == 0, done.stderr
    statement = next(p for p in out.glob("*.html") if p.name != "index.html")
    verified = xlcomp("verify", statement)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    # the embedded adjustments are part of the input hash: editing one is caught
    html = statement.read_text()
    assert "Missed Q4 renewal credit" in html
    statement.write_text(html.replace('"1200.505"', '"2200.505"'))
    assert xlcomp("verify", statement).returncode == 1


def test_recalc_rejects_a_bad_adjustment_row_at_its_cell(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert _calc(project, out).returncode == 0
    workbook = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    sheet = workbook["Adjustments"]
    for offset, value in enumerate(("CSM-9", 10, None)):
        sheet.cell(2, 1 + offset).value = value
    upload = tmp_path / "upload.xlsx"
    workbook.save(upload)
    done = xlcomp("recalc", upload, "--out", tmp_path / "inbox", "--workers", "1")
    assert done.returncode == 1
    report = json.loads((tmp_path / "inbox" / "report.json").read_text())
    entry = report[0] if isinstance(report, list) else report["files"][0]
    problems = {p["where"]: p["message"] for p in entry["problems"]}
    assert "CSM-9" in problems["Adjustments!A2"]
    assert "blank" in problems["Adjustments!C2"]
