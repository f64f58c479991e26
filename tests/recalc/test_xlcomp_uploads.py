"""xlcomp workbooks sent back by finance: read by table and defined name, edited in openpyxl and
re-saved (recalculated) by a real LibreOffice, compared cell by cell with the regenerated workbook.

The hand-worked plan of :mod:`tests.recalc.builders` pays CSM-A 6,913.05 (renewal) and 1,400.00
(upsell), CSM-B nothing; the numbers of each edit are worked by hand next to it.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from xlcomp.cli import main
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.recalc.job import RecalcOptions
from xlcomp.recalc.read import read_upload
from xlcomp.workbook import layout
from xlcomp.workbook.writer import template_result, write_workbook

from .builders import ACCOUNT_ROWS, HAND_PAYOUTS, HAND_PLAN, messages, plain_workbook, recalc_file, sha256

TAB_A = "CSM-A Ava Okafor"


def pays(result: Any) -> dict[tuple[str, str], str]:
    """(csm_id, component) -> payout of a file's payout rows."""
    return {(row["csm_id"], row["component"]): row["payout"] for row in result.payouts}


def table_rows(sheet: Any, name: str) -> tuple[int, int, list[str], list[list[Any]]]:
    """First data row, first column, header and data rows of a table (openpyxl, 1-based)."""
    c0, r0, c1, r1 = range_boundaries(sheet.tables[name].ref)
    header = [sheet.cell(r0, c).value for c in range(c0, c1 + 1)]
    totals = sheet.tables[name].totalsRowCount or 0
    rows = [[sheet.cell(r, c).value for c in range(c0, c1 + 1)] for r in range(r0 + 1, r1 + 1 - totals)]
    return r0 + 1, c0, header, rows


