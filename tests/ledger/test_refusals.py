"""Bad input and a refusing database: a clear message naming the place, exit 1, the ledger unchanged."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from tests.ledger.conftest import write
from tests.ledger.year import project
from xlcomp.cli import main
from xlcomp.ledger.schema import BOOKS, CLOSES, CSM_PERIOD_SETS, LINE_SETS, SHARE_SETS

PYTHON = sys.executable
ROOT = Path(__file__).resolve().parents[2]


def close(files: dict[str, Path], db: str, out: Path, period: str, accounts: str, *extra: str) -> int:
    return main(["close", "--plan", str(files["plan"]), "--roster", str(files["roster"]),
                 "--accounts", str(files[accounts]), "--period", period, "--out", str(out), "--db", db,
                 "--by", "tester", "--no-workbook", *extra])


def counts(db: str) -> tuple[int, int, int, int, int]:
    """Rows of closes, lines, per-CSM periods, clawback share sets and kept books."""
    engine = create_engine(db)
    with engine.connect() as connection:
        found = tuple(int(connection.execute(select(func.count()).select_from(t)).scalar_one())
                      for t in (CLOSES, SHARE_SETS, BOOKS))
        lines, csms = (int(connection.execute(select(func.coalesce(func.sum(t.c.rows), 0))).scalar_one())
                       for t in (LINE_SETS, CSM_PERIOD_SETS))   # each close's set holds its lines, its CSMs
    found = (found[0], lines, csms, *found[1:])
    engine.dispose()
    return found  # type: ignore[return-value]


def test_periods_close_in_order_within_the_plan_year(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "closing out of order: 2027-Q1 of the plan year starting 2027-01-01 is not closed; close 2027-Q1 first" \
        in err
    assert not (tmp_path / "q2").exists()
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    assert close(files, db_url, tmp_path / "q3", "2027-Q3", "2027-Q3") == 1
    assert "2027-Q2 of the plan year" in " ".join(capsys.readouterr().err.split())
    assert counts(db_url) == (1, 8, 3, 1, 1)
    # a reopen of a period never closed
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2", "--reopen", "--reason", "x") == 1
    assert "is not closed: there is nothing to reopen" in " ".join(capsys.readouterr().err.split())


def test_a_fiscal_year_starts_at_year_start(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    plan = files["plan"].read_text().replace("period: quarter", "period: month\nyear_start: 2027-02-01")
    files["plan"].write_text(plan)
    assert close(files, db_url, tmp_path / "jan", "2027-01", "2027-Q1") == 1
    assert "2026-02 to 2026-12 (11 periods) of the plan year starting 2026-02-01 are not closed; close 2026-02 first" \
        in " ".join(capsys.readouterr().err.split())
    assert close(files, db_url, tmp_path / "feb", "2027-02", "2027-Q1") == 0  # the first month of FY2027
    assert close(files, db_url, tmp_path / "mar", "2027-03", "2027-Q1") == 0


def test_closed_lines_are_never_rewritten(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    engine = create_engine(db_url)
    with engine.connect() as connection:
        before = [tuple(r) for r in connection.execute(select(LINE_SETS).order_by(LINE_SETS.c.close_id))]
    assert close(files, db_url, tmp_path / "q1b", "2027-Q1", "2027-Q2", "--reopen", "--reason", "new book") == 0
    with engine.connect() as connection:
        after = [tuple(r) for r in connection.execute(select(LINE_SETS).order_by(LINE_SETS.c.close_id))]
        versions = [tuple(r) for r in connection.execute(select(CLOSES.c.period, CLOSES.c.version, CLOSES.c.reason))]
    engine.dispose()
    assert after[:len(before)] == before and len(after) > len(before)   # Q1's lines, byte for byte, and Q1@2's
    assert versions == [("2027-Q1", 1, None), ("2027-Q1", 2, "new book")]


def test_churn_rows_for_unknown_or_unpaid_accounts(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    churn = write(tmp_path / "churn.csv", """
        account_id,churn_date
        ZZ9,2027-04-02
        K1,2027-04-02
        B1,someday
        """)
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2", "--churn", str(churn)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert 'churn.csv:4 churn_date: "someday" is not a date (use YYYY-MM-DD)' in err
    churn.write_text("account_id,churn_date\nZZ9,2027-04-02\nK1,2027-04-02\n")
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2", "--churn", str(churn)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert 'churn.csv:2 account_id: "ZZ9" is not an account of this period or of any share' in err
    assert 'churn.csv:3 account_id: "K1" was never paid by a clawback component' in err
    assert counts(db_url) == (1, 8, 3, 1, 1)
    assert not (tmp_path / "q2").exists()


def test_a_draw_without_a_type(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    files["roster"].write_text(files["roster"].read_text().replace("3000,recoverable", "3000,"))
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "roster.csv:3 draw_type: is blank: a draw of 3000 needs a type (recoverable or guarantee)" in err


def test_a_locked_sqlite_ledger(tmp_path, capsys):
    files = project(tmp_path / "in")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}?timeout=0.5"
    assert close(files, db, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    holder = sqlite3.connect(tmp_path / "ledger.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert close(files, db, tmp_path / "q2", "2027-Q2", "2027-Q2") == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    err = " ".join(capsys.readouterr().err.split())
    assert "ledger.sqlite?timeout=0.5: the ledger is locked by another program" in err and "Traceback" not in err
    assert not (tmp_path / "q2").exists()
    assert counts(db) == (1, 8, 3, 1, 1)


def test_an_unreachable_ledger(tmp_path, capsys):
    files = project(tmp_path / "in")
    db = "postgresql+psycopg://nobody:secret@127.0.0.1:9/ledger?connect_timeout=2"
    assert close(files, db, tmp_path / "q1", "2027-Q1", "2027-Q1") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "cannot reach the ledger" in err and "secret" not in err and "Traceback" not in err
    assert close(files, "sqlite:////no/such/folder/ledger.sqlite", tmp_path / "q1", "2027-Q1", "2027-Q1") == 1
    assert "the folder /no/such/folder does not exist" in " ".join(capsys.readouterr().err.split())


def test_a_ledger_written_by_a_newer_schema(tmp_path, db_url, capsys):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE xlcomp_ledger_version SET version_num = '9999'"))
    engine.dispose()
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2") == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "the ledger was written by a newer xlcomp (schema revision 9999; this xlcomp knows up to 0003)" in err
    assert not (tmp_path / "q2").exists()


@pytest.mark.parametrize("step", ["insert_csm_periods", "stage"])
def test_a_close_killed_half_way_leaves_the_ledger_unchanged(tmp_path, db_url, step):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    before = counts(db_url)
    # A separate process closes Q2 and is killed (SIGKILL, no clean-up) in the middle of its transaction:
    # after the lines are written (one compressed Arrow table), as the per-CSM balances are inserted, or
    # while the outputs are staged.
    marker = tmp_path / "inside"
    script = textwrap.dedent(f"""
        import os, signal, time
        from pathlib import Path
        from xlcomp.cli import main

        def kill_here(*args, **kwargs):
            Path({str(marker)!r}).write_text("1")
            time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGKILL)

        step = {step!r}
        if step == "stage":
            import xlcomp.ledger.outputs as outputs
            outputs.close_summary_csv = kill_here
        else:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            @event.listens_for(Engine, "after_cursor_execute")
            def inserted(connection, cursor, statement, *args):
                if statement.startswith("INSERT INTO ledger_csm_period_sets"):
                    assert connection.exec_driver_sql("SELECT sum(rows) FROM ledger_line_sets").scalar() > 8
                    kill_here()
        main(["close", "--plan", {str(files["plan"])!r}, "--roster", {str(files["roster"])!r},
              "--accounts", {str(files["2027-Q2"])!r}, "--period", "2027-Q2", "--out", {str(tmp_path / "q2")!r},
              "--db", {db_url!r}, "--no-workbook"])
    """)
    process = subprocess.run([PYTHON, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert marker.exists()
    time.sleep(0.2)
    assert counts(db_url) == before
    assert not (tmp_path / "q2" / "payouts.csv").exists()
    # and the ledger still works: Q2 closes
    assert close(files, db_url, tmp_path / "q2", "2027-Q2", "2027-Q2") == 0


def test_reading_a_ledger_that_does_not_exist_creates_none(tmp_path, capsys):
    missing = tmp_path / "typo.sqlite"
    db = f"sqlite:///{missing}"
    assert main(["ledger", "show", "--db", db]) == 1
    assert main(["ledger", "export", "--db", db, "--out", str(tmp_path / "l.xlsx")]) == 1
    assert main(["diff", "ledger:2027-Q1@1", "ledger:2027-Q1@1", "--db", db, "--out", str(tmp_path / "d")]) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert f"there is no ledger at {missing}: close a period first" in err and "Traceback" not in err
    assert not missing.exists() and not (tmp_path / "l.xlsx").exists() and not (tmp_path / "d").exists()
