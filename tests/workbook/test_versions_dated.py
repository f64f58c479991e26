"""The workbook of a period split by plan versions with roster changes, moves and splits, and of a SPIF with moves
and splits (SPEC section 10): LibreOffice recalculating it lands on the engine's figures, every formula cell to its
cached value, and on the totals worked by hand in tests/engine/test_versions_dated.py and test_spifs_credit.py:

- changes (A 40,000 -> 52,000 TV and 90,000 -> 126,000 quota on Mar 1, B 36,000 -> 48,000 on Feb 1):
  A 5,000 + 4,826.67 + 1,450 + 4,604 = 15,880.67, B 1,866.67 + 4,800 + 500 + 0 = 7,166.67;
- moves (a2 to B on Feb 20, a3 to B on Feb 1): A 5,000 + 4,000 + 1,310 + 0 = 10,310.00,
  B 1,400 + 3,600 + 640 + 5,100 = 10,740.00;
- splits (a3 A 0.25 / B 0.75): A 5,000 + 4,000 + 1,112.50 + 4,425 = 14,537.50, B 1,400 + 3,600 + 837.50 + 405 =
  6,242.50;
- changes and moves together: A 11,136.67, B 10,740.00;
- the SPIF in both parts with the moves: A 12,310.00, B 17,740.00;
- a SPIF with moves and splits in an ordinary period: A 2,600.00, B 0.00, C 3,550.00;
- the template of changes and moves together: every actual blank, so 0.00 each;
- no booked_on column, A's quota change, the moves and b1 split A 0.5 / B 0.5: A 12,385.00, B 7,555.00.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.engine.test_spifs_credit import spif_credit_run
from tests.engine.test_versions_dated import SPIF, UNDATED, _run
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.workbook import layout
from xlcomp.workbook.writer import template_result, write_workbook

from .conftest import Book
from .test_parity import _summary_totals, recalculated_as_cached

CHANGES = (("A", "target_variable", 52000, "2027-03-01"), ("A", "quota_upsell", 126000, "2027-03-01"),
           ("B", "target_variable", 48000, "2027-02-01"))
MOVES = (("a2", "B", "2027-02-20"), ("a3", "B", "2027-02-01"))
HAND = {
    "changes": {"A": Decimal("15880.67"), "B": Decimal("7166.67")},
    "moves": {"A": Decimal("10310.00"), "B": Decimal("10740.00")},
    "splits": {"A": Decimal("14537.50"), "B": Decimal("6242.50")},
    "both": {"A": Decimal("11136.67"), "B": Decimal("10740.00")},
    "spif_parts": {"A": Decimal("12310.00"), "B": Decimal("17740.00")},
    "spif": {"A": Decimal("2600.00"), "B": Decimal("0.00"), "C": Decimal("3550.00")},
    "template": {"A": Decimal("0.00"), "B": Decimal("0.00")},   # every actual blank: nothing to pay
    "undated": {"A": Decimal("12385.00"), "B": Decimal("7555.00")},
}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    """Every case's workbook, recalculated by LibreOffice in one call."""
    folder = tmp_path_factory.mktemp("versions-dated")
    results = {
        "changes": _run(folder, changes=CHANGES),
        "moves": _run(folder, moves=MOVES),
        "splits": _run(folder, splits=(("a3", "A", "0.25"), ("a3", "B", "0.75"))),
        "both": _run(folder, changes=CHANGES[:1], moves=MOVES),
        "spif_parts": _run(folder, moves=MOVES, spif=SPIF),
        "spif": spif_credit_run(),
        "undated": _run(folder, **UNDATED),
    }
    made = {name: Book(name, result, write_workbook(result, folder / f"{name}.xlsx"))
            for name, result in results.items()}
    both = results["both"]   # its template: the actuals blank, the changes and moves as they are
    blank = template_result(both.plan, both.roster, both.book, both.period, changes=both.changes,
                            credits=both.credits, versions=tuple(p for p, _, _ in both.parts))
    made["template"] = Book("template", blank, write_workbook(blank, folder / "template.xlsx", mode="template"))
    for book, output in zip(made.values(), recalculate([b.path for b in made.values()], folder / "recalculated"),
                            strict=True):
        book.recalculated = output
    return made


@pytest.mark.parametrize("name", list(HAND))
def test_the_engine_pays_the_hand_worked_figures(books: dict[str, Book], name: str) -> None:
    assert {r.csm.csm_id: r.total for r in books[name].result.csms} == HAND[name]


@pytest.mark.parametrize("name", list(HAND))
def test_libreoffice_recalculates_every_formula_to_its_cached_engine_value(books: dict[str, Book],
                                                                          name: str) -> None:
    book = books[name]
    recalculated = recalculated_as_cached(book)
    assert _summary_totals(recalculated, book) == HAND[name]


def _lines(path: Path, sheet: str) -> list[tuple[object, object]]:
    tab = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [(row[0], row[1]) for row in tab.iter_rows(values_only=True)]


def test_the_tab_shows_each_parts_stretches_and_sums(books: dict[str, Book]) -> None:
    book = books["changes"]
    assert book.recalculated is not None
    lines = dict(_lines(book.recalculated, "A Ann"))
    # part 2 (Feb 15 - Mar 31): 40,000 x 14 + 52,000 x 31 = 2,172,000; the quota's mean 114,800
    assert lines["Target variable x days, part from 15 Feb"] == 2172000
    assert lines["Target variable x days, part from 01 Jan"] == 1800000       # 40,000 x 45
    assert lines["quota_upsell (day-weighted), part from 15 Feb"] == 114800
    assert lines["Target variable x days"] == 3972000                          # the whole period's: 1,800,000 + ...


def test_the_credit_table_has_the_booked_day_and_each_parts_shares(books: dict[str, Book]) -> None:
    book = books["moves"]
    assert book.recalculated is not None
    sheet = openpyxl.load_workbook(book.recalculated, data_only=True)[layout.SHEET_CREDIT]
    header = [c.value for c in sheet[1]]
    amounts = ["sum_renewable_arr", "sum_renewed_arr", "sum_upsell_arr"]
    assert header[10:] == ["accounts", *amounts, "booked_on", "part1_share", *(f"part1_{a}" for a in amounts),
                           "part2_share", *(f"part2_{a}" for a in amounts)]
    table = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
             if row[0].value in ("a2", "a3")]
    # a3 (no booked_on, 18,000): A's stretch Jan 1-31 owns 31 of part 1's 45 days, B's Feb 1 on 14 of them and
    # all 45 of part 2; x 18,000: 12,400 / 5,600 in part 1, 0 / 18,000 in part 2
    a3 = {(r["credited_csm"], r["kind"]): r for r in table if r["account_id"] == "a3"}
    assert a3[("A", "move")]["part1_sum_upsell_arr"] == pytest.approx(12400)
    assert a3[("B", "move")]["part1_sum_upsell_arr"] == pytest.approx(5600)
    assert a3[("B", "move")]["part2_sum_upsell_arr"] == pytest.approx(18000)
    assert a3[("A", "owner")]["part2_sum_upsell_arr"] == -18000
    # a2 is booked (Mar 1): no part share (its amount goes to B through the booked-in-the-part SUMIFS)
    assert {r["part2_share"] for r in table if r["account_id"] == "a2"} == {0}