def payout_cell(book: Any, component: str) -> str:
    """The coordinate of CSM-A's payout cell of a component, read from its Summary formula."""
    summary = book[layout.SHEET_SUMMARY]
    first, c0, header, _ = table_rows(summary, layout.SUMMARY_TABLE)
    formula = summary.cell(first, c0 + header.index(f"{component}_payout")).value
    match = re.fullmatch(r"='?(.+?)'?!\$?([A-Z]+)\$?(\d+)", formula)
    assert match and match.group(1) == TAB_A, formula
    return f"{match.group(2)}{match.group(3)}"


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The regenerated workbook of the hand-worked inputs, and edited copies, some re-saved by LibreOffice."""
    folder = tmp_path_factory.mktemp("xlcomp-uploads")
    fresh = recalc_file(plain_workbook(folder / "inputs.xlsx"))
    assert fresh.status == "ok" and fresh.workbook is not None
    files = {"fresh": folder / "fresh.xlsx"}
    files["fresh"].write_bytes(fresh.workbook)
    edits: dict[str, Path] = {}

    def edit(name: str, change: Any) -> None:
        book = openpyxl.load_workbook(files["fresh"])
        change(book)
        edits[name] = folder / "edited" / f"{name}.xlsx"
        edits[name].parent.mkdir(exist_ok=True)
        book.save(edits[name])

    def renewed(book: Any) -> None:  # account A1: renewed_arr 95,000 -> 100,000
        sheet = book[layout.SHEET_ACCOUNTS]
        first, c0, header, rows = table_rows(sheet, layout.ACCOUNTS_TABLE)
        row = next(i for i, r in enumerate(rows) if r[header.index("account_id")] == "A1")
        sheet.cell(first + row, c0 + header.index("renewed_arr")).value = 100000

    def typed_over(book: Any) -> None:
        book[TAB_A][payout_cell(book, "upsell")] = 9999.99

    def other_formula(book: Any) -> None:
        cell = book[TAB_A][payout_cell(book, "upsell")]
        cell.value = cell.value.replace(",2)", "*2,2)")

    def plan_edit(book: Any) -> None:  # renewal weight 0.6 -> 0.7, second tier rate 3 -> 2.5
        sheet_name, coordinate = next(iter(book.defined_names["renewal_weight"].destinations))
        book[sheet_name][coordinate.replace("$", "")] = 0.7
        sheet = book[layout.SHEET_PLAN]
        first, c0, header, _ = table_rows(sheet, layout.tier_table_name("renewal"))
        sheet.cell(first + 1, c0 + header.index("rate")).value = 2.5

    def sorted_tables(book: Any) -> None:  # Roster, Accounts and Summary rows in reverse order
        for sheet_name, table in ((layout.SHEET_ROSTER, layout.ROSTER_TABLE),
                                  (layout.SHEET_ACCOUNTS, layout.ACCOUNTS_TABLE),
                                  (layout.SHEET_SUMMARY, layout.SUMMARY_TABLE)):
            sheet = book[sheet_name]
            first, c0, _, rows = table_rows(sheet, table)
            for i, row in enumerate(reversed(rows)):
                for j, value in enumerate(row):
                    sheet.cell(first + i, c0 + j).value = value

    def bad_input(book: Any) -> None:
        sheet = book[layout.SHEET_ACCOUNTS]
        first, c0, header, _ = table_rows(sheet, layout.ACCOUNTS_TABLE)
        sheet.cell(first, c0 + header.index("renewed_arr")).value = "lots"
        sheet.cell(first + 1, c0 + header.index("upsell_arr")).value = -5

    def added_csm(book: Any) -> None:  # a new row in the Roster table: CSM-C, no accounts
        sheet = book[layout.SHEET_ROSTER]
        table = sheet.tables[layout.ROSTER_TABLE]
        c0, r0, c1, r1 = range_boundaries(table.ref)
        header = [sheet.cell(r0, c).value for c in range(c0, c1 + 1)]
        new = {"csm_id": "CSM-C", "name": "Chloe Moreau", "segment": "SMB", "role": "CSM", "base_salary": 80000,
               "target_variable": 10000, "start_date": "2026-01-01", "manager": "Quinn", "quota_upsell": 5000}
        for offset, column in enumerate(header):
            if column in new:
                sheet.cell(r1 + 1, c0 + offset).value = new[column]
        table.ref = f"{openpyxl.utils.get_column_letter(c0)}{r0}:{openpyxl.utils.get_column_letter(c1)}{r1 + 1}"

    def renamed(book: Any) -> None:  # a name corrected in the Roster: the tab keeps its old name
        sheet = book[layout.SHEET_ROSTER]
        first, c0, header, rows = table_rows(sheet, layout.ROSTER_TABLE)
        row = next(i for i, r in enumerate(rows) if r[header.index("csm_id")] == "CSM-A")
        sheet.cell(first + row, c0 + header.index("name")).value = "Ava Okafor-Lind"

    def no_metadata(book: Any) -> None:
        book.remove(book[layout.META_SHEET])

    for name, change in (("renewed", renewed), ("typed_over", typed_over), ("other_formula", other_formula),
                         ("plan_edit", plan_edit), ("sorted", sorted_tables), ("bad_input", bad_input),
                         ("added_csm", added_csm), ("no_metadata", no_metadata), ("renamed", renamed)):
        edit(name, change)
    # a template (`xlcomp template`): actual columns blank; finance fills them in
    inputs = read_upload(folder / "inputs.xlsx")
    files["template"] = write_workbook(template_result(inputs.plan, inputs.roster, inputs.book, inputs.period),
                                       folder / "template.xlsx", mode="template")

    def fill(book: Any) -> None:
        sheet = book[layout.SHEET_ACCOUNTS]
        first, c0, header, rows = table_rows(sheet, layout.ACCOUNTS_TABLE)
        actuals = {row[0]: row for row in ACCOUNT_ROWS[1:]}
        for i, row in enumerate(rows):
            for column in ("renewed_arr", "upsell_arr"):
                value = actuals[row[header.index("account_id")]][ACCOUNT_ROWS[0].index(column)]
                sheet.cell(first + i, c0 + header.index(column)).value = value

    book = openpyxl.load_workbook(files["template"])
    fill(book)
    edits["filled"] = folder / "edited" / "filled.xlsx"
    book.save(edits["filled"])
    files.update({f"{name}_openpyxl": path for name, path in edits.items()})
    resaved = recalculate(list(edits.values()), folder / "libreoffice")
    files.update({f"{name}_lo": path for name, path in zip(edits, resaved, strict=True)})
    return files


def test_regenerated_workbook_reads_back_ok(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["fresh"])
    assert result.status == "ok", result.entry
    assert result.entry["kind"] == "xlcomp workbook"
    assert result.entry["overrides"] == [] and result.entry["differences"] == [] and result.entry["warnings"] == []
    assert pays(result) == HAND_PAYOUTS
    inputs = read_upload(uploads["fresh"])
    assert inputs.metadata["plan_id"] == "hand-worked" and inputs.metadata["schema_version"] == "1"
    assert [csm_id for csm_id, _ in inputs.tabs] == ["CSM-A", "CSM-B"]
    assert inputs.period.label == "2027-Q1"


def test_template_filled_in(uploads: dict[str, Path]) -> None:
    blank = recalc_file(uploads["template"])
    assert blank.status == "ok", blank.entry
    assert set(pays(blank).values()) == {"0.00"}
    assert blank.entry["totals"] == [{"csm_id": "CSM-A", "issued": "0.00", "workbook": "0.00", "engine": "0.00"},
                                     {"csm_id": "CSM-B", "issued": "0.00", "workbook": "0.00", "engine": "0.00"}]
    filled = recalc_file(uploads["filled_lo"])
    assert filled.status == "inputs_changed", filled.entry  # issued with nothing to pay, filled in since
    assert pays(filled) == HAND_PAYOUTS
    assert filled.entry["totals"] == [
        {"csm_id": "CSM-A", "issued": "0.00", "workbook": "8313.05", "engine": "8313.05"},
        {"csm_id": "CSM-B", "issued": "0.00", "workbook": "0.00", "engine": "0.00"}]


def test_input_edited_and_resaved_by_libreoffice(uploads: dict[str, Path]) -> None:
    """A1 renewed 100,000: GRR 1.0, attainment ROUND(1/0.92, 6) = 1.086957, share 1 + 0.086957 x 3 =
    1.260871, payout ROUND(6,000 x 1.260871, 2) = 7,565.23. LibreOffice recalculated: nothing differs."""
    result = recalc_file(uploads["renewed_lo"])
    assert result.status == "inputs_changed", result.entry
    assert pays(result) == {**HAND_PAYOUTS, ("CSM-A", "renewal"): "7565.23"}
    assert result.entry["overrides"] == [] and result.entry["differences"] == []
    assert result.entry["total"] == "8965.23"
    # issued 6,913.05 + 1,400.00; LibreOffice recalculated 7,565.23 + 1,400.00, as the engine does
    assert result.entry["totals"] == [
        {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8965.23", "engine": "8965.23"},
        {"csm_id": "CSM-B", "issued": "0.00", "workbook": "0.00", "engine": "0.00"}]


def test_input_edited_without_recalculation(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["renewed_openpyxl"])
    assert result.status == "inputs_changed"
    assert pays(result) == {**HAND_PAYOUTS, ("CSM-A", "renewal"): "7565.23"}
    # openpyxl keeps no calculated value: the workbook's totals are unknown
    assert [(t["issued"], t["workbook"], t["engine"]) for t in result.entry["totals"]] == [
        ("8313.05", None, "8965.23"), ("0.00", None, "0.00")]
    assert "hold no calculated value" in messages(result, "warnings")


def test_formula_typed_over_by_a_constant(uploads: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(uploads["fresh"])
    coordinate = payout_cell(book, "upsell")
    expected = book[TAB_A][coordinate].value
    book.close()
    result = recalc_file(uploads["typed_over_lo"])
    assert result.status == "overridden"
    [override] = result.entry["overrides"]
    assert {key: override[key] for key in ("where", "formula", "found", "kind", "action")} == {
        "where": f"{TAB_A}!{coordinate}", "formula": expected, "found": "9999.99", "kind": "constant",
        "action": "discarded"}
    assert override["message"] == ("the value USD 9,999.99 typed over this formula cell is not paid: xlcomp "
                                   "recomputed it (USD 1,400.00) from the inputs; to pay a manual change, add a "
                                   "row to the Adjustments table (csm_id, amount, reason) and upload again")
    # what the workbook showed (LibreOffice followed the typed value) against what is paid
    assert result.entry["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "16913.04",
                                         "engine": "8313.05"}
    differences = {d["where"]: (d["cached"], d["engine"]) for d in result.entry["differences"]}
    assert differences[f"{TAB_A}!{coordinate}"] == ("9999.99", "1400")
    # the Summary total of CSM-A followed the override: 6,913.05 + 9,999.99 = 16,913.04
    assert ("16913.04", "8313.05") in differences.values()
    assert pays(result) == HAND_PAYOUTS  # the engine pays what the plan says, not the typed number


def test_typed_over_without_recalculation(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["typed_over_openpyxl"])
    assert result.status == "overridden"
    [override] = result.entry["overrides"]
    assert override["where"].startswith(f"{TAB_A}!") and override["found"] == "9999.99"


def test_a_different_formula(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["other_formula_lo"])
    assert result.status == "overridden"
    [override] = result.entry["overrides"]
    assert override["kind"] == "formula" and override["action"] == "discarded"
    assert "its result is not paid" in override["message"] and "Adjustments table" in override["message"]
    assert override["found"] == override["formula"].replace(",2)", "*2,2)")
    assert {d["where"]: d["cached"] for d in result.entry["differences"]}[override["where"]] == "2800"


def test_plan_parameters_edited_in_the_workbook(uploads: dict[str, Path]) -> None:
    """Weight 0.7, second tier rate 2.5: TI 7,000, share 1 + 0.050725 x 2.5 = 1.1268125,
    payout ROUND(7,000 x 1.1268125, 2) = 7,887.69 (7,887.6875 rounds half away from zero)."""
    result = recalc_file(uploads["plan_edit_lo"])
    assert result.status == "inputs_changed", result.entry
    assert result.entry["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "9287.69",
                                         "engine": "9287.69"}
    assert pays(result) == {**HAND_PAYOUTS, ("CSM-A", "renewal"): "7887.69"}
    book = openpyxl.load_workbook(uploads["fresh"])
    sheet_name, coordinate = next(iter(book.defined_names["renewal_weight"].destinations))
    first, c0, header, _ = table_rows(book[layout.SHEET_PLAN], layout.tier_table_name("renewal"))
    rate_cell = f"{openpyxl.utils.get_column_letter(c0 + header.index('rate'))}{first + 1}"
    assert result.entry["plan_edits"] == [
        {"where": f"{sheet_name}!{coordinate.replace('$', '')}", "name": "renewal_weight", "before": "0.6",
         "after": "0.7"},
        {"where": f"Plan!{rate_cell}", "name": "Tiers_renewal tier 2 rate", "before": "3", "after": "2.5"}]


def test_sorted_tables(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["sorted_lo"])
    assert result.status == "ok", result.entry
    assert [t["csm_id"] for t in result.entry["totals"]] == ["CSM-A", "CSM-B"]
    assert all(t["issued"] == t["workbook"] == t["engine"] for t in result.entry["totals"])
    assert pays(result) == HAND_PAYOUTS


def test_csm_added_to_the_roster(uploads: dict[str, Path]) -> None:
    """CSM-C has no accounts: renewal undefined (pays 0), upsell 0 of a 5,000 quota."""
    result = recalc_file(uploads["added_csm_lo"])
    assert pays(result) == {**HAND_PAYOUTS, ("CSM-C", "renewal"): "0.00", ("CSM-C", "upsell"): "0.00"}
    assert result.status == "inputs_changed"  # CSM-C was not issued: nothing to say it is unchanged
    assert result.entry["totals"][2] == {"csm_id": "CSM-C", "issued": None, "workbook": None, "engine": "0.00"}
    assert result.entry["overrides"] == []
    warnings = messages(result, "warnings")
    assert 'the sheet "CSM-C Chloe Moreau" is not in the upload' in warnings
    assert "the Summary table of the upload has no row for CSM-C" in warnings
    # the upload's Summary totals do not count CSM-C: base salaries 210,000 against 290,000
    assert ("210000", "290000") in {(d["cached"], d["engine"]) for d in result.entry["differences"]}


def test_csm_renamed_in_the_roster(uploads: dict[str, Path]) -> None:
    """The regenerated tab is "CSM-A Ava Okafor-Lind"; it is compared with the upload's "CSM-A Ava Okafor"."""
    result = recalc_file(uploads["renamed_lo"])
    assert result.status == "ok", result.entry
    assert result.entry["warnings"] == []
    assert pays(result) == HAND_PAYOUTS


