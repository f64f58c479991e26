"""``xlcomp close`` with the effective-dated inputs of SPEC section 10 (roster changes, moves, splits, plan
versions), on SQLite and PostgreSQL.

The book is tests/engine/test_credit.py's, 2027-Q1 (90 days): 10% commission on renewed ARR (renewals) and a
bonus on the arr_start-weighted health score (health, TI = 40,000 / 4 = 10,000, attainment = score / 100).
A's target pay changes 40,000 -> 52,000 on 2027-02-15 (45 + 45 days) and a1 (A's, 90,000 renewed, arr_start
100,000, health 80) moves to B on 2027-01-31 (A 30 days, B 60):

- A TI (40,000 x 45 + 52,000 x 45) / 360 = 11,500; renewals (90,000 x 30/90 + 50,000) x 10% = 8,000.00;
  health (100,000 x 30/90 x 80 + 50,000 x 60) / (100,000 x 30/90 + 50,000) = 68: 11,500 x 0.68 = 7,820.00
- B renewals 90,000 x 60/90 x 10% = 6,000.00; health 80: 10,000 x 0.8 = 8,000.00
- C (s1: 100,000 renewed, health 90) renewals 10,000.00, health 9,000.00
Gross 8,000 + 7,820 + 6,000 + 8,000 + 10,000 + 9,000 = 48,820.00.

Without the move (the reopen): A renewals 140,000 x 10% = 14,000.00; health (100,000 x 80 + 50,000 x 60) /
150,000 = 73.333333: 11,500 x 0.733333 = 8,433.33; B nothing: 0.00 and 0.00.
"""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select

from tests.engine.test_credit import ACCOUNTS, PLAN, ROSTER
from tests.ledger.conftest import write
from tests.ledger.test_refusals import counts
from tests.workbook import cells
from tests.workbook.test_parity import _mismatches
from xlcomp.cli import main
from xlcomp.ledger.schema import CLOSES
from xlcomp.ooxml.libreoffice import recalculate


def files(folder: Path, plan: str = PLAN) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(plan)
    ROSTER.to_csv(folder / "roster.csv", index=False)
    ACCOUNTS.to_csv(folder / "accounts.csv", index=False)
    return {"plan": folder / "plan.yaml", "roster": folder / "roster.csv", "accounts": folder / "accounts.csv",
            "changes": write(folder / "changes.csv",
                             "csm_id,field,value,effective\nA,target_variable,52000,2027-02-15\n"),
            "moves": write(folder / "moves.csv", "account_id,to_csm,effective\na1,B,2027-01-31\n")}


def close(given: dict[str, Path], db: str, out: Path, *extra: str, period: str = "2027-Q1") -> int:
    return main(["close", "--plan", str(given["plan"]), "--roster", str(given["roster"]), "--accounts",
                 str(given["accounts"]), "--period", period, "--out", str(out), "--db", db, "--by", "tester", *extra])


def payouts(out: Path) -> list[tuple[str, str, str, str]]:
    with open(out / "payouts.csv", newline="") as handle:
        return [(r["csm_id"], r["component"], r["kind"], r["payout"]) for r in csv.DictReader(handle)]


def recorded_inputs(db: str, version: int) -> dict:
    engine = create_engine(db)
    with engine.connect() as connection:
        text = connection.execute(select(CLOSES.c.inputs).where(CLOSES.c.version == version)).scalar_one()
    engine.dispose()
    return json.loads(text)


