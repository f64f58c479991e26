"""``xlcomp diff``: the reopened Q2 of the hand-worked year against its first version."""

from __future__ import annotations

import csv

from tests.ledger.test_views import two_quarters
from tests.ledger.year import project
from xlcomp.cli import main


def test_diff_of_two_ledger_versions_and_of_two_folders(tmp_path, capsys):
    db = two_quarters(tmp_path)
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q2@1", "ledger:2027-Q2@2", "--db", db, "--out", str(tmp_path / "d")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "inputs changed: accounts" in out and "+500.00" in out and "not recomputed" not in out
    # the ledger versions record their inputs: recomputed step by step, the change is the accounts' (A3's
    # upsell 20,000 -> 25,000: 10% = 2,000.00 -> 2,500.00); the YTD true-up is the same in both versions
    with open(tmp_path / "d" / "diff.csv", newline="") as handle:
        assert list(csv.DictReader(handle)) == [
            {"csm_id": "C1", "cause": "accounts", "component": "upsell", "before": "2000.00", "after": "2500.00",
             "delta": "500.00"}]
    assert main(["diff", str(tmp_path / "q2"), str(tmp_path / "q2b"), "--out", str(tmp_path / "d2")]) == 0
    # the folders record their inputs: recomputed, the change is the accounts' (the YTD true-up, the same
    # on both sides, cancels out of "ledger lines")
    assert (tmp_path / "d2" / "diff.csv").read_text().splitlines()[1:] == ["C1,accounts,upsell,2000.00,2500.00,500.00"]


def test_diff_of_a_ledger_version_against_a_calc_folder_recomputes_each_step(tmp_path, capsys):
    from tests.ledger.conftest import write
    from tests.ledger.year import PLAN

    db = two_quarters(tmp_path)
    files = {name: tmp_path / "in" / name for name in ("roster.csv", "accounts-2027-Q2-fixed.csv")}
    plan_b = write(tmp_path / "b" / "plan.yaml", PLAN.replace("rate: 0.1\n", "rate: 0.12\n"))
    assert main(["calc", "--period", "2027-Q2", "--no-workbook", "--plan", str(plan_b), "--roster",
                 str(files["roster.csv"]), "--accounts", str(files["accounts-2027-Q2-fixed.csv"]), "--out",
                 str(tmp_path / "b" / "out")]) == 0
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q2@1", str(tmp_path / "b" / "out"), "--db", db, "--out",
                 str(tmp_path / "d")]) == 0
    printed = capsys.readouterr().out
    # A = the ledger's Q2 version 1 (plan 10%, Q2 accounts, the YTD renewal lines); B = calc of plan 12% on
    # the fixed accounts, the period alone.
    # plan: upsell 10% -> 12%: C1 20,000 x 0.12 = 2,400.00 (was 2,000.00), C2 10,000 x 0.12 = 1,200.00 (1,000.00)
    # accounts: A3 20,000 -> 25,000: C1 25,000 x 0.12 = 3,000.00
    # ledger lines: A's lines less A's own period-alone computation. Period alone, Q2: GRR 1.111111, share
    #   1 + 2 x 0.111111 = 1.222222: C1 5,000 x 1.222222 = 6,111.11 (the ledger paid the YTD line 6,111.12:
    #   +0.01), C2 2,500 x 1.222222 = 3,055.555 -> 3,055.56 (paid 2,777.78: -277.78), C3 1,000 x 1.222222 =
    #   1,222.22 (paid 1,111.11: -111.11); B, a calc, has none: 0.
    # Check: C1 8,111.12 -> 6,111.11 + 3,000.00 = 9,111.11: +999.99 = 400.00 + 600.00 - 0.01.
    with open(tmp_path / "d" / "diff.csv", newline="") as handle:
        assert [(r["csm_id"], r["cause"], r["component"], r["before"], r["after"], r["delta"])
                for r in csv.DictReader(handle)] == [
            ("C1", "plan", "upsell", "2000.00", "2400.00", "400.00"),
            ("C2", "plan", "upsell", "1000.00", "1200.00", "200.00"),
            ("C1", "accounts", "upsell", "2400.00", "3000.00", "600.00"),
            ("C1", "ledger lines", "renewal", "0.01", "0.00", "-0.01"),
            ("C2", "ledger lines", "renewal", "-277.78", "0.00", "277.78"),
            ("C3", "ledger lines", "renewal", "-111.11", "0.00", "111.11"),
        ]
    causes = [line.split()[0] for line in printed.splitlines()[:3]]
    assert causes == ["plan", "accounts", "ledger"]   # biggest first: 600.00, 600.00 (plan first), 388.88
    assert "not recomputed" not in printed