def test_metadata_sheet_deleted(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["no_metadata_openpyxl"])
    assert result.status == "rejected"
    assert "without its _xlcomp metadata sheet (deleted?)" in messages(result)
    result = recalc_file(uploads["no_metadata_openpyxl"], RecalcOptions(plan_text=HAND_PLAN))
    assert pays(result) == HAND_PAYOUTS
    assert result.entry["period"] == "2027-Q1"  # from the document properties
    assert "metadata sheet is missing" in messages(result, "warnings")


def test_bad_inputs_in_a_workbook(uploads: dict[str, Path]) -> None:
    result = recalc_file(uploads["bad_input_lo"])
    assert result.status == "rejected"
    book = openpyxl.load_workbook(uploads["fresh"])
    first, c0, header, _ = table_rows(book[layout.SHEET_ACCOUNTS], layout.ACCOUNTS_TABLE)
    letter = openpyxl.utils.get_column_letter
    found = {(p["where"], p["message"]) for p in result.entry["problems"]}
    assert (f"Accounts!{letter(c0 + header.index('renewed_arr'))}{first}", 'renewed_arr: "lots" is not a number') \
        in found
    assert (f"Accounts!{letter(c0 + header.index('upsell_arr'))}{first + 1}", "upsell_arr: -5.0000 is negative") \
        in found


