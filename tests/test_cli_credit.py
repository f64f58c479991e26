"""``--moves`` and ``--splits`` on calc, statements and template (SPEC section 10), run as a user runs them.

The plan and book are tests/engine/test_credit.py's: 10% commission on renewed ARR, a bonus on the
arr_start-weighted health score. a1 (A's, 90,000 renewed) moves to B on 2027-01-31, day 31 of 90:
A is credited 90,000 x 30/90 = 30,000 (plus a2's 50,000: 80,000 -> 8,000.00), B 60,000 -> 6,000.00.
s1 (C's, 100,000) split 60/40: A +60,000, B +40,000, C nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from tests.engine.test_credit import ACCOUNTS, PLAN, ROSTER
from tests.test_cli import rows, xlcomp


def _project(folder: Path) -> Path:
    folder.mkdir()
    (folder / "plan.yaml").write_text(PLAN)
    ROSTER.to_csv(folder / "roster.csv", index=False)
    ACCOUNTS.to_csv(folder / "accounts.csv", index=False)
    (folder / "moves.csv").write_text("account_id,to_csm,effective\na1,B,2027-01-31\na2,C,2027-05-01\n")
    (folder / "splits.csv").write_text("account_id,csm_id,share\ns1,A,0.6\ns1,B,0.4\n")
    return folder


def _inputs(project: Path) -> list[str | Path]:
    return ["--plan", project / "plan.yaml", "--roster", project / "roster.csv", "--period", "2027-Q1"]


def _payouts(out: Path) -> dict[tuple[str, str], str]:
    return {(r["csm_id"], r["component"]): r["payout"] for r in rows(out / "payouts.csv")}


def test_calc_credits_a_moved_and_a_split_account_and_records_its_inputs(tmp_path):
    project = _project(tmp_path / "p")
    out = tmp_path / "out"
    done = xlcomp("calc", *_inputs(project), "--accounts", project / "accounts.csv", "--out", out, "--no-workbook",
                  "--moves", project / "moves.csv", "--splits", project / "splits.csv")
    assert done.returncode == 0, done.stderr
    payouts = _payouts(out)
    # A: 30,000 + 50,000 + 60,000 = 140,000 x 10%; B: 60,000 + 40,000 = 100,000 x 10%; C: 0
    assert [payouts[(c, "renewals")] for c in "ABC"] == ["14000.00", "10000.00", "0.00"]
    assert "moves.csv:3: a2 moves to C effective 2027-05-01, after 2027-Q1: ignored" in done.stderr
    files = json.loads((out / "inputs.json").read_text())["files"]
    assert set(files) == {"plan", "roster", "accounts", "moves", "splits"}
    assert files["moves"]["path"] == str((project / "moves.csv").resolve())


def test_calc_without_moves_writes_inputs_json_as_before(tmp_path):
    project = _project(tmp_path / "p")
    out = tmp_path / "out"
    done = xlcomp("calc", *_inputs(project), "--accounts", project / "accounts.csv", "--out", out, "--no-workbook")
    assert done.returncode == 0, done.stderr
    assert set(json.loads((out / "inputs.json").read_text())["files"]) == {"plan", "roster", "accounts"}
    assert _payouts(out)[("C", "renewals")] == "10000.00"


def test_bad_moves_and_splits_exit_1_name_the_place_and_write_nothing(tmp_path):
    project = _project(tmp_path / "p")
    (project / "moves.csv").write_text("account_id,to_csm,effective\na1,Z,2027-01-31\nzz,B,2027-01-31\n"
                                       "a2,B,2027-02-01\na2,C,2027-02-01\n")
    (project / "splits.csv").write_text("account_id,csm_id,share\ns1,A,-1\ns1,B,many\n")
    out = tmp_path / "out"
    for command in (("calc", "--out", out), ("template", "--out", out / "t.xlsx"), ("statements", "--out", out)):
        done = xlcomp(*command, *_inputs(project), "--accounts", project / "accounts.csv",
                      "--moves", project / "moves.csv", "--splits", project / "splits.csv")
        assert done.returncode == 1, done.stdout
        assert 'moves.csv:2 to_csm: "Z" is not a CSM of the roster' in done.stderr
        assert 'moves.csv:3 account_id: "zz" is not an account of the book' in done.stderr
        assert "moves.csv:5 effective: a2 already moves on 2027-02-01 (at moves.csv:4): keep one" in done.stderr
        assert "Traceback" not in done.stderr
        assert not out.exists()
    (project / "moves.csv").write_text("account_id,to_csm,effective\n")
    done = xlcomp("calc", "--out", out, *_inputs(project), "--accounts", project / "accounts.csv",
                  "--moves", project / "moves.csv", "--splits", project / "splits.csv")
    assert done.returncode == 1
    assert "splits.csv:2 share: -1 must be at least 0" in done.stderr
    assert 'splits.csv:3 share: "many" is not a number' in done.stderr
    assert not out.exists()


def test_splits_summing_to_0_are_an_error_and_above_1_a_warning(tmp_path):
    project = _project(tmp_path / "p")
    out = tmp_path / "out"
    (project / "splits.csv").write_text("account_id,csm_id,share\ns1,A,0\ns1,B,0\n")
    done = xlcomp("calc", *_inputs(project), "--accounts", project / "accounts.csv", "--out", out, "--no-workbook",
                  "--splits", project / "splits.csv")
    assert done.returncode == 1
    assert "splits.csv:2 share: the shares of s1 sum to 0" in done.stderr
    (project / "splits.csv").write_text("account_id,csm_id,share\ns1,A,1\ns1,B,0.5\n")
    done = xlcomp("calc", *_inputs(project), "--accounts", project / "accounts.csv", "--out", out, "--no-workbook",
                  "--splits", project / "splits.csv")
    assert done.returncode == 0, done.stderr
    assert "the shares of s1 sum to 1.5, above 1: an overlay" in done.stderr
    # A: 140,000 + 100,000 = 240,000 -> 24,000.00; B: 50,000 -> 5,000.00
    assert [_payouts(out)[(c, "renewals")] for c in "AB"] == ["24000.00", "5000.00"]


def test_template_with_moves_has_the_moves_and_splits_tables(tmp_path):
    project = _project(tmp_path / "p")
    target = tmp_path / "t.xlsx"
    done = xlcomp("template", *_inputs(project), "--accounts", project / "accounts.csv", "--out", target,
                  "--moves", project / "moves.csv", "--splits", project / "splits.csv")
    assert done.returncode == 0, done.stderr
    workbook = openpyxl.load_workbook(target)
    assert [c.value for c in workbook["Moves"][2]][:2] == ["a1", "B"]
    assert [c.value for c in workbook["Splits"][3]][:3] == ["s1", "B", 0.4]


def test_statements_show_every_credited_share_and_verify(tmp_path):
    project = _project(tmp_path / "p")
    out = tmp_path / "statements"
    done = xlcomp("statements", *_inputs(project), "--accounts", project / "accounts.csv", "--out", out, "--no-pdf",
                  "--moves", project / "moves.csv", "--splits", project / "splits.csv")
    assert done.returncode == 0, done.stderr
    [page] = [p for p in out.glob("*.html") if p.name.startswith("B-")]
    text = page.read_text(encoding="utf-8")
    assert "Credited accounts" in text
    # a1 from 31 Jan: 60 of 90 days = 66.67%; s1: share 0.4 = 40.00%
    assert "31 Jan 2027 – 31 Mar 2027: 60 of 90 days" in text and "66.67%" in text
    assert "share 0.4" in text and "40.00%" in text
    [owner] = [p for p in out.glob("*.html") if p.name.startswith("C-")]
    assert "listed owner" in owner.read_text(encoding="utf-8")
    # each statement carries its credited shares: it verifies on its own
    for statement in (page, owner):
        checked = xlcomp("verify", statement)
        assert checked.returncode == 0, checked.stdout + checked.stderr
