"""A workbook of a period split by plan versions (SPEC section 10) sent back: recalc rebuilds each version from
the metadata and its part's cells, recomputes the parts as calc does, and LibreOffice recalculating the
regenerated workbook lands on the engine to the cent.

The case of tests/engine/test_versions.py (2027-Q1 split on 2027-02-15, 45 + 45 days; untouched: A 15,550.00, B
5,500.00). The upload is edited three times:
- Accounts: a1 (A's, booked 2027-01-20, in the first part) renewed_arr 9,000 -> 6,300. A's GRR, the whole
  period's, is (6,300 + 9,000 + 9,000) / 30,000 = 0.81; attainment 0.81 / 0.9 = 0.9, share 0.9 (rate 1 up to 1).
- Plan sheet: renewal_at_20270101_weight (v1's renewal; v2's stays 0.8) 1 -> 0.5: A's renewal v1 40,000 x 0.5 x
  45 / 360 = 2,500 x 0.9 = 2,250.00; v2 40,000 x 0.8 x 45 / 360 = 4,000 x 0.9 = 3,600.00.
- Plan sheet: Tiers_upsell_at_20270215 (v2's upsell) tier 2 rate 0.10 -> 0.12. A's part 2: 69,000 on the part's
  quota 45,000: 45,000 x 6% + 24,000 x 12% = 2,700 + 2,880 = 5,580.00. Part 1 unchanged: 29,000 x 5% = 1,450.00.
A: 2,250 + 3,600 + 1,450 + 5,580 = 12,880.00. B (GRR still 0.9: share 1; 14 days employed in part 1, nothing booked
in part 2): renewal 36,000 x 0.5 x 14 / 360 = 700.00 and 3,600.00, upsell 500.00 and 0.00: 4,800.00.

Versions whose plan input differs (tests/workbook/test_versions_workbook.py: company_attainment 0.9 in v1, 1.1 in
v2, read by a multiplier on renewal, a gate on upsell and a company bonus; A 17,400.00, B 8,125.00): each part's
cell is read back into its version.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl

from tests.engine.test_versions import V1, V2, _plans, _run
from tests.workbook import cells
from tests.workbook.test_versions_workbook import input_versions
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.ooxml.refs import parse_ref
from xlcomp.workbook import layout
from xlcomp.workbook.writer import write_workbook

from .builders import messages, recalc_file


def _split(folder: Path) -> Path:
    return write_workbook(_run(_plans(folder, V1, V2)), folder / "split.xlsx")


def _table_cell(book: openpyxl.Workbook, table_name: str, column: str, row_of: int | str) -> tuple[str, str]:
    """(sheet, cell) of ``column`` in a table's data row ``row_of`` (1-based) or the row whose first cell is it."""
    for sheet in book.worksheets:
        if table_name in sheet.tables:
            table = sheet.tables[table_name]
            (r0, c0), (r1, _) = (parse_ref(part) for part in table.ref.split(":"))
            header = [sheet.cell(r0 + 1, c0 + 1 + i).value for i in range(len(table.tableColumns))]
            col = c0 + 1 + header.index(column)
            if isinstance(row_of, int):
                return sheet.title, sheet.cell(r0 + 1 + row_of, col).coordinate
            row = next(r for r in range(r0 + 2, r1 + 2) if sheet.cell(r, c0 + 1).value == row_of)
            return sheet.title, sheet.cell(row, col).coordinate
    raise AssertionError(f"no table {table_name}")


def _payouts(done) -> dict[tuple[str, str], Decimal]:
    return {(row["csm_id"], row["component"]): Decimal(row["payout"]) for row in done.payouts}


def test_an_untouched_split_workbook_recalculates_to_itself(tmp_path: Path) -> None:
    done = recalc_file(_split(tmp_path))
    assert done.entry["status"] == "ok", (messages(done), messages(done, "warnings"), done.entry["differences"])
    assert done.entry["total"] == "21050.00"   # A 15,550.00 + B 5,500.00
    assert done.entry["plan_edits"] == [] and done.entry["overrides"] == []
    assert _payouts(done)[("A", "upsell@2027-02-15")] == Decimal("5100.00")