def test_cached_money_within_half_a_cent(uploads: dict[str, Path], tmp_path: Path) -> None:
    """8,313.05 cached as 8,313.054 is the same money; as 8,313.056 it is a difference."""
    book = openpyxl.load_workbook(uploads["fresh"])
    summary = book[layout.SHEET_SUMMARY]
    first, c0, header, _ = table_rows(summary, layout.SUMMARY_TABLE)
    coordinate = f"{openpyxl.utils.get_column_letter(c0 + header.index('total_payout'))}{first}"
    book.close()
    with zipfile.ZipFile(uploads["fresh"]) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    summary_part = _summary_part(members)

    def with_cached(value: str) -> Path:
        xml = members[summary_part].decode()
        changed = re.sub(rf'(<c r="{coordinate}"[^>]*>.*?<v>)8313\.05(</v>)', rf"\g<1>{value}\g<2>", xml, count=1)
        assert changed != xml
        path = tmp_path / f"cached-{value}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, changed if name == summary_part else data)
        return path

    assert recalc_file(with_cached("8313.054")).status == "ok"
    result = recalc_file(with_cached("8313.056"))
    # the engine pays what was issued (SPEC: ok), and the difference is still listed
    assert result.status == "ok"
    assert result.entry["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8313.06",
                                         "engine": "8313.05"}
    assert result.entry["differences"] == [{"where": f"Summary!{coordinate}", "cached": "8313.056",
                                            "engine": "8313.05"}]


