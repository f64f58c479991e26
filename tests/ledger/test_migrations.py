"""Schema migrations: a ledger left at revision 0001 (clawback shares one row per account, no recorded
inputs) is upgraded on first use, and its share rows still claw back."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, delete, insert, inspect, text

from tests.ledger.test_year import close, lines
from tests.ledger.year import project
from xlcomp.ledger.db import SCHEMA_HEAD, _alembic_config
from xlcomp.ledger.schema import SHARE_SETS, SHARES
from xlcomp.ledger.store import share_table


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
