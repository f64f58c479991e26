"""The workbook of a period split by plan versions (SPEC section 10): LibreOffice recalculating it lands on the
engine's figures, every formula cell to its cached value.

The case of tests/engine/test_versions.py: 2027-Q1 (90 days) split on 2027-02-15 into 2027-01-01 - 2027-02-14
(45 days, v1) and 2027-02-15 - 2027-03-31 (45 days, v2). A (TV 40,000, since 2020):
- renewal (GRR 0.9 on the 0.9 target: share 1): v1 40,000 x 1 x 45 / (90 x 4) = 5,000.00;
  v2 40,000 x 0.8 x 45 / 360 = 4,000.00
- upsell, part 1 (5% flat): a1 20,000 booked Jan 20 + a3's 18,000 (no booked_on) x 45 / 90 = 9,000 -> 29,000
  x 5% = 1,450.00
- upsell, part 2: a2 60,000 booked Mar 1 + 9,000 = 69,000 on the quota's part 90,000 x 45 / 90 = 45,000:
  45,000 x 6% + 24,000 x 10% = 2,700 + 2,400 = 5,100.00
- total 5,000 + 4,000 + 1,450 + 5,100 = 15,550.00
B (TV 36,000, hired 2027-02-01: 14 days employed in part 1, 45 in part 2): renewal 36,000 x 1 x 14 / 360 =
1,400.00 and 36,000 x 0.8 x 45 / 360 = 3,600.00; upsell b1 10,000 booked Feb 14 x 5% = 500.00, part 2 nothing
booked: 0.00; total 5,500.00.

Without a booked_on column every amount is day-weighted (the Accounts table gets an empty booked_on column): A's
upsell is 98,000 x 45/90 = 49,000 in each part: 49,000 x 5% = 2,450.00, and 45,000 x 6% + 4,000 x 10% =
3,100.00; total 5,000 + 4,000 + 2,450 + 3,100 = 14,550.00. B: 10,000 x 45/90 = 5,000 in each part: 250.00 and
5,000 x 6% = 300.00; total 1,400 + 3,600 + 250 + 300 = 5,550.00.

With a SPIF in both versions (10% on upsell booked 2027-01-15 to 2027-03-05), each part counts the accounts booked
inside both the window and the part (no day-weighting): A's part 1 a1 20,000 (Jan 20) x 10% = 2,000.00, part 2
a2 60,000 (Mar 1) x 10% = 6,000.00: 15,550 + 8,000 = 23,550.00; B's b1 10,000 (Feb 14) x 10% = 1,000.00 in part 1:
6,500.00.

With a plan input that differs between the versions (company_attainment 0.9 in v1, 1.1 in v2), read by a
multiplier on renewal (bands 0: x0.5, 1.0: x1.2), a gate on upsell (company_attainment at least 1.0) and a third
component, a bonus on company_attainment (weight 0.5, target 1.0, share = attainment), each part reads its
version's value from its own Plan-sheet cell (input_company_attainment_at_20270101, _at_20270215):
- A, part 1 (0.9): renewal 5,000 x 0.5 = 2,500.00; upsell gated (0.9 < 1.0): 0.00; company 40,000 x 0.5 x 45 / 360
  = 2,500 x 0.9 = 2,250.00. Part 2 (1.1): renewal 4,000 x 1.2 = 4,800.00; upsell passes: 5,100.00; company 2,500
  x 1.1 = 2,750.00. Total 2,500 + 0 + 2,250 + 4,800 + 5,100 + 2,750 = 17,400.00
- B, part 1: renewal 1,400 x 0.5 = 700.00; upsell gated: 0.00 (b1's 500.00 lost); company 36,000 x 0.5 x 14 / 360
  = 700 x 0.9 = 630.00. Part 2: renewal 3,600 x 1.2 = 4,320.00; upsell 0.00; company 36,000 x 0.5 x 45 / 360 =
  2,250 x 1.1 = 2,475.00. Total 700 + 630 + 4,320 + 2,475 = 8,125.00
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.engine.test_versions import V1, V2, _plans, _run
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.workbook import layout
from xlcomp.workbook.writer import template_result, write_workbook

from . import cells
from .conftest import Book
from .test_parity import _summary_totals, recalculated_as_cached

HAND = {"A": Decimal("15550.00"), "B": Decimal("5500.00")}
SPIF = ("  - {id: feb_spif, kind: commission, metric: upsell_arr, rate: 0.1,\n"
        "     window: {from: 2027-01-15, to: 2027-03-05}}\n")
COMPANY = ("  - {id: company, kind: bonus, metric: company_attainment, weight: 0.5, target: 1.0,\n"
           "     curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}}\n")
INPUTS = ("inputs:\n  company_attainment: {}\nmultipliers:\n  - {{metric: company_attainment, applies_to: [renewal], "
          "bands: [{{min: 0, factor: 0.5}}, {{min: 1.0, factor: 1.2}}]}}\n")
GATE = "gate: {metric: company_attainment, min: 1.0}"
INPUTS_HAND = {"A": Decimal("17400.00"), "B": Decimal("8125.00")}


def input_versions(first: str = "0.9", second: str = "1.1") -> tuple[str, str]:
    """V1 and V2 with a company_attainment input (``first``, ``second``) read by a multiplier, a gate and a bonus."""
    v1 = V1.replace("rate: 0.05}", f"rate: 0.05, {GATE}}}") + COMPANY + INPUTS.format(first)
    v2 = V2.replace("{rate: 0.10}]}}", f"{{rate: 0.10}}]}}, {GATE}}}") + COMPANY + INPUTS.format(second)
    return v1, v2


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    """The split period's workbook and its template, recalculated by LibreOffice (one call)."""
    folder = tmp_path_factory.mktemp("versions")
    result = _run(_plans(folder, V1, V2))
    made = {"calc": Book("calc", result, write_workbook(result, folder / "split.xlsx"))}
    blank = template_result(result.plan, result.roster, result.book, result.period,
                            versions=_plans(folder, V1, V2))
    made["template"] = Book("template", blank, write_workbook(blank, folder / "split-template.xlsx",
                                                              mode="template"))
    undated = _run(_plans(folder, V1, V2), booked=False)
    made["undated"] = Book("undated", undated, write_workbook(undated, folder / "split-undated.xlsx"))
    spif = _run(_plans(folder, V1 + SPIF, V2 + SPIF))
    made["spif"] = Book("spif", spif, write_workbook(spif, folder / "split-spif.xlsx"))
    inputs = _run(_plans(folder, *input_versions()))
    made["inputs"] = Book("inputs", inputs, write_workbook(inputs, folder / "split-inputs.xlsx"))
    for book, output in zip(made.values(), recalculate([b.path for b in made.values()], folder / "recalculated"),
                            strict=True):
        book.recalculated = output
    return made


