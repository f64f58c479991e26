"""Nothing finance typed vanishes (SPEC section 8): rows under tables, data beside them, hidden and
filtered rows, formulas and merged cells in inputs, renamed headers, deleted rows, numbers typed as
finance writes them; in files edited with openpyxl and re-saved (recalculated) by a real LibreOffice.

The hand-worked plan of :mod:`tests.recalc.builders` pays CSM-A 6,913.05 + 1,400.00 = 8,313.05 and
CSM-B nothing; each edit's numbers are worked by hand next to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from xlcomp.cli import main
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.recalc.job import RecalcOptions
from xlcomp.workbook import layout

from .builders import HAND_PAYOUTS, messages, plain_workbook, recalc_file, sha256

# A3 typed under the Accounts table: CSM-A, 10,000 renewable and renewed, 5,000 upsell.
# CSM-A renewal: GRR 155,000 / 160,000 = 0.96875; attainment ROUND(0.96875 / 0.92, 6) = 1.052989;
#   share 1 + 0.052989 x 3 = 1.158967; payout ROUND(6,000 x 1.158967, 2) = 6,953.80.
# CSM-A upsell: 30,000 against 20,000: 20,000 x 5% + 10,000 x 8% = 1,800.00. Total 8,753.80.
A3 = {"account_id": "A3", "csm_id": "CSM-A", "segment": "Enterprise", "arr_start": 10000, "renewable_arr": 10000,
      "renewed_arr": 10000, "upsell_arr": 5000}
GROWN_PAYOUTS = {**HAND_PAYOUTS, ("CSM-A", "renewal"): "6953.80", ("CSM-A", "upsell"): "1800.00"}


def pays(result: Any) -> dict[tuple[str, str], str]:
    return {(row["csm_id"], row["component"]): row["payout"] for row in result.payouts}


def table_at(book: Any, sheet_name: str, table: str) -> tuple[Any, int, int, int, int, list[str]]:
    """The sheet, first column, header row, last column and last row of a table (1-based), and its header."""
    sheet = book[sheet_name]
    c0, r0, c1, r1 = range_boundaries(sheet.tables[table].ref)
    return sheet, c0, r0, c1, r1, [sheet.cell(r0, c).value for c in range(c0, c1 + 1)]


def accounts(book: Any) -> tuple[Any, int, int, int, int, list[str]]:
    return table_at(book, layout.SHEET_ACCOUNTS, layout.ACCOUNTS_TABLE)


def set_account(book: Any, account_id: str, column: str, value: Any) -> str:
    """Set one cell of an account's row; its coordinate."""
    sheet, c0, r0, _, r1, header = accounts(book)
    row = next(r for r in range(r0 + 1, r1 + 1) if sheet.cell(r, c0).value == account_id)
    cell = sheet.cell(row, c0 + header.index(column))
    cell.value = value
    return str(cell.coordinate)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fidelity")
    fresh = recalc_file(plain_workbook(folder / "inputs.xlsx"))
    assert fresh.workbook is not None
    out = {"fresh": folder / "fresh.xlsx"}
    out["fresh"].write_bytes(fresh.workbook)
    edits: dict[str, Path] = {}

    def edit(name: str) -> Any:
        def register(change: Any) -> Any:
            book = openpyxl.load_workbook(out["fresh"])
            change(book)
            edits[name] = folder / "edited" / f"{name}.xlsx"
            edits[name].parent.mkdir(exist_ok=True)
            book.save(edits[name])
            return change
        return register

    @edit("under")
    def under(book: Any) -> None:  # A3 appended under the table (its range not grown), a note beside, data below
        sheet, c0, r0, c1, r1, header = accounts(book)
        for column, value in A3.items():
            sheet.cell(r1 + 1, c0 + header.index(column)).value = value
        sheet.cell(r0 + 1, c1 + 3).value = "checked by Quinn"
        sheet.cell(r1 + 4, c0).value = "A9"
        sheet.cell(r1 + 4, c0 + 1).value = "CSM-B"

    @edit("text_numbers")
    def text_numbers(book: Any) -> None:  # the same numbers, typed as finance writes them
        set_account(book, "A1", "renewed_arr", "$95,000")
        set_account(book, "A2", "upsell_arr", "USD 10,000.00")
        set_account(book, "A1", "adoption_rate", "90%")

    @edit("other_currency")
    def other_currency(book: Any) -> None:
        set_account(book, "A1", "upsell_arr", "EUR 15,000")

    @edit("decimal_comma")
    def decimal_comma(book: Any) -> None:
        set_account(book, "A1", "renewed_arr", "95.000,00")
        set_account(book, "A2", "upsell_arr", "10.000")

    @edit("hidden")
    def hidden(book: Any) -> None:  # A2's row hidden, B1's filtered out: both still count
        sheet, c0, r0, _, r1, _ = accounts(book)
        rows = {sheet.cell(r, c0).value: r for r in range(r0 + 1, r1 + 1)}
        sheet.row_dimensions[rows["A2"]].hidden = True
        sheet.row_dimensions[rows["B1"]].hidden = True

    @edit("formula_input")
    def formula_input(book: Any) -> None:
        set_account(book, "A1", "renewed_arr", "=90000+5000")

    @edit("merged")
    def merged(book: Any) -> None:
        sheet, c0, r0, _, _, header = accounts(book)
        first = sheet.cell(r0 + 1, c0 + header.index("nps")).coordinate
        last = sheet.cell(r0 + 1, c0 + header.index("adoption_rate")).coordinate
        sheet.merge_cells(f"{first}:{last}")

    @edit("renamed_header")
    def renamed_header(book: Any) -> None:
        sheet, c0, r0, _, _, header = accounts(book)
        sheet.cell(r0, c0 + header.index("health_score")).value = "Health"

    @edit("cleared")
    def cleared(book: Any) -> None:  # CSM-B's Roster row and account B1 cleared (the Delete key)
        for sheet_name, table, key in ((layout.SHEET_ROSTER, layout.ROSTER_TABLE, "CSM-B"),
                                       (layout.SHEET_ACCOUNTS, layout.ACCOUNTS_TABLE, "B1")):
            sheet, c0, r0, c1, r1, _ = table_at(book, sheet_name, table)
            row = next(r for r in range(r0 + 1, r1 + 1) if sheet.cell(r, c0).value == key)
            for c in range(c0, c1 + 1):
                sheet.cell(row, c).value = None

    @edit("typed_over")
    def typed_over(book: Any) -> None:
        summary, c0, r0, _, _, header = table_at(book, layout.SHEET_SUMMARY, layout.SUMMARY_TABLE)
        formula = summary.cell(r0 + 1, c0 + header.index("upsell_payout")).value
        sheet_name, _, coordinate = formula.lstrip("=").replace("'", "").rpartition("!")
        book[sheet_name][coordinate.replace("$", "")] = 2500

    out.update({f"{name}_openpyxl": path for name, path in edits.items()})
    lo = ["under", "text_numbers", "formula_input", "hidden", "cleared", "typed_over"]
    resaved = recalculate([edits[name] for name in lo], folder / "libreoffice")
    out.update({f"{name}_lo": path for name, path in zip(lo, resaved, strict=True)})
    return out


