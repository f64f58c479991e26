"""Clawback shares that follow the credited amounts (SPEC sections 9 and 10), on SQLite and PostgreSQL: a
moved or split account's share of a commission is split between the CSMs it credited, a plan version part's
line is shared over the accounts that part paid on, and a later churn claws back from each CSM who was paid.

Quarter 2027-Q1 has 90 days. ``renewals`` pays 10% of renewed ARR, capped at 10,000.00 a quarter, with a
90-day clawback (so shares are not simply 10% of the credited amounts).
"""

from __future__ import annotations

import csv
import dataclasses
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine

from tests.ledger.conftest import write
from xlcomp.cli import main
from xlcomp.ledger.clawbacks import clawback_windows, window_days
from xlcomp.ledger.store import share_table
from xlcomp.load.plan import parse_plan

D = Decimal
PLAN = """
id: credit-clawback
name: Credit clawback
currency: USD
period: quarter
components:
  - id: renewals
    kind: commission
    metric: renewed_arr
    rate: 0.1
    cap_amount: 10000
    clawback: {days: 90}
"""
ROSTER = """
csm_id,name,segment,role,base_salary,target_variable,start_date,end_date,manager
A,Ann,SMB,CSM,100000,40000,2020-01-01,,M
B,Bo,SMB,CSM,100000,40000,2020-01-01,,M
C,Cy,SMB,CSM,100000,40000,2020-01-01,,M
"""


def close(folder: Path, db: str, out: Path, period: str, accounts: str, *extra: str) -> int:
    return main(["close", "--plan", str(folder / "plan.yaml"), "--roster", str(folder / "roster.csv"),
                 "--accounts", str(folder / accounts), "--period", period, "--out", str(out), "--db", db,
                 "--by", "tester", "--no-workbook", *extra])


def lines(out: Path) -> list[tuple[str, str, str, str]]:
    with open(out / "payouts.csv", newline="") as handle:
        return [(r["csm_id"], r["kind"], r["component"], r["payout"]) for r in csv.DictReader(handle)]


def shares(db: str, close_id: int) -> list[tuple[str, str, str, Decimal, Decimal]]:
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            table = share_table(connection, close_id)
    finally:
        engine.dispose()
    return sorted(zip(table["component"].to_pylist(), table["csm_id"].to_pylist(), table["account_id"].to_pylist(),
                      table["amount"].to_pylist(), table["share"].to_pylist(), strict=True))


