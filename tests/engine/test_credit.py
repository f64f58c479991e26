"""Account moves and credit splits (SPEC section 10), worked by hand.

Quarter 2027-Q1 has 90 days (January 31, February 28, March 31). The plan pays 10% commission on
renewed ARR and a bonus on the arr_start-weighted health score. Account a1 (CSM A, 90,000 renewed)
moves to B on January 31, day 31: A owned it 30 days (Jan 1-30), B 60 (Jan 31-Mar 31). Account s1
(CSM C, 100,000 renewed) is split 60/40 between A and B: C, its listed owner, is credited nothing.
"""

from __future__ import annotations

import tempfile
import textwrap
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.engine.metrics import metric_value
from xlcomp.engine.run import run
from xlcomp.errors import InputError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.moves import load_moves
from xlcomp.load.plan import parse_plan
from xlcomp.load.splits import load_splits
from xlcomp.model.credit import Credits
from xlcomp.model.people import Book
from xlcomp.model.period import parse_period
from xlcomp.money import exact

PLAN = textwrap.dedent("""
    id: credit
    name: Credit
    currency: USD
    period: quarter
    archetype: adoption_renewal
    components:
      - id: renewals
        kind: commission
        metric: renewed_arr
        rate: 0.1
      - id: health
        kind: bonus
        metric: health_score
        weight: 1
        target: 100
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}
""")

ROSTER = pd.DataFrame({
    "csm_id": ["A", "B", "C"], "name": ["Ann", "Bo", "Cy"], "segment": ["SMB"] * 3, "role": ["CSM"] * 3,
    "base_salary": [100000] * 3, "target_variable": [40000] * 3, "start_date": ["2020-01-01"] * 3,
    "end_date": [""] * 3, "manager": ["M"] * 3,
})
ACCOUNTS = pd.DataFrame({
    "account_id": ["a1", "a2", "s1"], "csm_id": ["A", "A", "C"], "segment": ["SMB"] * 3,
    "arr_start": [100000, 50000, 200000], "renewable_arr": [100000, 50000, 100000],
    "renewed_arr": [90000, 50000, 100000], "health_score": [80, 60, 90],
})
PERIOD = parse_period("2027-Q1")


def _csv(name: str, columns: list[str], *rows: tuple[object, ...]) -> Path:
    path = Path(tempfile.mkdtemp(prefix="xlcomp-credit-")) / name
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


def moves_csv(*rows: tuple[object, ...]) -> Path:
    return _csv("moves.csv", ["account_id", "to_csm", "effective"], *rows)


def splits_csv(*rows: tuple[object, ...]) -> Path:
    return _csv("splits.csv", ["account_id", "csm_id", "share"], *rows)


def _run(moves: Path | None = None, splits: Path | None = None, book_with=None):
    plan = parse_plan(PLAN)
    roster, book = load_inputs(plan, ROSTER, ACCOUNTS)
    if book_with is not None:
        book = book_with(book)
    loaded_moves = load_moves(moves, roster, book, PERIOD)
    credits = Credits(loaded_moves, load_splits(splits, roster, book, loaded_moves))
    return run(plan, roster, book, PERIOD, credits=credits)


MOVE = ("a1", "B", "2027-01-31")
SPLIT = (("s1", "A", 0.6), ("s1", "B", 0.4))


def test_without_moves_each_csm_is_credited_its_own_accounts() -> None:
    result = _run()
    # A: 90,000 + 50,000 = 140,000 x 10% = 14,000; C: 100,000 x 10% = 10,000
    assert [result.csm(c).component("renewals").payout for c in "ABC"] == [D("14000.00"), D(0), D("10000.00")]
    assert result.credit_rows == ()


def test_a_move_on_day_31_credits_30_and_60_days_of_90() -> None:
    result = _run(moves_csv(MOVE))
    a, b = result.csm("A"), result.csm("B")
    # A: 90,000 x 30/90 + 50,000 = 30,000 + 50,000 = 80,000 renewed; x 10% = 8,000.00
    assert a.component("renewals").actual == D(80000)
    assert a.component("renewals").payout == D("8000.00")
    # B: 90,000 x 60/90 = 60,000; x 10% = 6,000.00
    assert b.component("renewals").actual == D(60000)
    assert b.component("renewals").payout == D("6000.00")
    # counts by days: A has 1 + 30/90 accounts, B 60/90
    with exact():
        assert a.sums.accounts == D(1) + D(30) / D(90)
        assert b.sums.accounts == D(60) / D(90)
    rows = [(r.csm_id, r.kind, r.count_num, r.den, r.first, r.last, r.since) for r in result.credit_rows]
    assert rows == [("A", "owner", D(-1), 1, None, None, None),
                    ("A", "move", D(30), 90, date(2027, 1, 1), date(2027, 1, 30), None),
                    ("B", "move", D(60), 90, date(2027, 1, 31), date(2027, 3, 31), date(2027, 1, 31))]


