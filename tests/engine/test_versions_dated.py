"""Plan versions together with roster changes, account moves and credit splits (SPEC section 10), worked by hand.

The split of tests/engine/test_versions.py: 2027-Q1 (90 days) cut on 2027-02-15 into 2027-01-01 - 2027-02-14 (45
days, v1: renewal weight 1, upsell 5% flat) and 2027-02-15 - 2027-03-31 (45 days, v2: renewal weight 0.8, upsell
6% up to its quota, 10% above; the quota here is the roster's quota_upsell, 90,000). GRR is 0.9 on the 0.9
target for every account: a bonus pays its TI, target_variable x weight x days employed in the part / 360.
Accounts: a1 (A, 20,000 upsell, booked Jan 20), a2 (A, 60,000, Mar 1), a3 (A, 18,000, no booked_on), b1 (B,
10,000, Feb 14). Without changes, moves or splits: A 15,550.00 and B 5,500.00.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.test_versions import ACCOUNTS, V1
from xlcomp.engine.versions import run_versions
from xlcomp.load.changes import load_changes
from xlcomp.load.inputs import load_inputs
from xlcomp.load.moves import load_moves
from xlcomp.load.plan_versions import load_plan_versions, union_plan
from xlcomp.load.splits import load_splits
from xlcomp.model.credit import Credits
from xlcomp.model.period import parse_period

V2 = textwrap.dedent("""
    id: versioned
    period: quarter
    effective: 2027-02-15
    components:
      - {id: renewal, kind: bonus, metric: gross_renewal_rate, weight: 0.8, target: 0.9,
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}}
      - {id: upsell, kind: commission, metric: upsell_arr, quota: {column: quota_upsell},
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 0.06}, {rate: 0.10}]}}
""")
ROSTER = pd.DataFrame({"csm_id": ["A", "B"], "name": ["Ann", "Bo"], "segment": "SMB", "base_salary": 100000,
                       "target_variable": [40000, 36000], "start_date": ["2020-01-01", "2027-02-01"],
                       "quota_upsell": 90000})
PERIOD = parse_period("2027-Q1")


def _frame(columns: list[str], *rows: tuple[object, ...]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=columns).astype(str)


def _run(tmp_path: Path, changes: tuple = (), moves: tuple = (), splits: tuple = (), spif: str = "",
         effective: str = "2027-02-15", booked: bool = True):
    paths = []
    for index, text in enumerate((V1 + spif, V2.replace("2027-02-15", effective) + spif), start=1):
        path = tmp_path / f"plan-{index}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    versions = load_plan_versions(paths)
    plan = union_plan(versions)
    accounts = pd.DataFrame(ACCOUNTS, columns=["account_id", "csm_id", "upsell_arr", "booked_on"])
    accounts["arr_start"], accounts["renewable_arr"], accounts["renewed_arr"] = 100000, 10000, 9000
    if not booked:
        accounts = accounts.drop(columns=["booked_on"])
    roster, book = load_inputs(plan, ROSTER, accounts)
    dated = load_changes(_frame(["csm_id", "field", "value", "effective"], *changes), roster, PERIOD, plan) \
        if changes else None
    credits = None
    if moves or splits:
        loaded = load_moves(_frame(["account_id", "to_csm", "effective"], *moves), roster, book, PERIOD) \
            if moves else None
        credits = Credits(loaded, load_splits(_frame(["account_id", "csm_id", "share"], *splits), roster, book,
                                              loaded) if splits else None)
    return run_versions(versions, roster, book, PERIOD, changes=dated, credits=credits)


def _lines(result, csm_id: str) -> dict:
    return {c.component.id: c for c in result.csm(csm_id).components}


def test_roster_changes_are_read_per_part(tmp_path: Path) -> None:
    result = _run(tmp_path, changes=(("A", "target_variable", 52000, "2027-03-01"),
                                     ("A", "quota_upsell", 126000, "2027-03-01"),
                                     ("B", "target_variable", 48000, "2027-02-01")))
    a, b = _lines(result, "A"), _lines(result, "B")
    # A's renewal, part 1 (no change inside it): 40,000 x 1 x 45 / 360 = 5,000.00
    assert a["renewal@2027-01-01"].payout == D("5000.00")
    # part 2: (40,000 x 14 days (Feb 15-28) + 52,000 x 31 days (March)) = 560,000 + 1,612,000 = 2,172,000;
    # x 0.8 / 360 = 4,826.666... -> 4,826.67
    assert a["renewal@2027-02-15"].target_incentive == D(1737600) / 360   # 2,172,000 x 0.8 / 360
    assert a["renewal@2027-02-15"].payout == D("4826.67")
    assert [(s.days, s.value) for s in a["renewal@2027-02-15"].trace.part.stretches] == [(14, 40000), (31, 52000)]
    # A's upsell quota in part 2: its day-weighted mean over the part, (90,000 x 14 + 126,000 x 31) / 45 =
    # (1,260,000 + 3,906,000) / 45 = 114,800, then the part's share 114,800 x 45 / 90 = 57,400; 69,000 on it:
    # 57,400 x 6% + 11,600 x 10% = 3,444 + 1,160 = 4,604.00
    assert a["upsell@2027-02-15"].target == D("57400")
    assert a["upsell@2027-02-15"].payout == D("4604.00")
    assert a["upsell@2027-01-01"].payout == D("1450.00")      # unchanged: (20,000 + 9,000) x 5%
    assert result.csm("A").total == D("15880.67")              # 5,000 + 4,826.67 + 1,450 + 4,604
    # B (hired Feb 1) gets 48,000 from Feb 1: part 1 48,000 x 14 x 1 / 360 = 1,866.666... -> 1,866.67;
    # part 2 (the change, before it, holds all through): 48,000 x 45 x 0.8 / 360 = 4,800.00
    assert b["renewal@2027-01-01"].payout == D("1866.67")
    assert b["renewal@2027-02-15"].payout == D("4800.00")
    assert result.csm("B").total == D("7166.67")               # 1,866.67 + 4,800 + 500 + 0


def test_account_moves_credit_each_part(tmp_path: Path) -> None:
    # a2 (booked Mar 1) moves to B on Feb 20: B owns it on its booked day, so B's part 2 gets its 60,000.
    # a3 (no booked_on, 18,000) moves to B on Feb 1: part 1 A owned it 31 days (Jan), B 14 (Feb 1-14):
    # A 18,000 x 31 / 90 = 6,200, B 18,000 x 14 / 90 = 2,800; part 2 B all 45 days: 18,000 x 45 / 90 = 9,000
    result = _run(tmp_path, moves=(("a2", "B", "2027-02-20"), ("a3", "B", "2027-02-01")))
    a, b = _lines(result, "A"), _lines(result, "B")
    assert a["upsell@2027-01-01"].actual == D("26200")         # 20,000 + 6,200
    assert a["upsell@2027-01-01"].payout == D("1310.00")       # x 5%
    assert b["upsell@2027-01-01"].actual == D("12800")         # 10,000 + 2,800
    assert b["upsell@2027-01-01"].payout == D("640.00")
    assert a["upsell@2027-02-15"].payout == D("0.00")
    assert b["upsell@2027-02-15"].actual == D("69000")         # 60,000 + 9,000
    # on the quota's part 90,000 x 45 / 90 = 45,000: 45,000 x 6% + 24,000 x 10% = 5,100.00
    assert b["upsell@2027-02-15"].payout == D("5100.00")
    # the renewal bonuses read the whole period's (credited) GRR, 0.9 on every account: as without moves
    assert a["renewal@2027-01-01"].payout + a["renewal@2027-02-15"].payout == D("9000.00")
    assert result.csm("A").total == D("10310.00")              # 5,000 + 4,000 + 1,310 + 0
    assert result.csm("B").total == D("10740.00")              # 1,400 + 3,600 + 640 + 5,100
    assert len(result.credit_rows) == 6                        # per account: -1 for A, A before, B after


def test_credit_splits_apply_to_every_part(tmp_path: Path) -> None:
    # a3 (18,000, no booked_on) split A 0.25 / B 0.75: A 4,500 and B 13,500, each day-weighted 45 / 90 a part
    result = _run(tmp_path, splits=(("a3", "A", "0.25"), ("a3", "B", "0.75")))
    a, b = _lines(result, "A"), _lines(result, "B")
    # part 1: A 20,000 + 2,250 = 22,250 x 5% = 1,112.50; B 10,000 + 6,750 = 16,750 x 5% = 837.50
    assert a["upsell@2027-01-01"].payout == D("1112.50")
    assert b["upsell@2027-01-01"].payout == D("837.50")
    # part 2: A 60,000 + 2,250 = 62,250 on 45,000: 2,700 + 17,250 x 10% = 4,425.00; B 6,750 x 6% = 405.00
    assert a["upsell@2027-02-15"].payout == D("4425.00")
    assert b["upsell@2027-02-15"].payout == D("405.00")
    assert result.csm("A").total == D("14537.50")              # 5,000 + 4,000 + 1,112.50 + 4,425
    assert result.csm("B").total == D("6242.50")               # 1,400 + 3,600 + 837.50 + 405


def test_a_split_of_a_booked_account_goes_to_the_part_it_was_booked_in(tmp_path: Path) -> None:
    # a2 (60,000, booked Mar 1, part 2) split A 0.5 / B 0.5: part 2 A 30,000 + 9,000 = 39,000 on 45,000:
    # 39,000 x 6% = 2,340.00; B 30,000 x 6% = 1,800.00; part 1 as without the split
    result = _run(tmp_path, splits=(("a2", "A", "0.5"), ("a2", "B", "0.5")))
    a, b = _lines(result, "A"), _lines(result, "B")
    assert (a["upsell@2027-01-01"].payout, a["upsell@2027-02-15"].payout) == (D("1450.00"), D("2340.00"))
    assert (b["upsell@2027-01-01"].payout, b["upsell@2027-02-15"].payout) == (D("500.00"), D("1800.00"))


def test_changes_and_moves_together(tmp_path: Path) -> None:
    result = _run(tmp_path, changes=(("A", "target_variable", 52000, "2027-03-01"),),
                  moves=(("a2", "B", "2027-02-20"), ("a3", "B", "2027-02-01")))
    # the renewal of the changes test (4,826.67) and the upsell of the moves test
    assert result.csm("A").total == D("11136.67")              # 5,000 + 4,826.67 + 1,310 + 0
    assert result.csm("B").total == D("10740.00")


UNDATED = {"changes": (("A", "quota_upsell", 126000, "2027-03-01"),), "moves": (("a2", "B", "2027-02-20"),
           ("a3", "B", "2027-02-01")), "splits": (("b1", "A", "0.5"), ("b1", "B", "0.5")), "booked": False}


def test_without_booked_on_every_amount_is_credited_by_days_owned_in_each_part(tmp_path: Path) -> None:
    result = _run(tmp_path, **UNDATED)
    a, b = _lines(result, "A"), _lines(result, "B")
    # part 1 (45 days): A a1 20,000 x 45/90 = 10,000; a2 (A's all part 1) 60,000 x 45/90 = 30,000; a3 (A's Jan:
    # 31 days) 18,000 x 31/90 = 6,200; half of b1 5,000 x 45/90 = 2,500: 48,700 x 5% = 2,435.00
    assert a["upsell@2027-01-01"].actual == D("48700")
    assert a["upsell@2027-01-01"].payout == D("2435.00")
    # B: a3 14 days 2,800 + 2,500 = 5,300 x 5% = 265.00
    assert b["upsell@2027-01-01"].payout == D("265.00")
    # part 2: A a1 10,000 + a2 (A's Feb 15-19: 5 days) 60,000 x 5/90 = 3,333.333333 + 2,500 = 15,833.333333 on
    # its quota 57,400 (114,800 x 45/90): x 6% = 949.99999998 -> 950.00
    assert a["upsell@2027-02-15"].actual == D("15833.333333")
    assert a["upsell@2027-02-15"].payout == D("950.00")
    # B: a2 40 days 26,666.666667 + a3 9,000 + 2,500 = 38,166.666667 on 45,000: x 6% = 2,290.00
    assert b["upsell@2027-02-15"].actual == D("38166.666667")
    assert b["upsell@2027-02-15"].payout == D("2290.00")
    assert result.csm("A").total == D("12385.00")              # 5,000 + 4,000 + 2,435 + 950
    assert result.csm("B").total == D("7555.00")               # 1,400 + 3,600 + 265 + 2,290


SPIF = ("  - {id: feb_spif, kind: commission, metric: upsell_arr, rate: 0.1,\n"
        "     window: {from: 2027-01-15, to: 2027-03-05}}\n")


def test_a_spif_in_both_parts_with_moves(tmp_path: Path) -> None:
    # the SPIF (10% on upsell booked Jan 15 - Mar 5, in both versions) counts per part the accounts booked in
    # both the window and the part, credited to their owner on the booked day: part 1 A a1 20,000 (Jan 20)
    # x 10% = 2,000.00, B b1 10,000 (Feb 14) = 1,000.00; part 2 a2 60,000 (Mar 1), B's since Feb 20: B 6,000.00
    result = _run(tmp_path, moves=(("a2", "B", "2027-02-20"), ("a3", "B", "2027-02-01")), spif=SPIF)
    a, b = _lines(result, "A"), _lines(result, "B")
    assert (a["feb_spif@2027-01-01"].payout, a["feb_spif@2027-02-15"].payout) == (D("2000.00"), D("0.00"))
    assert (b["feb_spif@2027-01-01"].payout, b["feb_spif@2027-02-15"].payout) == (D("1000.00"), D("6000.00"))
    assert result.csm("A").total == D("12310.00")              # 10,310 (the moves test) + 2,000
    assert result.csm("B").total == D("17740.00")              # 10,740 + 1,000 + 6,000


DAYS = st.integers(min_value=1, max_value=89).map(lambda n: date(2027, 1, 1) + timedelta(days=n))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(split=DAYS, moves=st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3", "b1"]), st.sampled_from("AB"),
                                            DAYS), max_size=4, unique_by=lambda m: (m[0], m[2])))
def test_moves_in_a_split_period_credit_every_amount_once(tmp_path: Path, split: date, moves: list) -> None:
    """Whatever the version's day and the moves, the parts' upsell amounts of all CSMs add up to the book's
    108,000: a booked amount lands in one part with one owner, an undated one is shared by days owned in each
    part (each CSM's part share rounded to 6 places: at most 0.0000005 off per CSM and part)."""
    result = _run(tmp_path, moves=tuple((a, to, day.isoformat()) for a, to, day in moves),
                  effective=split.isoformat())
    total = sum((c.actual for r in result.csms for c in r.components if c.component.metric == "upsell_arr"),
                D(0))
    assert abs(total - 108000) <= D("0.000001") * 2
