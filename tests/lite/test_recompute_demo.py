"""``xlcomp_recompute`` and ``xlcomp_check`` in Pyodide on demo-sized workbooks (40 CSMs, 2,000 accounts, every
CSM tab): after finance edits the Accounts table and adds an adjustment, the payouts and totals recompute
writes into the CSM tabs are :func:`xlcomp.engine.run`'s on the edited inputs, to the cent; and the check
reports what ``xlcomp recalc`` reports of the same file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from tests.lite.book_model import apply_actions, book_model, unprotected
from tests.lite.harness import run_scripts
from tests.recalc.builders import recalc_file
from xlcomp.cli.lite import read_lite_workbook
from xlcomp.demo.project import preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine import run
from xlcomp.functions.lite import write_lite
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.period import parse_period
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.workbook import layout
from xlcomp.workbook.writer import write_workbook

PERIOD = parse_period("2027-Q1")


def _table(model: dict[str, Any], sheet: str, table: str) -> tuple[int, dict[str, str]]:
    """The first data row of a table in the model and the column letter of each header."""
    c0, r0, c1, _ = range_boundaries(model["sheets"][sheet]["tables"][table]["ref"])
    cells = model["sheets"][sheet]["cells"]
    letters = [get_column_letter(c) for c in range(c0, c1 + 1)]
    return r0 + 1, {cells[f"{letter}{r0}"]["value"]: letter for letter in letters}


@pytest.mark.parametrize("preset", ["full_service", "adoption_renewal"])
def test_recompute_of_the_demo_workbook_is_the_engines(preset: str, tmp_path: Path) -> None:
    plan = parse_plan(preset_text(preset))
    roster_df, accounts_df = sample_book(40, 2000, 7, PERIOD)
    roster, book = load_inputs(plan, roster_df, accounts_df)
    path = write_workbook(run(plan, roster, book, PERIOD), tmp_path / "demo.xlsx")
    write_lite(tmp_path / "lite", read_lite_workbook(path))
    model = unprotected(book_model(path))  # finance unprotects the CSM tabs first (Review > Unprotect Sheet)

    # finance's edits, in the open workbook: the first 300 accounts renewed nothing; one adjustment
    accounts = model["sheets"][layout.SHEET_ACCOUNTS]["cells"]
    first, column = _table(model, layout.SHEET_ACCOUNTS, layout.ACCOUNTS_TABLE)
    lost = set()
    for row in range(first, first + 300):
        lost.add(accounts[f"{column['account_id']}{row}"]["value"])
        accounts[f"{column['renewed_arr']}{row}"] = {"value": 0.0, "formula": None}
    edited_df = accounts_df.copy()
    edited_df.loc[edited_df["account_id"].isin(lost), "renewed_arr"] = 0
    adjustments_sheet = model["sheets"][layout.SHEET_ADJUSTMENTS]["cells"]
    first, column = _table(model, layout.SHEET_ADJUSTMENTS, layout.ADJUSTMENTS_TABLE)
    csm_id = roster.csms[3].csm_id
    for name, value in (("csm_id", csm_id), ("amount", 250.005), ("reason", "Q1 true-up")):
        adjustments_sheet[f"{column[name]}{first}"] = {"value": value, "formula": None}

    _, edited_book = load_inputs(plan, roster_df, edited_df)
    # 250.005 pays ROUND(250.005, 2) = 250.01 (half away from zero)
    adjustment = Adjustment(csm_id, Decimal("250.005"), "Q1 true-up")
    expected = run(plan, roster, edited_book, PERIOD, adjustments=[adjustment])
    assert expected.csm(csm_id).adjustments_total == Decimal("250.01")

    ran = run_scripts(tmp_path / "lite", {"books": [{"model": model, "scripts": ["xlcomp_recompute"]}]}, tmp_path,
                      pyodide=True)
    assert ran["platform"] == "emscripten"
    [result] = ran["books"]
    written = {(sheet, cell): value for what, sheet, cell, value in result["actions"] if what == "value"}
    facts = read_lite_workbook(path)
    tabs = dict(facts.tabs)
    changed = 0
    for csm in expected.csms:
        sheet = tabs[csm.csm.csm_id]
        for component, cell in facts.tab.payouts:
            assert written[(sheet, cell)] == float(csm.component(component).payout), (sheet, component)
        assert written[(sheet, facts.tab.adjustments)] == float(csm.adjustments_total)
        assert written[(sheet, facts.tab.total)] == float(csm.total)
        changed += model["sheets"][sheet]["cells"][facts.tab.total]["value"] != float(csm.total)
    assert len(written) == 40 * (len(plan.components) + 2)
    assert changed > 0  # the edits moved totals: the values written are not the ones the tabs showed
    assert f"40 CSMs recomputed; total payout {expected.total:,.2f}" in result["log"]
    print(f"recompute in Pyodide: {result['seconds'][0]} s")


def test_check_of_the_demo_workbook_is_recalcs(tmp_path: Path) -> None:
    """The same edits made in the .xlsx and calculated by LibreOffice, as Excel would: the check, run twice (its
    probes calculated in between), reports what recalc reports of that file: every total, no override."""
    plan = parse_plan(preset_text("full_service"))
    roster_df, accounts_df = sample_book(40, 2000, 7, PERIOD)
    roster, book = load_inputs(plan, roster_df, accounts_df)
    path = write_workbook(run(plan, roster, book, PERIOD), tmp_path / "demo.xlsx")
    write_lite(tmp_path / "lite", read_lite_workbook(path))
    edited = openpyxl.load_workbook(path)
    sheet = edited[layout.SHEET_ACCOUNTS]
    c0, r0, c1, _ = range_boundaries(sheet.tables[layout.ACCOUNTS_TABLE].ref)
    header = [sheet.cell(r0, c).value for c in range(c0, c1 + 1)]
    for row in range(r0 + 1, r0 + 301):  # the first 300 accounts renewed nothing
        sheet.cell(row, c0 + header.index("renewed_arr")).value = 0
    edited.save(tmp_path / "edited.xlsx")
    [calculated] = recalculate([tmp_path / "edited.xlsx"], tmp_path / "lo")
    first = run_scripts(tmp_path / "lite", {"books": [{"model": book_model(calculated), "scripts": ["xlcomp_check"]}]},
                        tmp_path, pyodide=True)
    probed = recalculate([apply_actions(calculated, first["books"][0]["actions"], tmp_path / "probed.xlsx")],
                         tmp_path / "lo2")[0]
    second = run_scripts(tmp_path / "lite", {"books": [{"model": book_model(probed), "scripts": ["xlcomp_check"]}]},
                         tmp_path, pyodide=True)
    [report] = second["books"][0]["reports"]
    entry = recalc_file(calculated).entry
    assert report["formulas_checked"] and report["overrides"] == [] and report["differences"] == []
    assert report["status"] == entry["status"] == "inputs_changed"
    assert report["totals"] == entry["totals"] and len(report["totals"]) == 40
    print(f"check in Pyodide: {first['books'][0]['seconds'][0]} s writing 40 tabs' probes, "
          f"{second['books'][0]['seconds'][0]} s reading them")
