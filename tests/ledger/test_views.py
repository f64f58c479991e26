"""``ledger show`` and ``ledger export`` over the hand-worked year's first half (numbers from test_year)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl

from tests.ledger.test_year import close
from tests.ledger.year import project
from xlcomp.cli import main
from xlcomp.ooxml.libreoffice import recalculate


def two_quarters(tmp_path: Path) -> str:
    files = project(tmp_path / "in")
    db = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    assert close(files, db, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    assert close(files, db, tmp_path / "q2", "2027-Q2", "2027-Q2") == 0
    assert close(files, db, tmp_path / "q2b", "2027-Q2", "2027-Q2-fixed", "--reopen", "--reason", "A3 fixed") == 0
    return db


def test_ledger_show_prints_lines_gross_payable_and_balance(tmp_path, capsys):
    db = two_quarters(tmp_path)
    capsys.readouterr()
    assert main(["ledger", "show", "--db", db, "--csm", "C2"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "C2 Ben" in out and "833.33" in out and "2,944.45" in out
    # C2 paid 3,000.00 + 2,944.45; the draw is recovered
    assert "paid to date USD 5,944.45; balance owed USD 0.00" in out


def test_ledger_export_has_live_formulas_that_recompute_to_the_ledger(tmp_path):
    db = two_quarters(tmp_path)
    target = tmp_path / "ledger.xlsx"
    assert main(["ledger", "export", "--db", db, "--out", str(target)]) == 0
    formulas = openpyxl.load_workbook(target)
    assert formulas["Balances"]["C4"].value.startswith("=SUMIFS(Periods!$H$2")
    assert formulas["Periods"]["H2"].value == "=MAX(0,E2-G2)+F2"
    assert formulas["Ledger"].tables["Ledger"].ref.startswith("A1:L")
    cached = openpyxl.load_workbook(target, data_only=True)["Balances"]
    expected = {"C1": (17111.12, 0), "C2": (5944.45, 0), "C3": (3111.11, 0)}
    assert {r[0].value: (round(r[2].value, 2), r[3].value) for r in cached.iter_rows(min_row=4)} == expected
    [recomputed] = recalculate([target], tmp_path / "recalc")
    values = openpyxl.load_workbook(recomputed, data_only=True)
    assert {r[0].value: (round(r[2].value, 2), round(r[3].value, 2))
            for r in values["Balances"].iter_rows(min_row=4)} == expected
    periods = {(r[0].value, r[2].value): round(r[6].value, 2) for r in values["Periods"].iter_rows(min_row=2)}
    assert periods[("C2", "2027-Q2")] == 833.33   # balance_in carried from Q1's recoverable draw
    # By period: payable per period (version 1s; Q2's version 2 is paid later as prior_period lines), live
    # SUMIFS, charted. Q1: 9,000.00 + 3,000.00 + 2,000.00 = 14,000.00; Q2: 8,111.12 + 2,944.45 + 1,111.11 =
    # 12,166.68.
    assert formulas["By period"]["B2"].value.startswith("=SUMIFS(Periods!")
    assert [(r[0].value, round(r[1].value, 2)) for r in values["By period"].iter_rows(min_row=2, max_col=2)] == [
        ("2027-Q1", 14000.0), ("2027-Q2", 12166.68)]
    with zipfile.ZipFile(target) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
        assert "xl/drawings/drawing1.xml" in archive.namelist()
    assert "<c:barChart>" in chart and "'By period'!$B$2:$B$3" in chart and "Payable per period, USD" in chart
