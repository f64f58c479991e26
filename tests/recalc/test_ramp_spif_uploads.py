"""A workbook with a ramp and SPIFs (SPEC section 10) sent back with its Plan sheet edited: recalc reads the
``Ramp`` table and the SPIF windows' dates back as plan edits (as it reads rates and tiers), pays them, and names a
bad cell. The workbook is tests/workbook/conftest.py's ramps-and-SPIFs case (2027-Q1; its hand-worked totals
A 11,440.00, B 6,000.00, C 6,187.78 are in tests/workbook/test_ramps_spifs.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.utils import range_boundaries

from tests.workbook.conftest import ramp_spif_run
from xlcomp.workbook import layout
from xlcomp.workbook.writer import write_workbook

from .builders import messages, recalc_file


def _cell(book: openpyxl.Workbook, name: str) -> openpyxl.cell.Cell:
    sheet, ref = next(iter(book.defined_names[name].destinations))
    return book[sheet][ref.replace("$", "")]


def _totals(done) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in done.payouts:
        totals[row["csm_id"]] = totals.get(row["csm_id"], Decimal(0)) + Decimal(row["payout"])
    return totals


def test_edited_ramp_factors_and_spif_window_are_paid_as_edited(tmp_path: Path) -> None:
    """C (hired 2027-02-01: 0 whole months, the first ramp row) 0.25 -> 0.5: C's upsell quota 40,000 x 0.5 =
    20,000; 21,000 upsell pays 20,000 x 5% + 1,000 x 8% = 1,080.00 (was 1,380.00 on 10,000); expansion_spif's
    quota 10,000 x 0.5 = 5,000: 1,500 / 5,000 = 0.3, whole tier 2% = 30.00 (as before). C: 3,277.78 + 1,080.00 +
    1,500.00 + 30.00 = 5,887.78.
    feb_spif's window cut to 2027-02-01 .. 2027-02-06: A's a1 (booked Feb 1) stays in (A 11,440.00); C's c1
    (booked Feb 10) drops out, C's feb_spif 0.00: C 5,887.78 - 1,500.00 = 4,387.78. B (not eligible) 6,000.00.
    """
    path = write_workbook(ramp_spif_run(), tmp_path / "ramp_spif.xlsx")
    untouched = recalc_file(path)   # the Ramp table and the windows read back as they were written: no edit
    assert untouched.entry["status"] == "ok" and untouched.entry["plan_edits"] == [], messages(untouched)
    book = openpyxl.load_workbook(path)
    plan = book[layout.SHEET_PLAN]
    first_col, first_row, _, _ = range_boundaries(plan.tables[layout.RAMP_TABLE].ref)
    assert plan.cell(first_row + 1, first_col).value == 0
    plan.cell(first_row + 1, first_col + 1).value = 0.5
    _cell(book, layout.param_name("feb_spif", "window_to")).value = datetime.datetime(2027, 2, 6)
    book.save(tmp_path / "edited.xlsx")

    done = recalc_file(tmp_path / "edited.xlsx")
    assert done.entry["problems"] == [], messages(done)
    assert _totals(done) == {"A": Decimal("11440.00"), "B": Decimal("6000.00"), "C": Decimal("4387.78")}
    edits = {(e["name"], e["before"], e["after"]) for e in done.entry["plan_edits"]}
    assert ("Ramp[1].factor", "0.25", "0.5") in edits
    assert ("feb_spif_window_to", "2027-02-14", "2027-02-06") in edits


def test_a_ramp_without_its_full_quota_row_is_named(tmp_path: Path) -> None:
    path = write_workbook(ramp_spif_run(), tmp_path / "ramp_spif.xlsx")
    book = openpyxl.load_workbook(path)
    plan = book[layout.SHEET_PLAN]
    first_col, _, _, last_row = range_boundaries(plan.tables[layout.RAMP_TABLE].ref)
    plan.cell(last_row, first_col + 1).value = 0.9
    _cell(book, layout.param_name("feb_spif", "window_from")).value = "soon"
    book.save(tmp_path / "bad.xlsx")
    done = recalc_file(tmp_path / "bad.xlsx")
    assert done.entry["status"] == "rejected"
    text = messages(done)
    assert "0.9: the last row of the ramp is the full quota, factor 1" in text
    assert "is not a date: the plan needs a day here (YYYY-MM-DD)" in text