def test_a_move_moves_the_weights_of_means_by_days() -> None:
    result = _run(moves_csv(MOVE))
    plan = result.plan
    # B's health: only a1's 100,000 arr_start x 60/90 weighs, at score 80 -> 80
    b = metric_value("health_score", result.csm("B").sums, None, plan)
    with exact():
        assert round(b.value, 30) == D(80)
    # A: (100,000 x 30/90 x 80 + 50,000 x 60) / (100,000 x 30/90 + 50,000)
    #  = (2,666,666.67 + 3,000,000) / 83,333.33 = 17,000,000 / 250,000 = 68
    a = metric_value("health_score", result.csm("A").sums, None, plan)
    with exact():
        assert round(a.value, 30) == D(68)
    # health bonus: TI 40,000 / 4 = 10,000; attainment 68 / 100 = 0.68 -> 6,800.00
    assert result.csm("A").component("health").payout == D("6800.00")


def test_a_60_40_split_credits_only_the_listed_csms() -> None:
    result = _run(splits=splits_csv(*SPLIT))
    # A: 140,000 + 100,000 x 0.6 = 200,000 x 10% = 20,000.00; B: 40,000 x 10% = 4,000.00; C: 0
    assert [result.csm(c).component("renewals").payout for c in "ABC"] == [
        D("20000.00"), D("4000.00"), D("0.00")]
    assert result.csm("C").sums.accounts == 0
    assert result.csm("A").sums.accounts == D("2.6")
    # B's health: 200,000 x 0.4 weighs at 90 -> 90; bonus 10,000 x 0.9 = 9,000.00
    assert result.csm("B").component("health").payout == D("9000.00")
    # A's health: (100,000 x 80 + 50,000 x 60 + 200,000 x 0.6 x 90) / (100,000 + 50,000 + 120,000)
    #  = 21,800,000 / 270,000 = 80.7407...; attainment ROUND(0.807407.., 6) = 0.807407 -> 8,074.07
    assert result.csm("A").component("health").payout == D("8074.07")
    assert result.total == D("20000.00") + D("4000.00") + D("8074.07") + D("9000.00")


def test_move_and_split_together_and_the_total_keeps_every_dollar() -> None:
    result = _run(moves_csv(MOVE), splits_csv(*SPLIT))
    # A: 30,000 + 50,000 + 60,000 = 140,000 -> 14,000; B: 60,000 + 40,000 = 100,000 -> 10,000; C: 0
    assert [result.csm(c).component("renewals").payout for c in "ABC"] == [
        D("14000.00"), D("10000.00"), D("0.00")]


def test_booked_on_gives_the_amounts_to_the_owner_on_that_day() -> None:
    def booked(book: Book) -> Book:
        days = pa.array([date(2027, 2, 10), None, None], pa.date32())
        return Book(book.table.append_column("booked_on", days), book.locator, book.columns)

    result = _run(moves_csv(MOVE), book_with=booked)
    # a1 was booked on Feb 10, when B owned it: B gets all 90,000 (9,000.00), A only a2's 50,000 (5,000.00)
    assert result.csm("B").component("renewals").payout == D("9000.00")
    assert result.csm("A").component("renewals").payout == D("5000.00")
    with exact():   # counts still by days
        assert result.csm("B").sums.accounts == D(60) / D(90)


def test_a_move_before_the_period_applies_from_its_start_one_after_is_ignored() -> None:
    result = _run(moves_csv(("a1", "B", "2026-12-01"), ("a2", "C", "2027-04-01")))
    # a1 wholly B's (90,000 -> 9,000.00); a2 stays A's (50,000 -> 5,000.00)
    assert result.csm("B").component("renewals").payout == D("9000.00")
    assert result.csm("A").component("renewals").payout == D("5000.00")
    assert result.credits is not None
    notes = result.credits.notes
    assert notes == ("moves.csv:2: a1 moves to B effective 2026-12-01, before 2027-Q1: applied from 2027-01-01",
                     "moves.csv:3: a2 moves to C effective 2027-04-01, after 2027-Q1: ignored")


def test_two_moves_of_one_account_cut_three_stretches() -> None:
    result = _run(moves_csv(("a1", "B", "2027-01-31"), ("a1", "C", "2027-03-01")))
    # A Jan 1-30 (30 days) 30,000; B Jan 31-Feb 28 (29 days) 29,000; C Mar 1-31 (31 days) 31,000
    assert result.csm("B").component("renewals").actual == D(29000)
    assert result.csm("C").component("renewals").actual == D(100000) + D(31000)


def test_splits_not_summing_to_one_warn() -> None:
    over = _run(splits=splits_csv(("s1", "A", 0.6), ("s1", "B", 0.6)))
    assert over.credits is not None
    assert over.credits.notes == ("splits.csv:2: the shares of s1 sum to 1.2, above 1: an overlay (credited more "
                                  "than once)",)
    # A 140,000 + 60,000; B 60,000: 120% of s1 credited
    assert over.csm("B").component("renewals").actual == D(60000)
    under = _run(splits=splits_csv(("s1", "A", "50%")))
    assert under.credits is not None
    assert under.credits.notes == ("splits.csv:2: the shares of s1 sum to 0.5, below 1: 0.5 of it is credited to "
                                   "no one",)
    assert under.total == D("19000.00") + under.csm("A").component("health").payout