def test_the_engine_pays_the_hand_worked_figures(split: dict[str, Book]) -> None:
    assert {r.csm.csm_id: r.total for r in split["calc"].result.csms} == HAND


@pytest.mark.parametrize("name", ["calc", "template", "undated", "spif", "inputs"])
def test_libreoffice_recalculates_every_formula_to_its_cached_engine_value(split: dict[str, Book],
                                                                          name: str) -> None:
    recalculated_as_cached(split[name])


def test_libreoffice_lands_on_the_hand_worked_totals(split: dict[str, Book]) -> None:
    book = split["calc"]
    assert book.recalculated is not None
    assert _summary_totals(cells.values(book.recalculated), book) == HAND
    undated = split["undated"]
    assert undated.recalculated is not None
    assert _summary_totals(cells.values(undated.recalculated), undated) == {"A": Decimal("14550.00"),
                                                                           "B": Decimal("5550.00")}
    spif = split["spif"]
    assert spif.recalculated is not None
    assert _summary_totals(cells.values(spif.recalculated), spif) == {"A": Decimal("23550.00"),
                                                                     "B": Decimal("6500.00")}
    inputs = split["inputs"]
    assert inputs.recalculated is not None
    assert {r.csm.csm_id: r.total for r in inputs.result.csms} == INPUTS_HAND
    assert _summary_totals(cells.values(inputs.recalculated), inputs) == INPUTS_HAND
    # the template: every actual blank, so the commissions pay 0 and the bonuses (no data) 0
    template = split["template"]
    assert template.recalculated is not None
    assert _summary_totals(cells.values(template.recalculated), template) == {"A": Decimal("0.00"),
                                                                             "B": Decimal("0.00")}


def _tab_lines(path: Path, sheet: str) -> list[tuple[object, object]]:
    tab = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [(row[0], row[1]) for row in tab.iter_rows(values_only=True)]


