"""Clawback shares over credited weights (xlcomp/ledger/share_weights.py): the integer rule equals the rule on
exact fractions, always (Python integers where int64 would overflow); whole weights give the plain shares; and
the weights of a run with moves and splits are what the engine credited each CSM."""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.engine.test_credit import _run, moves_csv, splits_csv
from tests.ledger.test_shares import PLAN as SHARES_PLAN
from tests.ledger.test_shares import book
from xlcomp.ledger.share_weights import Weights, apportion, credit_weights, shares_fraction
from xlcomp.ledger.shares import _amount_units, _shares_vectorised, _weighted, shares_of
from xlcomp.load.plan import parse_plan
from xlcomp.model.people import Book
from xlcomp.money import exact

D = Decimal
CSMS = ["C1", "C2", "C3"]


def test_a_weight_past_int64_takes_python_integers_and_the_same_rule():
    # amounts 10^14 (10^18 units of 10^-4) x numerators 9 x 10^9: weights near 10^28, far past 2^63.
    # C1 is paid 1,000.00 on X (weight 1) and Y (weight 2): 333.333… -> 333.33 and 666.666… -> 666.67
    amount = np.array([10 ** 18, 10 ** 18], np.int64)
    weights = Weights(np.array([0, 1]), pa.array(["C1", "C1"]), np.array([9 * 10 ** 9, 18 * 10 ** 9]), 9 * 10 ** 9)
    order, credited, share = apportion(weights, pa.array(["X", "Y"]), amount, {"C1": 100000})
    assert order.tolist() == [0, 1] and share.tolist() == [33333, 66667]
    assert credited.tolist() == [10 ** 18, 2 * 10 ** 18]   # the credited amount: amount x num / den, in units


entries = st.lists(st.tuples(st.sampled_from(CSMS), st.integers(-10 ** 6, 10 ** 15), st.integers(0, 9 * 10 ** 9)),
                   min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(entries, st.lists(st.integers(-100, 10 ** 10), min_size=3, max_size=3), st.integers(1, 9 * 10 ** 9))
def test_integer_apportioning_equals_the_rule_on_fractions(rows, pays, den):
    # amounts to 10^11 (10^15 units) x numerators to 9 x 10^9 over random denominators, payouts to 10^8.00
    amount = np.array([a for _, a, _ in rows], np.int64)
    weights = Weights(np.arange(len(rows)), pa.array([c for c, _, _ in rows]), np.array([n for _, _, n in rows]), den)
    ids = [f"A{i:03d}" for i in range(len(rows))][::-1]   # the entries' order is not the accounts'
    cents = dict(zip(CSMS, pays, strict=True))
    order, credited, share = apportion(weights, pa.array(ids), amount, cents)
    fast = [(ids[i], rows[i][0], D(int(s)) / 100) for i, s in zip(order.tolist(), share.tolist(), strict=True)]
    reference = shares_fraction([(ids[i], c, Fraction(a * n)) for i, (c, a, n) in enumerate(rows) if a > 0],
                                {c: D(p) / 100 for c, p in cents.items()})
    assert fast == reference
    for csm in CSMS:   # a CSM's shares add up to the payout exactly
        mine = [s for _, owner, s in fast if owner == csm]
        assert not mine or sum(mine) == D(cents[csm]) / 100
    for i, value in zip(order.tolist(), credited.tolist(), strict=True):   # ROUND(amount x num / den) in units
        exact_value = Fraction(rows[i][1] * rows[i][2], den)
        assert value == int(exact_value + Fraction(1, 2))


amounts = st.one_of(st.none(), st.decimals(min_value=-1000, max_value=10 ** 7, places=4, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(CSMS), amounts, amounts, amounts), min_size=1, max_size=30),
       st.lists(st.decimals(min_value=-50, max_value=10 ** 8, places=2, allow_nan=False), min_size=6, max_size=6),
       st.integers(1, 400))
