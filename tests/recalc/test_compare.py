"""Formulas compared as formulas: what spreadsheet programs change when they save does not count,
what changes a result does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.ooxml.scan import read_formulas
from xlcomp.recalc.compare import _open_book, formula_key

from .builders import plain_workbook, recalc_file


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The regenerated workbook of the hand-worked inputs."""
    folder = tmp_path_factory.mktemp("compare")
    result = recalc_file(plain_workbook(folder / "inputs.xlsx"))
    assert result.workbook is not None
    path = folder / "fresh.xlsx"
    path.write_bytes(result.workbook)
    return path


@pytest.fixture(scope="module")
def formulas(workbook: Path) -> list[str]:
    """Every distinct formula of the workbook."""
    book = _open_book(workbook)
    found = {text for part in book.sheets.values() for _, _, text, _ in read_formulas(workbook, part)}
    assert len(found) > 50
    return sorted(found)


def cosmetic(formula: str, draw: st.DrawFn) -> str:
    """The same formula as another program might save it."""
    text = formula
    if draw(st.booleans()):
        text = text.replace("$", "")
    if draw(st.booleans()):
        text = re.sub(r"(?<![\w.\"])([A-Z][A-Z0-9.]*)\(", lambda m: m.group(1).lower() + "(", text)
    if draw(st.booleans()):
        text = re.sub(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", ", ", text)
    if draw(st.booleans()):
        text = re.sub(r"(?<![\w.\"'])(ROUND|SUMIFS|INDEX|MATCH)\(", r"_xlfn.\1(", text)
    if draw(st.booleans()):
        text = re.sub(r"\bFALSE\b(?!\()", "FALSE()", text)
    return text


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_cosmetic_changes_keep_the_key(formulas: list[str], data: st.DataObject) -> None:
    formula = data.draw(st.sampled_from(formulas))
    assert formula_key(cosmetic(formula, data.draw)) == formula_key(formula)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_a_changed_number_or_reference_changes_the_key(formulas: list[str], data: st.DataObject) -> None:
    candidates = [f for f in formulas if re.search(r"\$?[A-Z]\$?\d+|\b\d+\b", f)]
    formula = data.draw(st.sampled_from(candidates))
    numbers = [m for m in re.finditer(r"(?<![A-Z$\w])(\d+)(?![\w])", formula)]
    if numbers and data.draw(st.booleans()):
        match = data.draw(st.sampled_from(numbers))
        changed = formula[:match.start()] + str(int(match.group(1)) + 1) + formula[match.end():]
    else:
        cells = list(re.finditer(r"\$?([A-Z])\$?(\d+)(?![\d(])", formula))
        if not cells:
            return
        match = data.draw(st.sampled_from(cells))
        changed = formula[:match.start()] + f"{match.group(1)}{int(match.group(2)) + 1}" + formula[match.end():]
    assert formula_key(changed) != formula_key(formula), (formula, changed)


def test_structured_references_and_their_ranges(workbook: Path) -> None:
    book = _open_book(workbook)
    accounts = book.table_named("Accounts")
    assert accounts is not None
    column = "F" if accounts.columns[5] == "renewed_arr" else None
    assert column == "F" and accounts.first_row == 1 and accounts.last_row == 3
    structured = formula_key("=SUMIFS(Accounts[renewed_arr],Accounts[csm_id],$B$6)", book)
    assert formula_key("=SUMIFS(Accounts[[#Data],[renewed_arr]],Accounts[csm_id],$B$6)", book) == structured
    assert formula_key("=SUMIFS(Accounts!$F$2:$F$4,Accounts!$B$2:$B$4,$B$6)", book) == structured
    assert formula_key("=SUMIFS('Accounts'!F2:F4,Accounts!B2:B4,B6)", book) == structured
    # one row more is another range: not the table's column
    assert formula_key("=SUMIFS(Accounts!$F$2:$F$5,Accounts!$B$2:$B$4,$B$6)", book) != structured
    # text inside quotes keeps its case and spaces
    assert formula_key('=IF(A1="Yes ",1,0)') != formula_key('=IF(A1="yes",1,0)')


def test_the_fast_formula_scan_agrees_with_the_parser_on_a_regenerated_workbook(workbook: Path) -> None:
    import zipfile

    from xlcomp.ooxml.scan import _parse_formulas, _scan_formulas

    book = _open_book(workbook)
    with zipfile.ZipFile(workbook) as archive:
        for part in book.sheets.values():
            data = archive.read(part)
            assert _scan_formulas(data) == list(_parse_formulas(data))