def test_each_csm_tab_has_both_parts_lines(split: dict[str, Book]) -> None:
    book = split["calc"]
    assert book.recalculated is not None
    lines = _tab_lines(book.recalculated, "A Ann")
    labels = [label for label, _ in lines]
    blocks = [label for label in labels if isinstance(label, str) and "2027)" in label]
    assert blocks == ["Renewal (01 Jan – 14 Feb 2027)", "Upsell (01 Jan – 14 Feb 2027)",
                      "Renewal (15 Feb – 31 Mar 2027)", "Upsell (15 Feb – 31 Mar 2027)"]
    values = [value for label, value in lines if label == "Booked in the part"]
    assert values == [20000, 60000]                       # a1 (Jan 20) in part 1, a2 (Mar 1) in part 2
    assert [v for label, v in lines if label == "No booked_on (whole period)"] == [18000, 18000]      # a3
    assert [v for label, v in lines if label == "No booked_on: the part's share"] == [9000, 9000]  # x 45/90
    assert [v for label, v in lines if label == "Quota"] == [45000]                # 90,000 x 45 / 90
    b = _tab_lines(book.recalculated, "B Bo")
    assert [v for label, v in b if label == "Days employed in the part"] == [14, 45]   # hired Feb 1


def test_the_plan_sheet_has_each_versions_parameters_and_part_days(split: dict[str, Book]) -> None:
    workbook = openpyxl.load_workbook(split["calc"].path)
    names = workbook.defined_names
    for cid in ("renewal_at_20270101", "upsell_at_20270101", "renewal_at_20270215", "upsell_at_20270215"):
        assert f"{cid}_part_first" in names and f"{cid}_part_last" in names
    assert "renewal_at_20270101_weight" in names and "upsell_at_20270215_quota" in names
    plan = workbook[layout.SHEET_PLAN]
    versions = [row[1] for row in plan.iter_rows(values_only=True) if row[0] == "Plan version"]
    assert versions == ["plan-1.yaml", "plan-1.yaml", "plan-2.yaml (effective 2027-02-15)",
                        "plan-2.yaml (effective 2027-02-15)"]
    assert "Tiers_upsell_at_20270215" in plan.tables
    header = [c.value for c in workbook[layout.SHEET_ACCOUNTS][1]]
    assert header[-1] == "booked_on"


def test_an_input_the_versions_differ_on_has_a_cell_per_part_that_the_parts_read(split: dict[str, Book]) -> None:
    book = split["inputs"]
    workbook = openpyxl.load_workbook(book.path)
    names = workbook.defined_names
    assert {"input_company_attainment", "input_company_attainment_at_20270101",
            "input_company_attainment_at_20270215"} <= set(names)
    plan = workbook[layout.SHEET_PLAN]
    values = {row[0]: row[1] for row in plan.iter_rows(values_only=True) if row[0]}
    assert values["company_attainment"] == 1.1                       # the latest version's (ROI reads it)
    assert values["company_attainment from 01 Jan 2027"] == 0.9
    assert values["company_attainment from 15 Feb 2027"] == 1.1
    assert book.recalculated is not None
    lines = _tab_lines(book.recalculated, "A Ann")
    assert [v for label, v in lines if str(label).startswith("company_attainment")][:2] == [0.9, 1.1]
    # the multiplier on renewal: 0.5 in part 1 (0.9), 1.2 in part 2 (1.1); the gate on upsell fails, then passes
    assert [v for label, v in lines if label == "Multiplier"] == [0.5, 1, 1, 1.2, 1, 1]
    assert [v for label, v in lines if str(label).startswith("Gate:")] == [False, True]
    assert [v for label, v in lines if label == "Payout"] == [2500, 0, 2250, 4800, 5100, 2750]
    formulas = openpyxl.load_workbook(book.path)["A Ann"]
    assert any(c.value == "=input_company_attainment_at_20270101" for row in formulas.iter_rows() for c in row)


def test_versions_with_the_same_inputs_keep_one_cell_per_input(tmp_path: Path) -> None:
    result = _run(_plans(tmp_path, *input_versions("1.1", "1.1")))
    # every part at 1.1: renewal 5,000 x 1.2 + 4,000 x 1.2 = 10,800; upsell 1,450 + 5,100; company 2,500 x 1.1 x 2
    # = 5,500: A 10,800 + 6,550 + 5,500 = 22,850.00
    assert result.csm("A").total == Decimal("22850.00")
    names = openpyxl.load_workbook(write_workbook(result, tmp_path / "same.xlsx")).defined_names
    assert "input_company_attainment" in names
    assert not [name for name in names if name.startswith("input_company_attainment_at_")]