def test_edited_inputs_and_a_versions_rate_are_paid_and_libreoffice_agrees(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(_split(tmp_path))
    sheet, cell = _table_cell(book, layout.ACCOUNTS_TABLE, "renewed_arr", "a1")
    book[sheet][cell] = 6300
    sheet, rate = _table_cell(book, layout.tier_table_name("upsell@2027-02-15"), "rate", 2)
    assert book[sheet][rate].value == 0.1
    book[sheet][rate] = 0.12
    weight_sheet, weight = book.defined_names["renewal_at_20270101_weight"].attr_text.split("!")
    weight_sheet, weight = weight_sheet.strip("'"), weight.replace("$", "")
    assert book[weight_sheet][weight].value == 1
    book[weight_sheet][weight] = 0.5
    book.save(tmp_path / "edited.xlsx")
    done = recalc_file(tmp_path / "edited.xlsx")
    assert done.entry["problems"] == [], messages(done)
    assert sorted(done.entry["plan_edits"], key=lambda e: e["name"]) == [
        {"where": f"{sheet}!{rate}", "name": "Tiers_upsell_at_20270215 tier 2 rate", "before": "0.1", "after": "0.12"},
        {"where": f"{weight_sheet}!{weight}", "name": "renewal_at_20270101_weight", "before": "1", "after": "0.5"}]
    paid = _payouts(done)
    assert paid[("A", "renewal@2027-01-01")] == Decimal("2250.00")    # 2,500 x 0.9
    assert paid[("A", "renewal@2027-02-15")] == Decimal("3600.00")    # 4,000 x 0.9
    assert paid[("A", "upsell@2027-01-01")] == Decimal("1450.00")     # 29,000 x 5%
    assert paid[("A", "upsell@2027-02-15")] == Decimal("5580.00")     # 2,700 + 24,000 x 12%
    assert paid[("B", "renewal@2027-01-01")] == Decimal("700.00")     # 36,000 x 0.5 x 14 / 360
    assert paid[("B", "renewal@2027-02-15")] == Decimal("3600.00")    # v2's weight 0.8 kept
    totals = {row["csm_id"]: (row["issued"], row["engine"]) for row in done.entry["totals"]}
    assert totals == {"A": ("15550.00", "12880.00"), "B": ("5500.00", "4800.00")}
    assert done.entry["total"] == "17680.00"
    # LibreOffice recalculating the regenerated workbook: every formula on the engine's cached value
    recalculated = _regenerated_agrees_with_libreoffice(done, tmp_path)
    summary = openpyxl.load_workbook(recalculated, data_only=True)[layout.SHEET_SUMMARY]
    rows = list(summary.iter_rows(values_only=True))
    header = next(r for r in rows if r and "total_payout" in r)
    at = header.index("total_payout")
    assert {r[0]: round(r[at], 2) for r in rows if r and r[0] in ("A", "B")} == {"A": 12880, "B": 4800}


def test_a_moved_part_day_moves_the_versions_effective_date(tmp_path: Path) -> None:
    """renewal_at_20270215_part_first 2027-02-15 -> 2027-03-01: v2 pays from March 1. Part 1 Jan 1 - Feb 28
    (59 days), part 2 Mar 1 - 31 (31 days). A: renewal 40,000 x 59 / 360 = 6,555.555... -> 6,555.56 and 40,000 x
    0.8 x 31 / 360 = 2,755.555... -> 2,755.56; upsell part 1 a1 20,000 + a3 18,000 x 59 / 90 = 11,800: 31,800 x 5%
    = 1,590.00; part 2 a2 60,000 + 18,000 x 31 / 90 = 6,200: 66,200 on 90,000 x 31 / 90 = 31,000: 31,000 x 6% +
    35,200 x 10% = 1,860 + 3,520 = 5,380.00."""
    book = openpyxl.load_workbook(_split(tmp_path))
    sheet, cell = book.defined_names["renewal_at_20270215_part_first"].attr_text.split("!")
    book[sheet][cell.replace("$", "")] = openpyxl.utils.datetime.from_excel(46447)   # 2027-03-01
    book.save(tmp_path / "moved.xlsx")
    done = recalc_file(tmp_path / "moved.xlsx")
    assert done.entry["problems"] == [], messages(done)
    assert [(e["name"], e["before"], e["after"]) for e in done.entry["plan_edits"]] == [
        ("renewal_at_20270215_part_first", "2027-02-15", "2027-03-01")]
    paid = _payouts(done)
    assert paid[("A", "renewal@2027-01-01")] == Decimal("6555.56")
    assert paid[("A", "renewal@2027-03-01")] == Decimal("2755.56")
    assert paid[("A", "upsell@2027-01-01")] == Decimal("1590.00")
    assert paid[("A", "upsell@2027-03-01")] == Decimal("5380.00")
    # a part's last day after the period: named at its cell
    sheet, cell = book.defined_names["upsell_at_20270215_part_last"].attr_text.split("!")
    book[sheet][cell.replace("$", "")] = openpyxl.utils.datetime.from_excel(46478)   # 2027-04-01
    book.save(tmp_path / "bad.xlsx")
    done = recalc_file(tmp_path / "bad.xlsx")
    assert done.entry["status"] == "rejected"
    assert f"{sheet.strip(chr(39))}!{cell.replace('$', '')} upsell_at_20270215_part_last: 2027-04-01: the last " \
           "part ends on the period's last day, 2027-03-31" in messages(done)
    # a version's part starting on the period's first day (before the part it follows ends): named at its cell
    book = openpyxl.load_workbook(_split(tmp_path))
    sheet, cell = book.defined_names["upsell_at_20270215_part_first"].attr_text.split("!")
    book[sheet][cell.replace("$", "")] = openpyxl.utils.datetime.from_excel(46388)   # 2027-01-01
    book.save(tmp_path / "early.xlsx")
    done = recalc_file(tmp_path / "early.xlsx")
    assert done.entry["status"] == "rejected"
    assert f"{sheet.strip(chr(39))}!{cell.replace('$', '')} upsell_at_20270215_part_first: 2027-01-01: a version's " \
           "part would start outside 2027-Q1 or not after the part before it" in messages(done)


def test_a_workbook_holding_only_the_merged_plan_is_refused_at_its_cell(tmp_path: Path) -> None:
    """A workbook of a split period written before xlcomp kept each version: refused, naming the metadata."""
    book = openpyxl.load_workbook(_split(tmp_path))
    meta = book[layout.META_SHEET]
    for row in range(meta.max_row, 1, -1):
        if str(meta.cell(row, 1).value or "").startswith("version_"):
            meta.delete_rows(row)
    book.save(tmp_path / "old.xlsx")
    done = recalc_file(tmp_path / "old.xlsx")
    assert done.entry["status"] == "rejected"
    assert f"{layout.META_SHEET}!A1 plan versions: the workbook's 2027-Q1 is split by plan versions, but its " \
           "metadata holds only the merged plan" in messages(done)


def test_xlcomp_lite_refuses_a_split_workbook(tmp_path: Path) -> None:
    """The xlwings Lite scripts pay one plan over the whole period: a split period's workbook is refused (exit 2),
    nothing written."""
    from xlcomp.cli import main as cli_main

    assert cli_main(["lite", "--out", str(tmp_path / "lite"), "--workbook", str(_split(tmp_path))]) == 2
    assert not (tmp_path / "lite").exists()


def test_an_altered_version_in_the_metadata_is_used_with_a_warning(tmp_path: Path) -> None:
    """version_2_yaml's renewal weight typed over (0.8 -> 0.4): a warning; the Plan sheet's cell (0.8) still gives
    the weight, reported as a plan edit, so the payouts are the issued ones (A 15,550.00)."""
    book = openpyxl.load_workbook(_split(tmp_path))
    meta = book[layout.META_SHEET]
    rows = [row for row in range(2, meta.max_row + 1) if meta.cell(row, 1).value == "version_2_yaml"]
    assert len(rows) == 1 and "weight: 0.8" in meta.cell(rows[0], 2).value
    meta.cell(rows[0], 2).value = meta.cell(rows[0], 2).value.replace("weight: 0.8", "weight: 0.4")
    book.save(tmp_path / "altered.xlsx")
    done = recalc_file(tmp_path / "altered.xlsx")
    assert done.entry["problems"] == [], messages(done)
    assert "the plan version plan-2.yaml in the metadata sheet was altered since xlcomp wrote it" in \
        messages(done, "warnings")
    assert [(e["name"], e["before"], e["after"]) for e in done.entry["plan_edits"]] == [
        ("renewal_at_20270215_weight", "0.4", "0.8")]
    assert {row["csm_id"]: row["engine"] for row in done.entry["totals"]} == {"A": "15550.00", "B": "5500.00"}


def _regenerated_agrees_with_libreoffice(done, tmp_path: Path) -> Path:
    assert done.workbook is not None
    regenerated = tmp_path / "regenerated.xlsx"
    regenerated.write_bytes(done.workbook)
    (recalculated,) = recalculate([regenerated], tmp_path / "lo")
    formulas, cached, found = cells.formulas(regenerated), cells.values(regenerated), cells.values(recalculated)
    wrong = [f"{s}!{w}: cached {cached[s].get(w)!r}, LibreOffice {found[s].get(w)!r}"
             for s, by_cell in formulas.items() for w in by_cell if not cells.same(cached[s].get(w), found[s].get(w))]
    assert sum(map(len, formulas.values())) > 200
    assert wrong == []
    assert cells.errors(found) == []
    return recalculated


def _set(book: openpyxl.Workbook, name: str, value: object) -> str:
    sheet, where = book.defined_names[name].attr_text.split("!")
    sheet, where = sheet.strip("'"), where.replace("$", "")
    book[sheet][where] = value
    return f"{sheet}!{where}"


def test_an_edit_of_a_parts_input_cell_goes_to_that_version(tmp_path: Path) -> None:
    """input_company_attainment_at_20270101 0.9 -> 1.0 (v2's stays 1.1). Part 1 at 1.0: A's renewal 5,000 x 1.2 =
    6,000.00, upsell's gate passes: 1,450.00, company 2,500 x 1.0 = 2,500.00; part 2 as issued: 4,800 + 5,100 +
    2,750 = 12,650: A 6,000 + 1,450 + 2,500 + 12,650 = 22,600.00. B: 1,400 x 1.2 = 1,680.00, upsell 500.00, company
    700 x 1.0 = 700.00, part 2 4,320 + 0 + 2,475 = 6,795: 1,680 + 500 + 700 + 6,795 = 9,675.00."""
    path = write_workbook(_run(_plans(tmp_path, *input_versions())), tmp_path / "inputs.xlsx")
    untouched = recalc_file(path)
    assert untouched.entry["status"] == "ok", (messages(untouched), untouched.entry["differences"])
    assert untouched.entry["total"] == "25525.00"   # A 17,400.00 + B 8,125.00
    assert untouched.entry["plan_edits"] == []
    book = openpyxl.load_workbook(path)
    where = _set(book, "input_company_attainment_at_20270101", 1)
    book.save(tmp_path / "edited.xlsx")
    done = recalc_file(tmp_path / "edited.xlsx")
    assert done.entry["problems"] == [], messages(done)
    assert done.entry["plan_edits"] == [{"where": where, "name": "input_company_attainment_at_20270101",
                                         "before": "0.9", "after": "1"}]
    paid = _payouts(done)
    assert paid[("A", "renewal@2027-01-01")] == Decimal("6000.00")    # 5,000 x 1.2
    assert paid[("A", "upsell@2027-01-01")] == Decimal("1450.00")     # the gate passes at 1.0
    assert paid[("A", "company@2027-01-01")] == Decimal("2500.00")    # 2,500 x 1.0
    assert paid[("A", "renewal@2027-02-15")] == Decimal("4800.00")    # v2 keeps 1.1: 4,000 x 1.2
    assert paid[("A", "company@2027-02-15")] == Decimal("2750.00")    # 2,500 x 1.1
    totals = {row["csm_id"]: (row["issued"], row["engine"]) for row in done.entry["totals"]}
    assert totals == {"A": ("17400.00", "22600.00"), "B": ("8125.00", "9675.00")}
    _regenerated_agrees_with_libreoffice(done, tmp_path)


def test_an_edit_of_an_inputs_one_cell_goes_to_every_version_and_a_parts_cell_wins(tmp_path: Path) -> None:
    """input_company_attainment 1.1 -> 1.0 goes to both versions; input_company_attainment_at_20270215 edited to
    1.2 as well keeps v2 at 1.2. Part 1 at 1.0 as above: A 6,000 + 1,450 + 2,500 = 9,950; part 2 at 1.2: renewal
    4,000 x 1.2 = 4,800.00, upsell 5,100.00, company 2,500 x 1.2 = 3,000.00: A 9,950 + 12,900 = 22,850.00."""
    path = write_workbook(_run(_plans(tmp_path, *input_versions())), tmp_path / "inputs.xlsx")
    book = openpyxl.load_workbook(path)
    _set(book, "input_company_attainment", 1)
    book.save(tmp_path / "one.xlsx")
    done = recalc_file(tmp_path / "one.xlsx")
    assert done.entry["problems"] == [], messages(done)
    # both parts at 1.0: A 9,950 + renewal 4,000 x 1.2 + upsell 5,100 + company 2,500 x 1.0 = 22,350.00
    assert {row["csm_id"]: row["engine"] for row in done.entry["totals"]}["A"] == "22350.00"
    _set(book, "input_company_attainment_at_20270215", 1.2)
    book.save(tmp_path / "both.xlsx")
    done = recalc_file(tmp_path / "both.xlsx")
    assert done.entry["problems"] == [], messages(done)
    assert [(e["name"], e["after"]) for e in done.entry["plan_edits"]] == [
        ("input_company_attainment", "1"), ("input_company_attainment_at_20270215", "1.2")]
    paid = _payouts(done)
    assert paid[("A", "company@2027-01-01")] == Decimal("2500.00")    # 2,500 x 1.0
    assert paid[("A", "company@2027-02-15")] == Decimal("3000.00")    # 2,500 x 1.2
    assert {row["csm_id"]: row["engine"] for row in done.entry["totals"]}["A"] == "22850.00"
