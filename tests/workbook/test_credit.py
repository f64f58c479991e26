"""Account moves and credit splits in the workbook (SPEC section 10): the Moves, Splits and Credit sheets, the
CSM tabs' book lines that add the Credit rows, and LibreOffice landing on the hand-worked payouts.

The plan and book are tests/engine/test_credit.py's (10% commission on renewed ARR, a bonus on the
arr_start-weighted health score, TI 10,000). a1 (A's, 90,000 renewed) moves to B on 2027-01-31, day 31 of
90; s1 (C's, 100,000 renewed) is split 60/40 between A and B:
- A renewals: (90,000 x 30/90 + 50,000 + 100,000 x 0.6) x 10% = 140,000 x 10% = 14,000.00
- B renewals: (90,000 x 60/90 + 100,000 x 0.4) x 10% = 100,000 x 10% = 10,000.00; C: 0.00
The workbooks are written once and recalculated by LibreOffice in one call; every formula cell must land
on the engine's cached value.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.engine.test_credit import ACCOUNTS, PERIOD, PLAN, ROSTER, moves_csv, splits_csv
from xlcomp.engine.run import run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.moves import load_moves
from xlcomp.load.plan import parse_plan
from xlcomp.load.splits import load_splits
from xlcomp.model.credit import Credits
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.workbook import layout
from xlcomp.workbook.writer import template_result, write_workbook

from . import cells
from .test_parity import _mismatches

MOVES = (("a1", "B", "2027-01-31"), ("a2", "C", "2026-12-15"), ("a2", "B", "2027-03-01"))


class Made:
    def __init__(self, result, path: Path) -> None:
        self.result, self.path = result, path
        self.recalculated: Path | None = None


def _credited(template: bool = False, booked: bool = False):
    plan = parse_plan(PLAN)
    roster, book = load_inputs(plan, ROSTER, ACCOUNTS)
    moves = load_moves(moves_csv(*MOVES), roster, book, PERIOD)
    splits = load_splits(splits_csv(("s1", "A", 0.6), ("s1", "B", 0.4)), roster, book, moves)
    credits = Credits(moves, splits)
    if template:
        return template_result(plan, roster, book, PERIOD, credits=credits)
    return run(plan, roster, book, PERIOD, credits=credits)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Made]:
    folder = tmp_path_factory.mktemp("credit")
    books = {}
    for name, result in (("credit", _credited()), ("credit_template", _credited(template=True))):
        books[name] = Made(result, write_workbook(result, folder / f"{name}.xlsx", generation_id="fixed",
                                                  mode="template" if "template" in name else "calc"))
    plan = parse_plan(PLAN)
    roster, book = load_inputs(plan, ROSTER, ACCOUNTS)
    plain = run(plan, roster, book, PERIOD)
    books["plain"] = Made(plain, write_workbook(plain, folder / "plain.xlsx", generation_id="fixed"))
    outputs = recalculate([b.path for b in books.values()], folder / "recalculated")
    for entry, output in zip(books.values(), outputs, strict=True):
        entry.recalculated = output
    return books


def test_the_engine_pays_the_hand_worked_move_and_split() -> None:
    result = _credited()
    # a2 moves to C before the period (from Jan 1) and to B on Mar 1: C 59 days (Jan 1-Feb 28), B 31 days
    # A renewals: 90,000 x 30/90 + 100,000 x 0.6 = 30,000 + 60,000 = 90,000 -> 9,000.00
    # B: 90,000 x 60/90 + 50,000 x 31/90 + 100,000 x 0.4 = 60,000 + 17,222.22.. + 40,000 -> 11,722.22
    # C: 50,000 x 59/90 = 32,777.77.. -> 3,277.78
    assert [result.csm(c).component("renewals").payout for c in "ABC"] == [
        Decimal("9000.00"), Decimal("11722.22"), Decimal("3277.78")]


@pytest.mark.parametrize("name", ["credit", "credit_template"])
def test_libreoffice_recalculates_every_credit_formula_to_the_engine(made: dict[str, Made], name: str) -> None:
    book = made[name]
    assert book.recalculated is not None
    recalculated = cells.values(book.recalculated)
    count, wrong = _mismatches(book, recalculated)  # type: ignore[arg-type]
    assert count > 100
    assert wrong == []
    assert cells.errors(recalculated) == []


def test_libreoffice_lands_on_the_hand_worked_payouts(made: dict[str, Made]) -> None:
    book = made["credit"]
    assert book.recalculated is not None
    values = cells.values(book.recalculated)
    sheet = values[layout.SHEET_CREDIT]
    # Credit rows: a1 owner -1, A Jan 1-30 (30 days, 1/3), B from Jan 31 (60 days, 2/3)
    assert [sheet[(r, 2)] for r in range(2, 5)] == ["A", "A", "B"]
    assert [sheet[(r, 7)] for r in range(3, 5)] == [30, 60]
    assert round(sheet[(4, 8)], 9) == round(60 / 90, 9)
    tabs = {name: by for name, by in values.items() if name.startswith(("A ", "B ", "C "))}
    totals = {}
    for name, by in tabs.items():
        labels = {v: r for (r, c), v in by.items() if c == 1 and isinstance(v, str)}
        totals[name[0]] = round(by[(labels["Total payout"], 2)], 2)
    engine = {r.csm.csm_id: float(r.total) for r in book.result.csms}
    assert totals == engine
    assert round(engine["B"] - float(book.result.csm("B").component("health").payout), 2) == 11722.22


def test_the_sheets_follow_adjustments_and_each_tab_lists_its_credited_accounts(made: dict[str, Made]) -> None:
    workbook = openpyxl.load_workbook(made["credit"].path)
    names = workbook.sheetnames
    assert names[4:9] == ["Adjustments", "Moves", "Splits", "Credit", "Summary"]
    assert [c.value for c in workbook["Moves"][1]] == list(layout.MOVE_COLUMNS)
    assert [c.value for c in workbook["Splits"][2]] == ["s1", "A", 0.6]
    tab = workbook[next(n for n in names if n.startswith("B "))]
    rows = [[c.value for c in row][:7] for row in tab.iter_rows()]
    at = next(i for i, row in enumerate(rows) if row[0] == "Credited accounts")
    # B's rows of the Credit table: a1 from Jan 31 (row 4), a2 from Mar 1 (row 8), s1's 0.4 (row 11)
    assert [row[0] for row in rows[at + 1:]] == ["=Credit!$A$4", "=Credit!$A$8", "=Credit!$A$11"]
    assert rows[at + 3][2] is None   # a split has no stretch
    assert layout.SHEET_MOVES not in openpyxl.load_workbook(made["plain"].path).sheetnames


def test_the_guide_lists_the_credit_sheets_only_where_they_are(made: dict[str, Made]) -> None:
    def listed(path: Path) -> list[str]:
        guide = openpyxl.load_workbook(path)["Guide"]
        rows = [[c.value for c in row][:2] for row in guide.iter_rows()]
        at = next(i for i, row in enumerate(rows) if row[0] == "Sheets")
        end = next(i for i in range(at + 1, len(rows)) if rows[i][0] is None)
        return [str(row[0]) for row in rows[at + 1:end]]

    assert listed(made["credit"].path)[3:8] == ["Accounts", "Adjustments", "Moves", "Splits", "Credit"]
    assert listed(made["plain"].path)[3:6] == ["Accounts", "Adjustments", "Summary"]