def _range(book: Any, r0: int, c0: int, r1: int, c1: int) -> str:
    return f"{get_column_letter(c0)}{r0}:{get_column_letter(c1)}{r1}"


@pytest.mark.parametrize("saved_by", ["openpyxl", "lo"])
def test_rows_under_a_table_are_read_as_rows_of_it(files: dict[str, Path], saved_by: str) -> None:
    before = sha256(files[f"under_{saved_by}"])
    result = recalc_file(files[f"under_{saved_by}"])
    assert sha256(files[f"under_{saved_by}"]) == before  # an upload is never modified
    assert result.status == "inputs_changed", result.entry
    assert pays(result) == GROWN_PAYOUTS
    book = openpyxl.load_workbook(files["fresh"])
    _, c0, r0, c1, r1, _ = accounts(book)
    warnings = {w["where"]: w["message"] for w in result.entry["warnings"]}
    assert warnings[f"Accounts!{_range(book, r1 + 1, c0, r1 + 1, c1)}"] == (
        "1 row typed directly under the Accounts table was read as rows of it, as Excel grows a table (resize the "
        "table over them to keep it so)")
    beside = f"Accounts!{get_column_letter(c1 + 3)}{r0 + 1}"
    assert warnings[beside] == "data beside the Accounts table is not part of it and was ignored (move it into " \
                               "the table to count it)"
    below = f"Accounts!{_range(book, r1 + 4, c0, r1 + 4, c0 + 1)}"
    assert warnings[below].startswith("data below the Accounts table, after a blank row, is not part of it")
    # the regenerated workbook holds A3 in its table
    regenerated = openpyxl.load_workbook(__import__("io").BytesIO(result.workbook))
    _, _, _, _, last, _ = accounts(regenerated)
    assert last == r1 + 1
    totals = result.entry["totals"][0]
    # LibreOffice recalculated over the table as it was (without A3): 8,313.05; the engine counts A3
    assert totals == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8313.05" if saved_by == "lo" else None,
                      "engine": "8753.80"}


