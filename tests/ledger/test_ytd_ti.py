"""The year's target incentive of every CSM, worked out over one common denominator, is the exact sum of
fractions: Σ over the periods of target_variable x weight x days employed / (days in the period x periods per
year), a period the CSM was not on the roster counting nothing."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal as D
from fractions import Fraction as F

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ledger import year
from xlcomp.ledger.ytd import CsmFacts, _ti_ratios, round_ratio
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period

PERIODS = [parse_period(label) for label in ("2027-Q1", "2027-Q2", "2027-Q3")]
DAY = st.dates(date(2026, 12, 1), date(2027, 10, 31))
FACTS = st.one_of(st.none(), st.builds(
    CsmFacts,
    st.decimals(0, 500_000, places=4, allow_nan=False),
    st.one_of(st.none(), DAY), st.one_of(st.none(), DAY), st.just({})))


def _plan(weight: str):
    """The hand-worked year's plan (tests/ledger/year.py) with the renewal bonus's weight."""
    assert "weight: 0.5" in year.PLAN
    return parse_plan(textwrap.dedent(year.PLAN.replace("weight: 0.5", f"weight: {weight}")))


@settings(max_examples=60, deadline=None)
@given(weight=st.sampled_from(["0.5", "0.25", "0.3333", "1"]), periods=st.integers(1, 3),
       rows=st.lists(st.lists(FACTS, min_size=3, max_size=3), min_size=1, max_size=12),
       places=st.lists(st.integers(0, 4), min_size=3, max_size=3))
def test_the_common_denominator_is_the_sum_of_fractions(weight: str, periods: int, rows, places) -> None:
    component = _plan(weight).components[0]
    chosen = PERIODS[:periods]
    # each period's facts of every CSM, the target variables with 0 to 4 decimals
    facts = [[None if row[k] is None else row[k]._replace(
        target_variable=row[k].target_variable.quantize(D(1).scaleb(-places[k])),
        end_date=None if row[k].end_date is None or row[k].start_date is None
        else max(row[k].end_date, row[k].start_date - timedelta(days=1)))
        for row in rows] for k in range(periods)]
    nums, den = _ti_ratios(component, chosen, facts)
    for i in range(len(rows)):
        expected = F(0)
        for when, column in zip(chosen, facts, strict=True):
            fact = column[i]
            if fact is not None:
                expected += (F(fact.target_variable) * F(component.weight)
                             * when.days_employed(fact.start_date, fact.end_date) / (when.days * when.per_year))
        assert F(nums[i], den) == expected
        assert round_ratio(nums[i], den, 2) == round_ratio(expected.numerator, expected.denominator, 2)


def test_a_hand_worked_year() -> None:
    # weight 0.5; Q1 (90 days): 40,000 all quarter -> 40,000 x 0.5 / 4 = 5,000; Q2 (91 days): 48,000 from May 1
    # (61 days) -> 48,000 x 0.5 x 61 / 364 = 4,021.978...; the year: 9,021.98 (rounded half away from zero)
    component = _plan("0.5").components[0]
    facts = [[CsmFacts(D("40000"), None, None, {})], [CsmFacts(D("48000.00"), date(2027, 5, 1), None, {})]]
    nums, den = _ti_ratios(component, PERIODS[:2], facts)
    assert F(nums[0], den) == F(5000) + F(48000 * 61, 2 * 364)
    assert round_ratio(nums[0], den, 2) == D("9021.98")
