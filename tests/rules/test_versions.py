"""Plan-version rules (SPEC section 10): the part's days, the day-weighted undated amounts, the amount a
commission pays on in a part and its quota; each evaluates on Decimals and renders as the CSM tab's formula."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from xlcomp.rules import versions as rules
from xlcomp.rules.payout import PERIOD_DAYS
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.ramp import serial

D = Decimal


def test_a_part_of_2027_q1_worked_by_hand() -> None:
    # 2027-02-15 to 2027-03-31: serials 46433 and 46477, 46477 - 46433 + 1 = 45 days
    first, last = serial(date(2027, 2, 15)), serial(date(2027, 3, 31))
    assert (first, last) == (D(46433), D(46477))
    assert rules.part_days().evaluate({rules.PART_FIRST: first, rules.PART_LAST: last}) == 45
    assert rules.part_days().formula({rules.PART_FIRST: "$B$49", rules.PART_LAST: "$B$50"}) == "=$B$50-$B$49+1"
    # 18,000 with no booked_on x 45 / 90 = 9,000; 60,000 booked in the part + 9,000 = 69,000
    env = {K.VALUE: D(18000), rules.PART_DAYS: D(45), PERIOD_DAYS: D(90)}
    assert rules.part_amount().evaluate(env) == D(9000)
    assert rules.part_amount().formula({K.VALUE: "$B$53", rules.PART_DAYS: "$B$51", PERIOD_DAYS: "period_days"}) \
        == "=ROUND($B$53*$B$51/period_days,6)"
    assert rules.part_commission_amount().evaluate({rules.BOOKED: D(60000), rules.UNDATED_SHARE: D(9000)}) == 69000
    # the quota's part: 90,000 x 45 / 90 = 45,000; 1,000 x 31 / 90 = 344.444444 (rounded to 6 places)
    assert rules.part_quota().evaluate({K.QUOTA: D(90000), rules.PART_DAYS: D(45), PERIOD_DAYS: D(90)}) == 45000
    assert rules.part_quota().evaluate({K.QUOTA: D(1000), rules.PART_DAYS: D(31), PERIOD_DAYS: D(90)}) \
        == D("344.444444")


@given(st.dates(date(2020, 1, 1), date(2030, 12, 31)), st.integers(1, 365), st.integers(0, 364),
       st.decimals(D(0), D(10) ** 9, places=2))
def test_the_parts_days_add_up_and_their_shares_miss_the_amount_by_rounding_only(
        start: date, length: int, cut: int, amount: Decimal) -> None:
    end = start + timedelta(days=length - 1)
    split = start + timedelta(days=min(cut, length - 1))
    parts = [(start, split - timedelta(days=1)), (split, end)] if split > start else [(start, end)]
    days = [rules.part_days().evaluate({rules.PART_FIRST: serial(a), rules.PART_LAST: serial(b)}) for a, b in parts]
    assert sum(days) == length
    shares = [rules.part_amount().evaluate({K.VALUE: amount, rules.PART_DAYS: D(d), PERIOD_DAYS: D(length)})
              for d in days]
    assert abs(sum(shares) - amount) <= D("0.000001") * len(parts)   # each share is rounded to 6 places
