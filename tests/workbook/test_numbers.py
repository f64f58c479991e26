"""A hand-worked plan: the numbers in the workbook, cached and recalculated, are the ones worked out
by hand, and awkward ids and names are handled safely.

Ava (A-1), a full quarter, target variable 40,000 (bonus weight 0.5 -> 5,000 a quarter):
- renewal: GRR 95,000 / 100,000 = 0.95; attainment ROUND(0.95 / 0.92, 6) = 1.032609; marginal share
  1.0 + 3.0 x 0.032609 = 1.097827; health 70 -> band 60 -> x1.0; 5,000 x 1.097827 = 5,489.135 -> 5,489.14
  (half a cent rounds away from zero);
- upsell: 500,000 on a 300,000 quota, 7.5% / 12.5% / 15% marginal: 22,500 + 18,750 + 7,500 = 48,750.00
  (DOMAIN's worked example); the gate GRR >= 0.80 passes;
- nps: 50 / 40 = 1.25 -> steps tier 3 -> share 1 -> 5,000.00. Total 59,239.14.
Bob (=cmd), hired 2027-02-15 (45 of 90 days), target variable 20,000: GRR 40,000 / 50,000 = 0.8 ->
attainment 0.869565 (above the 0.85 threshold) -> share 0.869565; health 85 -> x1.1:
20,000 x 0.5 x 45 x 0.869565 x 1.1 / 360 = 1,195.651875 -> 1,195.65; nps has no data -> 0.
A*1 has no accounts: every metric undefined or 0 -> 0.
1001 left 2027-01-31 (31 days), target variable 10,000: GRR 1 -> attainment 1.086957 -> share 1.260871
-> 10,000 x 0.5 x 31 x 1.260871 / 360 = 542.875… -> 542.88; nps 20 / 40 = 0.5 -> steps tier 2 ->
0.5 -> 215.277… -> 215.28. Total 758.16.
"""

from __future__ import annotations

from decimal import Decimal

from xlcomp.workbook import layout
from xlcomp.workbook.sheets.summary import FIRST_ROW

from . import cells
from .conftest import HAND_TOTALS, Book


def test_the_engine_agrees_with_the_hand_worked_payouts(books: dict[str, Book]) -> None:
    result = books["hand"].result
    ava = result.csm("A-1")
    assert [c.payout for c in ava.components] == [Decimal("5489.14"), Decimal("48750.00"), Decimal("5000.00")]
    assert result.csm("=cmd").days == 45
    assert {r.csm.csm_id: r.total for r in result.csms} == HAND_TOTALS


def _summary_totals(values: cells.Cells, column: int) -> dict[str, float]:
    summary = values["Summary"]
    return {summary[(FIRST_ROW + 1 + i, 1)]: summary[(FIRST_ROW + 1 + i, column)] for i in range(4)}


def test_the_workbook_shows_the_hand_worked_payouts_cached_and_recalculated(books: dict[str, Book]) -> None:
    book = books["hand"]
    assert book.recalculated is not None
    total_column = 8 + 3 + 1   # 8 fixed columns, 3 component payouts, then total_payout
    want = {k: float(v) for k, v in HAND_TOTALS.items()}
    assert _summary_totals(cells.values(book.path), total_column) == want
    recalculated = _summary_totals(cells.values(book.recalculated), total_column)
    assert recalculated.keys() == want.keys()
    assert all(abs(recalculated[k] - want[k]) < 0.005 for k in want)


def test_awkward_names_become_safe_unique_tabs(books: dict[str, Book]) -> None:
    book = books["hand"]
    names = list(cells.values(book.path))
    tabs = names[len(layout.FIXED_SHEETS):-1]
    assert tabs == ["A-1 Ava Okafor", "=cmd +Bob _Lead__ O'Brien__", "A_1 @Wild Card", "1001 -Numeric Id"]
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in tabs)
    meta = cells.values(book.path)[layout.META_SHEET]
    header = next(r for (r, c), v in meta.items() if c == 1 and v == layout.META_TABS_HEADER[0])
    assert meta[(header, 2)] == layout.META_TABS_HEADER[1]
    mapping = {meta[(r, 1)]: meta[(r, 2)] for r in range(header + 1, header + 5)}
    assert mapping == dict(zip(HAND_TOTALS, tabs, strict=True))


def test_formula_like_text_is_written_as_text(books: dict[str, Book]) -> None:
    book = books["hand"]
    for sheet in (layout.SHEET_ROSTER, layout.SHEET_ACCOUNTS):
        assert "<f>" not in cells.sheet_xml(book.path, sheet)
    assert book.recalculated is not None
    for path in (book.path, book.recalculated):
        roster = cells.values(path)[layout.SHEET_ROSTER]
        assert [roster[(r, 1)] for r in range(2, 6)] == ["A-1", "=cmd", "A*1", "1001"]
        assert [roster[(r, 2)] for r in range(2, 6)] == ["Ava Okafor", "+Bob [Lead]: O'Brien*?", "@Wild Card",
                                                         "-Numeric Id"]
    guide = cells.values(book.path)[layout.SHEET_GUIDE]
    assert guide[(1, 1)] == "=Hand worked [plan]: Q1/2027"


def test_a_csm_with_no_accounts_says_so_and_pays_0(books: dict[str, Book]) -> None:
    book = books["hand"]
    assert book.recalculated is not None
    for path in (book.path, book.recalculated):
        tab = cells.values(path)["A_1 @Wild Card"]
        assert "no accounts in the book: account metrics have no data" in tab.values()
        assert tab[(1, 1)] == "@Wild Card (A*1)"


def test_libreoffice_recomputes_rather_than_trusting_cached_values(books: dict[str, Book]) -> None:
    book = books["tampered"]
    assert book.recalculated is not None
    total_column = 8 + 3 + 1
    assert _summary_totals(cells.values(book.path), total_column)["A-1"] == 1
    assert _summary_totals(cells.values(book.recalculated), total_column)["A-1"] == 59239.14