def test_numbers_typed_as_finance_writes_them(files: dict[str, Path]) -> None:
    for name in ("text_numbers_openpyxl", "text_numbers_lo"):
        result = recalc_file(files[name])
        assert result.status != "rejected", result.entry
        assert pays(result) == HAND_PAYOUTS, name
        assert "3 numbers typed as text in the Accounts table were read as finance writes them" in \
            messages(result, "warnings")
        assert '"$95,000" as 95000' in messages(result, "warnings")


def test_a_currency_that_is_not_the_plans_is_a_problem_at_its_cell(files: dict[str, Path]) -> None:
    result = recalc_file(files["other_currency_openpyxl"])
    assert result.status == "rejected" and result.workbook is None and result.payouts == []
    book = openpyxl.load_workbook(files["fresh"])
    coordinate = set_account(book, "A1", "upsell_arr", None)
    assert result.entry["problems"] == [{"where": f"Accounts!{coordinate}",
                                         "message": 'upsell_arr: "EUR 15,000" is in EUR, not the plan\'s currency USD'}]


def test_decimal_comma(files: dict[str, Path]) -> None:
    """Without the option "95.000,00" names it; with it, "10.000" is read as ten thousand."""
    without = recalc_file(files["decimal_comma_openpyxl"])
    assert without.status == "rejected"
    assert "run with --decimal-comma" in messages(without)
    result = recalc_file(files["decimal_comma_openpyxl"], RecalcOptions(decimal_comma=True))
    assert result.status != "rejected", result.entry
    assert pays(result) == HAND_PAYOUTS


