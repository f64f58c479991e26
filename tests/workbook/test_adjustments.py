"""The Adjustments table and the CSM tabs' Adjustments line, recalculated by LibreOffice to the cent.

The hand-worked workbook (conftest.HAND_*) with four adjustments: A-1 gets +1,200.505 (-> 1,200.51)
and a -300 clawback, 59,239.14 + 900.51 = 60,139.65; "=cmd" -0.005 (-> -0.01, half away from zero),
1,195.65 - 0.01 = 1,195.64; "1001" +99.994 (-> 99.99), 758.16 + 99.99 = 858.15. Then finance types
+250.255 for A*1 into a blank row with openpyxl: 250.26.
"""

from __future__ import annotations

from decimal import Decimal

import openpyxl
from openpyxl.utils import range_boundaries

from xlcomp.ooxml.index import index_workbook
from xlcomp.workbook import layout

from . import cells
from .conftest import HAND_ADJUSTED_TOTALS, HAND_TOTALS, Book
from .test_parity import _mismatches, _summary_totals


def _tab_value(values: cells.Cells, book: Book, csm_id: str, label: str) -> float:
    names = layout.csm_sheet_names([(r.csm.csm_id, r.csm.name) for r in book.result.csms])
    sheet = names[[r.csm.csm_id for r in book.result.csms].index(csm_id)]
    tab = values[sheet]
    row = max(r for (r, c), v in tab.items() if c == 1 and v == label)  # the line, below its section
    return float(tab[(row, 2)])


def test_the_engine_pays_the_hand_worked_adjustments(books: dict[str, Book]) -> None:
    result = books["adjusted"].result
    assert {r.csm.csm_id: r.total for r in result.csms} == HAND_ADJUSTED_TOTALS
    assert result.csm("A-1").adjustments_total == Decimal("900.51")
    assert result.total == sum(HAND_ADJUSTED_TOTALS.values()) == Decimal("62193.44")


def test_libreoffice_recalculates_the_adjustments_to_the_engine(books: dict[str, Book]) -> None:
    book = books["adjusted"]
    assert book.recalculated is not None
    recalculated = cells.values(book.recalculated)
    count, wrong = _mismatches(book, recalculated)
    assert count > 200 and wrong == []
    assert cells.errors(recalculated) == []
    assert _summary_totals(recalculated, book) == HAND_ADJUSTED_TOTALS
    assert _tab_value(recalculated, book, "A-1", "Adjustments") == 900.51
    assert _tab_value(recalculated, book, "=cmd", "Adjustments") == -0.01
    assert _tab_value(recalculated, book, "A*1", "Adjustments") == 0


def test_a_row_added_with_openpyxl_is_paid_after_recalculation(books: dict[str, Book]) -> None:
    added, expected = books["adjusted_added"], books["adjusted_added_expected"]
    assert added.recalculated is not None
    assert expected.result.csm("A*1").total == Decimal("250.26")
    recalculated = cells.values(added.recalculated)
    count, wrong = _mismatches(expected, recalculated)
    assert count > 200 and wrong == []
    assert _summary_totals(recalculated, added) == {**HAND_ADJUSTED_TOTALS, "A*1": Decimal("250.26")}


def test_every_workbook_has_the_adjustments_table_even_without_adjustments(books: dict[str, Book]) -> None:
    for name in ("hand", "template", "full_service"):
        path = books[name].path
        index = index_workbook(path)
        table = index.tables[layout.ADJUSTMENTS_TABLE]
        assert table.sheet == layout.SHEET_ADJUSTMENTS and table.columns == layout.ADJUSTMENT_COLUMNS
        workbook = openpyxl.load_workbook(path)
        sheet = workbook[layout.SHEET_ADJUSTMENTS]
        _c0, first, _c1, last = range_boundaries(sheet.tables[layout.ADJUSTMENTS_TABLE].ref)
        assert last - first == layout.ADJUSTMENT_BLANK_ROWS          # header + blank input rows
        assert all(sheet.cell(r, 1).value is None for r in range(first + 1, last + 1))
        assert sheet.cell(first + 1, 2).protection.locked is False
    # without adjustments the totals are the hand-worked ones: the line is 0
    values = cells.values(books["hand"].recalculated)  # type: ignore[arg-type]
    assert _summary_totals(values, books["hand"]) == HAND_TOTALS
    assert _tab_value(values, books["hand"], "A-1", "Adjustments") == 0


def test_the_adjustments_inputs_are_styled_validated_and_the_line_is_a_live_formula(books: dict[str, Book]) -> None:
    book = books["adjusted"]
    workbook = openpyxl.load_workbook(book.path)
    sheet = workbook[layout.SHEET_ADJUSTMENTS]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2, max_row=5)]
    assert rows[0] == ["A-1", 1200.505, "Missed Q4 renewal credit", "adjustment", "Dana Ruiz"]
    assert rows[1] == ["A-1", -300, "Clawback: churned account", "clawback", None]
    assert sheet.cell(2, 2).fill.fgColor.rgb.endswith("FFF2CC")
    assert all(sheet.cell(r, c).protection.locked is False for r in range(2, 11) for c in range(1, 6))
    xml = cells.sheet_xml(book.path, layout.SHEET_ADJUSTMENTS)
    assert xml.count("<dataValidation ") == 5
    assert "<formula1>Roster!$A$2:$A$5</formula1>" in xml
    assert 'type="decimal"' in xml and 'type="textLength"' in xml
    assert "<sheetProtection" not in xml
    formulas = cells.formulas(book.path)
    tab = layout.csm_sheet_names([(r.csm.csm_id, r.csm.name) for r in book.result.csms])[0]
    texts = [f for f in formulas[tab].values() if "Adjustments[" in f]
    assert texts == ["=SUMPRODUCT((Adjustments[csm_id]=$B$5)*ROUND(Adjustments[amount],2))"]