@pytest.mark.parametrize(("moves", "splits", "message"), [
    ([("a1", "Z", "2027-01-31")], None, 'moves.csv:2 to_csm: "Z" is not a CSM of the roster'),
    ([("zz", "B", "2027-01-31")], None, 'moves.csv:2 account_id: "zz" is not an account of the book'),
    ([("a1", "B", "31/01")], None, 'moves.csv:2 effective: "31/01" is not a date (use YYYY-MM-DD)'),
    # Arrow's date parser rolls it over to March 3; the moves must not
    ([("a1", "B", "2027-02-31")], None, 'moves.csv:2 effective: "2027-02-31" is not a date (use YYYY-MM-DD)'),
    ([MOVE, ("a1", "C", "2027-01-31")], None,
     "moves.csv:3 effective: a1 already moves on 2027-01-31 (at moves.csv:2): keep one"),
    (None, [("s1", "A", "lots")], 'splits.csv:2 share: "lots" is not a number'),
    (None, [("s1", "A", -0.5)], "splits.csv:2 share: -0.5 must be at least 0"),
    (None, [("s1", "A", 0), ("s1", "B", 0)], "splits.csv:2 share: the shares of s1 sum to 0: credit someone, or "
                                              "leave the account out of the splits"),
    (None, [("s1", "Q", 1)], 'splits.csv:2 csm_id: "Q" is not a CSM of the roster'),
    ([MOVE], [("a1", "A", 1)], "splits.csv:2 account_id: a1 is also moved (at moves.csv:2): an account is either "
                               "split or moved, list its owners' shares here"),
])
def test_bad_moves_and_splits_name_file_row_and_column(moves, splits, message) -> None:
    with pytest.raises(InputError) as caught:
        _run(None if moves is None else moves_csv(*moves), None if splits is None else splits_csv(*splits))
    assert message in str(caught.value)


@settings(max_examples=40, deadline=None)
@given(moves=st.lists(st.tuples(st.sampled_from(["a1", "a2", "s1"]), st.sampled_from("ABC"),
                                st.integers(-30, 120)), max_size=8))
def test_moves_always_conserve_every_amount_and_count(moves) -> None:
    """However accounts move (before, inside or after the period, back and forth), the credited sums over all
    CSMs are the book's own totals, and each moved account's shares sum to exactly 1."""
    seen, rows = set(), []
    for account_id, to_csm, day in moves:
        if (account_id, day) not in seen:
            seen.add((account_id, day))
            rows.append((account_id, to_csm, (PERIOD.start + timedelta(days=day)).isoformat()))
    result = _run(moves_csv(*rows) if rows else None)
    with exact():
        total_renewed = sum((r.sums.sum("renewed_arr") for r in result.csms), D(0))
        total_accounts = sum((D(r.sums.accounts) for r in result.csms), D(0))
        # 90,000 + 50,000 + 100,000 renewed; 3 accounts (to 30 places: 1/3 + 2/3 is 0.99.. in 40 digits)
        assert round(total_renewed, 20) == D(240000)
        assert round(total_accounts, 20) == D(3)
        for account_id in {r[0] for r in rows}:
            shares = [r.count_num for r in result.credit_rows if r.account_id == account_id and r.kind == "move"]
            if shares:
                assert sum(shares) == PERIOD.days


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-99_999, 99_999), max_size=40))
def test_whole_share_numerators_written_into_decimal_buffers_are_arrows_own(whole):
    # a move's share numerators (days, -1 for the listed owner) go straight into decimal128 words; Arrow's own
    # conversion of the same numbers is the oracle (from Decimals; from int16, where they fit, as it was done)
    from xlcomp.engine.credit import SHARE_TYPE, _shares

    made = _shares(list(whole))
    made.validate(full=True)
    assert made.equals(pa.array([D(v) for v in whole], SHARE_TYPE))
    assert made.to_pylist() == [D(v) for v in whole]
    small = [v for v in whole if -32_768 <= v <= 32_767]
    assert _shares(small).equals(pa.array(small, pa.int16()).cast(SHARE_TYPE))


def test_share_numerators_with_a_split_share_or_too_wide_go_through_decimals():
    from xlcomp.engine.credit import SHARE_TYPE, _shares

    assert _shares([-1, D("0.6"), D("0.4")]).to_pylist() == [D(-1), D("0.6"), D("0.4")]
    assert _shares([-1, D("0.6")]).type == SHARE_TYPE
    with pytest.raises(pa.ArrowInvalid):   # 100,000 days does not fit decimal(13, 8): refused, not wrapped
        _shares([100_000])
