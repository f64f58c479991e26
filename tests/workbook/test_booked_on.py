"""``booked_on`` in the workbook: the Accounts table keeps it as a date input column, ``recalc`` reads it back,
and a book without it gives the Accounts table it always had."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from xlcomp.engine.run import run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period
from xlcomp.recalc.read import read_upload
from xlcomp.workbook import layout
from xlcomp.workbook.writer import write_workbook

from .conftest import HAND_PLAN

ROSTER = pd.DataFrame({
    "csm_id": ["A"], "name": ["Ann"], "segment": ["SMB"], "base_salary": [100000], "target_variable": [40000],
    "start_date": ["2020-01-01"], "quota_upsell": [100000],
})


def _book(booked: list[str] | None):
    accounts = {"account_id": ["a1", "a2"], "csm_id": ["A", "A"], "arr_start": [1, 1], "renewable_arr": [1, 1],
                "renewed_arr": [1, 1], "upsell_arr": [10, 20], "health_score": [70, 70], "nps": [40, 40]}
    if booked is not None:
        accounts["booked_on"] = booked
    plan = parse_plan(HAND_PLAN)
    roster, book = load_inputs(plan, ROSTER, pd.DataFrame(accounts))
    return run(plan, roster, book, parse_period("2027-Q1"))


def test_booked_on_is_a_date_column_of_the_accounts_table_and_reads_back(tmp_path):
    path = write_workbook(_book(["2027-02-10", ""]), tmp_path / "b.xlsx")
    sheet = openpyxl.load_workbook(path)["Accounts"]
    header = [c.value for c in sheet[1]]
    assert header == [*layout.ACCOUNT_COLUMNS, "booked_on"]
    column = header.index("booked_on") + 1
    assert sheet.cell(2, column).value == dt.datetime(2027, 2, 10)
    assert sheet.cell(3, column).value is None
    assert sheet.cell(2, column).number_format != "General"
    rules = [v for v in sheet.data_validations.dataValidation if v.type == "date"]
    assert rules and str(rules[0].sqref).startswith(sheet.cell(2, column).column_letter)
    assert read_upload(path).book.table["booked_on"].to_pylist() == [dt.date(2027, 2, 10), None]


def test_without_booked_on_the_accounts_table_is_as_before(tmp_path):
    path = write_workbook(_book(None), tmp_path / "b.xlsx")
    header = [c.value for c in openpyxl.load_workbook(path)["Accounts"][1]]
    assert header == list(layout.ACCOUNT_COLUMNS)
    assert "booked_on" not in read_upload(path).book.table.column_names
