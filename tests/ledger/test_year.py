"""A plan year worked by hand, closed quarter by quarter on SQLite and on PostgreSQL.

Plan: ``renewal`` is a year-to-date bonus (weight 0.5, target GRR 0.9, marginal tiers: rate 1 up
to attainment 1, rate 2 above), ``upsell`` a 10% commission with a 90-day clawback. TI per quarter
= target_variable x 0.5 / 4: C1 5,000, C2 2,500, C3 1,000. Attainment = ROUND(renewed /
(renewable x 0.9), 6); share = a up to 1, then 1 + 2 x (a - 1).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from tests.ledger.year import project
from xlcomp.cli import main
from xlcomp.ledger import open_ledger
from xlcomp.ledger.view import ledger_view

D = Decimal


def close(files: dict[str, Path], db: str, out: Path, period: str, accounts: str, *extra: str) -> int:
    return main(["close", "--plan", str(files["plan"]), "--roster", str(files["roster"]),
                 "--accounts", str(files[accounts]), "--period", period, "--out", str(out), "--db", db,
                 "--by", "tester", "--no-workbook", *extra])


def lines(out: Path) -> list[tuple[str, str, str, str]]:
    with open(out / "payouts.csv", newline="") as handle:
        return [(r["csm_id"], r["kind"], r["component"], r["payout"]) for r in csv.DictReader(handle)]


def summary(out: Path) -> dict[str, tuple[str, str, str, str, str]]:
    with open(out / "summary.csv", newline="") as handle:
        return {r["csm_id"]: (r["payout_total"], r["balance_in"], r["draw"], r["payable"], r["balance_out"])
                for r in csv.DictReader(handle)}


def test_a_plan_year_matches_the_hand_worked_numbers(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")

    # Q1. C1: GRR 90,000/100,000: a = 1.000000, share 1 -> 5,000.00; upsell 10% of 40,000 = 4,000.00
    #     (shares: A1 1,000.00, A2 3,000.00). Gross 9,000.00.
    # C2: a = 30,000/45,000 = 0.666667 -> 2,500 x 0.666667 = 1,666.6675 -> 1,666.67; upsell 500.00;
    #     gross 2,166.67 < recoverable draw 3,000: draw line 833.33; payable 2,166.67 + 833.33 = 3,000.00;
    #     balance_out 833.33.
    # C3: a = 10,000/18,000 = 0.555556 -> 555.56; gross 555.56 < guarantee 2,000: draw 1,444.44, payable
    #     2,000.00, balance 0 (a guarantee is not recovered).
    q1 = tmp_path / "2027-Q1"
    assert close(files, db_url, q1, "2027-Q1", "2027-Q1") == 0
    assert lines(q1) == [
        ("C1", "bonus", "renewal", "5000.00"), ("C1", "commission", "upsell", "4000.00"),
        ("C2", "bonus", "renewal", "1666.67"), ("C2", "commission", "upsell", "500.00"),
        ("C2", "draw", "draw", "833.33"),
        ("C3", "bonus", "renewal", "555.56"), ("C3", "commission", "upsell", "0.00"),
        ("C3", "draw", "draw", "1444.44"),
    ]
    assert summary(q1) == {"C1": ("9000.00", "0.00", "0.00", "9000.00", "0.00"),
                           "C2": ("2166.67", "0.00", "833.33", "3000.00", "833.33"),
                           "C3": ("555.56", "0.00", "1444.44", "2000.00", "0.00")}

    # Q2 (YTD over Q1 + Q2). C1: renewed 190,000 / (200,000 x 0.9) = 1.055556, share 1.111112,
    #     TI 10,000 -> 11,111.12, less 5,000.00 paid = 6,111.12; upsell 10% of 20,000 = 2,000.00 (A3).
    # C2: 80,000 / 90,000 = 0.888889 x 5,000 = 4,444.445 -> 4,444.45, less 1,666.67 = 2,777.78; upsell
    #     1,000.00; gross 3,777.78 >= draw 3,000: no draw; balance_in 833.33 is recovered: payable
    #     3,777.78 - 833.33 = 2,944.45, balance_out 0.
    # C3: 30,000 / 36,000 = 0.833333 x 2,000 = 1,666.666 -> 1,666.67 less 555.56 = 1,111.11; the guarantee
    #     ended 2027-03-31: no draw.
    q2 = tmp_path / "2027-Q2"
    assert close(files, db_url, q2, "2027-Q2", "2027-Q2") == 0
    assert lines(q2) == [
        ("C1", "bonus", "renewal", "6111.12"), ("C1", "commission", "upsell", "2000.00"),
        ("C2", "bonus", "renewal", "2777.78"), ("C2", "commission", "upsell", "1000.00"),
        ("C3", "bonus", "renewal", "1111.11"), ("C3", "commission", "upsell", "0.00"),
    ]
    assert summary(q2) == {"C1": ("8111.12", "0.00", "0.00", "8111.12", "0.00"),
                           "C2": ("3777.78", "833.33", "0.00", "2944.45", "0.00"),
                           "C3": ("1111.11", "0.00", "0.00", "1111.11", "0.00")}

    # Closing Q2 again is refused; a reopen needs a reason.
    capsys.readouterr()
    assert close(files, db_url, tmp_path / "again", "2027-Q2", "2027-Q2-fixed") == 1
    assert "2027-Q2 of plan csm-ledger-test is closed (version 1" in capsys.readouterr().err
    assert close(files, db_url, tmp_path / "again", "2027-Q2", "2027-Q2-fixed", "--reopen") == 1
    assert "needs a reason" in capsys.readouterr().err
    assert not (tmp_path / "again").exists()

    # Reopen Q2: A3's upsell was 25,000: C1's upsell 2,500.00 (+500.00); everything else the same.
    # What was paid and the balances stay version 1's.
    q2b = tmp_path / "2027-Q2v2"
    assert close(files, db_url, q2b, "2027-Q2", "2027-Q2-fixed", "--reopen", "--reason",
                 "A3 upsell was 25,000") == 0
    assert ("C1", "commission", "upsell", "2500.00") in lines(q2b)
    assert summary(q2b)["C2"] == ("3777.78", "833.33", "0.00", "2944.45", "0.00")

    # Q3, with churn: A1 churned 2027-06-15, inside Q1's window (to 2027-06-29): -1,000.00 from C1 (its Q1
    # share); A2 churned 2027-08-01, outside: nothing. Q2's correction arrives as a prior_period line +500.00.
    # C1: renewable 250,000, renewed 240,000: a = 1.066667, share 1.133334 x 15,000 = 17,000.01, less
    #     5,000.00 + 6,111.12 = 5,888.89. Gross 5,888.89 + 500.00 - 1,000.00 = 5,388.89.
    # C2: 130,000 / 135,000 = 0.962963 x 7,500 = 7,222.2225 -> 7,222.22 less 4,444.45 = 2,777.77; the
    #     draw ended 2027-06-30.
    # C3: 50,000 / 54,000 = 0.925926 x 3,000 = 2,777.778 -> 2,777.78 less 1,666.67 = 1,111.11.
    q3 = tmp_path / "2027-Q3"
    capsys.readouterr()
    assert close(files, db_url, q3, "2027-Q3", "2027-Q3", "--churn", str(files["churn"])) == 0
    printed = capsys.readouterr().out
    assert "outside the 90-day clawback window of 2027-Q1" in " ".join(printed.split())
    assert lines(q3) == [
        ("C1", "bonus", "renewal", "5888.89"), ("C1", "commission", "upsell", "0.00"),
        ("C1", "prior_period", "upsell", "500.00"), ("C1", "clawback", "upsell", "-1000.00"),
        ("C2", "bonus", "renewal", "2777.77"), ("C2", "commission", "upsell", "0.00"),
        ("C3", "bonus", "renewal", "1111.11"), ("C3", "commission", "upsell", "0.00"),
    ]
    assert summary(q3) == {"C1": ("5388.89", "0.00", "0.00", "5388.89", "0.00"),
                           "C2": ("2777.77", "0.00", "0.00", "2777.77", "0.00"),
                           "C3": ("1111.11", "0.00", "0.00", "1111.11", "0.00")}

    # Q4 with an adjustment of 250.00 to C3.
    # C1: 290,000 / 270,000 = 1.074074, share 1.148148 x 20,000 = 22,962.96 less 17,000.01 = 5,962.95.
    # C2: 180,000 / 180,000 = 1, x 10,000 = 10,000.00 less 7,222.22 = 2,777.78.
    # C3: 70,000 / 72,000 = 0.972222 x 4,000 = 3,888.888 -> 3,888.89 less 2,777.78 = 1,111.11; + 250.00.
    q4 = tmp_path / "2027-Q4"
    assert close(files, db_url, q4, "2027-Q4", "2027-Q4", "--adjustments", str(files["adjustments"])) == 0
    assert lines(q4) == [
        ("C1", "bonus", "renewal", "5962.95"), ("C1", "commission", "upsell", "0.00"),
        ("C2", "bonus", "renewal", "2777.78"), ("C2", "commission", "upsell", "0.00"),
        ("C3", "bonus", "renewal", "1111.11"), ("C3", "commission", "upsell", "0.00"),
        ("C3", "adjustment", "adjustment", "250.00"),
    ]

    # The year: C1's renewal lines add up to its YTD payout 22,962.96; paid to date
    # C1 9,000.00 + 8,111.12 + 5,388.89 + 5,962.95 = 28,462.96 (= 22,962.96 + upsell 4,000 + 2,500 - 1,000);
    # C2 3,000.00 + 2,944.45 + 2,777.77 + 2,777.78 = 11,500.00 (= 10,000 + 1,500 upsell; the 833.33 draw
    # recovered); C3 2,000.00 + 1,111.11 + 1,111.11 + 1,361.11 = 5,583.33.
    engine = open_ledger(db_url)
    view = ledger_view(engine, None, None)
    engine.dispose()
    paid = {entry.csm_id: (entry.paid_to_date, entry.balance) for entry in view.csms}
    assert paid == {"C1": (D("28462.96"), D("0.00")), "C2": (D("11500.00"), D("0.00")),
                    "C3": (D("5583.33"), D("0.00"))}
    assert [c.ref for c in view.closes] == ["2027-Q1@1", "2027-Q2@1", "2027-Q2@2", "2027-Q3@1", "2027-Q4@1"]
    assert view.closes[2].reason == "A3 upsell was 25,000" and view.closes[0].closed_by == "tester"
    assert len(view.closes[0].plan_sha256) == 64 and len(view.closes[0].accounts_sha256) == 64


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "payouts.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_close_writes_its_component_rows_as_calc_writes_them(tmp_path):
    # the SPEC's payouts.csv, amounts with 2 decimals: calc writes a rate's actual and target with 6 (C1's GRR
    # 90,000 / 100,000 = 0.900000), an amount's with 2 (upsell 40,000.00); a close's component rows are the same
    # rows, its ledger lines after them (C2's and C3's draws)
    files = project(tmp_path / "in")
    db = f"sqlite:///{(tmp_path / 'ledger.sqlite').as_posix()}"
    q1 = tmp_path / "close-q1"
    assert close(files, db, q1, "2027-Q1", "2027-Q1") == 0
    assert main(["calc", "--plan", str(files["plan"]), "--roster", str(files["roster"]), "--accounts",
                 str(files["2027-Q1"]), "--period", "2027-Q1", "--out", str(tmp_path / "calc-q1"),
                 "--no-workbook"]) == 0
    calc_rows = _rows(tmp_path / "calc-q1")
    closed = [r for r in _rows(q1) if r["kind"] != "draw"]
    assert [r["note"] for r in closed if r["component"] == "renewal"] == [
        "year to date 2027-Q1: 5,000.00 less 0.00 paid before", "year to date 2027-Q1: 1,666.67 less 0.00 paid before",
        "year to date 2027-Q1: 555.56 less 0.00 paid before"]   # the year to date says what it paid
    assert [{**r, "note": ""} for r in closed] == calc_rows
    assert [(r["actual"], r["target"], r["attainment"]) for r in calc_rows[:2]] == [
        ("0.900000", "0.900000", "1.000000"), ("40000.00", "", "")]
    # Q2's year to date: C1 renewed 190,000 of 200,000 renewable, GRR 0.950000 against 0.900000, a = 1.055556
    q2 = tmp_path / "close-q2"
    assert close(files, db, q2, "2027-Q2", "2027-Q2") == 0
    first = _rows(q2)[0]
    assert (first["component"], first["actual"], first["target"], first["attainment"], first["share"],
            first["target_incentive"]) == ("renewal", "0.950000", "0.900000", "1.055556", "1.111112", "10000.00")
    assert _rows(q2)[1]["actual"] == "20000.00"
