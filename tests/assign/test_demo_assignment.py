"""The demo's assignment: next quarter's books for the demo's 40 CSMs and 2,000 accounts."""

from __future__ import annotations

import csv

from xlcomp.demo.project import DEMO_ACCOUNTS, DEMO_CSMS, DEMO_SEED, write_demo_assignment
from xlcomp.demo.sample import sample_book, with_assignment_columns
from xlcomp.model.period import parse_period


def test_the_demo_proposes_next_quarters_books_without_touching_its_book(tmp_path):
    roster, book = sample_book(DEMO_CSMS, DEMO_ACCOUNTS, DEMO_SEED, parse_period("2027-Q1"))
    skilled, spaced = with_assignment_columns(roster, book, DEMO_SEED)
    # the plans run on the book as it was: the assignment only adds its own columns
    assert skilled[list(roster.columns)].equals(roster) and spaced[list(book.columns)].equals(book)
    assert skilled["skill_retention"].between(0, 1).all() and (spaced["upsell_potential"] >= 0).all()

    result = write_demo_assignment(tmp_path / "assignment", roster, book, parse_period("2027-Q1"))
    assert result.inputs.period.label == "2027-Q2"
    assert sorted(p.name for p in (tmp_path / "assignment").iterdir()) == [
        "assignment.csv", "assignment.xlsx", "balance.csv", "roster-quotas.csv", "solver.txt", "targets.csv"]
    with open(tmp_path / "assignment" / "assignment.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["account_id"] for r in rows) == sorted(book["account_id"])
    leavers = {c for c, leaves in zip(result.inputs.csm_ids, result.inputs.leaver, strict=True) if leaves}
    assert leavers and not leavers & {r["to_csm"] for r in rows}  # the demo has leavers; they get nothing
    for b in result.balance:
        if b.csm_id not in leavers:
            assert b.arr_low - 1 <= b.arr_after <= b.arr_high + 1
            assert b.accounts_low <= b.accounts_after <= b.accounts_high
    assert result.solution.gap <= 0.01
