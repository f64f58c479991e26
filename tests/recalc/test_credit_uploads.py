"""A workbook with account moves and credit splits (SPEC section 10) sent back: recalc reads its Moves and
Splits tables, so an untouched upload is ``ok``, an edited move or share is paid as edited, and a bad one is
named at its cell."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl

from tests.engine.test_credit import _run, moves_csv, splits_csv
from xlcomp.workbook import layout
from xlcomp.workbook.writer import write_workbook

from .builders import messages, recalc_file


def _renewals(done, csm_id: str) -> Decimal:
    found = [row for row in done.payouts if row["csm_id"] == csm_id and row["component"] == "renewals"]
    return Decimal(found[0]["payout"])


def test_an_untouched_credited_workbook_recalculates_to_itself(tmp_path: Path) -> None:
    result = _run(moves_csv(("a1", "B", "2027-01-31")), splits_csv(("s1", "A", 0.6), ("s1", "B", 0.4)))
    path = write_workbook(result, tmp_path / "credit.xlsx")
    done = recalc_file(path)
    assert done.entry["status"] == "ok", (done.entry["status"], messages(done), done.entry.get("differences"))
    assert done.entry["problems"] == [] and done.entry["total"] == f"{result.total:.2f}"


def test_an_edited_move_and_share_are_paid_as_edited_and_a_bad_one_is_named(tmp_path: Path) -> None:
    result = _run(moves_csv(("a1", "B", "2027-01-31")), splits_csv(("s1", "A", 0.6), ("s1", "B", 0.4)))
    path = write_workbook(result, tmp_path / "credit.xlsx")
    book = openpyxl.load_workbook(path)
    book[layout.SHEET_MOVES].cell(2, 3).value = dt.datetime(2027, 3, 1)   # A owns a1 59 days, B 31
    book[layout.SHEET_SPLITS].cell(2, 3).value = 0.5                     # s1: A 0.5, B 0.4 (0.1 uncredited)
    book.save(tmp_path / "edited.xlsx")
    done = recalc_file(tmp_path / "edited.xlsx")
    assert done.entry["problems"] == []
    # B: 90,000 x 31/90 + 100,000 x 0.4 = 31,000 + 40,000 = 71,000 x 10% = 7,100.00
    assert _renewals(done, "B") == Decimal("7100.00")
    # A: 90,000 x 59/90 + 50,000 + 100,000 x 0.5 = 59,000 + 50,000 + 50,000 = 159,000 x 10% = 15,900.00
    assert _renewals(done, "A") == Decimal("15900.00")
    assert any("below 1" in w["message"] for w in done.entry["warnings"])
    book[layout.SHEET_MOVES].cell(2, 2).value = "Z"
    book.save(tmp_path / "bad.xlsx")
    done = recalc_file(tmp_path / "bad.xlsx")
    assert done.entry["status"] == "rejected"
    assert 'Moves!B2 to_csm: "Z" is not a CSM of the roster' in messages(done)