def test_diff_of_a_ledger_version_whose_inputs_changed_or_were_never_recorded(tmp_path, capsys):
    from sqlalchemy import create_engine, text

    db = two_quarters(tmp_path)
    accounts = tmp_path / "in" / "accounts-2027-Q2.csv"
    original = accounts.read_text()
    accounts.write_text(original + "\n")
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q2@1", "ledger:2027-Q2@2", "--db", db, "--out", str(tmp_path / "d")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "ledger:2027-Q2@1" in err and "accounts-2027-Q2.csv has changed since the run (SHA-256 differs)" in err
    assert not (tmp_path / "d").exists()
    accounts.write_text(original)
    # a version closed by an older xlcomp (schema 0001) recorded hashes only: put down to line kinds
    engine = create_engine(db)
    with engine.begin() as connection:
        connection.execute(text("UPDATE ledger_closes SET inputs = NULL WHERE version = 1"))
    engine.dispose()
    assert main(["diff", "ledger:2027-Q2@1", "ledger:2027-Q2@2", "--db", db, "--out", str(tmp_path / "d")]) == 0
    assert "not recomputed step by step" in " ".join(capsys.readouterr().out.split())
    assert (tmp_path / "d" / "diff.csv").read_text().splitlines()[1:] == ["C1,computed,upsell,2000.00,2500.00,500.00"]


def test_diff_names_the_plan_when_several_closed_the_period(tmp_path, capsys):
    from tests.ledger.conftest import write
    from tests.ledger.test_year import close
    from tests.ledger.year import PLAN

    db = two_quarters(tmp_path)
    files = project(tmp_path / "in")
    files["plan"] = write(tmp_path / "other" / "plan.yaml", PLAN.replace("id: csm-ledger-test", "id: other-plan"))
    assert close(files, db, tmp_path / "other" / "q1", "2027-Q1", "2027-Q1") == 0
    capsys.readouterr()
    assert main(["diff", "ledger:2027-Q1", "ledger:2027-Q2@2", "--db", db, "--out", str(tmp_path / "d")]) == 1
    assert "plans csm-ledger-test, other-plan all closed 2027-Q1: name one, ledger:csm-ledger-test:2027-Q1" in \
        " ".join(capsys.readouterr().err.split())
    assert main(["diff", "ledger:csm-ledger-test:2027-Q2@1", "ledger:csm-ledger-test:2027-Q2", "--db", db, "--out",
                 str(tmp_path / "d")]) == 0   # without @N: the latest version, 2
    assert (tmp_path / "d" / "diff.csv").read_text().splitlines()[1:] == ["C1,accounts,upsell,2000.00,2500.00,500.00"]


def test_diff_recomputes_plan_then_roster_then_accounts(tmp_path, capsys):
    import openpyxl

    from tests.ledger.conftest import write
    from tests.ledger.year import ACCOUNTS, HEADER, PLAN, ROSTER

    files = project(tmp_path / "in")
    plan_b = write(tmp_path / "b" / "plan.yaml", PLAN.replace("rate: 0.1\n", "rate: 0.12\n"))
    roster_b = write(tmp_path / "b" / "roster.csv", ROSTER.replace("C1,Ada,Enterprise,100000,40000",
                                                                   "C1,Ada,Enterprise,100000,50000"))
    accounts_b = write(tmp_path / "b" / "accounts.csv", HEADER + ACCOUNTS["2027-Q1"].strip("\n").replace(
        "        ", "").replace("A2,C1,Enterprise,50000,0,0,30000", "A2,C1,Enterprise,50000,0,0,35000"))
    calc = ["calc", "--period", "2027-Q1", "--no-workbook"]
    assert main([*calc, "--plan", str(files["plan"]), "--roster", str(files["roster"]), "--accounts",
                 str(files["2027-Q1"]), "--out", str(tmp_path / "a")]) == 0
    assert main([*calc, "--plan", str(plan_b), "--roster", str(roster_b), "--accounts", str(accounts_b),
                 "--out", str(tmp_path / "b" / "out")]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "b" / "out"), "--out", str(tmp_path / "d")]) == 0
    printed = capsys.readouterr().out
    # plan: upsell 10% -> 12%: C1 4,000.00 -> 4,800.00 (of 40,000), C2 500.00 -> 600.00 (of 5,000)
    # roster: C1's target variable 40,000 -> 50,000: renewal TI 5,000.00 -> 6,250.00 (a quarter, weight 0.5)
    # accounts: A2's upsell 30,000 -> 35,000: C1 12% of 45,000 = 5,400.00
    with open(tmp_path / "d" / "diff.csv", newline="") as handle:
        assert [(r["csm_id"], r["cause"], r["component"], r["before"], r["after"], r["delta"])
                for r in csv.DictReader(handle)] == [
            ("C1", "plan", "upsell", "4000.00", "4800.00", "800.00"),
            ("C2", "plan", "upsell", "500.00", "600.00", "100.00"),
            ("C1", "roster", "renewal", "5000.00", "6250.00", "1250.00"),
            ("C1", "accounts", "upsell", "4800.00", "5400.00", "600.00"),
        ]
    causes = [line.split()[0] for line in printed.splitlines()[:3]]
    assert causes == ["roster", "plan", "accounts"]   # biggest first: 1,250.00, 900.00, 600.00
    by_csm = openpyxl.load_workbook(tmp_path / "d" / "diff.xlsx")["By CSM"]
    assert [c.value for c in by_csm[1]] == ["csm_id", "plan", "roster", "accounts", "total change"]
    assert by_csm["B2"].value.startswith("=SUMIFS(Diff!$F$4:$F$")


