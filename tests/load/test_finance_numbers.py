"""Numbers as finance writes them in CSV files (SPEC section 8): thousands separators, the plan's currency,
parentheses for negatives, % for rates, ``1.234,50`` only with ``decimal_comma``; ; and tab separators."""

from decimal import Decimal
from pathlib import Path

import pytest

from xlcomp import calculate, parse_plan
from xlcomp.errors import InputError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.sources import csv_separator

from ..conftest import ACCOUNTS_HEADER, ROSTER_HEADER, csv_file


def _plain_totals(project: Path) -> list[Decimal]:
    result = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")
    return [csm.total for csm in result.csms]


def test_formatted_amounts_pay_what_plain_ones_pay(project: Path, tmp_path: Path) -> None:
    expected = _plain_totals(project)
    formatted = tmp_path / "formatted"
    formatted.mkdir()
    (formatted / "plan.yaml").write_text((project / "plan.yaml").read_text())
    rows = ['CSM-1,Ada Lovelace,Enterprise,CSM,"$160,000","USD 40,000",2020-01-06,,Grace Hopper,"$50,000.00"',
            "CSM-2,Alan Turing,SMB,CSM,90000,20000 USD,2027-02-15,,Grace Hopper,20000",
            *(project / "roster.csv").read_text().splitlines()[3:]]
    csv_file(formatted / "roster.csv", ROSTER_HEADER, *rows)
    accounts = (project / "accounts.csv").read_text().splitlines()
    first = accounts[1].split(",")
    # arr_start, renewable_arr, renewed_arr written with separators and a symbol; adoption_rate as a percent
    first[3], first[4], first[5] = f'"${int(first[3]):,}"', f'"{int(first[4]):,}.00"', f'"USD {int(first[5]):,}"'
    if first[11]:
        first[11] = f"{Decimal(first[11]) * 100:f}%"
    csv_file(formatted / "accounts.csv", ACCOUNTS_HEADER, ",".join(first), *accounts[2:])
    assert _plain_totals(formatted) == expected


def test_parentheses_are_negative_and_a_foreign_currency_is_a_problem(project: Path) -> None:
    plan = parse_plan((project / "plan.yaml").read_text())
    accounts = (project / "accounts.csv").read_text().splitlines()
    row = accounts[1].split(",")
    row[8] = '"(1,500)"'  # contraction_arr
    csv_file(project / "neg.csv", ACCOUNTS_HEADER, ",".join(row), *accounts[2:])
    with pytest.raises(InputError) as caught:  # read as -1,500, which an account amount may not be
        load_inputs(plan, project / "roster.csv", project / "neg.csv")
    assert [str(p) for p in caught.value.problems] == ["neg.csv:2 contraction_arr: -1500.0000 is negative"]
    row[8] = "€1500"
    csv_file(project / "eur.csv", ACCOUNTS_HEADER, ",".join(row), *accounts[2:])
    with pytest.raises(InputError) as caught:
        load_inputs(plan, project / "roster.csv", project / "eur.csv")
    assert [str(p) for p in caught.value.problems] == [
        'eur.csv:2 contraction_arr: "€1500" carries "€", which is not a symbol of the plan\'s currency USD']


def test_decimal_comma_only_when_asked(project: Path) -> None:
    plan = parse_plan((project / "plan.yaml").read_text())
    lines = (project / "accounts.csv").read_text().splitlines()
    row = lines[1].split(",")
    row[3] = '"1.234,50"'
    csv_file(project / "comma.csv", ACCOUNTS_HEADER, ",".join(row), *lines[2:])
    with pytest.raises(InputError) as caught:
        load_inputs(plan, project / "roster.csv", project / "comma.csv")
    assert "--decimal-comma" in str(caught.value.problems[0])
    assert str(caught.value.problems[0]).startswith("comma.csv:2 arr_start:")
    _, book = load_inputs(plan, project / "roster.csv", project / "comma.csv", decimal_comma=True)
    assert book.table.column("arr_start")[0].as_py() == Decimal("1234.50")
    row[3] = "1,234"  # thousands or decimals? with --decimal-comma it is a problem, with its hint
    csv_file(project / "ambiguous.csv", ACCOUNTS_HEADER.replace(",", ";"), ";".join(row), *[
        line.replace(",", ";") for line in lines[2:]])
    with pytest.raises(InputError) as caught:
        load_inputs(plan, project / "roster.csv", project / "ambiguous.csv", decimal_comma=True)
    assert "ambiguous with --decimal-comma" in str(caught.value.problems[0])


@pytest.mark.parametrize(("separator", "expected"), [(",", ","), (";", ";"), ("\t", "\t")])
def test_separators_are_found_and_read(project: Path, separator: str, expected: str) -> None:
    plan = parse_plan((project / "plan.yaml").read_text())
    text = (project / "accounts.csv").read_text()
    path = project / "sep.csv"
    path.write_text(text.replace(",", separator))
    assert csv_separator(path) == expected
    _, book = load_inputs(plan, project / "roster.csv", path)
    _, plain = load_inputs(plan, project / "roster.csv", project / "accounts.csv")
    assert book.table.column("renewed_arr").to_pylist() == plain.table.column("renewed_arr").to_pylist()
