"""payouts.csv and summary.csv are the same bytes whichever way the inputs are read and the files written.

The quick paths of ``xlcomp calc`` (a CSV column of short plain numbers through Arrow's float parser and
NumPy, roster numbers and ISO dates read at once, the CSV files written as lists) against the plain ones
they replaced: the same book written a second time with a space around every number and date (which the
quick paths refuse, so it is read by the text path and ``parse_amount``), its files written by the generic
``csv_text`` of ``payout_records``. And every payout against the independent implementation of
tests/reference.py.
"""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import reference
from tests.engine.test_against_reference import PERIODS, plans
from xlcomp import calculate
from xlcomp.demo.sample import sample_book
from xlcomp.engine.run import PAYOUT_COLUMNS, SUMMARY_COLUMNS
from xlcomp.outputs import csv_text, payout_records, payouts_csv, summary_csv, summary_records

TEXT_COLUMNS = {"csm_id", "name", "segment", "role", "manager", "account_id", "account_name"}


def _padded(frame: Any) -> Any:
    """Every number and date written with a space either side (blank cells stay blank)."""
    padded = frame.copy()
    for column in padded.columns:
        if column not in TEXT_COLUMNS:
            padded[column] = [f" {v} " if v == v and v != "" else "" for v in padded[column].tolist()]
    return padded


AMOUNTS = ("arr_start", "upsell_arr", "cross_sell_arr")


def _books(seed: int, period: str, fractions: list[int]) -> tuple[Any, Any]:
    """A sample book with odd names and ids, and amounts with 5 decimals (the engine keeps 4)."""
    roster, accounts = sample_book(8, 60, seed, period)
    roster.loc[0, "name"] = '=HYPERLINK("x"), "Jr"'   # a formula-like name with a comma and quotes
    old_id = roster.loc[1, "csm_id"]
    roster.loc[1, "csm_id"] = "-CSM 2"                  # an id a spreadsheet would read as a formula
    accounts.loc[accounts["csm_id"] == old_id, "csm_id"] = "-CSM 2"
    extra = np.array([fractions[i % len(fractions)] for i in range(len(accounts))], dtype=float) / 100_000
    for column in AMOUNTS:
        accounts[column] = (accounts[column] + extra).round(5)
    has_renewal = accounts["renewable_arr"] > 0
    accounts.loc[has_renewal, "renewable_arr"] = (accounts.loc[has_renewal, "renewable_arr"] + 0.5).round(4)
    accounts["adoption_rate"] = (accounts["adoption_rate"] * 0.99999).round(8)  # 8 decimals: scores keep them
    return roster, accounts


def _rounded(accounts: Any) -> Any:
    """The amounts as the engine keeps them, 4 decimals, rounded half away from zero by Decimal (for the
    reference, which reads every digit): 100.12345 is 100.1235, 100.12344 is 100.1234."""
    rounded = accounts.copy()
    for column in AMOUNTS:
        rounded[column] = [str(Decimal(repr(v)).quantize(Decimal("0.0001"), ROUND_HALF_UP))
                           for v in accounts[column].tolist()]
    return rounded


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans(), seed=st.integers(0, 10_000), fractions=st.lists(st.integers(0, 99_999), min_size=1, max_size=7))
def test_payouts_csv_is_the_plain_paths_text(tmp_path: Path, plan: dict[str, Any], seed: int,
                                             fractions: list[int]) -> None:
    period = PERIODS[plan["period"]]
    text = yaml.safe_dump(plan, sort_keys=False)
    roster, accounts = _books(seed, period, fractions)
    files = {}
    for name, frame in (("roster", roster), ("accounts", accounts)):
        files[name] = tmp_path / f"{name}.csv"
        frame.to_csv(files[name], index=False)
        files[f"padded_{name}"] = tmp_path / f"padded_{name}.csv"
        _padded(frame).to_csv(files[f"padded_{name}"], index=False)
    quick = calculate(text, files["roster"], files["accounts"], period)
    plain = calculate(text, files["padded_roster"], files["padded_accounts"], period)
    columns = quick.payout_columns()   # made a component at a time: the rows, transposed
    assert quick.csms.by_component() is not None and columns["csm_id"]
    assert columns == {name: [row[name] for row in plain.payout_rows()] for name in PAYOUT_COLUMNS}
    assert quick.days_employed() == [(r.csm.csm_id, r.days, r.period_days) for r in plain.csms]   # the kept days
    written = payouts_csv(quick)
    assert written == csv_text(PAYOUT_COLUMNS, payout_records(plain))
    assert summary_csv(quick) == csv_text(SUMMARY_COLUMNS, summary_records(plain))
    rows = list(csv.DictReader(io.StringIO(written)))
    assert rows[0]["csm_id"] in ("CSM-0001", "'-CSM 2") and any(r["csm_id"] == "'-CSM 2" for r in rows)
    _rounded(accounts).to_csv(tmp_path / "rounded.csv", index=False)
    expected = reference.payouts(text, files["roster"], tmp_path / "rounded.csv", period)
    assert {(r["csm_id"].removeprefix("'"), r["component"]): F(r["payout"]) for r in rows} == expected


