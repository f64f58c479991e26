"""Ramps (SPEC section 10), worked by hand.

Quarter 2027-Q1 starts 2027-01-01. The plan's ramp is 0.25 under 1 whole month in post, 0.5 under 2, 0.75 under 3.
Whole months from a start date s to the period's first day ps: (YEAR(ps) - YEAR(s)) x 12 + MONTH(ps) - MONTH(s),
less 1 when DAY(s) > DAY(ps), at least 0. The upsell commission pays 5% up to the quota and 8% above it; its
quota (roster quota_upsell 100,000) is ramped; the renewal bonus's target (GRR 0.9, a rate) is not.
"""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal as D

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.engine.run import run
from xlcomp.errors import PlanError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period
from xlcomp.rules import ramp as rules

PLAN = textwrap.dedent("""
    id: ramped
    period: quarter
    ramp: [{months: 1, factor: 0.25}, {months: 2, factor: 0.5}, {months: 3, factor: 0.75}]
    components:
      - id: renewal
        kind: bonus
        metric: gross_renewal_rate
        weight: 0.5
        target: 0.9
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}
      - id: upsell
        kind: commission
        metric: upsell_arr
        quota: {column: quota_upsell}
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]}
      - id: expansion
        kind: bonus
        metric: upsell_arr
        weight: 0.5
        target: 200000
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}
""")
# csm_id, start_date, upsell_arr
CSMS = [("A", "2020-01-01", 150000), ("B", "2026-11-15", 60000), ("C", "2027-02-01", 10000),
        ("D", "2026-10-01", 100000), ("E", "2026-10-02", 100000)]
PERIOD = parse_period("2027-Q1")


def _run(plan_text: str = PLAN):
    plan = parse_plan(plan_text)
    roster = pd.DataFrame({"csm_id": [c[0] for c in CSMS], "name": [c[0] for c in CSMS], "segment": "SMB",
                           "base_salary": 100000, "target_variable": 40000, "start_date": [c[1] for c in CSMS],
                           "quota_upsell": 100000})
    accounts = pd.DataFrame({"account_id": [f"a{c[0]}" for c in CSMS], "csm_id": [c[0] for c in CSMS],
                             "arr_start": 100000, "renewable_arr": 100000, "renewed_arr": 90000,
                             "upsell_arr": [c[2] for c in CSMS]})
    roster_model, book = load_inputs(plan, roster, accounts)
    return run(plan, roster_model, book, PERIOD)


def test_a_ramped_hire_has_a_fraction_of_the_quota_and_amount_target() -> None:
    result = _run()
    # A: 84 whole months -> factor 1: quota 100,000; 100,000 x 5% + 50,000 x 8% = 9,000
    assert result.csm("A").ramp.factor == D(1)
    assert result.csm("A").component("upsell").payout == D("9000.00")
    # B: (2027 - 2026) x 12 + 1 - 11 - (15 > 1) = 1 whole month (Nov 15 - Dec 15) -> 0.5: quota 50,000
    # 50,000 x 5% + 10,000 x 8% = 2,500 + 800 = 3,300
    b = result.csm("B")
    assert b.ramp == (1, D("0.5"))
    assert b.component("upsell").target == D("50000")
    assert b.component("upsell").payout == D("3300.00")
    # the expansion bonus's amount target 200,000 x 0.5 = 100,000; attainment 60,000 / 100,000 = 0.6;
    # TI 40,000 x 0.5 / 4 = 5,000 -> 3,000 (a rate target is not ramped: renewal's stays 0.9)
    assert b.component("expansion").target == D("100000")
    assert b.component("expansion").payout == D("3000.00")
    assert b.component("renewal").target == D("0.9")
    # C: hired 2027-02-01, after the period's start: 0 whole months -> 0.25: quota 25,000; 10,000 x 5% = 500
    c = result.csm("C")
    assert c.ramp.factor == D("0.25")
    assert c.component("upsell").target == D("25000")
    assert c.component("upsell").payout == D("500.00")
    # D: 12 + 1 - 10 = 3 whole months: not fewer than 3 -> 1; E (the 2nd): 2 whole months -> 0.75
    assert result.csm("D").ramp.factor == D(1)
    assert result.csm("E").ramp.factor == D("0.75")
    # E: quota 75,000; 75,000 x 5% + 25,000 x 8% = 3,750 + 2,000 = 5,750
    assert result.csm("E").component("upsell").payout == D("5750.00")


def test_without_a_ramp_nothing_changes() -> None:
    plain = _run(PLAN.replace("ramp: [{months: 1, factor: 0.25}, {months: 2, factor: 0.5}, "
                              "{months: 3, factor: 0.75}]\n", ""))
    assert all(r.ramp is None for r in plain)
    # B's quota is the roster's 100,000: 60,000 x 5% = 3,000 (all below the quota)
    assert plain.csm("B").component("upsell").payout == D("3000.00")


def test_unsorted_or_bad_steps_are_plan_errors_at_their_line() -> None:
    bad = PLAN.replace("ramp: [{months: 1, factor: 0.25}, {months: 2, factor: 0.5}, {months: 3, factor: 0.75}]",
                       "ramp:\n  - {months: 2, factor: 0.5}\n  - {months: 1, factor: 0.25}\n"
                       "  - {months: 1.5, factor: 0}")
    with pytest.raises(PlanError) as caught:
        parse_plan(bad)
    assert [str(p) for p in caught.value.problems] == [
        "plan.yaml:6 ramp[1].months: 1 is not above the previous step's months 2: ramp steps must be sorted by "
        "months, ascending",
        'plan.yaml:7 ramp[2].months: "1.5" is not a whole number of months above 0',
        "plan.yaml:7 ramp[2].factor: 0 must be above 0",
    ]


def _whole_months(start: date, first: date) -> int:
    """Whole months by counting: the most m with start + m months on or before first (day clamped, as a
    calendar would)."""
    m = 0
    while True:
        year, month = divmod(start.month - 1 + m + 1, 12)
        candidate_year, candidate_month = start.year + year, month + 1
        import calendar

        day = min(start.day, calendar.monthrange(candidate_year, candidate_month)[1])
        if date(candidate_year, candidate_month, day) > first:
            return m
        m += 1


@settings(max_examples=200, deadline=None)
@given(st.dates(date(2020, 1, 1), date(2027, 12, 31)))
def test_whole_months_count_complete_months_before_a_period_start(start: date) -> None:
    for first in (date(2027, 1, 1), date(2027, 4, 1), date(2027, 10, 1)):
        got = rules.whole_months().evaluate({"start": rules.serial(start), "period_start": rules.serial(first)})
        assert got == (0 if start > first else _whole_months(start, first))