def test_a_quarter_closed_with_a_target_change_and_a_move_then_reopened_without_the_move(tmp_path, db_url, capsys):
    given = files(tmp_path / "in")
    dated = ("--changes", str(given["changes"]), "--moves", str(given["moves"]))
    assert close(given, db_url, tmp_path / "q1", *dated, "--no-workbook", "--statements", "--no-pdf") == 0
    assert "gross USD 48,820.00, payable USD 48,820.00" in " ".join(capsys.readouterr().out.split())
    assert payouts(tmp_path / "q1") == [
        ("A", "renewals", "commission", "8000.00"), ("A", "health", "bonus", "7820.00"),
        ("B", "renewals", "commission", "6000.00"), ("B", "health", "bonus", "8000.00"),
        ("C", "renewals", "commission", "10000.00"), ("C", "health", "bonus", "9000.00")]
    # the close's record names the changes and moves with their SHA-256, as calc's inputs.json does
    record = recorded_inputs(db_url, 1)
    assert list(record["files"]) == ["plan", "roster", "accounts", "adjustments", "churn", "changes", "moves"]
    assert record["files"]["moves"]["path"] == str(given["moves"].resolve())
    assert len(record["files"]["changes"]["sha256"]) == 64
    assert json.loads((tmp_path / "q1" / "inputs.json").read_text()) == record
    # A's statement shows the TI of both stretches and verifies on its own (its embedded inputs carry them)
    statement = tmp_path / "q1" / "statements" / "A-2027-Q1.html"
    assert ("(40,000.00 a year × 45 days + 52,000.00 a year × 45 days) / 90 days × 100% × ¼ = 11,500.00"
            in statement.read_text())
    capsys.readouterr()
    assert main(["verify", str(statement)]) == 0
    # recomputed from its embedded inputs: 8,000.00 + 7,820.00 (without the change and the move it would be
    # 14,000.00 + 10,000 x 0.733333 = 21,333.33); the Ledger panel is shown again as carried
    assert "total USD 15,820.00" in " ".join(capsys.readouterr().out.split())

    assert main(["ledger", "show", "--db", db_url, "--csm", "A"]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "2027-Q1@1 │ commission │ renewals │ 8,000.00" in shown and "│ bonus │ health │ 7,820.00" in shown
    assert "gross │ 15,820.00" in shown   # 8,000.00 + 7,820.00

    assert close(given, db_url, tmp_path / "q1b", "--changes", str(given["changes"]), "--no-workbook",
                 "--reopen", "--reason", "a1 did not move") == 0
    assert payouts(tmp_path / "q1b")[:4] == [
        ("A", "renewals", "commission", "14000.00"), ("A", "health", "bonus", "8433.33"),
        ("B", "renewals", "commission", "0.00"), ("B", "health", "bonus", "0.00")]
    assert "moves" not in recorded_inputs(db_url, 2)["files"]
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q1@1", "ledger:2027-Q1@2", "--db", db_url, "--out", str(tmp_path / "d")]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    # recomputed from both versions' records: the same changes on both sides (no "roster changes" step), the
    # move dropped: A +6,000.00 and +613.33 (8,433.33 - 7,820.00), B -6,000.00 and -8,000.00;
    # total 6,000 + 613.33 - 6,000 - 8,000 = -7,386.67
    assert "inputs changed: moves" in printed and "moves and splits -7,386.67" in printed
    assert "not recomputed" not in printed
    with open(tmp_path / "d" / "diff.csv", newline="") as handle:
        assert [(r["csm_id"], r["cause"], r["component"], r["before"], r["after"])
                for r in csv.DictReader(handle)] == [
            ("A", "moves and splits", "health", "7820.00", "8433.33"),
            ("A", "moves and splits", "renewals", "8000.00", "14000.00"),
            ("B", "moves and splits", "health", "8000.00", "0.00"),
            ("B", "moves and splits", "renewals", "6000.00", "0.00"),
        ]

    # the next quarter, closed plainly, pays the reopen's differences as prior_period lines
    assert close(given, db_url, tmp_path / "q2", "--no-workbook", period="2027-Q2") == 0
    prior = [row for row in payouts(tmp_path / "q2") if row[2] == "prior_period"]
    assert sorted(prior) == [("A", "health", "prior_period", "613.33"), ("A", "renewals", "prior_period", "6000.00"),
                             ("B", "health", "prior_period", "-8000.00"),
                             ("B", "renewals", "prior_period", "-6000.00")]


def test_the_close_workbook_carries_the_changes_moves_and_splits_and_libreoffice_agrees(tmp_path, capsys):
    """With s1 (C's, 100,000 renewed) split A 0.6 / B 0.4 as well: A renewals (30,000 + 50,000 + 60,000) x 10% =
    14,000.00, B (60,000 + 40,000) x 10% = 10,000.00, C 0.00."""
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    given = files(tmp_path / "in")
    splits = write(tmp_path / "in" / "splits.csv", "account_id,csm_id,share\ns1,A,0.6\ns1,B,0.4\n")
    assert close(given, db, tmp_path / "q1", "--changes", str(given["changes"]), "--moves", str(given["moves"]),
                 "--splits", str(splits)) == 0
    rows = {(r[0], r[1]): r[3] for r in payouts(tmp_path / "q1")}
    assert (rows[("A", "renewals")], rows[("B", "renewals")], rows[("C", "renewals")]) == (
        "14000.00", "10000.00", "0.00")
    assert list(recorded_inputs(db, 1)["files"])[-3:] == ["changes", "moves", "splits"]
    path = tmp_path / "q1" / "credit-2027-Q1.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert {"Changes", "Moves", "Splits", "Credit", "Ledger"} <= set(workbook.sheetnames)
    assert [c.value for c in workbook["Moves"][2]][:2] == ["a1", "B"]
    # LibreOffice recalculates every formula of the close's workbook to the engine's cached value
    recalculated = recalculate([path], tmp_path / "recalculated")[0]
    found = cells.values(recalculated)
    count, wrong = _mismatches(SimpleNamespace(path=path), found)  # type: ignore[arg-type]
    assert count > 100 and wrong == [] and cells.errors(found) == []


VERSION_2 = PLAN.replace("id: renewals\n    kind: commission\n    metric: renewed_arr\n    rate: 0.1",
                         "id: renewals\n    kind: commission\n    metric: renewed_arr\n    rate: 0.2")


def test_plan_versions_close_as_calc_pays_them(tmp_path, db_url, capsys):
    given = files(tmp_path / "in")
    v2 = write(tmp_path / "in" / "v2.yaml", "effective: 2027-02-15\n" + VERSION_2)
    assert "rate: 0.2" in v2.read_text()
    assert close(given, db_url, tmp_path / "q1", "--plan", str(v2)) == 0
    # the workbook of the split period: each part's blocks (tests/workbook/test_versions_workbook.py recalculates
    # such a workbook with LibreOffice), with the Ledger sheet of the close
    [book] = (tmp_path / "q1").glob("*.xlsx")
    sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
    assert "Ledger" in sheets and "Plan" in sheets
    rows = {(r[0], r[1]): r[3] for r in payouts(tmp_path / "q1")}
    # the accounts have no booked_on: each part gets its days' share of the amounts, 45/90.
    # A renewals: 140,000 x 45/90 = 70,000: x 10% = 7,000.00 (v1) and x 20% = 14,000.00 (v2)
    # A health, whole-quarter attainment 0.733333, each part's TI 40,000 x 45 / 360 = 5,000:
    #   5,000 x 0.733333 = 3,666.665 -> 3,666.67 in each part
    assert rows[("A", "renewals@2027-01-01")] == "7000.00" and rows[("A", "renewals@2027-02-15")] == "14000.00"
    assert rows[("A", "health@2027-01-01")] == "3666.67" and rows[("A", "health@2027-02-15")] == "3666.67"
    record = recorded_inputs(db_url, 1)
    assert list(record["files"])[:2] == ["plan", "plan_2"]
    assert record["files"]["plan_2"]["path"] == str(v2.resolve())
    # diff recomputes the ledger version with both plan versions: against calc of the same inputs, nothing
    assert main(["calc", "--plan", str(given["plan"]), "--plan", str(v2), "--roster", str(given["roster"]),
                 "--accounts", str(given["accounts"]), "--period", "2027-Q1", "--no-workbook", "--out",
                 str(tmp_path / "calc")]) == 0
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q1@1", str(tmp_path / "calc"), "--db", db_url, "--out",
                 str(tmp_path / "d")]) == 0
    assert "0 changes, total +0.00" in " ".join(capsys.readouterr().out.split())
    assert (tmp_path / "d" / "diff.csv").read_text().splitlines() == ["csm_id,cause,component,before,after,delta"]