def test_hand_worked_payouts_csv(tmp_path: Path) -> None:
    # One CSM, one commission of 10% on upsell_arr: 1,234.5678 + 100.0001 = 1,334.5679; x 0.1 = 133.45679,
    # rounded half away from zero to 133.46. The padded files (" 1234.5678 ") give the same bytes.
    plan = ("id: hand\nperiod: quarter\ncomponents:\n  - id: up\n    kind: commission\n    metric: upsell_arr\n"
            "    rate: 0.1\n")
    roster = ("csm_id,name,segment,base_salary,target_variable,start_date\n"
              'C1,"=Ada, ""A""",SMB,100000,20000,2026-01-01\n')
    accounts = ("account_id,csm_id,arr_start,renewable_arr,renewed_arr,upsell_arr\n"
                "A1,C1,5000,0,0,1234.5678\nA2,C1,5000,0,0,100.0001\n")
    padded_roster = roster.replace(",100000,20000,2026-01-01", ", 100000 , 20000 , 2026-01-01 ")
    padded_accounts = accounts.replace(",1234.5678", ", 1234.5678 ").replace(",100.0001", ", 100.0001 ")
    paths = {}
    for name, content in (("r", roster), ("a", accounts), ("pr", padded_roster), ("pa", padded_accounts)):
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(content, encoding="utf-8")
    quick = calculate(plan, paths["r"], paths["a"], "2027-Q1")
    plain = calculate(plan, paths["pr"], paths["pa"], "2027-Q1")
    expected = ("csm_id,component,kind,metric,actual,target,attainment,share,target_incentive,multiplier,payout,"
                "note\nC1,up,commission,upsell_arr,1334.57,,,,,1,133.46,\n")
    assert payouts_csv(quick) == payouts_csv(plain) == expected
    assert summary_csv(quick) == summary_csv(plain) == (
        "csm_id,name,base_salary,target_variable,proration,payout_total\n"
        "C1,\"'=Ada, \"\"A\"\"\",100000.00,20000.00,1.000000,133.46\n")


def test_the_columns_of_a_spif_and_a_ramp_are_the_records(tmp_path: Path) -> None:
    # payouts.csv's columns made from the run's arrays (notes from the records of the noted lines only) against the
    # records of every CSM: a SPIF's excluded CSM, a ramped quota, a capped SPIF, with and without account moves
    from tests.test_cli_ramps_spifs import ACCOUNTS, PLAN, ROSTER
    from xlcomp.cli.core import compute
    from xlcomp.money import exact

    for name, text in (("plan.yaml", PLAN), ("roster.csv", ROSTER), ("accounts.csv", ACCOUNTS),
                       ("moves.csv", "account_id,to_csm,effective\nc1,A,2027-02-10\n")):
        (tmp_path / name).write_text(text, encoding="utf-8")
    for moves in (None, tmp_path / "moves.csv"):
        with exact():
            result = compute(tmp_path / "plan.yaml", tmp_path / "roster.csv", tmp_path / "accounts.csv", "2027-Q1",
                             moves=moves)
        assert result.csms.by_component_columns() is not None
        rows = list(result.payout_rows())   # from the records
        assert result.payout_columns() == {name: [row[name] for row in rows] for name in PAYOUT_COLUMNS}
        assert payouts_csv(result) == csv_text(PAYOUT_COLUMNS, payout_records(result))
        notes = {(row["csm_id"], row["component"]): row["note"] for row in rows}
        assert notes[("B", "feb_spif")] == 'SPIF for Enterprise, Mid-Market only: segment "SMB" is not eligible; pays 0'
        assert sum(1 for note in notes.values() if note) >= 2
