"""Schema migrations: a ledger left at revision 0001 (clawback shares one row per account, no recorded
inputs) is upgraded on first use, and its share rows still claw back; a ledger at revision 0002 (a row per
line and per CSM) is upgraded, its rows moved into one stored table per close, and reads the same."""

from __future__ import annotations

import csv
from decimal import Decimal as D

from alembic import command
from sqlalchemy import create_engine, delete, insert, inspect, text

from tests.ledger.test_year import close, lines
from tests.ledger.year import project
from xlcomp.cli import main
from xlcomp.ledger.db import SCHEMA_HEAD, _alembic_config
from xlcomp.ledger.schema import SHARE_SETS, SHARES
from xlcomp.ledger.store import csm_periods_of, lines_of, share_table


def test_a_0001_ledger_is_upgraded_and_its_share_rows_still_claw_back(tmp_path, db_url):
    engine = create_engine(db_url)
    with engine.begin() as connection:   # an empty ledger as the first xlcomp with a ledger made it
        command.upgrade(_alembic_config(connection), "0001")
    with engine.connect() as connection:
        schema = inspect(connection)
        assert schema.has_table("ledger_shares") and not schema.has_table("ledger_share_sets")
        assert "inputs" not in {c["name"] for c in schema.get_columns("ledger_closes")}
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0   # opening it upgrades it
    with engine.begin() as connection:
        assert connection.execute(text("SELECT version_num FROM xlcomp_ledger_version")).scalar() == SCHEMA_HEAD
        # Q1's shares as a 0001 close recorded them: one row per account. Upsell 10% of C1's 40,000 = 4,000.00:
        # A1 10,000 -> 1,000.00, A2 30,000 -> 3,000.00; C2's 500.00 all on B1.
        shares = share_table(connection, 1).to_pylist()
        assert [(s["account_id"], s["csm_id"], s["share"]) for s in shares] == [
            ("A1", "C1", 1000), ("A2", "C1", 3000), ("B1", "C2", 500)]
        connection.execute(insert(SHARES), [{**s, "close_id": 1, "amount": f"{s['amount']:f}"} for s in shares])
        connection.execute(delete(SHARE_SETS))
        assert share_table(connection, 1).to_pylist() == shares   # read back from the rows, the same
    engine.dispose()
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2") == 0
    # Q3: A1 churned 2027-06-15, inside Q1's 90-day window: its 1,000.00 share of Q1 comes back from C1
    assert close(files, db_url, tmp_path / "q3", "2027-Q3", "2027-Q3", "--churn", str(files["churn"])) == 0
    assert ("C1", "clawback", "upsell", "-1000.00") in lines(tmp_path / "q3")


def test_a_0002_ledger_is_upgraded_and_its_line_rows_read_the_same(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    capsys.readouterr()
    assert main(["ledger", "show", "--db", db_url]) == 0
    shown = capsys.readouterr().out
    engine = create_engine(db_url)
    with engine.connect() as connection:
        recorded = lines_of(connection, [1]), csm_periods_of(connection, [1])
    with engine.begin() as connection:   # the ledger as revision 0002 kept it: a row per line and per CSM
        command.downgrade(_alembic_config(connection), "0002")
    with engine.connect() as connection:
        schema = inspect(connection)
        assert schema.has_table("ledger_lines") and not schema.has_table("ledger_line_sets")
        rows = connection.execute(text("SELECT csm_id, kind, component, payout FROM ledger_lines ORDER BY seq")).all()
        # Q1 by hand (test_year): C1 renewal 5,000.00 and upsell 10% of 40,000 = 4,000.00; C2 renewal
        # 2,500 x 0.666667 = 1,666.67, upsell 500.00, draw 3,000 - 2,166.67 = 833.33; C3 renewal 555.56,
        # upsell 0.00, guarantee 2,000 - 555.56 = 1,444.44
        assert [(r[0], r[1], r[2], D(r[3])) for r in rows] == [
            ("C1", "bonus", "renewal", D("5000.00")), ("C1", "commission", "upsell", D("4000.00")),
            ("C2", "bonus", "renewal", D("1666.67")), ("C2", "commission", "upsell", D("500.00")),
            ("C2", "draw", "draw", D("833.33")), ("C3", "bonus", "renewal", D("555.56")),
            ("C3", "commission", "upsell", D("0.00")), ("C3", "draw", "draw", D("1444.44"))]
        balances = connection.execute(text("SELECT csm_id, payable, balance_out FROM ledger_csm_periods "
                                           "ORDER BY csm_id")).all()
        # C1 9,000.00 paid; C2 2,166.67 + 833.33 = 3,000.00 paid, 833.33 owed back; C3 2,000.00, nothing owed
        assert [(r[0], D(r[1]), D(r[2])) for r in balances] == [
            ("C1", D("9000.00"), D(0)), ("C2", D("3000.00"), D("833.33")), ("C3", D("2000.00"), D(0))]
    engine.dispose()
    assert main(["ledger", "show", "--db", db_url]) == 0   # opening it upgrades it: the rows become one set each
    assert capsys.readouterr().out == shown
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM xlcomp_ledger_version")).scalar() == SCHEMA_HEAD
        schema = inspect(connection)
        assert not schema.has_table("ledger_lines") and not schema.has_table("ledger_csm_periods")
        assert (lines_of(connection, [1]), csm_periods_of(connection, [1])) == recorded
        assert list(csm_periods_of(connection, [1])[1]) == ["C1", "C2", "C3"]
    engine.dispose()
    # Q2 reads the migrated Q1 (test_year): C1's year-to-date renewal 11,111.12 less the 5,000.00 Q1 paid =
    # 6,111.12; C2's 4,444.45 less 1,666.67 = 2,777.78, and its 833.33 balance recovered: payable 3,777.78 -
    # 833.33 = 2,944.45; C3's 1,666.67 less 555.56 = 1,111.11
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2") == 0
    assert lines(tmp_path / "q2") == [
        ("C1", "bonus", "renewal", "6111.12"), ("C1", "commission", "upsell", "2000.00"),
        ("C2", "bonus", "renewal", "2777.78"), ("C2", "commission", "upsell", "1000.00"),
        ("C3", "bonus", "renewal", "1111.11"), ("C3", "commission", "upsell", "0.00")]
    with open(tmp_path / "q2" / "summary.csv", newline="") as handle:
        assert {r["csm_id"]: (r["balance_in"], r["payable"]) for r in csv.DictReader(handle)} == {
            "C1": ("0.00", "8111.12"), "C2": ("833.33", "2944.45"), "C3": ("0.00", "1111.11")}