def test_error_value_cached_in_the_upload(uploads: dict[str, Path], tmp_path: Path) -> None:
    """A formula that evaluated to #REF! in the spreadsheet: a difference, not a missing value."""
    book = openpyxl.load_workbook(uploads["fresh"])
    summary = book[layout.SHEET_SUMMARY]
    first, c0, header, _ = table_rows(summary, layout.SUMMARY_TABLE)
    coordinate = f"{openpyxl.utils.get_column_letter(c0 + header.index('total_payout'))}{first}"
    book.close()
    with zipfile.ZipFile(uploads["fresh"]) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    part = _summary_part(members)
    xml = members[part].decode()
    broken = re.sub(rf'<c r="{coordinate}"([^>]*)>(<f>.*?</f>)<v>8313\.05</v>',
                    rf'<c r="{coordinate}"\1 t="e">\2<v>#REF!</v>', xml, count=1)
    assert broken != xml
    path = tmp_path / "error.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, broken if name == part else data)
    result = recalc_file(path)
    assert result.status == "ok"
    assert result.entry["differences"] == [{"where": f"Summary!{coordinate}", "cached": "#REF!", "engine": "8313.05"}]
    assert result.entry["totals"][0]["workbook"] is None  # an error value is no total


def _summary_part(members: dict[str, bytes]) -> str:
    workbook = members["xl/workbook.xml"].decode()
    rels = members["xl/_rels/workbook.xml.rels"].decode()
    rid = re.search(r'<sheet [^>]*name="Summary"[^>]*r:id="(rId\d+)"', workbook)
    assert rid
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"', rels) or \
        re.search(rf'Target="([^"]+)"[^>]*Id="{rid.group(1)}"', rels)
    assert target
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def test_batch_of_returned_workbooks(uploads: dict[str, Path], tmp_path: Path) -> None:
    files = [uploads["fresh"], uploads["renewed_lo"], uploads["typed_over_lo"], uploads["bad_input_lo"]]
    before = [sha256(path) for path in files]
    out = tmp_path / "out"
    code = main(["recalc", *map(str, files), "--out", str(out), "--workers", "2", "--quiet"])
    assert code == 1
    assert [sha256(path) for path in files] == before
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in report] == ["ok", "inputs_changed", "overridden", "rejected"]
    assert [e["output"] for e in report] == ["fresh.xlsx", "renewed.xlsx", "typed_over.xlsx", ""]
    # each regenerated workbook is itself an xlcomp workbook that reads back ok
    for name in ("fresh.xlsx", "renewed.xlsx", "typed_over.xlsx"):
        again = recalc_file(out / name)
        assert again.status == "ok", (name, again.entry)
    assert pays(recalc_file(out / "renewed.xlsx"))[("CSM-A", "renewal")] == "7565.23"
    assert not (out / "bad_input.xlsx").exists()
    findings = list(openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Findings"].iter_rows(
        values_only=True))
    overrides = [row for row in findings if row[2] == "override discarded"]
    assert len(overrides) == 1 and overrides[0][0] == str(uploads["typed_over_lo"])
    assert overrides[0][3].startswith(f"{TAB_A}!") and overrides[0][6] == "9999.99"
    assert "is not paid" in overrides[0][4] and "Adjustments table" in overrides[0][4]
    totals = list(openpyxl.load_workbook(out / "report.xlsx", read_only=True)["Totals"].iter_rows(values_only=True))
    assert totals[0][:7] == ("file", "status", "csm_id", "issued", "in the workbook", "recomputed (paid)",
                             "difference")
    # the CSMs whose total changed first: renewed (CSM-A 8,965.23 issued 8,313.05), typed over (the workbook
    # said 16,913.04, 8,313.05 is paid), then the unchanged ones
    assert [(Path(row[0]).name, row[2], row[3], row[4], row[5], row[6], row[7]) for row in totals[1:3]] == [
        (uploads["renewed_lo"].name, "CSM-A", 8313.05, 8965.23, 8965.23,
         0, "yes"),
        (uploads["typed_over_lo"].name, "CSM-A", 8313.05, 16913.04, 8313.05, -8599.99, "yes")]
    assert {row[7] for row in totals[3:]} == {"no"} and len(totals) == 1 + 6