def test_what_the_ledger_cannot_yet_take_is_refused(tmp_path, db_url, capsys):
    ytd = PLAN.replace("weight: 1\n", "weight: 1\n    measure: ytd\n")
    clawback = PLAN.replace("rate: 0.1\n", "rate: 0.1\n    clawback: {days: 90}\n")
    assert ytd != PLAN and clawback != PLAN
    given = files(tmp_path / "ytd", ytd)
    assert close(given, db_url, tmp_path / "o", "--changes", str(given["changes"]), "--no-workbook") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "roster changes with a measure: ytd component (health): not yet" in err
    assert counts(db_url) == (0, 0, 0, 0, 0) and not (tmp_path / "o").exists()
    # a clawback component takes moves (its shares follow the credited amounts: tests/ledger/test_clawback_credit.py)
    # and roster changes (they change the payout, not whose accounts earned it)
    given = files(tmp_path / "clawback", clawback)
    assert close(given, db_url, tmp_path / "o", "--changes", str(given["changes"]), "--moves", str(given["moves"]),
                 "--no-workbook") == 0
    # a later quarter of the year under a plan with a measure: ytd component, after a dated close: refused
    capsys.readouterr()
    (tmp_path / "clawback" / "plan.yaml").write_text(ytd)
    assert close(given, db_url, tmp_path / "q2", "--no-workbook", period="2027-Q2") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "2027-Q1@1 of this plan year was closed with changes" in err
    assert counts(db_url)[0] == 1 and not (tmp_path / "q2").exists()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.integers(min_value=-20, max_value=100))
def test_a_move_on_any_day_moves_renewals_by_days_owned_and_the_ledger_keeps_their_sum(tmp_path, day):
    """a1 (90,000 renewed) moves to B on 2027-01-01 + ``day``: B owns it for 90 - day days inside the quarter (all
    90 when the move is before it, none when after), so B's renewals line is 90,000 x days_B / 90 x 10% =
    100 x days_B exactly, A's (90,000 x (90 - days_B) / 90 + 50,000) x 10%, and every CSM's renewals lines add up
    to 14,000 + 10,000 = 24,000.00 whatever the day."""
    from xlcomp.ledger import CloseInputs, close_period, open_ledger

    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    inputs = files(folder)
    effective = date(2027, 1, 1) + timedelta(days=day)
    write(inputs["moves"], f"account_id,to_csm,effective\na1,B,{effective.isoformat()}\n")
    engine = open_ledger(f"sqlite:///{folder / 'ledger.sqlite'}")
    try:
        closed = close_period(engine, CloseInputs(inputs["plan"], inputs["roster"], inputs["accounts"], "2027-Q1",
                                                  by="tester", moves=inputs["moves"]))
    finally:
        engine.dispose()
    days_b = min(90, max(0, 90 - day))
    renewals = {line.csm_id: line.payout for line in closed.lines if line.component == "renewals"}
    assert renewals["B"] == Decimal(100 * days_b)
    assert renewals["A"] == Decimal(100 * (90 - days_b) + 5000)
    assert sum(renewals.values()) == Decimal("24000.00")
