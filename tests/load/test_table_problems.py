"""Roster and accounts problems: every one named by file, line and column, all reported together."""

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ACCOUNTS_HEADER, ROSTER_HEADER, csv_file
from xlcomp import InputError, load_inputs, parse_plan


def all_problems(plan_text, roster: Path, accounts: Path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_inputs(parse_plan(plan_text), roster, accounts)
    return [str(p) for p in info.value.problems]


def test_roster_problems(tmp_path, spec_plan_text):
    roster = csv_file(tmp_path / "roster.csv", ROSTER_HEADER,
                      "CSM-1,Ada,Enterprise,CSM,12k,40000,2020-01-06,,M,50000",
                      "CSM-1,Bob,Galactic,CSM,90000,20000,15/02/2027,,M,",
                      "CSM-3,Cy,SMB,CSM,90000,-5,2027-03-01,2027-02-01,M,0")
    accounts = csv_file(tmp_path / "accounts.csv", ACCOUNTS_HEADER,
                        "A-1,CSM-1,Enterprise,1,0,0,0,0,0,,,,0,0,0,0,")
    found = all_problems(spec_plan_text, roster, accounts)
    assert found == [
        'roster.csv:2 base_salary: "12k" is not a number',
        'roster.csv:3 csm_id: "CSM-1" is also on roster.csv:2: csm_id must be unique',
        'roster.csv:3 segment: "Galactic" is not one of Enterprise, Mid-Market, SMB, Startup',
        'roster.csv:3 start_date: "15/02/2027" is not a date (use YYYY-MM-DD)',
        "roster.csv:3 quota_upsell: is blank: the plan's upsell quota needs a positive number here",
        "roster.csv:4 target_variable: -5 is negative",
        "roster.csv:4 end_date: 2027-02-01 is before start_date 2027-03-01",
        "roster.csv:4 quota_upsell: 0 must be above 0 (the plan's upsell quota)",
    ]


def test_accounts_problems(tmp_path, spec_plan_text):
    roster = csv_file(tmp_path / "roster.csv", ROSTER_HEADER,
                      "CSM-1,Ada,Enterprise,CSM,1,40000,2020-01-06,,M,50000")
    accounts = csv_file(tmp_path / "accounts.csv", ACCOUNTS_HEADER,
                        "A-1,CSM-1,Enterprise,abc,100,120,0,0,0,101,,,0,0,0,0,",
                        "A-1,CSM-9,Enterprise,-5,0,0,0,0,0,,-101,1.5,0,0,0,0,",
                        "A-3,CSM-1,Nowhere,1,0,0,0,0,0,,,,0,0,0,0,")
    found = all_problems(spec_plan_text, roster, accounts)
    assert 'accounts.csv:3 account_id: "A-1" is also on accounts.csv:2: account_id must be unique' in found
    assert 'accounts.csv:3 csm_id: "CSM-9" is not a CSM of the roster' in found
    assert 'accounts.csv:4 segment: "Nowhere" is not one of Enterprise, Mid-Market, SMB, Startup' in found
    assert 'accounts.csv:2 arr_start: "abc" is not a number' in found
    assert "accounts.csv:3 arr_start: -5.0000 is negative" in found
    assert "accounts.csv:2 renewed_arr: 120.0000 is above renewable_arr 100.0000" in found
    assert "accounts.csv:2 health_score: 101 is outside 0–100" in found
    assert "accounts.csv:3 nps: -101 is outside -100–100" in found
    assert "accounts.csv:3 adoption_rate: 1.5 is outside 0–1" in found
    assert len(found) == 9


def test_missing_columns_including_those_the_plan_names(tmp_path, spec_plan_text):
    roster = csv_file(tmp_path / "roster.csv", "csm_id,name,segment,base_salary,start_date", "CSM-1,Ada,SMB,1,")
    accounts = csv_file(tmp_path / "accounts.csv", "account_id,csm_id,arr_start,renewable_arr", "A,CSM-1,1,1")
    found = all_problems(spec_plan_text, roster, accounts)
    assert found == [
        'roster.csv:1: the required column "target_variable" is missing',
        "roster.csv:1: the column \"quota_upsell\" is missing: the plan needs it (upsell quota)",
        'accounts.csv:1: the required column "renewed_arr" is missing',
        "accounts.csv:1: the required column \"nps\" is missing (the plan's metrics need it)",
        "accounts.csv:1: the required column \"upsell_arr\" is missing (the plan's metrics need it)",
    ]


def test_empty_and_ragged_files(tmp_path, spec_plan_text):
    empty = tmp_path / "roster.csv"
    empty.write_text("")
    accounts = csv_file(tmp_path / "accounts.csv", ACCOUNTS_HEADER, "A,B")
    found = all_problems(spec_plan_text, empty, accounts)
    assert found[0] == "roster.csv:1: the file is empty: no header row"
    assert found[1] == "accounts.csv:2: has 2 fields where the header has 17"


def test_a_ragged_row_is_named_by_its_line(tmp_path, spec_plan_text):
    roster = csv_file(tmp_path / "roster.csv", ROSTER_HEADER,
                      "CSM-1,Ada,Enterprise,CSM,160000,40000,2020-01-06,,M,50000")
    good = "A-1,CSM-1," + ",".join(["0"] * 15)
    quoted = 'A-2,CSM-1,"0",' + ",".join(["0"] * 13) + ',"a note\non two lines"'
    accounts = csv_file(tmp_path / "accounts.csv", ACCOUNTS_HEADER, good, quoted, "", good.replace("A-1", "A-3"),
                        "A-4,CSM-1,oops", good.replace("A-1", "A-5"))
    found = all_problems(spec_plan_text, roster, accounts)
    # the header, A-1, A-2 over lines 3 and 4, a blank line, A-3: the short record is on line 7
    assert found == ["accounts.csv:7: has 3 fields where the header has 17"]


def test_xlsx_sheets_name_cells_in_a1(tmp_path, spec_plan_text):
    roster = pd.read_csv(csv_file(tmp_path / "r.csv", ROSTER_HEADER,
                                  "CSM-1,Ada,Enterprise,CSM,160000,40000,2020-01-06,,M,50000"))
    accounts = pd.DataFrame([{"account_id": "A-1", "csm_id": "CSM-1", "arr_start": 1000, "renewable_arr": 500,
                              "renewed_arr": 900, "upsell_arr": "lots", "nps": 10}])
    book = tmp_path / "inputs.xlsx"
    with pd.ExcelWriter(book, engine="xlsxwriter") as writer:
        roster.to_excel(writer, sheet_name="Roster", index=False)
        accounts.to_excel(writer, sheet_name="Accounts", index=False)
    found = all_problems(spec_plan_text, book, book)
    assert found == ['Accounts!F2 upsell_arr: "lots" is not a number',
                     "Accounts!E2 renewed_arr: 900.0000 is above renewable_arr 500.0000"]


def test_dataframes_and_xlsx_give_the_same_run_as_csv(project):
    from xlcomp import calculate

    via_csv = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")
    roster = pd.read_csv(project / "roster.csv", dtype=str, keep_default_na=False)
    accounts = pd.read_csv(project / "accounts.csv")
    via_frames = calculate(project / "plan.yaml", roster, accounts, "2027-Q1")
    book = project / "inputs.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        roster.to_excel(writer, sheet_name="Roster", index=False)
        accounts.to_excel(writer, sheet_name="Accounts", index=False)
    via_xlsx = calculate(project / "plan.yaml", book, book, "2027-Q1")
    expected = [(c.csm.csm_id, c.total) for c in via_csv]
    assert [(c.csm.csm_id, c.total) for c in via_frames] == expected
    assert [(c.csm.csm_id, c.total) for c in via_xlsx] == expected


def test_a_number_beyond_the_exact_context_is_too_large_not_a_crash(tmp_path, spec_plan_text):
    roster = csv_file(tmp_path / "roster.csv", ROSTER_HEADER,
                      "CSM-1,Ada,Enterprise,CSM,1E1000000,40000,2020-01-06,,M,50000",
                      "CSM-2,Bob,SMB,CSM,90000,(1e99999999),2020-01-06,,M,50000")
    accounts = csv_file(tmp_path / "accounts.csv", ACCOUNTS_HEADER,
                        "A-1,CSM-1,Enterprise,1,0,0,0,0,0,,,,0,0,0,0,")
    assert all_problems(spec_plan_text, roster, accounts) == [
        'roster.csv:2 base_salary: "1E1000000" is too large',
        'roster.csv:3 target_variable: "(1e99999999)" is too large',
    ]