def test_a_moved_and_a_split_account_are_clawed_back_from_each_credited_csm(tmp_path, db_url):
    """a1 (A's, 90,000 renewed) moves to B on 2027-01-31: A owns it 30 days (Jan 1-30), B 60 (Jan 31-Mar 31).
    s1 (C's, 100,000) is split A 0.6 / B 0.4; a2 (A's, 50,000) and c1 (C's, 20,000) stay.

    Q1 renewals: A (90,000 x 30/90 + 50,000 + 100,000 x 0.6) = 30,000 + 50,000 + 60,000 = 140,000 x 10%
    = 14,000, capped at 10,000.00; B 90,000 x 60/90 + 100,000 x 0.4 = 60,000 + 40,000 = 100,000 x 10%
    = 10,000.00; C 20,000 x 10% = 2,000.00 (s1 credits C nothing).

    Shares, ROUND(payout x credited amount / Σ credited amounts, 2):
    A a1 10,000 x 30,000 / 140,000 = 2,142.857… -> 2,142.86; a2 x 50,000 / 140,000 = 3,571.428… -> 3,571.43;
      s1 x 60,000 / 140,000 = 4,285.714… -> 4,285.71 (2,142.86 + 3,571.43 + 4,285.71 = 10,000.00, no remainder);
    B a1 10,000 x 60,000 / 100,000 = 6,000.00; s1 x 40,000 / 100,000 = 4,000.00;
    C c1 2,000.00.
    (By the accounts file's csm_id they would be A a1 10,000 x 90/140 = 6,428.57 and a2 3,571.43, C s1 and c1.)

    Q2 (no renewals), churn: a1 on 2027-05-10 and s1 on 2027-06-01, both within 90 days of 2027-03-31
    (2027-06-29): A -2,142.86 and -4,285.71, B -6,000.00 and -4,000.00; C nothing. A's gross -6,428.57 and
    B's -10,000.00 become their balances owed; payable 0.00.
    """
    folder = tmp_path / "in"
    write(folder / "plan.yaml", PLAN)
    write(folder / "roster.csv", ROSTER)
    write(folder / "q1.csv", """
        account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr
        a1,A,SMB,100000,100000,90000
        a2,A,SMB,50000,50000,50000
        s1,C,SMB,100000,100000,100000
        c1,C,SMB,20000,20000,20000
        """)
    write(folder / "q2.csv", """
        account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr
        a1,B,SMB,100000,0,0
        a2,A,SMB,50000,0,0
        s1,C,SMB,100000,0,0
        c1,C,SMB,20000,0,0
        """)
    moves = write(folder / "moves.csv", "account_id,to_csm,effective\na1,B,2027-01-31\n")
    splits = write(folder / "splits.csv", "account_id,csm_id,share\ns1,A,0.6\ns1,B,0.4\n")
    churn = write(folder / "churn.csv", "account_id,churn_date\na1,2027-05-10\ns1,2027-06-01\n")

    assert close(folder, db_url, tmp_path / "q1", "2027-Q1", "q1.csv", "--moves", str(moves),
                 "--splits", str(splits)) == 0
    assert lines(tmp_path / "q1") == [("A", "commission", "renewals", "10000.00"),
                                      ("B", "commission", "renewals", "10000.00"),
                                      ("C", "commission", "renewals", "2000.00")]
    # the amount kept with a share is the credited amount (a1: 90,000 x 30/90 and x 60/90; s1: x 0.6 and x 0.4)
    assert shares(db_url, 1) == [
        ("renewals", "A", "a1", D("30000.0000"), D("2142.86")), ("renewals", "A", "a2", D("50000.0000"), D("3571.43")),
        ("renewals", "A", "s1", D("60000.0000"), D("4285.71")), ("renewals", "B", "a1", D("60000.0000"), D("6000.00")),
        ("renewals", "B", "s1", D("40000.0000"), D("4000.00")), ("renewals", "C", "c1", D("20000.0000"), D("2000.00"))]

    assert close(folder, db_url, tmp_path / "q2", "2027-Q2", "q2.csv", "--churn", str(churn)) == 0
    clawed = [row for row in lines(tmp_path / "q2") if row[1] == "clawback"]
    assert sorted(clawed) == [("A", "clawback", "renewals", "-2142.86"), ("A", "clawback", "renewals", "-4285.71"),
                              ("B", "clawback", "renewals", "-4000.00"), ("B", "clawback", "renewals", "-6000.00")]
    with open(tmp_path / "q2" / "summary.csv", newline="") as handle:
        summary = {r["csm_id"]: (r["payout_total"], r["payable"], r["balance_out"]) for r in csv.DictReader(handle)}
    # A: -2,142.86 - 4,285.71 = -6,428.57; B: -6,000.00 - 4,000.00 = -10,000.00
    assert summary == {"A": ("-6428.57", "0.00", "6428.57"), "B": ("-10000.00", "0.00", "10000.00"),
                       "C": ("0.00", "0.00", "0.00")}
    with open(tmp_path / "q2" / "payouts.csv", newline="") as handle:
        notes = {(r["csm_id"], r["note"]) for r in csv.DictReader(handle) if r["kind"] == "clawback"}
    assert ("B", "a1 churned 2027-05-10, within 90 days of the end of 2027-Q1 (share 6000.00 of 2027-Q1@1)") in notes


