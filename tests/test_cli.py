"""The command line, run as a user runs it: real subprocesses, exit codes, files on disk."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write


def xlcomp(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "xlcomp", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_calc_writes_the_spec_csvs(project, tmp_path):
    out = tmp_path / "out"
    done = xlcomp("calc", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out, "--no-workbook")
    assert done.returncode == 0, done.stderr
    payouts = rows(out / "payouts.csv")
    assert list(payouts[0]) == ["csm_id", "component", "kind", "metric", "actual", "target", "attainment", "share",
                                "target_incentive", "multiplier", "payout", "note"]
    assert payouts[0] == {"csm_id": "CSM-1", "component": "renewal", "kind": "bonus", "metric": "gross_renewal_rate",
                          "actual": "0.950000", "target": "0.920000", "attainment": "1.032609", "share": "1.097827",
                          "target_incentive": "6000.00", "multiplier": "1.05", "payout": "6916.31",
                          "note": "multiplier nps 40 >= 30: x1.05"}
    assert payouts[1]["payout"] == "4100.00" and payouts[1]["actual"] == "70000.00"
    summary = rows(out / "summary.csv")
    assert summary[0] == {"csm_id": "CSM-1", "name": "Ada Lovelace", "base_salary": "160000.00",
                          "target_variable": "40000.00", "proration": "1.000000", "payout_total": "11016.31"}
    assert [s["proration"] for s in summary] == ["1.000000", "0.500000", "0.344444"]
    # inputs.json: the inputs' paths and hashes, so xlcomp diff can recompute each step
    assert sorted(p.name for p in out.iterdir()) == ["inputs.json", "payouts.csv", "summary.csv"]
    recorded = json.loads((out / "inputs.json").read_text(encoding="utf-8"))["files"]
    assert {name: entry["sha256"] for name, entry in recorded.items()} == {
        name: hashlib.sha256((project / f"{name}.{'yaml' if name == 'plan' else 'csv'}").read_bytes()).hexdigest()
        for name in ("plan", "roster", "accounts")}   # the roster and accounts hashed while they loaded


def test_bad_inputs_exit_1_name_every_place_and_write_nothing(project, tmp_path):
    roster = project / "roster.csv"
    roster.write_text(roster.read_text().replace("160000", "12k").replace("2027-02-15", "Feb 15"))
    out = tmp_path / "out"
    done = xlcomp("calc", "--plan", project / "plan.yaml", "--roster", roster, "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", out)
    assert done.returncode == 1
    assert 'roster.csv:2 base_salary: "12k" is not a number' in done.stderr
    assert 'roster.csv:3 start_date: "Feb 15" is not a date' in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not out.exists() or not any(out.iterdir())


def test_bad_plan_exit_1_with_line_and_field(project, tmp_path):
    plan = project / "plan.yaml"
    plan.write_text(plan.read_text().replace("weight: 0.6", "weight: 1.4"))
    done = xlcomp("calc", "--plan", plan, "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "2027-Q1", "--out", tmp_path / "out")
    assert done.returncode == 1
    assert "plan.yaml:12 components[0].weight: 1.4 is above 1" in done.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors_exit_2(project, tmp_path):
    done = xlcomp("calc", "--plan", project / "plan.yaml", "--period", "2027-Q1")
    assert done.returncode == 2 and "Missing option" in done.stderr
    done = xlcomp("calc", "--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--accounts",
                  project / "accounts.csv", "--period", "Q1 2027", "--out", tmp_path / "o")
    assert done.returncode == 2 and 'period "Q1 2027" is not one of' in done.stderr
    done = xlcomp("frobnicate")
    assert done.returncode == 2


def test_debug_shows_the_traceback_only_when_asked(project, tmp_path):
    args = ["calc", "--plan", project / "missing.yaml", "--roster", project / "roster.csv", "--accounts",
            project / "accounts.csv", "--period", "2027-Q1", "--out", tmp_path / "o"]
    quiet = xlcomp(*args)
    assert quiet.returncode == 1 and "missing.yaml: file not found" in quiet.stderr
    assert "Traceback" not in quiet.stderr
    loud = xlcomp(*args, "--debug")
    assert loud.returncode == 1 and "Traceback" in loud.stderr


def test_check_reports_design_warnings_and_strict_fails(tmp_path, spec_plan_text):
    plan = write(tmp_path / "plan.yaml", spec_plan_text.replace("weight: 0.6", "weight: 0.5")
                 .replace("threshold: 0.85", "threshold: 1.05").replace("    cap: 1.5\n", ""))
    done = xlcomp("check", plan)
    assert done.returncode == 0, done.stderr
    assert "is a valid plan" in done.stdout
    assert "bonus weights sum to 0.5, not 1" in done.stdout
    assert "threshold 1.05 is above target" in done.stdout
    assert "a tier pays 3x with no cap" in done.stdout
    assert xlcomp("check", plan, "--strict").returncode == 1
    assert xlcomp("check", write(tmp_path / "ok.yaml", spec_plan_text)).returncode == 0


def test_sample_is_seeded_and_realistic(tmp_path):
    first = xlcomp("sample", "--csms", "12", "--accounts", "300", "--seed", "3", "--out", tmp_path / "a")
    again = xlcomp("sample", "--csms", "12", "--accounts", "300", "--seed", "3", "--out", tmp_path / "b")
    assert first.returncode == again.returncode == 0
    assert (tmp_path / "a/accounts.csv").read_bytes() == (tmp_path / "b/accounts.csv").read_bytes()
    roster = rows(tmp_path / "a/roster.csv")
    accounts = rows(tmp_path / "a/accounts.csv")
    assert len(roster) == 12 and len(accounts) == 300
    assert {r["segment"] for r in roster} == {"Enterprise", "Mid-Market", "SMB", "Startup"}
    by_segment: dict[str, list[float]] = {}
    for account in accounts:
        by_segment.setdefault(account["segment"], []).append(float(account["arr_start"]))
    mean = {s: sum(v) / len(v) for s, v in by_segment.items()}
    assert mean["Enterprise"] > mean["Mid-Market"] > mean["SMB"]  # few large accounts vs pooled small ones


@pytest.mark.parametrize("period", ["2027-Q1"])
def test_demo_then_calc_on_its_data(tmp_path, period):
    demo = xlcomp("demo", "--out", tmp_path / "demo", "--period", period, "--no-statements")
    assert demo.returncode == 0, demo.stderr
    folders = sorted(p.name for p in (tmp_path / "demo").iterdir() if p.is_dir())
    assert folders == ["assignment", "csm-fy27-adoption", "csm-fy27-ar", "csm-fy27-full", "csm-fy27-mbo",
                       "csm-fy27-ps", "csm-fy27-retention", "plans"]
    assert len(rows(tmp_path / "demo/roster.csv")) == 40
    assert len(rows(tmp_path / "demo/accounts.csv")) == 2000
    out = tmp_path / "calc"
    done = xlcomp("calc", "--plan", tmp_path / "demo/plans/full_service.yaml", "--roster",
                  tmp_path / "demo/roster.csv", "--accounts", tmp_path / "demo/accounts.csv", "--period", period,
                  "--out", out, "--no-workbook")
    assert done.returncode == 0, done.stderr
    assert (out / "payouts.csv").read_text() == (tmp_path / "demo/csm-fy27-full/payouts.csv").read_text()
    assert len(rows(out / "summary.csv")) == 40
