"""Statements of a period split by plan versions with roster changes and account moves (SPEC section 10), and
``xlcomp verify`` recomputing them from what they carry.

The project of tests/test_cli_versions.py (v1 pays 2027-01-01 to 2027-02-14, v2 from 2027-02-15, 45 + 45 days)
with A's target_variable 40,000 -> 52,000 on 2027-03-01, and a2 (A, 60,000 booked Mar 1) moved to B on Feb 20,
a3 (A, 18,000, no booked_on) to B on Feb 1. Worked by hand (tests/engine/test_versions_dated.py):
A renewal 5,000.00 + (40,000 x 14 + 52,000 x 31) x 0.8 / 360 = 4,826.67; upsell part 1 (20,000 + 18,000 x 31 /
90 = 6,200) x 5% = 1,310.00, part 2 0.00: 11,136.67. B 1,400.00 + 3,600.00 + (10,000 + 2,800) x 5% = 640.00 +
(60,000 + 9,000 on 45,000: 2,700 + 2,400) 5,100.00 = 10,740.00.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write
from tests.test_cli import xlcomp
from tests.test_cli_versions import _inputs, _project
from xlcomp.statements.render import html_text


def test_statements_show_each_parts_stretches_and_credit_and_verify(tmp_path: Path) -> None:
    project = _project(tmp_path)
    write(tmp_path / "changes.csv", "csm_id,field,value,effective\nA,target_variable,52000,2027-03-01\n")
    write(tmp_path / "moves.csv", "account_id,to_csm,effective\na2,B,2027-02-20\na3,B,2027-02-01\n")
    out = tmp_path / "statements"
    done = xlcomp("statements", "--plan", project / "plans", *_inputs(project), "--changes",
                  tmp_path / "changes.csv", "--moves", tmp_path / "moves.csv", "--out", out, "--no-pdf")
    assert done.returncode == 0, done.stderr
    a = html_text((out / "A-2027-Q1.html").read_text(encoding="utf-8"))
    assert "(40,000.00 a year × 14 days + 52,000.00 a year × 31 days) / 90 days × 80% × ¼ = 4,826.67" in a
    assert "40,000.00 a year × 100% × ¼ × 45/90 days = 5,000.00" in a
    assert "11,136.67" in a
    b = html_text((out / "B-2027-Q1.html").read_text(encoding="utf-8"))
    assert "10,740.00" in b
    checked = xlcomp("verify", out / "A-2027-Q1.html", out / "B-2027-Q1.html")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_spif_statement_with_a_move_shows_the_credited_window_and_verifies(tmp_path: Path) -> None:
    from tests.test_cli_ramps_spifs import _args
    from tests.test_cli_ramps_spifs import _project as spif_project

    project = spif_project(tmp_path)
    # c1 (C, 20,000 booked 2027-02-10) moves to A on its booked day (tests/test_cli_ramps_spifs.py): A's
    # feb_spif is (10,000 + 20,000) x 10% = 3,000, capped at 1,500.00; C's 0.00; A's total 13,540.00
    write(tmp_path / "moves.csv", "account_id,to_csm,effective\nc1,A,2027-02-10\n")
    out = tmp_path / "statements"
    done = xlcomp("statements", *_args(project, "--moves", tmp_path / "moves.csv", "--out", out, "--no-pdf"))
    assert done.returncode == 0, done.stderr
    a = html_text((out / "A-2027-Q1.html").read_text(encoding="utf-8"))
    assert "13,540.00" in a and "1,500.00" in a
    assert "13,540.00" not in html_text((out / "C-2027-Q1.html").read_text(encoding="utf-8"))
    checked = xlcomp("verify", out / "A-2027-Q1.html", out / "C-2027-Q1.html")
    assert checked.returncode == 0, checked.stdout + checked.stderr