def test_each_plan_version_part_is_clawed_back_on_the_accounts_it_paid_on(tmp_path, db_url):
    """Without the cap, v2 (20% on renewals, the same clawback) is effective 2027-02-01: part 1 is Jan 1-31
    (31 days), part 2 Feb 1-Mar 31 (59 days). A's accounts: a1 90,000 booked 2027-01-20 (part 1), a2 50,000
    booked 2027-03-01 (part 2), a3 30,000 with no booking date (31/90 and 59/90 of it).

    Part 1: 90,000 + ROUND(30,000 x 31/90, 6) = 90,000 + 10,333.333333 = 100,333.333333 x 10% = 10,033.33.
    Part 2: 50,000 + ROUND(30,000 x 59/90, 6) = 50,000 + 19,666.666667 = 69,666.666667 x 20% = 13,933.33.

    Shares, on the exact weights (booked: amount x 90, undated: amount x the part's days, over 90):
    part 1: a1 10,033.33 x 8,100,000 / (8,100,000 + 930,000) = 10,033.33 x 810/903 = 8,999.997… -> 9,000.00,
            a3 10,033.33 x 93/903 = 1,033.333… -> 1,033.33 (9,000.00 + 1,033.33 = 10,033.33);
    part 2: a2 13,933.33 x 4,500,000 / (4,500,000 + 1,770,000) = 13,933.33 x 450/627 = 9,999.997… -> 10,000.00,
            a3 13,933.33 x 177/627 = 3,933.332… -> 3,933.33 (10,000.00 + 3,933.33 = 13,933.33).
    (a2 has no share of part 1 and a1 none of part 2: they were booked in the other part.)

    Q2 is closed with v2 alone; a3 churns 2027-05-01: A -1,033.33 (renewals@2027-01-01) and -3,933.33
    (renewals@2027-02-01); a1 churns 2027-04-15: -9,000.00 of part 1 only. A's Q2 gross: -1,033.33 - 3,933.33
    - 9,000.00 = -13,966.66.
    """
    folder = tmp_path / "in"
    uncapped = PLAN.replace("    cap_amount: 10000\n", "")
    write(folder / "plan.yaml", uncapped)
    v2 = write(folder / "v2.yaml", "effective: 2027-02-01\n" + uncapped.replace("rate: 0.1", "rate: 0.2"))
    write(folder / "roster.csv", ROSTER)
    write(folder / "q1.csv", """
        account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,booked_on
        a1,A,SMB,90000,90000,90000,2027-01-20
        a2,A,SMB,50000,50000,50000,2027-03-01
        a3,A,SMB,30000,30000,30000,
        """)
    write(folder / "q2.csv", """
        account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr
        a1,A,SMB,90000,0,0
        a2,A,SMB,50000,0,0
        a3,A,SMB,30000,0,0
        """)
    churn = write(folder / "churn.csv", "account_id,churn_date\na3,2027-05-01\na1,2027-04-15\n")
    assert close(folder, db_url, tmp_path / "q1", "2027-Q1", "q1.csv", "--plan", str(v2)) == 0
    assert [row for row in lines(tmp_path / "q1") if row[0] == "A"] == [
        ("A", "commission", "renewals@2027-01-01", "10033.33"), ("A", "commission", "renewals@2027-02-01", "13933.33")]
    # the amount kept: a part's amount of the account (a3: ROUND(30,000 x 31/90, 4) = 10,333.3333, x 59/90 =
    # 19,666.6667)
    assert shares(db_url, 1) == [
        ("renewals@2027-01-01", "A", "a1", D("90000.0000"), D("9000.00")),
        ("renewals@2027-01-01", "A", "a3", D("10333.3333"), D("1033.33")),
        ("renewals@2027-02-01", "A", "a2", D("50000.0000"), D("10000.00")),
        ("renewals@2027-02-01", "A", "a3", D("19666.6667"), D("3933.33"))]

    assert close(folder, db_url, tmp_path / "q2", "2027-Q2", "q2.csv", "--churn", str(churn)) == 0
    clawed = [row for row in lines(tmp_path / "q2") if row[1] == "clawback"]
    assert sorted(clawed) == [("A", "clawback", "renewals@2027-01-01", "-1033.33"),
                              ("A", "clawback", "renewals@2027-01-01", "-9000.00"),
                              ("A", "clawback", "renewals@2027-02-01", "-3933.33")]
    with open(tmp_path / "q2" / "summary.csv", newline="") as handle:
        assert {r["csm_id"]: r["payout_total"] for r in csv.DictReader(handle)}["A"] == "-13966.66"