def test_ambiguous_with_decimal_comma(tmp_path: Path, files: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(files["fresh"])
    coordinate = set_account(book, "A1", "upsell_arr", "1,234")
    book.save(tmp_path / "ambiguous.xlsx")
    result = recalc_file(tmp_path / "ambiguous.xlsx", RecalcOptions(decimal_comma=True))
    assert result.status == "rejected"
    [problem] = result.entry["problems"]
    assert problem["where"] == f"Accounts!{coordinate}"
    assert "is ambiguous with --decimal-comma" in problem["message"] and 'write "1.234"' in problem["message"]


@pytest.mark.parametrize("saved_by", ["openpyxl", "lo"])
def test_hidden_and_filtered_rows_still_count(files: dict[str, Path], saved_by: str) -> None:
    result = recalc_file(files[f"hidden_{saved_by}"])
    assert result.status == "ok", result.entry
    assert pays(result) == HAND_PAYOUTS
    text = messages(result, "warnings")
    assert "2 rows of the Accounts table are hidden or filtered out" in text and "they still count" in text


def test_formulas_in_input_cells(files: dict[str, Path]) -> None:
    result = recalc_file(files["formula_input_lo"])  # LibreOffice saved its value, 95,000
    assert result.status == "ok", result.entry
    assert pays(result) == HAND_PAYOUTS
    text = messages(result, "warnings")
    assert "1 cell of the Accounts table's renewed_arr column holds a formula (=90000+5000 …)" in text
    assert "no saved value" not in text
    unsaved = recalc_file(files["formula_input_openpyxl"])  # openpyxl saves no value: read as blank
    assert "1 of them had no saved value and read as blank" in messages(unsaved, "warnings")


def test_merged_cells_in_inputs_are_a_problem(files: dict[str, Path]) -> None:
    result = recalc_file(files["merged_openpyxl"])
    assert result.status == "rejected"
    assert "merged cells in the Accounts table: unmerge them" in messages(result)


def test_a_renamed_header_names_the_column_expected(files: dict[str, Path]) -> None:
    result = recalc_file(files["renamed_header_openpyxl"])
    assert result.status == "rejected"
    book = openpyxl.load_workbook(files["fresh"])
    _, c0, r0, _, _, header = accounts(book)
    assert result.entry["problems"] == [{
        "where": f"Accounts!{get_column_letter(c0 + header.index('health_score'))}{r0}",
        "message": 'the Accounts table\'s column "health_score" was renamed "health": xlcomp expects "health_score" '
                   "here; rename it back (its values would be lost)"}]


@pytest.mark.parametrize("saved_by", ["openpyxl", "lo"])
def test_rows_cleared_in_a_table(files: dict[str, Path], saved_by: str) -> None:
    """CSM-B and B1 cleared: blank rows skipped (warned); CSM-B, issued 0.00, is no longer paid."""
    result = recalc_file(files[f"cleared_{saved_by}"])
    assert result.status == "inputs_changed", result.entry
    assert pays(result) == {key: value for key, value in HAND_PAYOUTS.items() if key[0] == "CSM-A"}
    text = messages(result, "warnings")
    assert "blank row inside the Roster table (contents deleted?) skipped" in text
    assert "blank row inside the Accounts table (contents deleted?) skipped" in text
    assert "CSM-B (issued with a total of 0.00) is no longer in the Roster table" in text
    assert result.entry["totals"][1]["csm_id"] == "CSM-B" and result.entry["totals"][1]["engine"] is None


def test_batch_console_and_reports_on_libreoffice_uploads(files: dict[str, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The three totals to the cent: typed over (2,500 for 1,400: the workbook said 6,913.05 + 2,500 =
    9,413.05), rows under a table (8,753.80 paid, 8,313.05 issued and in the workbook)."""
    uploads = [files["fresh"], files["typed_over_lo"], files["under_lo"], files["merged_openpyxl"]]
    before = [sha256(path) for path in uploads]
    out = tmp_path / "out"
    code = main(["recalc", *map(str, uploads), "--out", str(out), "--workers", "1", "--quiet"])
    assert code == 1  # the merged-cells upload is rejected
    assert [sha256(path) for path in uploads] == before
    stdout = " ".join(capsys.readouterr().out.split())
    assert "1 value typed over or changed in formula cells was not paid" in stdout
    assert "add a row to the Adjustments table" in stdout
    assert "1 ok, 1 inputs_changed, 1 overridden, 1 rejected" in stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in report] == ["ok", "overridden", "inputs_changed", "rejected"]
    assert report[1]["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "9413.05",
                                      "engine": "8313.05"}
    assert report[2]["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8313.05",
                                      "engine": "8753.80"}
    [override] = report[1]["overrides"]
    assert override["action"] == "discarded" and "USD 2,500.00" in override["message"]
    assert not (out / "merged_openpyxl.xlsx").exists() and not (out / "merged.xlsx").exists()
    totals = list(openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Totals"].iter_rows(values_only=True))
    changed = [(row[2], row[6]) for row in totals[1:] if row[7] == "yes"]
    assert changed == [("CSM-A", -1100), ("CSM-A", 440.75)]
