"""The optional ``booked_on`` column of the accounts (SPEC section 10): a date per account, blank allowed."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pyarrow as pa
import pytest

from xlcomp.errors import InputError
from xlcomp.load.accounts import load_accounts

HEADER = "account_id,csm_id,arr_start,renewable_arr,renewed_arr,booked_on"


def _csv(tmp_path, *rows):
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_csv_column_of_iso_dates_becomes_date32_with_blanks_as_null(tmp_path):
    book = load_accounts(_csv(tmp_path, "a1,C1,1,1,1,2027-02-10", "a2,C1,1,1,1,", "a3,C1,1,1,1, 2027-03-31 "))
    column = book.table["booked_on"]
    assert column.type == pa.date32()
    assert column.to_pylist() == [dt.date(2027, 2, 10), None, dt.date(2027, 3, 31)]
    assert "booked_on" in book.columns
    # Account records keep their numbers only
    assert "booked_on" not in next(book.accounts()).values


def test_without_the_column_the_book_has_none(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_text("account_id,csm_id,arr_start,renewable_arr,renewed_arr\na1,C1,1,1,1\n", encoding="utf-8")
    assert "booked_on" not in load_accounts(path).table.column_names


def test_other_date_spellings_are_read_value_by_value(tmp_path):
    book = load_accounts(_csv(tmp_path, "a1,C1,1,1,1,2027/02/10", "a2,C1,1,1,1,2027-02-11"))
    assert book.table["booked_on"].to_pylist() == [dt.date(2027, 2, 10), dt.date(2027, 2, 11)]


@pytest.mark.parametrize("bad", ["2027-02-30", "15/02", "soon"])
def test_a_value_that_is_not_a_date_is_a_problem_at_its_cell(tmp_path, bad):
    with pytest.raises(InputError) as caught:
        load_accounts(_csv(tmp_path, "a1,C1,1,1,1,2027-02-10", f"a2,C1,1,1,1,{bad}"))
    assert [str(p) for p in caught.value.problems] == [
        f'accounts.csv:3 booked_on: "{bad}" is not a date (use YYYY-MM-DD)']


def test_an_xlsx_date_cell_is_a_date(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Accounts"
    sheet.append(HEADER.split(","))
    sheet.append(["a1", "C1", 1, 1, 1, dt.datetime(2027, 2, 10)])
    sheet.append(["a2", "C1", 1, 1, 1, None])
    sheet.append(["a3", "C1", 1, 1, 1, "later"])
    path = tmp_path / "accounts.xlsx"
    workbook.save(path)
    with pytest.raises(InputError) as caught:
        load_accounts(path)
    assert [str(p) for p in caught.value.problems] == ['Accounts!F4 booked_on: "later" is not a date (use YYYY-MM-DD)']
    sheet.delete_rows(4)
    workbook.save(path)
    assert load_accounts(path).table["booked_on"].to_pylist() == [dt.date(2027, 2, 10), None]
