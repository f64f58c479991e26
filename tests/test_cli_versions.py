"""Plan versions on calc, statements and template (SPEC section 10), run as a user runs them.

The figures are those of tests/engine/test_versions.py, worked there by hand: v1 pays 2027-01-01 to 2027-02-14
(45 days), v2 (effective 2027-02-15) the other 45 days of 2027-Q1. A: renewal 40,000 x 1 x 45/360 = 5,000.00
and 40,000 x 0.8 x 45/360 = 4,000.00; upsell 29,000 x 5% = 1,450.00 and, on 69,000 against 90,000 x 45/90 =
45,000, 2,700 + 2,400 = 5,100.00: 15,550.00. B (hired Feb 1): 1,400.00 + 3,600.00 + 500.00 + 0.00 = 5,500.00.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

from tests.conftest import write
from tests.engine.test_versions import V1, V2
from tests.test_cli import rows, xlcomp
from xlcomp.workbook import layout
from xlcomp.workbook.sheets.summary import FIRST_ROW

ROSTER = """csm_id,name,segment,base_salary,target_variable,start_date
A,Ann,SMB,100000,40000,2020-01-01
B,Bo,SMB,100000,36000,2027-02-01
"""
ACCOUNTS = """account_id,csm_id,arr_start,renewable_arr,renewed_arr,upsell_arr,booked_on
a1,A,100000,10000,9000,20000,2027-01-20
a2,A,100000,10000,9000,60000,2027-03-01
a3,A,100000,10000,9000,18000,
b1,B,100000,10000,9000,10000,2027-02-14
"""


def _project(tmp_path: Path) -> Path:
    write(tmp_path / "plans" / "v1.yaml", V1)
    write(tmp_path / "plans" / "v2.yaml", V2)
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "accounts.csv", ACCOUNTS)
    return tmp_path


def _inputs(project: Path) -> list[str | Path]:
    return ["--roster", project / "roster.csv", "--accounts", project / "accounts.csv", "--period", "2027-Q1"]


def test_calc_with_two_plans_pays_one_line_per_part(tmp_path):
    project = _project(tmp_path)
    out = tmp_path / "out"
    done = xlcomp("calc", "--plan", project / "plans" / "v2.yaml", "--plan", project / "plans" / "v1.yaml",
                  *_inputs(project), "--out", out, "--no-workbook")
    assert done.returncode == 0, done.stderr
    payouts = {(r["csm_id"], r["component"]): r for r in rows(out / "payouts.csv")}
    assert [key[1] for key in payouts if key[0] == "A"] == [
        "renewal@2027-01-01", "upsell@2027-01-01", "renewal@2027-02-15", "upsell@2027-02-15"]
    assert payouts[("A", "upsell@2027-02-15")]["target"] == "45000.00"
    assert payouts[("A", "upsell@2027-02-15")]["payout"] == "5100.00"
    assert payouts[("A", "renewal@2027-02-15")]["note"] == ("v2.yaml (effective 2027-02-15) pays 2027-02-15 to "
                                                             "2027-03-31 (45 days)")
    summary = {r["csm_id"]: r["payout_total"] for r in rows(out / "summary.csv")}
    assert summary == {"A": "15550.00", "B": "5500.00"}


def test_a_folder_of_versions_has_its_workbook_and_recalc_reads_it_back(tmp_path):
    project = _project(tmp_path)
    out = tmp_path / "out"
    done = xlcomp("calc", "--plan", project / "plans", *_inputs(project), "--out", out)
    assert done.returncode == 0, done.stderr
    book = out / "versioned-2027-Q1.xlsx"
    workbook = openpyxl.load_workbook(book, data_only=True)
    summary = workbook[layout.SHEET_SUMMARY]
    header = [c.value for c in summary[FIRST_ROW]]
    totals = {row[0]: row[header.index("total_payout")]
              for row in summary.iter_rows(min_row=FIRST_ROW + 1, values_only=True) if row[0] in ("A", "B")}
    assert totals == {"A": 15550, "B": 5500}   # the engine's figures, cached (LibreOffice: tests/workbook)
    assert "upsell_at_20270215_part_first" in workbook.defined_names
    # recalc reads each plan version back from the workbook (tests/recalc/test_version_uploads.py): untouched, ok
    done = xlcomp("recalc", book, "--out", tmp_path / "recalc")
    assert done.returncode == 0, done.stderr
    report = openpyxl.load_workbook(tmp_path / "recalc" / "report.xlsx", read_only=True)
    texts = " ".join(" ".join(str(v).split()) for sheet in report.worksheets
                     for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    assert "versioned-2027-Q1.xlsx ok A 15550 15550 15550 0 no" in texts   # issued, workbook, recomputed, difference
    assert "versioned-2027-Q1.xlsx ok B 5500 5500 5500 0 no" in texts
    # the template of a split period has both parts' blocks, every actual blank
    target = tmp_path / "t.xlsx"
    done = xlcomp("template", "--plan", project / "plans", "--roster", project / "roster.csv", "--period", "2027-Q1",
                  "--out", target)
    assert done.returncode == 0, done.stderr
    assert "renewal_at_20270101_weight" in openpyxl.load_workbook(target).defined_names
    # a period one version pays whole has its workbook as always
    done = xlcomp("template", "--plan", project / "plans", "--roster", project / "roster.csv", "--period", "2027-Q2",
                  "--out", tmp_path / "q2.xlsx")
    assert done.returncode == 0, done.stderr
    assert "renewal_weight" in openpyxl.load_workbook(tmp_path / "q2.xlsx").defined_names


def test_statements_show_both_parts_and_verify(tmp_path):
    project = _project(tmp_path)
    out = tmp_path / "statements"
    done = xlcomp("statements", "--plan", project / "plans", *_inputs(project), "--out", out, "--no-pdf")
    assert done.returncode == 0, done.stderr
    page = (out / "B-2027-Q1.html").read_text(encoding="utf-8")
    assert "v1.yaml: pays 1 Jan 2027 – 14 Feb 2027 (45 days; 14 employed)" in page
    assert "v2.yaml, effective 15 Feb 2027: pays 15 Feb 2027 – 31 Mar 2027 (45 days; 45 employed)" in page
    assert "36,000.00 a year × 100% × ¼ × 14/90 days = 1,400.00" in page
    checked = xlcomp("verify", out / "A-2027-Q1.html", out / "B-2027-Q1.html")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the first version's embedded text edited (renewal weight 1 -> 0.5): its own hash no longer holds, and the
    # first part's renewal is recomputed 40,000 x 0.5 x 45 / 360 = 2,500.00 (issued 5,000.00)
    text = (out / "A-2027-Q1.html").read_text(encoding="utf-8")
    assert text.count("weight: 1, target: 0.9") == 1
    (tmp_path / "A-edited.html").write_text(text.replace("weight: 1, target: 0.9", "weight: 0.5, target: 0.9"),
                                            encoding="utf-8")
    from xlcomp.statements.verify import verify_statement

    outcome = verify_statement(tmp_path / "A-edited.html")
    what = [d.what for d in outcome.differences]
    assert "embedded plan version v1.yaml (edited after issue: its hash changed)" in what
    assert "embedded plan version v2.yaml (edited after issue: its hash changed)" not in what
    assert any('"5,000.00"; recomputed: "2,500.00"' in str(d) for d in outcome.differences), what


def test_versions_that_do_not_belong_together_exit_1(tmp_path):
    project = _project(tmp_path)
    write(project / "plans" / "v3.yaml", V1.replace("id: versioned", "id: other"))
    done = xlcomp("calc", "--plan", project / "plans", *_inputs(project), "--out", tmp_path / "out",
                  "--no-workbook")
    assert done.returncode == 1
    assert 'v3.yaml id: "other" is not "versioned" (in v1.yaml): plan versions share one id' in done.stderr
    assert "v3.yaml effective: is required: v1.yaml has no effective date either" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
