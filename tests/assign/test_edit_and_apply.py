"""The assignment workbook as finance uses it: LibreOffice recalculates the Balance sheet from the Assignment
table, an edited owner shows its effect, and the edited workbook goes back in through ``--apply``."""

from __future__ import annotations

import time
from dataclasses import replace
from decimal import Decimal

import numpy as np
import openpyxl
import pytest

from tests.assign.test_assign import BOOK, TEAM, _block
from xlcomp.assign import Rules, apply_assignment, assign
from xlcomp.assign.solve import solve_block
from xlcomp.cli import main
from xlcomp.errors import InputError
from xlcomp.ooxml.libreoffice import recalculate


def balance_after(path) -> dict[str, tuple[float, int]]:
    sheet = openpyxl.load_workbook(path, data_only=True)["Balance"]
    header = [c.value for c in sheet[1]]
    arr, count = header.index("arr_after"), header.index("accounts_after")
    return {row[0].value: (row[arr].value, row[count].value) for row in sheet.iter_rows(min_row=2)}


def test_an_edited_owner_is_recalculated_by_libreoffice_and_applied(tmp_path):
    result = assign(TEAM, BOOK, Rules(tolerance=0, move_cost=0), period="2027-Q2")
    [written] = [p for p in result.write(tmp_path / "proposed") if p.suffix == ".xlsx"]
    # the proposal (test_assign.py): A holds a1 and a2, B a3 and a4, 100 each: 200 and 2 accounts apiece
    [recomputed] = recalculate([written], tmp_path / "recalc")
    assert balance_after(recomputed) == {"A": (200, 2), "B": (200, 2)}

    book = openpyxl.load_workbook(written)
    sheet = book["Assignment"]
    assert [c.value for c in sheet[1]][:3] == ["account_id", "from_csm", "to_csm"]
    assert sheet["C2"].value == "A" and sheet["C2"].protection.locked is False  # to_csm is the editable column
    sheet["C2"] = "B"  # finance gives a1 back to B
    edited = tmp_path / "edited" / "assignment.xlsx"
    edited.parent.mkdir()
    book.save(edited)
    [recomputed] = recalculate([edited], tmp_path / "recalc-edited")
    # A keeps a2 only: 100 and 1 account; B gets a1, a3, a4: 300 and 3
    assert balance_after(recomputed) == {"A": (100, 1), "B": (300, 3)}

    applied = apply_assignment(TEAM, BOOK, edited, Rules(tolerance=0, move_cost=0), period="2027-Q2")
    assert {r.account_id: r.to_csm for r in applied.rows} == {"a1": "B", "a2": "A", "a3": "B", "a4": "B"}
    # with tolerance 0 both books must hold exactly 200 and 2 accounts: the edit breaks all four bounds
    assert applied.status == "as edited in assignment.xlsx; 4 CSMs outside their bounds"
    assert "outside its bounds: A ARR 100 (bounds 200–200)" in applied.solver_text()
    balance = {b.csm_id: b for b in applied.balance}
    assert (balance["A"].arr_after, balance["A"].accounts_after) == (100, 1)
    assert applied.rows[0].reason == "stays in assignment.xlsx"  # a1 was B's before the proposal too
    targets = {t.csm_id: t for t in applied.targets}
    # B's new book: risk (90 + 10 + 20) / 3 = 40 -> 0.92 - 0.001 x (40 - 50) = 0.93; A's (a2 alone): 80 -> 0.89
    assert targets["B"].book_risk == 40 and targets["B"].retention_target == Decimal("0.93")
    assert targets["A"].retention_target == Decimal("0.89")

    TEAM.to_csv(tmp_path / "roster.csv", index=False)
    BOOK.to_csv(tmp_path / "accounts.csv", index=False)
    out = tmp_path / "applied"
    assert main(["assign", "-r", str(tmp_path / "roster.csv"), "-a", str(tmp_path / "accounts.csv"), "--period",
                 "2027-Q2", "--apply", str(edited), "--out", str(out)]) == 0
    lines = (out / "assignment.csv").read_text().splitlines()
    assert lines[1].startswith("a1,B,B,no,100,")
    assert (out / "solver.txt").read_text().startswith("status: as edited in assignment.xlsx")


