"""LibreOffice recalculates every workbook and must land on the engine's cached values, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlcomp.demo.project import PRESETS
from xlcomp.workbook.sheets.summary import FIRST_ROW, summary_columns

from . import cells
from .conftest import Book

PARITY = [*PRESETS, "hand", "dated", "dated_one", "ramp_spif", "kitchen_sink", "yearly", "edited_expected", "template",
          "template_bare"]


def _mismatches(expected_book: Book, found: cells.Cells) -> tuple[int, list[str]]:
    formulas = cells.formulas(expected_book.path)
    cached = cells.values(expected_book.path)
    count, wrong = 0, []
    for sheet, by_cell in formulas.items():
        for where, formula in by_cell.items():
            count += 1
            want, got = cached[sheet].get(where), found[sheet].get(where)
            if not cells.same(want, got):
                wrong.append(f"{sheet}!{where} {formula[:90]}: cached {want!r}, LibreOffice {got!r}")
    return count, wrong


def recalculated_as_cached(book: Book, expected: Book | None = None, least: int = 200) -> cells.Cells:
    """``book`` as LibreOffice recalculated it, after checking that more than ``least`` formula cells were
    compared, every one equal to the engine's cached value (``expected``'s: by default ``book``'s own), and no
    cell is an error."""
    assert book.recalculated is not None
    recalculated = cells.values(book.recalculated)
    count, wrong = _mismatches(expected or book, recalculated)
    assert count > least
    assert wrong == []
    assert cells.errors(recalculated) == []
    return recalculated


@pytest.mark.parametrize("name", PARITY)
def test_libreoffice_recalculates_every_formula_to_its_cached_engine_value(books: dict[str, Book],
                                                                          name: str) -> None:
    recalculated_as_cached(books[name])


def _summary_totals(values: cells.Cells, book: Book) -> dict[str, Decimal]:
    headers = [c[0] for c in summary_columns_for(book)]
    total_col = headers.index("total_payout") + 1
    summary = values["Summary"]
    out = {}
    for index, result in enumerate(book.result.csms):
        row = FIRST_ROW + index + 1
        assert summary[(row, 1)] == result.csm.csm_id
        out[result.csm.csm_id] = Decimal(str(round(summary[(row, total_col)], 2)))
    return out


def summary_columns_for(book: Book) -> list[tuple[str, str, str]]:
    class _Ctx:
        plan = book.result.plan
    return summary_columns(_Ctx())  # type: ignore[arg-type]


def test_edited_inputs_recalculate_to_the_engine_run_on_the_edited_data(books: dict[str, Book]) -> None:
    edited, expected, original = books["edited"], books["edited_expected"], books["full_service"]
    # every formula of the edited upload, recalculated, equals the engine's value for the edited inputs
    recalculated = recalculated_as_cached(edited, expected)
    totals = _summary_totals(recalculated, edited)
    engine = {r.csm.csm_id: r.total for r in expected.result.csms}
    assert totals == engine
    # ... and the edits changed the payouts the engine expects: the leaver, the account's CSM, the tier rate
    before = {r.csm.csm_id: r.total for r in original.result.csms}
    leaver = str(edited.extra["leaver"])
    assert expected.result.csm(leaver).days < original.result.csm(leaver).days
    changed = {csm for csm in engine if engine[csm] != before[csm]}
    account = edited.extra["account"]
    assert isinstance(account, tuple)
    assert account[1] in changed and leaver in changed
    assert len(changed) >= 3
    assert sum(engine.values()) != sum(before.values())
