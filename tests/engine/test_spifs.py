"""SPIFs (SPEC section 10), worked by hand: a commission with a booking window and eligible segments.

2027-Q1; the SPIF pays 10% of the upsell ARR booked from 2027-02-01 to 2027-02-14 (both days included), at most
1,500, to Enterprise and Mid-Market CSMs; the plan's ordinary upsell commission pays 5% of all upsell ARR.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal as D

import pandas as pd
import pytest

from xlcomp.engine.run import run
from xlcomp.errors import InputError, PlanError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period

PLAN = textwrap.dedent("""
    id: spif
    period: quarter
    components:
      - id: upsell
        kind: commission
        metric: upsell_arr
        rate: 0.05
      - id: feb_spif
        kind: commission
        metric: upsell_arr
        rate: 0.10
        cap_amount: 1500
        window: {from: 2027-02-01, to: 2027-02-14}
        segments: [Enterprise, Mid-Market]
""")
ROSTER = pd.DataFrame({"csm_id": ["A", "B", "C"], "name": ["Ann", "Bo", "Cy"],
                       "segment": ["Enterprise", "SMB", "Mid-Market"], "base_salary": 100000,
                       "target_variable": 40000, "start_date": "2020-01-01"})
# account, csm, upsell_arr, booked_on
ACCOUNTS = [("a1", "A", 10000, "2027-02-01"), ("a2", "A", 4000, "2027-02-14"), ("a3", "A", 7000, "2027-02-15"),
            ("a4", "A", 3000, ""), ("b1", "B", 20000, "2027-02-05"), ("c1", "C", 20000, "2027-02-10"),
            ("c2", "C", 1000, "2027-01-31")]


def _accounts(booked: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(ACCOUNTS, columns=["account_id", "csm_id", "upsell_arr", "booked_on"])
    frame["arr_start"] = frame["renewable_arr"] = frame["renewed_arr"] = 0
    return frame if booked else frame.drop(columns=["booked_on"])


def _run(plan_text: str = PLAN, accounts: pd.DataFrame | None = None, period: str = "2027-Q1"):
    plan = parse_plan(plan_text)
    roster, book = load_inputs(plan, ROSTER, _accounts() if accounts is None else accounts)
    return run(plan, roster, book, parse_period(period))


def test_a_spif_pays_on_the_amounts_booked_in_its_window_to_its_segments() -> None:
    result = _run()
    a, b, c = (result.csm(x) for x in "ABC")
    # A: a1 (Feb 1, the first day) + a2 (Feb 14, the last) = 14,000 booked in the window; a3 (Feb 15) and a4
    # (no date) are outside. 14,000 x 10% = 1,400.00; the upsell commission pays on all 24,000: 1,200.00
    assert a.component("feb_spif").actual == D(14000)
    assert a.component("feb_spif").payout == D("1400.00")
    assert a.component("upsell").payout == D("1200.00")
    # B is SMB: booked 20,000 in the window but not eligible: a 0 line with a note
    spif_b = b.component("feb_spif")
    assert spif_b.payout == D("0.00")
    assert spif_b.note == 'SPIF for Enterprise, Mid-Market only: segment "SMB" is not eligible; pays 0'
    assert b.component("upsell").payout == D("1000.00")
    # C: c1 20,000 in the window -> 2,000, capped at 1,500; c2 (Jan 31) outside
    spif_c = c.component("feb_spif")
    assert spif_c.actual == D(20000)
    assert spif_c.payout == D("1500.00")
    assert spif_c.note == "capped at the cap_amount 1500"
    assert result.total == D("1400.00") + D("1200.00") + D("1000.00") + D("1500.00") + D("1050.00")


def test_a_spif_without_booked_on_in_the_accounts_is_an_error() -> None:
    plan = parse_plan(PLAN)
    with pytest.raises(InputError) as caught:
        load_inputs(plan, ROSTER, _accounts(booked=False))
    assert "booked_on" in str(caught.value) and "SPIF" in str(caught.value)


def test_a_window_outside_the_period_is_a_plan_error_and_partly_outside_a_warning() -> None:
    with pytest.raises(PlanError) as caught:
        _run(period="2027-Q2")
    assert [str(p) for p in caught.value.problems] == [
        "plan.yaml:14 components[1].window: 2027-02-01 to 2027-02-14 is outside 2027-Q2 (2027-04-01 to 2027-06-30): "
        "the SPIF feb_spif would pay nothing (run it for its own period)"]
    # a window from 2027-03-20 to 2027-04-10 counts in Q1 from 2027-03-20 to 2027-03-31 only
    late = _run(PLAN.replace("{from: 2027-02-01, to: 2027-02-14}", "{from: 2027-02-10, to: 2027-04-10}"))
    assert late.notes == ("plan.yaml:14 components[1].window: 2027-02-10 to 2027-04-10 is partly outside 2027-Q1: "
                          "only 2027-02-10 to 2027-03-31 counts",)
    # A: a2 (Feb 14) 4,000 + a3 (Feb 15) 7,000 = 11,000 -> 1,100.00
    assert late.csm("A").component("feb_spif").payout == D("1100.00")


def test_bad_windows_and_segments_are_plan_errors_at_their_line() -> None:
    bad = PLAN.replace("{from: 2027-02-01, to: 2027-02-14}", "{from: 2027-02-14, to: 2027-02-01}") \
        .replace("segments: [Enterprise, Mid-Market]", "segments: [Enterprise, Galactic]")
    with pytest.raises(PlanError) as caught:
        parse_plan(bad)
    assert [str(p) for p in caught.value.problems] == [
        "plan.yaml:14 components[1].window.to: 2027-02-01 is before from 2027-02-14",
        'plan.yaml:15 components[1].segments[1]: "Galactic" is not one of Enterprise, Mid-Market, SMB, Startup',
    ]