def test_diff_refuses_an_input_changed_since_the_run(tmp_path, capsys):
    files = project(tmp_path / "in")
    calc = ["calc", "--period", "2027-Q1", "--no-workbook", "--plan", str(files["plan"]), "--roster",
            str(files["roster"]), "--accounts", str(files["2027-Q1"])]
    assert main([*calc, "--out", str(tmp_path / "a")]) == 0
    assert main([*calc, "--out", str(tmp_path / "b")]) == 0
    files["roster"].write_text(files["roster"].read_text() + "\n")
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "d")]) == 1
    assert "has changed since the run (SHA-256 differs)" in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "d").exists()


def test_diff_of_calc_folders_puts_roster_changes_and_moves_down_to_their_own_steps(tmp_path, capsys):
    """A: calc of tests/engine/test_credit.py's book; B: the same with A's target pay 40,000 -> 52,000 on
    2027-02-15 and a1 moved to B on 2027-01-31 (day 31 of 90).

    A before: renewals 140,000 x 10% = 14,000.00; health (100,000 x 80 + 50,000 x 60) / 150,000 = 73.333333,
    attainment 0.733333 x TI 40,000 / 4 = 7,333.33. B has no accounts: 0.00 and 0.00 (health undefined).
    roster changes: A's TI (40,000 x 45 + 52,000 x 45) / 360 = 11,500: 11,500 x 0.733333 = 8,433.33.
    moves and splits: A keeps a1 30/90: renewals (30,000 + 50,000) x 10% = 8,000.00; health
    (100,000 x 30/90 x 80 + 50,000 x 60) / (100,000 x 30/90 + 50,000) = 68: 11,500 x 0.68 = 7,820.00;
    B gets a1 60/90: renewals 60,000 x 10% = 6,000.00, health 80: 10,000 x 0.8 = 8,000.00.
    """
    from tests.engine.test_credit import ACCOUNTS, PLAN, ROSTER

    (tmp_path / "plan.yaml").write_text(PLAN)
    ROSTER.to_csv(tmp_path / "roster.csv", index=False)
    ACCOUNTS.to_csv(tmp_path / "accounts.csv", index=False)
    (tmp_path / "changes.csv").write_text("csm_id,field,value,effective\nA,target_variable,52000,2027-02-15\n")
    (tmp_path / "moves.csv").write_text("account_id,to_csm,effective\na1,B,2027-01-31\n")
    common = ["calc", "--period", "2027-Q1", "--no-workbook", "--plan", str(tmp_path / "plan.yaml"), "--roster",
              str(tmp_path / "roster.csv"), "--accounts", str(tmp_path / "accounts.csv")]
    assert main([*common, "--out", str(tmp_path / "a")]) == 0
    assert main([*common, "--changes", str(tmp_path / "changes.csv"), "--moves", str(tmp_path / "moves.csv"),
                 "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "d")]) == 0
    with open(tmp_path / "d" / "diff.csv", newline="") as handle:
        assert [(r["csm_id"], r["cause"], r["component"], r["before"], r["after"])
                for r in csv.DictReader(handle)] == [
            ("A", "roster changes", "health", "7333.33", "8433.33"),
            ("A", "moves and splits", "health", "8433.33", "7820.00"),
            ("A", "moves and splits", "renewals", "14000.00", "8000.00"),
            ("B", "moves and splits", "health", "0.00", "8000.00"),
            ("B", "moves and splits", "renewals", "0.00", "6000.00"),
        ]
