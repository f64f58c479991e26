"""``xlcomp roi``, ``xlcomp quotas`` and ``xlcomp check`` with data, run as a user runs them."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import csv_file


def xlcomp(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "xlcomp", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=600)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def inputs(project: Path) -> list[str | Path]:
    return ["--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
            project / "accounts.csv", "--period", "2027-Q1"]


def test_roi_writes_the_spec_metrics_and_scenarios(roi_project, tmp_path):
    out = tmp_path / "out"
    done = xlcomp("roi", *inputs(roi_project), "--out", out)
    assert done.returncode == 0, done.stderr
    assert (out / "roi.csv").read_text() == (
        "metric,value\ngross_renewal_rate,0.685714\nnet_revenue_retention,0.976190\nlogo_churn_rate,0.200000\n"
        "base_cost,40000.00\nvariable_cost,15592.60\ncs_team_cost,66711.12\nsupport_team_cost,10000.00\n"
        "cs_magic_number,3.975956\nfte,1.500000\narr_per_csm,1400000.00\nvariable_share,0.220779\n"
        "cost_per_retained_dollar,0.051123\n")
    assert rows(out / "scenarios.csv") == [
        {"scenario": "0.8", "payout_total": "12251.85", "cs_team_cost": "62702.22", "cs_magic_number": "3.356156",
         "cost_per_retained_dollar": "0.050213"},
        {"scenario": "1", "payout_total": "15592.60", "cs_team_cost": "66711.12", "cs_magic_number": "3.975956",
         "cost_per_retained_dollar": "0.051123"},
        {"scenario": "1.2", "payout_total": "18794.44", "cs_team_cost": "70553.33", "cs_magic_number": "4.543574",
         "cost_per_retained_dollar": "0.051351"}]
    assert sorted(p.name for p in out.iterdir()) == ["roi.csv", "scenarios.csv"]
    assert "cs_magic_number" in done.stdout and "healthy above 5" in done.stdout


def test_roi_simulate_is_seeded_and_draws_its_charts(roi_project, tmp_path):
    args = ["roi", *inputs(roi_project), "--scenarios", "90%,110%", "--simulate", "400", "--seed", "5"]
    first = xlcomp(*args, "--out", tmp_path / "a")
    again = xlcomp(*args, "--out", tmp_path / "b")
    assert first.returncode == again.returncode == 0, first.stderr
    a, b = tmp_path / "a", tmp_path / "b"
    assert sorted(p.name for p in a.iterdir()) == ["cost-distribution.png", "curve-renewal.png", "curve-upsell.png",
                                                  "montecarlo.csv", "roi.csv", "scenarios.csv"]
    assert (a / "montecarlo.csv").read_text() == (b / "montecarlo.csv").read_text()
    table = rows(a / "montecarlo.csv")
    assert [r["metric"] for r in table] == ["variable_cost", "cs_team_cost", "cs_magic_number",
                                            "cost_per_retained_dollar"]
    assert table[0]["actual"] == "15592.60" and table[2]["actual"] == "3.975956"
    for row in table:
        assert float(row["p10"]) <= float(row["p50"]) <= float(row["p90"])
    assert [r["scenario"] for r in rows(a / "scenarios.csv")] == ["0.9", "1.1"]
    for png in a.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "Monte Carlo (lognormal, spread 0.15, correlation 0.3): 400 draws x 3 CSMs" in first.stdout


def test_roi_bootstrap_from_history(roi_project, tmp_path):
    calc = xlcomp("calc", *inputs(roi_project), "--out", tmp_path / "calc", "--no-workbook")
    assert calc.returncode == 0, calc.stderr
    done = xlcomp("roi", *inputs(roi_project), "--simulate", "300", "--history", tmp_path / "calc/payouts.csv",
                  "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    assert "Monte Carlo (bootstrap from 1 past period(s)): 300 draws x 3 CSMs" in done.stdout
    assert rows(tmp_path / "out/montecarlo.csv")[0]["metric"] == "variable_cost"


def test_roi_problems_and_usage(roi_project, tmp_path):
    out = tmp_path / "out"
    bad = roi_project / "accounts.csv"
    bad.write_text(bad.read_text().replace("A-3,CSM-2,Mid-Market,300000", "A-3,CSM-2,Mid-Market,3OO000"))
    done = xlcomp("roi", *inputs(roi_project), "--out", out, "--simulate", "10")
    assert done.returncode == 1
    assert 'accounts.csv:4 arr_start: "3OO000" is not a number' in done.stderr
    assert "Traceback" not in done.stderr and not out.exists()
    bad.write_text(bad.read_text().replace("3OO000", "300000"))
    assert xlcomp("roi", *inputs(roi_project), "--out", out, "--scenarios", "0.8,lots").returncode == 2
    history = xlcomp("roi", *inputs(roi_project), "--out", out, "--history", bad)
    assert history.returncode == 2 and "--simulate" in history.stderr
    wrong_history = xlcomp("roi", *inputs(roi_project), "--out", out, "--simulate", "5", "--history", bad)
    assert wrong_history.returncode == 1 and "accounts.csv:1: not a payouts.csv" in wrong_history.stderr
    assert not out.exists()


def test_quotas_then_calc_reads_them(tmp_path, spec_plan_text):
    csv_file(tmp_path / "roster.csv", "csm_id,name,segment,base_salary,target_variable,start_date,end_date",
             "Q-1,Ada Lovelace,Enterprise,150000,45000,2020-01-01,", "Q-2,Alan Turing,SMB,90000,20000,2027-02-15,")
    csv_file(tmp_path / "accounts.csv", "account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr,"
             "nps,upsell_potential",
             "E-1,Q-1,Enterprise,400000,100000,100000,30000,40,200000", "E-2,Q-1,,100000,100000,90000,0,,",
             "S-1,Q-2,SMB,300000,50000,50000,1000,10,")
    out = tmp_path / "quotas.csv"
    done = xlcomp("quotas", "--roster", tmp_path / "roster.csv", "--accounts", tmp_path / "accounts.csv",
                  "--period", "2027-Q1", "--out", out)
    assert done.returncode == 0, done.stderr
    quotas = rows(out)
    assert [(q["csm_id"], q["quota_renewal"], q["quota_upsell"], q["quota_cross_sell"]) for q in quotas] == [
        ("Q-1", "190000", "23000", "10000"),
        # renewal 50,000 x 0.88; upsell 0.2 x 300,000 x 0.3 / 4 x 0.5 = 2,250; cross 0.1 x ... = 1,125
        ("Q-2", "44000", "2250", "1125")]
    (tmp_path / "plan.yaml").write_text(spec_plan_text)
    calc = xlcomp("calc", "--plan", tmp_path / "plan.yaml", "--roster", out, "--accounts", tmp_path / "accounts.csv",
                  "--period", "2027-Q1", "--out", tmp_path / "calc", "--no-workbook")
    assert calc.returncode == 0, calc.stderr
    upsell = [r for r in rows(tmp_path / "calc/payouts.csv") if r["component"] == "upsell"]
    assert [r["target"] for r in upsell] == ["23000.00", "2250.00"]
    # 30,000 on a 23,000 quota: 23,000 x 5% + 7,000 x 8% = 1,710
    assert upsell[0]["payout"] == "1710.00"


def test_quotas_bad_input_exit_1(tmp_path):
    csv_file(tmp_path / "roster.csv", "csm_id,name,segment,base_salary,target_variable,start_date",
             "Q-1,Ada,Enterprise,150000,45000,2020-01-01")
    csv_file(tmp_path / "accounts.csv", "account_id,csm_id,arr_start,renewable_arr,renewed_arr,cross_sell_potential",
             "E-1,Q-9,1,1,1,x")
    done = xlcomp("quotas", "--roster", tmp_path / "roster.csv", "--accounts", tmp_path / "accounts.csv",
                  "--period", "2027-Q1", "--out", tmp_path / "q.csv")
    assert done.returncode == 1
    assert 'accounts.csv:2 csm_id: "Q-9" is not a CSM of the roster' in done.stderr
    assert not (tmp_path / "q.csv").exists()


def test_check_with_data_and_strict(roi_project):
    plan = roi_project / "plan.yaml"
    data = ["--roster", roi_project / "roster.csv", "--accounts", roi_project / "accounts.csv"]
    done = xlcomp("check", plan, *data, "--period", "2027-Q1")
    assert done.returncode == 0, done.stderr
    # variable share 40,000/160,000 = 25% and 20% and 20%: fine; the magic number 3.98 is not
    assert "the CS magic number is 3.98 for 2027-Q1" in done.stdout
    assert "(benchmark: CS magic number healthy above 5)" in done.stdout
    assert xlcomp("check", plan, *data, "--period", "2027-Q1", "--strict").returncode == 1
    without_period = xlcomp("check", plan, *data)
    assert without_period.returncode == 0 and "magic number" not in without_period.stdout
    assert xlcomp("check", plan, *data, "--strict").returncode == 0
    assert xlcomp("check", plan, "--period", "2027-Q1").returncode == 2
    wrong_period = xlcomp("check", plan, *data, "--period", "2027-03")
    assert wrong_period.returncode == 2 and "pays per quarter" in wrong_period.stderr
