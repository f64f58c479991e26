"""Roster changes in the workbook (SPEC section 10): the Changes table, the stretches on each CSM tab, and
LibreOffice landing on the hand-worked payouts (every other formula cell is checked by test_parity.py).

A-1 (see conftest.DATED_CHANGES): target variable 40,000 to 52,000 on 2027-02-15 (45 + 45 days), so
Σ target_variable x days = 4,140,000; quota_upsell 300,000 to 400,000 on 2027-03-01 (59 + 31 days).
- renewal: TI = 4,140,000 x 0.5 / 360 = 5,750; share 1.097827 (GRR 0.95 / 0.92) -> ROUND(6,312.50525, 2)
- upsell: quota ROUND(30,100,000 / 90, 6) = 334,444.444444; 7.5% of it + 12.5% of the 165,555.555556 above
  -> 25,083.3333333 + 20,694.4444445 = 45,777.78
- nps: steps at 50 / 40 = 1.25 -> share 1; TI 5,750
"""

from __future__ import annotations

from decimal import Decimal

from xlcomp.workbook import layout
from xlcomp.workbook.sheets.summary import FIRST_ROW, summary_columns

from . import cells
from .conftest import Book


def test_the_hand_worked_changes_pay_to_the_cent_in_the_engine(books: dict[str, Book]) -> None:
    result = books["dated"].result
    a1 = result.csm("A-1")
    assert a1.component("renewal").target_incentive == Decimal(5750)
    assert a1.component("renewal").payout == Decimal("6312.51")
    assert a1.component("upsell").target == Decimal("334444.444444")
    assert a1.component("upsell").payout == Decimal("45777.78")
    assert a1.component("nps").payout == Decimal("5750.00")
    assert a1.total == Decimal("57840.29")
    # A*1's change is its own: 9 days at 16,000 then 81 at 20,000
    assert [(r.days, r.value) for r in result.csm("A*1").stretches["target_variable"]][:2] == [
        (9, Decimal(16000)), (81, Decimal(20000))]
    # the leaver 1001 (to 2027-01-31): 14 days at 10,000, 17 at 12,000
    assert [(r.days, r.value) for r in result.csm("1001").stretches["target_variable"]][:2] == [
        (14, Decimal(10000)), (17, Decimal(12000))]


def test_libreoffice_lands_on_the_hand_worked_totals(books: dict[str, Book]) -> None:
    book = books["dated"]
    assert book.recalculated is not None
    values = cells.values(book.recalculated)
    class _Ctx:
        plan = book.result.plan
    headers = [c[0] for c in summary_columns(_Ctx())]  # type: ignore[arg-type]
    total_col = headers.index("total_payout") + 1
    found = {values["Summary"][(FIRST_ROW + i + 1, 1)]: round(values["Summary"][(FIRST_ROW + i + 1, total_col)], 2)
             for i in range(len(book.result.csms))}
    assert found["A-1"] == 57840.29
    assert found == {r.csm.csm_id: float(r.total) for r in book.result.csms}


def test_the_changes_table_is_an_input_after_adjustments(books: dict[str, Book]) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(books["dated"].path)
    names = workbook.sheetnames
    assert names[:8] == ["Guide", "Plan", "Roster", "Accounts", "Adjustments", "Changes", "Summary", "ROI"]
    sheet = workbook[layout.SHEET_CHANGES]
    assert [c.value for c in sheet[1]][:4] == list(layout.CHANGE_COLUMNS)
    assert sheet.cell(2, 1).value == "A-1" and sheet.cell(2, 3).value == 52000
    assert layout.CHANGES_TABLE in sheet.tables
    # without changes, no Changes sheet
    assert layout.SHEET_CHANGES not in openpyxl.load_workbook(books["hand"].path).sheetnames


def test_an_id_typed_as_a_number_in_the_changes_table_is_still_that_csm(books: dict[str, Book], tmp_path) -> None:
    import openpyxl

    from xlcomp.ooxml.libreoffice import recalculate

    book = books["dated"]
    workbook = openpyxl.load_workbook(book.path)
    sheet = workbook[layout.SHEET_CHANGES]
    rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "1001"]
    assert rows
    for row in rows:
        sheet.cell(row, 1).value = 1001          # as Excel stores a typed 1001
    workbook.save(tmp_path / "typed.xlsx")
    [recalculated] = recalculate([tmp_path / "typed.xlsx"], tmp_path / "out")
    found = cells.values(recalculated)
    cached = cells.values(book.path)
    tab = next(name for name in found if name.startswith("1001 "))
    assert found[tab] == cached[tab] or all(cells.same(cached[tab].get(k), v) for k, v in found[tab].items())
