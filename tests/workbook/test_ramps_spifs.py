"""Ramps and SPIFs in the workbook (SPEC section 10), LibreOffice landing on the hand-worked payouts (every other
formula cell is checked by test_parity.py).

2027-Q1 (90 days). Ramp: 0.25 under 1 whole month in post at 2027-01-01, 0.5 under 2, 0.75 under 3. Each account
has renewable 10,000 and renewed 9,000: GRR 0.9 on the 0.9 target, share 1, TI 40,000 x 0.5 x days / 360.
- A (Enterprise, since 2020: factor 1): renewal 5,000.00; upsell 104,000 on 100,000: 5,000 + 4,000 x 8% =
  5,320.00; feb_spif (Feb 1-14) a1 10,000 x 10% = 1,000.00; expansion_spif (Mar 1 - Apr 15, cut to Mar 31) a2
  4,000 + 2,000 = 6,000 on quota 10,000: attainment 0.6, whole tier 2% = 120.00; total 11,440.00
- B (SMB, since 2026-11-15: 1 whole month, factor 0.5): renewal 5,000.00; upsell 20,000 on 50,000 x 5% =
  1,000.00; feb_spif: not eligible, 0.00 (b1 20,000 booked Feb 5); expansion_spif: nothing booked in March;
  total 6,000.00
- C (Mid-Market, hired 2027-02-01: 0 months, factor 0.25, 59 days): renewal 40,000 x 0.5 x 59 / 360 =
  3,277.78; upsell 21,000 on 10,000: 500 + 11,000 x 8% = 1,380.00; feb_spif c1 20,000 x 10% = 2,000 capped at
  1,500.00; expansion_spif c2 (Mar 31) 1,500 on 2,500: 0.6 -> 30.00; total 6,187.78
"""

from __future__ import annotations

from decimal import Decimal

import openpyxl

from xlcomp.workbook import layout

from . import cells
from .conftest import Book
from .test_parity import _summary_totals

HAND = {"A": Decimal("11440.00"), "B": Decimal("6000.00"), "C": Decimal("6187.78")}


def test_the_engine_pays_the_hand_worked_figures(books: dict[str, Book]) -> None:
    result = books["ramp_spif"].result
    assert {r.csm.csm_id: r.total for r in result.csms} == HAND
    c = result.csm("C")
    assert c.ramp == (0, Decimal("0.25"))
    assert c.component("upsell").target == Decimal("10000")
    assert c.component("expansion_spif").payout == Decimal("30.00")
    assert result.csm("B").component("feb_spif").note.startswith("SPIF for Enterprise, Mid-Market only")
    assert result.notes == ("ramp_spif.yaml:31 components[3].window: 2027-03-01 to 2027-04-15 is partly outside "
                            "2027-Q1: only 2027-03-01 to 2027-03-31 counts",)


def test_libreoffice_lands_on_the_hand_worked_totals(books: dict[str, Book]) -> None:
    book = books["ramp_spif"]
    assert book.recalculated is not None
    assert _summary_totals(cells.values(book.recalculated), book) == HAND


def test_the_plan_sheet_has_the_ramp_table_and_the_spif_windows(books: dict[str, Book]) -> None:
    workbook = openpyxl.load_workbook(books["ramp_spif"].path)
    plan = workbook[layout.SHEET_PLAN]
    table = plan.tables[layout.RAMP_TABLE]
    rows = [[c.value for c in row] for row in plan[table.ref]]
    assert rows == [["months_from", "factor"], [0, 0.25], [1, 0.5], [2, 0.75], [3, 1]]
    assert "feb_spif_window_from" in workbook.defined_names
    header = [c.value for c in workbook[layout.SHEET_ACCOUNTS][1]]
    assert header[-1] == "booked_on"
