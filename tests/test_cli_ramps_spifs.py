"""Ramps, SPIFs and booked_on on calc, template and statements (SPEC section 10), run as a user runs them.

The figures are those of tests/workbook/test_ramps_spifs.py (worked there by hand): A 11,440.00, B 6,000.00,
C 6,187.78. In short: C was hired 2027-02-01 (0 whole months in post at 2027-01-01: ramp factor 0.25), so its
upsell quota is 40,000 x 0.25 = 10,000 and 21,000 of upsell pays 10,000 x 5% + 11,000 x 8% = 1,380.00; the
February SPIF pays 10% of the 20,000 C booked on 2027-02-10, 2,000, capped at 1,500.00; B (SMB) is not eligible.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from tests.conftest import write
from tests.test_cli import rows, xlcomp
from tests.workbook.conftest import RAMP_SPIF_PLAN

PLAN = RAMP_SPIF_PLAN.lstrip("\n")   # the plan tests/workbook/test_ramps_spifs.py works by hand
ROSTER = """csm_id,name,segment,base_salary,target_variable,start_date,quota_upsell
A,Ann,Enterprise,100000,40000,2020-01-01,100000
B,Bo,SMB,100000,40000,2026-11-15,100000
C,Cy,Mid-Market,100000,40000,2027-02-01,40000
"""
ACCOUNTS = """account_id,csm_id,arr_start,renewable_arr,renewed_arr,upsell_arr,cross_sell_arr,booked_on
a1,A,100000,10000,9000,10000,0,2027-02-01
a2,A,100000,10000,9000,4000,2000,2027-03-01
a3,A,100000,10000,9000,90000,0,
b1,B,100000,10000,9000,20000,5000,2027-02-05
c1,C,100000,10000,9000,20000,0,2027-02-10
c2,C,100000,10000,9000,1000,500,2027-03-31
"""


def _project(tmp_path: Path, plan: str = PLAN, accounts: str = ACCOUNTS) -> Path:
    write(tmp_path / "plan.yaml", plan)
    write(tmp_path / "roster.csv", ROSTER)
    write(tmp_path / "accounts.csv", accounts)
    return tmp_path


def _args(project: Path, *more: str | Path) -> list[str | Path]:
    return ["--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
            project / "accounts.csv", "--period", "2027-Q1", *more]


def test_calc_pays_the_ramped_hire_and_the_spifs_to_the_cent(tmp_path):
    project = _project(tmp_path)
    out = tmp_path / "out"
    done = xlcomp("calc", *_args(project, "--out", out))
    assert done.returncode == 0, done.stderr
    summary = {row["csm_id"]: row["payout_total"] for row in rows(out / "summary.csv")}
    assert summary == {"A": "11440.00", "B": "6000.00", "C": "6187.78"}
    payouts = {(r["csm_id"], r["component"]): r for r in rows(out / "payouts.csv")}
    assert payouts[("C", "upsell")]["target"] == "10000.00" and payouts[("C", "upsell")]["payout"] == "1380.00"
    assert payouts[("C", "feb_spif")]["payout"] == "1500.00"
    assert payouts[("B", "feb_spif")]["payout"] == "0.00"
    assert payouts[("B", "feb_spif")]["note"] == 'SPIF for Enterprise, Mid-Market only: segment "SMB" is not ' \
                                                 "eligible; pays 0"
    assert ("plan.yaml:30 components[3].window: 2027-03-01 to 2027-04-15 is partly outside 2027-Q1: only "
            "2027-03-01 to 2027-03-31 counts") in done.stderr
    workbook = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert [c.value for c in workbook["Accounts"][1]][-1] == "booked_on"


def test_statements_show_the_ramp_and_the_spif_window_and_verify(tmp_path):
    project = _project(tmp_path)
    out = tmp_path / "statements"
    done = xlcomp("statements", *_args(project, "--out", out, "--no-pdf"))
    assert done.returncode == 0, done.stderr
    page = (out / "C-2027-Q1.html").read_text(encoding="utf-8")
    # the upsell quota: 40,000 x 25% = 10,000
    assert "10,000.00 (your quota upsell on the roster) — ramped: 25% of the plan (0 whole months in post at the " \
           "period start)" in page
    assert "pays on accounts booked 1 Feb 2027 – 14 Feb 2027, for Enterprise, Mid-Market only" in page
    b_page = (out / "B-2027-Q1.html").read_text(encoding="utf-8")
    assert "your segment is not eligible for this SPIF" in b_page
    checked = xlcomp("verify", out / "C-2027-Q1.html")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_template_of_a_spif_plan_has_the_booked_on_column_and_the_ramp_table(tmp_path):
    project = _project(tmp_path)
    target = tmp_path / "t.xlsx"
    done = xlcomp("template", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--period",
                  "2027-Q1", "--out", target)
    assert done.returncode == 0, done.stderr
    workbook = openpyxl.load_workbook(target)
    assert [c.value for c in workbook["Accounts"][1]][-1] == "booked_on"
    assert "Ramp" in workbook["Plan"].tables


def test_bad_ramps_windows_and_missing_booked_on_exit_1_and_write_nothing(tmp_path):
    unsorted = PLAN.replace("ramp: [{months: 1, factor: 0.25}, {months: 2, factor: 0.5}, {months: 3, factor: 0.75}]",
                            "ramp: [{months: 2, factor: 0.5}, {months: 1, factor: 0.25}]")
    cases = [
        (unsorted, ACCOUNTS, "2027-Q1", "plan.yaml:5 ramp[1].months: 1 is not above the previous step's months 2"),
        (PLAN, ACCOUNTS, "2027-Q3", "plan.yaml:23 components[2].window: 2027-02-01 to 2027-02-14 is outside "
                                    "2027-Q3"),
        (PLAN, ACCOUNTS.replace(",booked_on", "").replace(",2027-02-01\n", "\n").replace(",2027-03-01\n", "\n")
         .replace(",2027-02-05\n", "\n").replace(",2027-02-10\n", "\n").replace(",2027-03-31\n", "\n")
         .replace(",0,\n", ",0\n"), "2027-Q1", 'accounts.csv:1: the required column "booked_on" is missing'),
        (PLAN, ACCOUNTS.replace("2027-02-10", "10/02/2027"), "2027-Q1",
         'accounts.csv:6 booked_on: "10/02/2027" is not a date (use YYYY-MM-DD)'),
    ]
    for index, (plan, accounts, period, message) in enumerate(cases):
        project = _project(tmp_path / f"case{index}", plan, accounts)
        out = project / "out"
        done = xlcomp("calc", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                      project / "accounts.csv", "--period", period, "--out", out)
        assert done.returncode == 1, (index, done.stderr)
        assert message in done.stderr, (index, done.stderr)
        assert "Traceback" not in done.stderr
        assert not out.exists()


def test_recalc_reads_booked_on_back_from_an_upload(tmp_path):
    import datetime as dt

    project = _project(tmp_path)
    out = tmp_path / "out"
    assert xlcomp("calc", *_args(project, "--out", out)).returncode == 0
    workbook = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    sheet = workbook["Accounts"]
    column = [c.value for c in sheet[1]].index("booked_on") + 1
    sheet.cell(2, column).value = dt.datetime(2027, 2, 20)  # a1 leaves the Feb 1-14 window
    workbook.save(tmp_path / "upload.xlsx")
    done = xlcomp("recalc", tmp_path / "upload.xlsx", "--out", tmp_path / "recalc")
    assert done.returncode == 0, done.stderr
    [report] = json.loads((tmp_path / "recalc" / "report.json").read_text(encoding="utf-8"))
    totals = {t["csm_id"]: t["engine"] for t in report["totals"]}
    # A loses the SPIF's 10,000 x 10% = 1,000.00: 11,440.00 - 1,000.00
    assert totals == {"A": "10440.00", "B": "6000.00", "C": "6187.78"}
    assert report["status"] == "inputs_changed"
    # the SPIF window partly outside the quarter is said in the report too
    assert any("partly outside 2027-Q1" in w["message"] for w in report["warnings"])


def test_a_spif_with_account_moves_credits_the_owner_on_the_booked_day(tmp_path):
    project = _project(tmp_path)
    # c1 (C, 20,000 upsell, booked 2027-02-10) moves to A on its booked day: its amounts are A's
    write(tmp_path / "moves.csv", "account_id,to_csm,effective\nc1,A,2027-02-10\n")
    out = tmp_path / "out"
    done = xlcomp("calc", *_args(project, "--moves", tmp_path / "moves.csv", "--out", out))
    assert done.returncode == 0, done.stderr
    payouts = {(r["csm_id"], r["component"]): r["payout"] for r in rows(out / "payouts.csv")}
    # A: feb_spif a1 10,000 + c1 20,000 = 30,000 x 10% = 3,000, capped at 1,500.00; upsell 104,000 + 20,000 =
    # 124,000 on 100,000: 5,000 + 24,000 x 8% = 6,920.00. C: feb_spif 0.00; upsell 1,000 on 10,000 x 5% = 50.00
    assert (payouts[("A", "feb_spif")], payouts[("A", "upsell")]) == ("1500.00", "6920.00")
    assert (payouts[("C", "feb_spif")], payouts[("C", "upsell")]) == ("0.00", "50.00")
    summary = {row["csm_id"]: row["payout_total"] for row in rows(out / "summary.csv")}
    # A 11,440 + 500 + 1,600 = 13,540.00; C 6,187.78 - 1,500 - 1,330 = 3,357.78; B unchanged
    assert summary == {"A": "13540.00", "B": "6000.00", "C": "3357.78"}
    # the workbook (its Credit table has booked_on; the SPIF line adds the Credit rows booked in the window)
    # reads back unchanged
    done = xlcomp("recalc", next(out.glob("*.xlsx")), "--out", tmp_path / "recalc")
    assert done.returncode == 0, done.stderr
    [report] = json.loads((tmp_path / "recalc" / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "ok"
    assert {t["csm_id"]: t["engine"] for t in report["totals"]} == summary