def test_a_share_finds_its_window_by_its_part_or_by_its_component():
    # the closing plan plain (renewals, 90 days): a part's share (renewals@2027-01-01) takes renewals' window
    plain = parse_plan(PLAN)
    windows = clawback_windows(plain)
    assert window_days(windows, "renewals@2027-01-01") == 90 and window_days(windows, "renewals") == 90
    assert window_days(windows, "upsell") is None
    # the closing period split by versions (30 days from 2027-04-01, 60 from 2027-05-15): a part's own id takes
    # its part's window; a plain share or another period's part takes the latest part's, 60
    [renewals] = plain.components
    split = dataclasses.replace(plain, components=(
        dataclasses.replace(renewals, id="renewals@2027-04-01", clawback_days=30),
        dataclasses.replace(renewals, id="renewals@2027-05-15", clawback_days=60)))
    windows = clawback_windows(split)
    assert window_days(windows, "renewals@2027-04-01") == 30
    assert window_days(windows, "renewals") == 60 and window_days(windows, "renewals@2027-01-01") == 60


SPIF_PLAN = """
id: spif-clawback
name: SPIF clawback
currency: USD
period: quarter
components:
  - id: feb_spif
    kind: commission
    metric: upsell_arr
    rate: 0.1
    window: {from: 2027-02-01, to: 2027-02-14}
    clawback: {days: 90}
"""


def test_a_spif_is_shared_and_clawed_back_only_on_the_accounts_booked_in_its_window(tmp_path, db_url, capsys):
    """The SPIF pays 10% of the upsell ARR booked from 2027-02-01 to 2027-02-14. A: u1 10,000 booked Feb 5 (in the
    window), u2 30,000 booked Mar 10 and u3 5,000 with no date (neither counts): SPIF 10,000 x 10% = 1,000.00.

    Its clawback share is all u1's (1,000.00 x 10,000 / 10,000); u2 and u3 earned no SPIF, so they have no share.
    (Before, the share was spread over A's whole book: u1 1,000 x 10/45 = 222.22, u2 666.67, u3 111.11, and u2's
    churn clawed back 666.67 of a SPIF it never earned.)

    Q2's plan (the same plan year) has no SPIF any more: the share keeps the 90-day window it was paid with.
    Churn: u2 on 2027-04-20 is refused (it was never paid a SPIF: exit 1, nothing written); u1 on 2027-06-01
    (within 90 days of 2027-03-31) claws back -1,000.00.
    """
    folder = tmp_path / "in"
    write(folder / "plan.yaml", SPIF_PLAN)
    write(folder / "roster.csv", ROSTER)
    write(folder / "q1.csv", """
        account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr,booked_on
        u1,A,SMB,0,0,0,10000,2027-02-05
        u2,A,SMB,0,0,0,30000,2027-03-10
        u3,A,SMB,0,0,0,5000,
        """)
    write(folder / "q2.csv", """
        account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr,booked_on
        u1,A,SMB,0,0,0,0,
        u2,A,SMB,0,0,0,0,
        u3,A,SMB,0,0,0,0,
        """)
    assert close(folder, db_url, tmp_path / "q1", "2027-Q1", "q1.csv") == 0
    assert [row for row in lines(tmp_path / "q1") if row[0] == "A"] == [("A", "commission", "feb_spif", "1000.00")]
    assert shares(db_url, 1) == [("feb_spif", "A", "u1", D("10000.0000"), D("1000.00"))]

    write(folder / "plan.yaml", SPIF_PLAN.split("  - id: feb_spif", maxsplit=1)[0]   # Q2's plan: the same id, no SPIF
          + "  - id: renewals\n    kind: commission\n    metric: renewed_arr\n    rate: 0.1\n")
    churn = write(folder / "churn.csv", "account_id,churn_date\nu2,2027-04-20\n")
    assert close(folder, db_url, tmp_path / "q2", "2027-Q2", "q2.csv", "--churn", str(churn)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert 'churn.csv:2 account_id: "u2" was never paid by a clawback component' in err
    assert not (tmp_path / "q2").exists()
    churn = write(folder / "churn.csv", "account_id,churn_date\nu1,2027-06-01\n")
    assert close(folder, db_url, tmp_path / "q2", "2027-Q2", "q2.csv", "--churn", str(churn)) == 0
    assert [row for row in lines(tmp_path / "q2") if row[1] == "clawback"] == [
        ("A", "clawback", "feb_spif", "-1000.00")]
