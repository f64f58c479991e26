"""A SPIF with account moves and credit splits (SPEC section 10), worked by hand.

The plan and book of tests/engine/test_spifs.py (2027-Q1): upsell pays 5% of all upsell ARR; feb_spif 10% of the
upsell ARR booked 2027-02-01 to 2027-02-14, at most 1,500, to Enterprise (A) and Mid-Market (C) CSMs; B is SMB.
Accounts: a1 (A, 10,000, booked Feb 1), a2 (A, 4,000, Feb 14), a3 (A, 7,000, Feb 15), a4 (A, 3,000, no date),
b1 (B, 20,000, Feb 5), c1 (C, 20,000, Feb 10), c2 (C, 1,000, Jan 31).

A SPIF's booked amounts are credited as every amount: a moved account's wholly to its owner on its booked_on
day, a split account's by share.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.test_spifs import PLAN, ROSTER, _accounts
from xlcomp.engine.run import run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.moves import load_moves
from xlcomp.load.plan import parse_plan
from xlcomp.load.splits import load_splits
from xlcomp.model.credit import Credits
from xlcomp.model.period import parse_period

PERIOD = parse_period("2027-Q1")
MOVES = (("a1", "C", "2027-02-01"), ("a2", "C", "2027-02-15"))
SPLITS = (("b1", "A", "0.5"), ("b1", "C", "0.5"))


def spif_credit_run(moves: tuple = MOVES, splits: tuple = SPLITS):
    plan = parse_plan(PLAN)
    roster, book = load_inputs(plan, ROSTER, _accounts())
    loaded = load_moves(pd.DataFrame(list(moves), columns=["account_id", "to_csm", "effective"]), roster, book,
                        PERIOD) if moves else None
    credits = Credits(loaded, load_splits(pd.DataFrame(list(splits), columns=["account_id", "csm_id", "share"]),
                                          roster, book, loaded) if splits else None)
    return run(plan, roster, book, PERIOD, credits=credits)


def test_a_spif_credits_a_moved_account_to_its_owner_on_the_booked_day_and_a_split_by_share() -> None:
    result = spif_credit_run()
    a, b, c = (result.csm(x) for x in "ABC")
    # a1 (booked Feb 1) moves to C on Feb 1: C's in the window; a2 (booked Feb 14) moves to C on Feb 15: still
    # A's on its booked day. b1 (20,000, Feb 5) split A 0.5 / C 0.5.
    # A: a2 4,000 + half of b1 10,000 = 14,000 booked in the window x 10% = 1,400.00
    assert a.component("feb_spif").actual == D(14000)
    assert a.component("feb_spif").payout == D("1400.00")
    # C: c1 20,000 + a1 10,000 + half of b1 10,000 = 40,000 x 10% = 4,000, capped at 1,500.00
    assert c.component("feb_spif").actual == D(40000)
    assert c.component("feb_spif").payout == D("1500.00")
    # B keeps nothing of b1 (listed only as A and C) and is SMB anyway: 0.00
    assert b.component("feb_spif").actual == D(0)
    assert b.component("feb_spif").payout == D("0.00")
    # the upsell commission credits the same way over the whole period: A a2 4,000 + a3 7,000 + a4 3,000 +
    # 10,000 = 24,000 x 5% = 1,200.00; C 20,000 + 1,000 + 10,000 + 10,000 = 41,000 x 5% = 2,050.00
    assert a.component("upsell").payout == D("1200.00")
    assert c.component("upsell").payout == D("2050.00")
    assert (a.total, b.total, c.total) == (D("2600.00"), D("0.00"), D("3550.00"))


def test_a_move_after_the_booked_day_leaves_the_spif_with_the_listed_owner() -> None:
    # a1 (booked Feb 1) moves to C on Feb 2: A owned it on Feb 1, so A keeps a1's 10,000 in the window:
    # A 10,000 + 4,000 = 14,000 x 10% = 1,400.00; C 20,000 x 10% = 2,000, capped at 1,500.00
    result = spif_credit_run(moves=(("a1", "C", "2027-02-02"),), splits=())
    assert result.csm("A").component("feb_spif").actual == D(14000)
    assert result.csm("C").component("feb_spif").actual == D(20000)
    assert result.csm("A").component("feb_spif").payout == D("1400.00")


DAYS = st.integers(min_value=-10, max_value=89).map(lambda n: date(2027, 1, 1) + timedelta(days=n))


@settings(max_examples=20, deadline=None)
@given(moves=st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3", "a4", "b1", "c1", "c2"]), st.sampled_from("ABC"),
                                DAYS), max_size=5, unique_by=lambda m: (m[0], m[2])))
def test_moves_never_change_what_the_window_booked_in_all(moves: list) -> None:
    """Whoever owns the accounts, the SPIF's amounts of all CSMs add up to what was booked in the window:
    a1 10,000 + a2 4,000 + b1 20,000 + c1 20,000 = 54,000 (each booked amount credited to one owner)."""
    result = spif_credit_run(moves=tuple((a, to, day.isoformat()) for a, to, day in moves), splits=())
    assert sum((r.component("feb_spif").actual for r in result.csms), D(0)) == D(54000)
