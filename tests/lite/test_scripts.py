"""The task-pane scripts of a workbook's main.py (``xlcomp lite --workbook``), run in Pyodide under Node.js on
a stand-in of the open workbook built from the real .xlsx: ``xlcomp_check`` reports what ``xlcomp recalc``
reports of the same file, and ``xlcomp_recompute`` writes what the engine pays.

The workbook is recalc's hand-worked one (tests/recalc/builders.py: CSM-A renewal 6,913.05 and upsell
1,400.00, CSM-B nothing), edited as finance would and recalculated by LibreOffice, as Excel would have
before a script reads it. Between two runs of a script, what it wrote is put into the .xlsx and LibreOffice
calculates it, as Excel does when a script ends (the check's formula probes are calculated so)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import range_boundaries

from tests.lite.book_model import apply_actions, book_model, unprotected
from tests.lite.harness import run_scripts
from tests.recalc.builders import plain_workbook, recalc_file
from xlcomp.cli.lite import read_lite_workbook
from xlcomp.functions.lite import write_lite
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.workbook import layout

TAB_A = "CSM-A Ava Okafor"


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


EDITS = ("typed_over", "renewed", "bad_input", "bad_many", "bad_roster")


def _typed_over(book: Any) -> None:  # CSM-A's upsell payout (1,400.00) typed over with 9,999.99
    book[TAB_A][payout_cell(book, "upsell")] = 9999.99


def _renewed(book: Any) -> None:  # account A1: renewed_arr 95,000 -> 100,000
    sheet = book[layout.SHEET_ACCOUNTS]
    first, c0, header, rows = table_rows(sheet, layout.ACCOUNTS_TABLE)
    row = next(i for i, r in enumerate(rows) if r[header.index("account_id")] == "A1")
    sheet.cell(first + row, c0 + header.index("renewed_arr")).value = 100000


def _bad_input(book: Any) -> None:  # A1's renewed_arr typed as a word
    sheet = book[layout.SHEET_ACCOUNTS]
    first, c0, header, _ = table_rows(sheet, layout.ACCOUNTS_TABLE)
    sheet.cell(first, c0 + header.index("renewed_arr")).value = "lots"


def _bad_many(book: Any) -> None:  # every kind of problem the Accounts table can have
    _bad_input(book)
    sheet = book[layout.SHEET_ACCOUNTS]
    first, c0, header, _ = table_rows(sheet, layout.ACCOUNTS_TABLE)
    for row, column, value in ((1, "upsell_arr", -5), (1, "health_score", 120), (2, "renewed_arr", 90000),
                               (2, "account_id", "A1"), (2, "csm_id", "CSM-Z")):
        sheet.cell(first + row, c0 + header.index(column)).value = value


def _bad_roster(book: Any) -> None:  # CSM-A: a negative base salary, an end before the start; CSM-B: quota 0
    sheet = book[layout.SHEET_ROSTER]
    first, c0, header, _ = table_rows(sheet, layout.ROSTER_TABLE)
    for row, column, value in ((0, "base_salary", -5), (0, "end_date", datetime(2023, 6, 30)),
                               (1, "quota_upsell", 0), (1, "target_variable", None)):
        sheet.cell(first + row, c0 + header.index(column)).value = value


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """main.py for the hand-worked workbook, its edited copies, what recalc and the scripts (in Pyodide) say."""
    folder = tmp_path_factory.mktemp("lite-scripts")
    fresh = recalc_file(plain_workbook(folder / "inputs.xlsx"))
    assert fresh.workbook is not None
    path = folder / "fresh.xlsx"
    path.write_bytes(fresh.workbook)
    lite = folder / "lite"
    write_lite(lite, read_lite_workbook(path))
    edited: dict[str, Path] = {}
    for name, change in zip(EDITS, (_typed_over, _renewed, _bad_input, _bad_many, _bad_roster), strict=True):
        book = openpyxl.load_workbook(path)
        change(book)
        edited[name] = folder / "edited" / f"{name}.xlsx"
        edited[name].parent.mkdir(exist_ok=True)
        book.save(edited[name])
    files = dict(zip(EDITS, recalculate(list(edited.values()), folder / "libreoffice"), strict=True))
    files["fresh"] = path
    files["renewed_openpyxl"] = edited["renewed"]  # saved without calculating: formulas hold no value
    names = list(files)

    # run 1: the check writes its formula probes (and a first report); recompute on the edited workbook,
    # its tabs protected as xlcomp writes them, then unprotected (as finance must); recompute on bad input
    first = [{"model": book_model(files[name]), "scripts": ["xlcomp_check"]} for name in names]
    renewed = book_model(files["renewed"])
    first += [{"model": renewed, "scripts": ["xlcomp_recompute"]},
              {"model": unprotected(renewed), "scripts": ["xlcomp_recompute"]},
              {"model": unprotected(book_model(files["bad_input"])), "scripts": ["xlcomp_recompute"]},
              {"model": unprotected(book_model(files["typed_over"])), "scripts": ["xlcomp_restore"]}]
    run1 = run_scripts(lite, {"books": first}, folder, pyodide=True)
    # Excel calculates what run 1 wrote; run 2 checks again, and restores what the probes found
    after = dict(zip(names, recalculate([apply_actions(files[name], book["actions"], folder / f"{name}-run1.xlsx")
                                         for name, book in zip(names, run1["books"], strict=False)],
                                        folder / "run1"), strict=True))
    second = [{"model": book_model(after[name]), "scripts": ["xlcomp_check"]} for name in names]
    second.append({"model": unprotected(book_model(after["typed_over"])), "scripts": ["xlcomp_restore"]})
    run2 = run_scripts(lite, {"books": second}, folder, pyodide=True)
    # run 3: the check after the restore, once Excel calculated the restored formula
    restored = recalculate([apply_actions(after["typed_over"], run2["books"][-1]["actions"],
                                          folder / "restored.xlsx")], folder / "run2")[0]
    run3 = run_scripts(lite, {"books": [{"model": book_model(restored), "scripts": ["xlcomp_check"]}]}, folder,
                       pyodide=True)
    n = len(names)
    return {"files": files, "run1": run1, "first": {name: run1["books"][i] for i, name in enumerate(names)},
            "checks": {name: run2["books"][i]["reports"][0] for i, name in enumerate(names)},
            "protected": run1["books"][n], "recompute": run1["books"][n + 1], "rejected": run1["books"][n + 2],
            "restore_too_soon": run1["books"][n + 3], "restore": run2["books"][n],
            "after_restore": run3["books"][0]["reports"][0], "after": after,
            "recalc": {name: recalc_file(files[name]).entry for name in names}}


def _same_as_recalc(check: dict[str, Any], entry: dict[str, Any]) -> None:
    assert check["formulas_checked"] is True
    assert check["status"] == entry["status"]
    assert check["totals"] == entry["totals"]
    assert check["overrides"] == [{k: o[k] for k in ("where", "formula", "found", "kind")} for o in entry["overrides"]]
    # recalc compares every computed cell; the script the payouts and totals of the CSM tabs, the same way
    theirs = {d["where"]: d for d in entry["differences"]}
    assert all(theirs.get(d["where"]) == d for d in check["differences"]), (check["differences"], theirs)


def _on_tabs(actions: list[list[Any]]) -> list[list[Any]]:
    return [a for a in actions if a[0] == "value" and a[1] not in ("xlcomp check", "xlcomp formulas")]


def test_runs_in_pyodide_with_the_standard_library_only(hand: dict[str, Any]) -> None:
    run = hand["run1"]
    assert run["platform"] == "emscripten"
    assert run["scripts"] == ["xlcomp_check", "xlcomp_recompute", "xlcomp_restore"]
    assert "numpy" not in run["modules"] and "pyarrow" not in run["modules"] and "xlcomp" not in run["modules"]


def test_the_first_check_writes_the_formula_probes(hand: dict[str, Any]) -> None:
    first = hand["first"]["fresh"]
    report = first["reports"][0]
    assert report["formulas_checked"] is False and report["overrides"] == []
    assert "run the check again" in report["warnings"][0]["message"]
    probes = {(a[2], a[3]) for a in first["actions"] if a[0] == "value" and a[1] == "xlcomp formulas"}
    book = openpyxl.load_workbook(hand["files"]["fresh"])
    cell = payout_cell(book, "upsell")
    ref = f"'{TAB_A}'!{cell}"
    assert (f"B{1 + 1 + [c for c in _computed(book)].index(cell)}",
            f'=IF(ISFORMULA({ref}),FORMULATEXT({ref}),"none")') in probes
    # 2 tabs x every computed cell, and the header
    assert len([p for p in probes if p[0].startswith("B")]) == 2 * len(_computed(book)) + 1


def _computed(book: Any) -> list[str]:
    return [c.coordinate for row in book[TAB_A].iter_rows() for c in row if c.data_type == "f"]


def test_check_of_the_workbook_as_issued(hand: dict[str, Any]) -> None:
    check = hand["checks"]["fresh"]
    _same_as_recalc(check, hand["recalc"]["fresh"])
    assert check["status"] == "ok" and check["overrides"] == [] and check["differences"] == []
    # 6,913.05 + 1,400.00 = 8,313.05 issued, shown and recomputed
    assert check["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8313.05", "engine": "8313.05"}


def test_check_finds_a_typed_over_payout_as_recalc_does(hand: dict[str, Any]) -> None:
    check = hand["checks"]["typed_over"]
    _same_as_recalc(check, hand["recalc"]["typed_over"])
    [override] = check["overrides"]
    book = openpyxl.load_workbook(hand["files"]["fresh"])
    cell = payout_cell(book, "upsell")
    assert override == {"where": f"{TAB_A}!{cell}", "formula": book[TAB_A][cell].value, "found": "9999.99",
                        "kind": "constant"}
    differences = {d["where"]: (d["cached"], d["engine"]) for d in check["differences"]}
    # the engine pays 20,000 x 5% + 5,000 x 8% = 1,400; the tab's total followed the typed value:
    # 6,913.05 + 9,999.99 = 16,913.04 against 8,313.05
    assert differences[f"{TAB_A}!{cell}"] == ("9999.99", "1400")
    assert ("16913.04", "8313.05") in differences.values()
    assert check["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "16913.04",
                                  "engine": "8313.05"}


def test_check_of_an_edited_input_as_recalc_does(hand: dict[str, Any]) -> None:
    """A1 renewed 100,000: GRR 150,000 / 150,000 = 1, attainment ROUND(1 / 0.92, 6) = 1.086957, share
    1 + 0.086957 x 3 = 1.260871, renewal ROUND(6,000 x 1.260871, 2) = 7,565.23; total 7,565.23 + 1,400 = 8,965.23."""
    check = hand["checks"]["renewed"]
    _same_as_recalc(check, hand["recalc"]["renewed"])
    assert check["status"] == "inputs_changed" and check["overrides"] == [] and check["differences"] == []
    assert check["totals"][0] == {"csm_id": "CSM-A", "issued": "8313.05", "workbook": "8965.23", "engine": "8965.23"}


def test_check_of_a_workbook_saved_without_calculating(hand: dict[str, Any]) -> None:
    check = hand["first"]["renewed_openpyxl"]["reports"][0]
    entry = hand["recalc"]["renewed_openpyxl"]
    assert check["status"] == entry["status"] == "inputs_changed" and check["totals"] == entry["totals"]
    assert [(t["issued"], t["workbook"], t["engine"]) for t in check["totals"]] == [
        ("8313.05", None, "8965.23"), ("0.00", None, "0.00")]
    assert check["differences"] == [] and "hold no calculated value" in check["warnings"][1]["message"]


def test_check_of_a_bad_input_is_rejected_with_its_cell(hand: dict[str, Any]) -> None:
    check = hand["checks"]["bad_input"]
    assert hand["recalc"]["bad_input"]["status"] == check["status"] == "rejected"
    [problem] = check["problems"]
    assert problem == {"where": "Accounts!F2", "message": 'renewed_arr: "lots" is not a number'}
    assert any(p["where"] == "Accounts!F2" for p in hand["recalc"]["bad_input"]["problems"])


def test_recompute_writes_the_engines_payouts(hand: dict[str, Any]) -> None:
    recompute = hand["recompute"]
    book = openpyxl.load_workbook(hand["files"]["fresh"])
    renewal, upsell = payout_cell(book, "renewal"), payout_cell(book, "upsell")
    written = {(sheet, cell): value for _, sheet, cell, value in _on_tabs(recompute["actions"])}
    # the renewed edit: 7,565.23 + 1,400.00 + no adjustments = 8,965.23; CSM-B 0 (below threshold, gated)
    assert written[(TAB_A, renewal)] == 7565.23 and written[(TAB_A, upsell)] == 1400.0
    assert sorted(v for (sheet, _), v in written.items() if sheet == TAB_A) == [0.0, 1400.0, 7565.23, 8965.23]
    assert {v for (sheet, _), v in written.items() if sheet != TAB_A} == {0.0}
    assert "2 CSMs recomputed; total payout 8,965.23" in recompute["log"]


def test_recompute_into_protected_tabs_fails_before_writing(hand: dict[str, Any]) -> None:
    protected = hand["protected"]
    assert "protected sheet" in protected["errors"][0] and protected["actions"] == []


def test_recompute_writes_nothing_on_bad_input(hand: dict[str, Any]) -> None:
    rejected = hand["rejected"]
    assert rejected["actions"] == []
    assert 'Accounts!F2 renewed_arr: "lots" is not a number' in rejected["log"]
    assert "nothing was written" in rejected["log"]


def test_restore_puts_the_formula_back(hand: dict[str, Any]) -> None:
    assert hand["restore_too_soon"]["reports"] == [None] and "run xlcomp_check first" in hand["restore_too_soon"]["log"]
    restore = hand["restore"]
    book = openpyxl.load_workbook(hand["files"]["fresh"])
    cell = payout_cell(book, "upsell")
    assert restore["actions"] == [["value", TAB_A, cell, book[TAB_A][cell].value]]
    assert restore["reports"] == [1] and "1 formula cells restored" in restore["log"]
    # once Excel calculated the restored formula: nothing is overridden, every total is the one issued
    after = hand["after_restore"]
    assert after["status"] == "ok" and after["overrides"] == [] and after["differences"] == []


def test_recalc_reads_a_checked_workbook_as_it_reads_any(hand: dict[str, Any]) -> None:
    """The sheets the check adds (its report, its formula probes) do not disturb an upload to xlcomp recalc."""
    entry = recalc_file(hand["after"]["fresh"]).entry
    assert entry["status"] == "ok" and entry["warnings"] == [] and entry["problems"] == []


def test_check_names_every_bad_cell_as_recalc_does(hand: dict[str, Any]) -> None:
    """A word for a number, -5 upsell, a health score of 120, 90,000 renewed of 80,000, a duplicate account_id and
    an unknown CSM: the same problems, cell and message, as recalc's loader."""
    check, entry = hand["checks"]["bad_many"], hand["recalc"]["bad_many"]
    assert check["status"] == entry["status"] == "rejected"
    assert sorted(map(str, check["problems"])) == sorted(map(str, entry["problems"]))
    assert len(check["problems"]) == 6


def test_check_names_every_bad_roster_cell_as_recalc_does(hand: dict[str, Any]) -> None:
    check, entry = hand["checks"]["bad_roster"], hand["recalc"]["bad_roster"]
    assert check["status"] == entry["status"] == "rejected"
    assert sorted(map(str, check["problems"])) == sorted(map(str, entry["problems"]))
    assert len(check["problems"]) == 4
