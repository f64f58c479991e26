"""What a finance user and a reader rely on: sheets, tables, names, validation, charts, protection,
cached values, formats, links, metadata, and the same cells for the same run."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlcomp.demo.project import PRESETS
from xlcomp.load.plan import parse_plan
from xlcomp.model.plan import Kind
from xlcomp.ooxml.index import index_workbook
from xlcomp.workbook import layout
from xlcomp.workbook.plan_yaml import plan_yaml
from xlcomp.workbook.writer import write_workbook

from . import cells
from .conftest import Book

COMPUTED = (layout.SHEET_GUIDE, layout.SHEET_PLAN, layout.SHEET_SUMMARY, layout.SHEET_ROI)


@pytest.mark.parametrize("name", [*PRESETS, "kitchen_sink", "yearly"])
def test_sheets_tables_and_defined_names(books: dict[str, Book], name: str) -> None:
    book = books[name]
    plan, result = book.result.plan, book.result
    index = index_workbook(book.path)
    sheets = [s.name for s in index.sheets]
    assert sheets[:len(layout.FIXED_SHEETS)] == list(layout.FIXED_SHEETS)
    assert sheets[-1] == layout.META_SHEET and index.sheets[-1].state == "hidden"
    fixed = len(layout.FIXED_SHEETS)
    assert len(sheets) == fixed + len(result.csms) + 1
    assert sheets[fixed:-1] == layout.csm_sheet_names([(r.csm.csm_id, r.csm.name) for r in result.csms])
    tables = set(index.tables)
    assert {layout.ROSTER_TABLE, layout.ACCOUNTS_TABLE, layout.SUMMARY_TABLE} <= tables
    assert index.tables[layout.ACCOUNTS_TABLE].columns == layout.ACCOUNT_COLUMNS
    assert index.tables[layout.ROSTER_TABLE].columns == layout.roster_columns(plan, result.roster.columns)
    for component in plan.components:
        if component.curve is not None:
            table = index.tables[layout.tier_table_name(component.id)]
            assert table.columns == layout.TIER_COLUMNS and table.sheet == layout.SHEET_PLAN
    for position in range(len(plan.multipliers)):
        assert index.tables[layout.band_table_name(position)].columns == layout.BAND_COLUMNS
    names = set(index.names)
    assert set(layout.PERIOD_NAMES) <= names
    assert {layout.input_name(n) for n in [*plan.inputs, *layout.ROI_INPUTS]} <= names
    for component in plan.components:
        expected = {"weight": component.weight, "threshold": component.threshold, "cap": component.cap,
                    "rate": component.rate, "cap_amount": component.cap_amount}
        for param, value in expected.items():
            assert (layout.param_name(component.id, param) in names) == (value is not None)
        if component.gate is not None:
            assert layout.param_name(component.id, "gate_min") in names
        if component.target is not None and component.target.value is not None:
            assert layout.param_name(component.id, "target") in names
    assert all(ref.startswith(f"{layout.SHEET_PLAN}!$") for ref in index.names.values())


def test_a_defined_name_holds_its_parameter(books: dict[str, Book]) -> None:
    book = books["full_service"]
    index = index_workbook(book.path)
    values = cells.values(book.path)[layout.SHEET_PLAN]

    def value(name: str) -> object:
        col, row = re.fullmatch(r"Plan!\$([A-Z]+)\$(\d+)", index.names[name]).groups()  # type: ignore[union-attr]
        return values[(int(row), openpyxl.utils.column_index_from_string(col))]

    assert value("renewal_weight") == 0.5
    assert value("upsell_cap_amount") == 60000
    assert value("cross_sell_rate") == 0.05
    assert value("upsell_gate_min") == 0.8
    assert value("input_overhead_rate") == 0.25
    assert value("periods_per_year") == 4


@pytest.mark.parametrize("name", ["full_service", "adoption_renewal", "hand"])
def test_validation_protection_formats_and_links(books: dict[str, Book], name: str) -> None:
    book = books[name]
    path = book.path
    for sheet in (layout.SHEET_ROSTER, layout.SHEET_ACCOUNTS, layout.SHEET_PLAN):
        xml = cells.sheet_xml(path, sheet)
        assert xml.count("<dataValidation ") >= 3
    accounts = cells.sheet_xml(path, layout.SHEET_ACCOUNTS)
    assert 'type="list"' in accounts and "Enterprise,Mid-Market,SMB,Startup" in accounts
    assert "<formula1>-100</formula1><formula2>100</formula2>" in accounts   # nps
    tabs = layout.csm_sheet_names([(r.csm.csm_id, r.csm.name) for r in book.result.csms])
    for sheet in (*COMPUTED, tabs[0], tabs[-1], layout.META_SHEET):
        assert "<sheetProtection" in cells.sheet_xml(path, sheet), sheet
    for sheet in (layout.SHEET_ROSTER, layout.SHEET_ACCOUNTS):
        xml = cells.sheet_xml(path, sheet)
        assert "<sheetProtection" not in xml
        assert 'state="frozen"' in xml and 'orientation="landscape"' in xml and 'fitToHeight="0"' in xml
    summary = cells.sheet_xml(path, layout.SHEET_SUMMARY)
    assert summary.count("<hyperlink ") == len(book.result.csms)
    assert "<colorScale>" in summary
    for tab in tabs:
        assert "location=\"Summary!A" in cells.sheet_xml(path, tab)
    assert "<conditionalFormatting" in cells.sheet_xml(path, layout.SHEET_ROI)
    workbook = openpyxl.load_workbook(path)
    roster, tab = workbook[layout.SHEET_ROSTER], workbook[tabs[0]]
    assert roster["B2"].protection.locked is False and roster["B2"].fill.fgColor.rgb.endswith("FFF2CC")
    formulas_on_tab = [c for row in tab.iter_rows() for c in row if c.data_type == "f"]
    assert formulas_on_tab and all(c.protection.locked for c in formulas_on_tab)
    plan_sheet = workbook[layout.SHEET_PLAN]
    inputs = [c for row in plan_sheet.iter_rows() for c in row if c.protection.locked is False]
    assert len(inputs) >= len(book.result.plan.components)
    assert roster["E1"].value == "base_salary" and roster["E2"].number_format.startswith('"$"#,##0.00')
    assert roster["G1"].value == "start_date" and roster["G2"].number_format == "yyyy-mm-dd"


@pytest.mark.parametrize("name", ["full_service", "retention_referral", "hand", "kitchen_sink"])
def test_charts(books: dict[str, Book], name: str) -> None:
    book = books[name]
    plan = book.result.plan
    with zipfile.ZipFile(book.path) as archive:
        charts = [n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        kinds = [re.search(r"<c:(scatterChart|barChart|lineChart)", archive.read(n).decode()).group(1)  # type: ignore[union-attr]
                 for n in charts]
    curves = sum(1 for c in plan.components if c.curve is not None)
    assert kinds.count("scatterChart") == curves               # one payout curve per tiered component
    assert len(charts) == curves + 2 + 1                       # + payout by CSM, distribution; + scenarios


@pytest.mark.parametrize("name", [*PRESETS, "kitchen_sink"])
def test_every_formula_has_the_engine_value_cached(books: dict[str, Book], name: str) -> None:
    book = books[name]
    tab = layout.csm_sheet_names([(book.result.csms[0].csm.csm_id, book.result.csms[0].csm.name)])[0]
    cached = cells.values(book.path)
    summary = cached[layout.SHEET_SUMMARY]
    for index, result in enumerate(book.result.csms):
        assert summary[(5 + index, 1)] == result.csm.csm_id
    with zipfile.ZipFile(book.path) as archive:
        for part in archive.namelist():
            if part.startswith("xl/worksheets/sheet"):
                xml = archive.read(part).decode()
                formulas = re.findall(r"<c [^>]*>(<f>.*?</f>)(<v>.*?</v>)?</c>", xml)
                assert all(v for _f, v in formulas), part
    assert cached[tab][(1, 1)].endswith(f"({book.result.csms[0].csm.csm_id})")


def test_the_template_leaves_the_period_actuals_blank(books: dict[str, Book]) -> None:
    template = books["template"]
    values = cells.values(template.path)[layout.SHEET_ACCOUNTS]
    header = {values[(1, c)]: c for c in range(1, len(layout.ACCOUNT_COLUMNS) + 1)}
    rows = range(2, len(template.result.book) + 2)
    for column in layout.ACCOUNT_ACTUAL_COLUMNS:
        assert all((r, header[column]) not in values for r in rows), column
    for column in ("account_id", "csm_id", "arr_start", "renewable_arr"):
        assert all((r, header[column]) in values for r in rows), column
    assert len(cells.formulas(template.path)[layout.SHEET_SUMMARY]) > len(template.result.csms)
    guide = cells.values(template.path)[layout.SHEET_GUIDE]
    assert any(isinstance(v, str) and v.startswith("This is a template") for v in guide.values())
    bare = books["template_bare"]
    assert len(bare.result.book) == 0
    assert cells.values(bare.path)[layout.SHEET_ACCOUNTS].get((2, 1)) is None


def test_metadata_sheet_and_properties(books: dict[str, Book]) -> None:
    book = books["retention_referral"]
    plan = book.result.plan
    meta_cells = cells.values(book.path)[layout.META_SHEET]
    rows = {}
    yaml_text = ""
    for row in range(2, 40):
        key = meta_cells.get((row, 1))
        if not key:
            break
        if key == "plan_yaml":
            yaml_text += meta_cells[(row, 2)]
        else:
            rows[key] = meta_cells[(row, 2)]
    assert set(rows) == set(layout.META_KEYS)
    assert rows["schema_version"] == str(layout.SCHEMA_VERSION)
    assert rows["plan_digest"] == plan.digest and rows["plan_id"] == plan.id
    assert rows["period"] == "2027-Q1" and rows["generation_id"] == "fixed" and rows["mode"] == "calc"
    assert yaml_text == plan_yaml(plan)
    rebuilt = parse_plan(yaml_text)
    assert rebuilt.components[0].target == plan.components[0].target       # the risk-adjusted target survives
    assert [c.curve for c in rebuilt.components] == [c.curve for c in plan.components]
    with zipfile.ZipFile(book.path) as archive:
        custom = archive.read("docProps/custom.xml").decode()
    assert 'name="xlcomp_plan_digest"' in custom and plan.digest in custom and "xlcomp_generation_id" in custom


def test_the_same_run_gives_the_same_cells_whatever_the_generation_id(books: dict[str, Book],
                                                                       tmp_path: Path) -> None:
    result = books["adoption_renewal"].result
    first = write_workbook(result, tmp_path / "a.xlsx", generation_id="one")
    second = write_workbook(result, tmp_path / "b.xlsx", generation_id="two")
    a, b = cells.values(first), cells.values(second)
    fa, fb = cells.formulas(first), cells.formulas(second)
    assert fa == fb
    differing = {(sheet, where) for sheet in a for where in a[sheet].keys() | b[sheet].keys()
                 if a[sheet].get(where) != b[sheet].get(where)}
    assert len(differing) == 1 and next(iter(differing))[0] == layout.META_SHEET


def test_a_password_protects_the_computed_sheets(books: dict[str, Book], tmp_path: Path) -> None:
    result = books["corporate_mbo"].result
    path = write_workbook(result, tmp_path / "locked.xlsx", protect_password="s3cret")
    assert 'password="' in cells.sheet_xml(path, layout.SHEET_SUMMARY)
    assert 'password="' not in cells.sheet_xml(books["corporate_mbo"].path, layout.SHEET_SUMMARY)


def test_commission_tabs_walk_the_tiers_in_money(books: dict[str, Book]) -> None:
    book = books["hand"]
    tab = cells.values(book.path)["A-1 Ava Okafor"]
    rows = {v: r for (r, c), v in tab.items() if c == 1 and isinstance(v, str)}
    upsell = next(c for c in book.result.plan.components if c.kind is Kind.COMMISSION)
    assert upsell.id == "upsell"
    walk = [r for (r, c), v in tab.items() if c == 2 and v == "tier"]
    assert len(walk) == 3                # renewal, upsell, nps
    first = walk[1] + 1                  # the upsell walk: 300,000 x 7.5%, 150,000 x 12.5%, 50,000 x 15%
    parts = [(tab[(r, 3)], tab.get((r, 4)), tab[(r, 5)], tab[(r, 6)], tab[(r, 7)]) for r in range(first, first + 3)]
    assert parts == [(0, 300000, 0.075, 300000, 22500), (300000, 450000, 0.125, 150000, 18750),
                     (450000, None, 0.15, 50000, 7500)]
    assert tab[(rows["Commission"], 2)] == 48750