def test_an_edit_that_breaks_a_rule_names_its_cell_and_writes_nothing(tmp_path):
    team = TEAM.assign(end_date=["", "2027-05-31"])  # B leaves inside 2027-Q2
    (tmp_path / "edited.csv").write_text("account_id,to_csm\na1,A\na2,B\na3,Z\na4,A\na1,A\n")
    with pytest.raises(InputError) as caught:
        apply_assignment(team, BOOK, tmp_path / "edited.csv", Rules(tolerance=1), period="2027-Q2")
    message = str(caught.value)
    assert "edited.csv:3 to_csm: B leaves on 2027-05-31 (by the end of 2027-Q2) and can get no accounts" in message
    assert 'edited.csv:4 to_csm: "Z" is not a CSM of the roster' in message
    assert "edited.csv:6 account_id: a1 is already at edited.csv:2" in message
    team.to_csv(tmp_path / "roster.csv", index=False)
    BOOK.to_csv(tmp_path / "accounts.csv", index=False)
    out = tmp_path / "out"
    assert main(["assign", "-r", str(tmp_path / "roster.csv"), "-a", str(tmp_path / "accounts.csv"), "--period",
                 "2027-Q2", "--apply", str(tmp_path / "edited.csv"), "--out", str(out)]) == 1
    assert not out.exists()


def test_an_impossible_balance_exits_1_saying_by_how_much_and_writes_nothing(tmp_path, capsys):
    TEAM.assign(capacity_arr=[150, 150]).to_csv(tmp_path / "roster.csv", index=False)
    BOOK.to_csv(tmp_path / "accounts.csv", index=False)
    out = tmp_path / "out"
    assert main(["assign", "-r", str(tmp_path / "roster.csv"), "-a", str(tmp_path / "accounts.csv"), "--period",
                 "2027-Q2", "--out", str(out)]) == 1
    # four accounts of 100 against two CSMs capped at 150: 400 - 300 = 100 short
    said = capsys.readouterr()
    assert "ARR 400 is above what its 2 CSMs may hold, 300" in said.err + said.out
    assert "short by 100" in said.err + said.out
    assert "Traceback" not in said.err + said.out
    assert not out.exists()


def test_past_its_deadline_a_large_block_still_gives_a_feasible_assignment_and_a_proven_bound():
    rng = np.random.default_rng(3)
    block = _block(rng, 1500, 12, 0.3, 0.1)  # 18,000 pairs: cut into groups, bounded by the Lagrangian
    solution = solve_block(block, time.perf_counter() - 1.0, 0.0)
    assert solution.timed_out and "groups" in solution.notes[0]
    arr = np.bincount(solution.to, weights=block.r, minlength=block.csms)
    count = np.bincount(solution.to, minlength=block.csms)
    assert np.all(arr >= block.L - 1e-6) and np.all(arr <= block.U + 1e-6)
    assert np.all(count >= block.NL) and np.all(count <= block.NU)
    assert solution.objective == pytest.approx(float(block.scores(np.arange(1500), solution.to).sum()))
    assert solution.bound >= solution.objective


def test_the_status_says_when_the_time_limit_stopped_it_and_when_it_was_overrun():
    result = assign(TEAM, BOOK, Rules(tolerance=0, move_cost=0), period="2027-Q2", time_limit=30)
    assert result.status.startswith("optimal in ") and result.status.endswith("s (time limit 30s)")
    # a run the limit stopped: objective 98, bound 100 -> a proven gap of (100 - 98) / 100 = 2.00%
    stopped = replace(result.solution, objective=98.0, bound=100.0, optimal=False, timed_out=True, seconds=75.0,
                      time_limit=60.0)
    result.solution = stopped
    assert result.status == ("the time limit stopped it: best assignment found, at a proven gap of 2.00% in 75.0s "
                             "(time limit 60s, overrun: the least work that gives a feasible assignment and its "
                             "proof took longer here)")