def test_whole_weights_give_the_plain_shares(accounts, pays, den):
    # every account credited wholly to its csm_id (num = den): the shares of the accounts file's rule
    rows = [(f"A{i:03d}", csm, up, renewable, renewed) for i, (csm, up, renewable, renewed) in enumerate(accounts)]
    given_book = book(rows[::-1])
    payouts = {(csm, component): pays[i * 2 + j] for i, csm in enumerate(CSMS)
               for j, component in enumerate(["upsell", "churn"])}
    n = len(rows)
    whole = Weights(np.arange(n), given_book.table["csm_id"].combine_chunks(), np.full(n, den, np.int64), den)
    with exact():
        for component in SHARES_PLAN.components:
            plain = _shares_vectorised(component, SHARES_PLAN, given_book.table, payouts)
            assert plain is not None
            assert _weighted(component, SHARES_PLAN, given_book, payouts, whole).decimals() == plain.decimals()


CLAWBACK_PLAN = parse_plan(textwrap.dedent("""
    id: credit
    name: Credit
    currency: USD
    period: quarter
    components:
      - id: renewals
        kind: commission
        metric: renewed_arr
        rate: 0.1
        clawback: {days: 90}
    """))


@settings(max_examples=25, deadline=None)
@given(st.integers(-10, 100), st.integers(0, 100), st.sampled_from(["A", "B", "C"]),
       st.lists(st.integers(0, 1000), min_size=3, max_size=3), st.one_of(st.none(), st.integers(-5, 95)),
       st.lists(st.integers(1, 10 ** 9), min_size=3, max_size=3))
def test_the_weights_are_what_the_engine_credited_and_the_shares_add_up(first, later, second_to, split, booked,
                                                                        cents):
    """a1 (A's, 90,000 renewed; booked on day ``booked`` or undated) moves to B on day ``first`` and on to
    ``second_to`` ``later`` days after; s1 (C's, 100,000) is split A/B/C by ``split`` thousandths. Each CSM's
    weights, Σ amount x num / den, are the renewed ARR the engine credited them (its ``actual``); any payouts
    (``cents``) are shared as the rule on fractions shares them over those weights, adding up to each payout."""
    start = date(2027, 1, 1) + timedelta(days=first)
    then = start + timedelta(days=later + 1)
    moves = moves_csv(("a1", "B", start.isoformat()), ("a1", second_to, then.isoformat()))
    shares = [("s1", csm, f"{D(p).scaleb(-1)}%") for csm, p in zip("ABC", split, strict=True) if p]

    def booked_on(given_book: Book) -> Book:
        days = pa.array([date(2027, 1, 1) + timedelta(days=booked), None, None], pa.date32())
        return Book(given_book.table.append_column("booked_on", days), given_book.locator, given_book.columns)

    result = _run(moves, splits_csv(*shares) if shares else None, booked_on if booked is not None else None)
    weights = credit_weights(result.book, result.credit_rows)
    found = _amount_units(CLAWBACK_PLAN.components[0], CLAWBACK_PLAN, result.book.table)
    assert found is not None
    units, scale = found
    ids = result.book.table["account_id"].to_pylist()
    entries = [(ids[p], c, Fraction(int(units[p]) * n)) for p, c, n in
               zip(weights.positions.tolist(), weights.csm_ids.to_pylist(), weights.num.tolist(), strict=True)]
    credited: dict[str, Fraction] = {}
    for _, csm, weight in entries:
        credited[csm] = credited.get(csm, Fraction(0)) + weight / (weights.den * 10 ** scale)
    with exact():
        for csm in "ABC":
            actual = result.csm(csm).component("renewals").actual or D(0)
            assert abs(Fraction(actual) - credited.get(csm, Fraction(0))) < Fraction(1, 10 ** 20)
    payouts = {csm: D(c) / 100 for csm, c in zip("ABC", cents, strict=True)}
    [block] = shares_of(CLAWBACK_PLAN, result.book, {(c, "renewals"): p for c, p in payouts.items()}, result)
    assert [(a, c, s) for a, c, _, s in block.decimals()] == shares_fraction(entries, payouts)
    for csm in "ABC":
        mine = [share for _, owner, _, share in block.decimals() if owner == csm]
        assert sum(mine, D(0)) == (payouts[csm] if credited.get(csm) else D(0))
