"""A workbook with roster changes (SPEC section 10) sent back: recalc reads its Changes table, so an
untouched upload is ``ok`` and an edited change is paid as edited."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from tests.engine.test_dating import _changes, _run
from xlcomp.workbook import layout
from xlcomp.workbook.writer import write_workbook

from .builders import messages, recalc_file


def test_an_untouched_dated_workbook_recalculates_to_itself(tmp_path: Path) -> None:
    result = _run(_changes(("A", "target_variable", 52000, "2027-02-15"), ("A", "quota_upsell", 130000, "2027-03-01")))
    path = write_workbook(result, tmp_path / "dated.xlsx")
    done = recalc_file(path)
    assert done.entry["status"] == "ok", (done.entry["status"], messages(done), done.entry.get("differences"))
    assert done.entry["problems"] == [] and done.entry["total"] == f"{result.total:.2f}"


def test_an_edited_change_is_paid_as_edited_and_a_bad_one_is_named(tmp_path: Path) -> None:
    result = _run(_changes(("A", "target_variable", 52000, "2027-02-15")))
    path = write_workbook(result, tmp_path / "dated.xlsx")
    book = openpyxl.load_workbook(path)
    book[layout.SHEET_CHANGES].cell(2, 3).value = 76000   # (40,000 x 45 + 76,000 x 45) / 360 = 14,500
    book.save(tmp_path / "edited.xlsx")
    done = recalc_file(tmp_path / "edited.xlsx")
    assert done.entry["problems"] == []
    renewal = [row for row in done.payouts if row["csm_id"] == "A" and row["component"] == "renewal"]
    assert Decimal(renewal[0]["payout"]) == Decimal("14500.00")
    book[layout.SHEET_CHANGES].cell(2, 1).value = "Z"
    book.save(tmp_path / "bad.xlsx")
    done = recalc_file(tmp_path / "bad.xlsx")
    assert done.entry["status"] == "rejected"
    assert 'Changes!A2 csm_id: "Z" is not a CSM of the roster' in messages(done)
