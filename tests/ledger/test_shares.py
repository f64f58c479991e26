"""Clawback shares: the integer (NumPy) computation equals the rule on Python Decimals, always; the
worked example by hand; and what the ledger stores reads back the same."""

from __future__ import annotations

import textwrap
from decimal import Decimal

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.ledger.shares import ShareBlock, _shares_vectorised, shares_decimal, shares_of
from xlcomp.load.plan import parse_plan
from xlcomp.model.people import Book
from xlcomp.money import exact

D = Decimal
AMOUNT = pa.decimal128(20, 4)
PLAN = parse_plan(textwrap.dedent("""
    id: shares-test
    name: Shares
    currency: USD
    period: quarter
    components:
      - id: upsell
        kind: commission
        metric: upsell_arr
        rate: 0.1
        clawback: {days: 90}
      - id: churn
        kind: commission
        metric: churned_arr
        rate: 0.05
        clawback: {days: 30}
    """))


def book(rows: list[tuple[str, str, Decimal | None, Decimal | None, Decimal | None]]) -> Book:
    table = pa.table({"account_id": [r[0] for r in rows], "csm_id": [r[1] for r in rows],
                      "upsell_arr": pa.array([r[2] for r in rows], AMOUNT),
                      "renewable_arr": pa.array([r[3] for r in rows], AMOUNT),
                      "renewed_arr": pa.array([r[4] for r in rows], AMOUNT)})
    return Book(table, None, tuple(table.column_names))  # type: ignore[arg-type]


def as_rows(block: ShareBlock) -> list[tuple[str, str, Decimal, Decimal]]:
    return block.decimals()


def test_shares_worked_by_hand():
    # C1 is paid 100.00 of upsell on A 1, B 1, C 1 (equal amounts): 33.333… -> 33.33 each, 0.01 left over
    # goes to the largest amount, ties to the first account_id: A 33.34, B 33.33, C 33.33.
    # C2 is paid 10.00 on D 3 and E 1 (and F 0, G -2: not positive, no share): 7.50 and 2.50.
    # churned_arr = renewable - renewed: C1 paid 7.00 on A 10-4 = 6 and B 5-4 = 1: 6.00 and 1.00.
    rows = [("B", "C1", D(1), D(5), D(4)), ("A", "C1", D(1), D(10), D(4)), ("C", "C1", D(1), None, None),
            ("D", "C2", D(3), None, None), ("E", "C2", D(1), None, None), ("F", "C2", D(0), None, None),
            ("G", "C2", D(-2), None, None)]
    payouts = {("C1", "upsell"): D("100.00"), ("C2", "upsell"): D("10.00"), ("C1", "churn"): D("7.00")}
    with exact():
        upsell, churn = shares_of(PLAN, book(rows), payouts)
    assert as_rows(upsell) == [("A", "C1", D("1.0000"), D("33.34")), ("B", "C1", D("1.0000"), D("33.33")),
                               ("C", "C1", D("1.0000"), D("33.33")), ("D", "C2", D("3.0000"), D("7.50")),
                               ("E", "C2", D("1.0000"), D("2.50"))]
    assert as_rows(churn) == [("A", "C1", D("6.0000"), D("6.00")), ("B", "C1", D("1.0000"), D("1.00"))]


amounts = st.one_of(st.none(), st.decimals(min_value=-1000, max_value=10**7, places=4, allow_nan=False))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["C1", "C2", "C3"]), amounts, amounts, amounts), min_size=1, max_size=40),
       st.lists(st.decimals(min_value=-50, max_value=10**8, places=2, allow_nan=False), min_size=6, max_size=6))
def test_integer_shares_equal_the_decimal_rule(accounts, pays):
    # payouts to 100,000,000.00 on amounts to 10,000,000.0000: products past 2^63 take Python integers
    rows = [(f"A{i:03d}", csm, up, renewable, renewed) for i, (csm, up, renewable, renewed) in enumerate(accounts)]
    rows.reverse()   # the book's order is not the account order
    payouts = {(csm, component): pays[i * 2 + j] for i, csm in enumerate(["C1", "C2", "C3"])
               for j, component in enumerate(["upsell", "churn"])}
    table = book(rows).table
    with exact():
        for component in PLAN.components:
            fast = _shares_vectorised(component, PLAN, table, payouts)
            assert fast is not None
            reference = shares_decimal(component, PLAN, table, payouts)
            assert as_rows(fast) == as_rows(reference)
            for csm in ("C1", "C2", "C3"):   # a CSM's shares add up to the payout exactly
                mine = [share for _, owner, _, share in as_rows(fast) if owner == csm]
                assert not mine or sum(mine, D(0)) == payouts[(csm, component.id)]


def test_amounts_too_large_for_integers_use_the_decimal_rule():
    # 10^15 x 10^4 units overflows the 2^62 bound: the Decimal rule runs, the same numbers
    # (2 accounts of 10^15 and 3 x 10^15, paid 1,000.00: 250.00 and 750.00)
    huge = pa.decimal128(38, 4)
    table = pa.table({"account_id": ["X", "Y"], "csm_id": ["C1", "C1"],
                      "upsell_arr": pa.array([D(10**15), D(3 * 10**15)], huge),
                      "renewable_arr": pa.array([None, None], huge), "renewed_arr": pa.array([None, None], huge)})
    payouts = {("C1", "upsell"): D("1000.00")}
    with exact():
        assert _shares_vectorised(PLAN.components[0], PLAN, table, payouts) is None
        [block, _] = shares_of(PLAN, Book(table, None, tuple(table.column_names)), payouts)  # type: ignore[arg-type]
    assert as_rows(block) == [("X", "C1", D("1000000000000000.0000"), D("250.00")),
                              ("Y", "C1", D("3000000000000000.0000"), D("750.00"))]


def test_payouts_past_cents_and_unpaid_csms():
    rows = [("A", "C1", D(1), D(5), D(4)), ("B", "C2", D(3), D(5), D(1)), ("C", "C3", D(2), D(2), D(1))]
    table = book(rows).table
    with exact():
        # a payout with more places than cents is not the integer rule's: None, and shares_of takes the Decimal rule
        assert _shares_vectorised(PLAN.components[0], PLAN, table, {("C1", "upsell"): D("10.005")}) is None
        # C2 is not paid at all and C3 is paid 0: only C1's account A gets a share (all of C1's 10.00); the
        # book's owners encoded once serve the second component too (churn: C3 is paid 3.00 on C's 2 - 1 = 1)
        encodings: list[pa.DictionaryArray] = []
        payouts = {("C1", "upsell"): D("10.00"), ("C3", "upsell"): D("0.00"), ("C3", "churn"): D("3.00")}
        upsell = _shares_vectorised(PLAN.components[0], PLAN, table, payouts, encodings)
        churn = _shares_vectorised(PLAN.components[1], PLAN, table, payouts, encodings)
        assert len(encodings) == 1 and upsell is not None and churn is not None
        assert as_rows(upsell) == [("A", "C1", D("1.0000"), D("10.00"))]
        assert as_rows(churn) == [("C", "C3", D("1.0000"), D("3.00"))]
        assert as_rows(churn) == as_rows(shares_decimal(PLAN.components[1], PLAN, table, payouts))
