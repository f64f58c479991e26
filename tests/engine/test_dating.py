"""Roster changes inside a period (SPEC section 10), worked by hand.

Quarter 2027-Q1 has 90 days: January 31, February 28, March 31. The plan pays a bonus of weight 1 on
gross renewal rate against 0.9 (share 1 at 100%: GRR 0.9 pays exactly TI) and 5% / 8% commission on
upsell ARR against the roster's quota_upsell.
"""

from __future__ import annotations

import tempfile
import textwrap
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.engine.run import run
from xlcomp.errors import InputError
from xlcomp.load.changes import load_changes
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period

PLAN = textwrap.dedent("""
    id: dated
    name: Dated
    currency: USD
    period: quarter
    archetype: adoption_renewal
    components:
      - id: renewal
        kind: bonus
        metric: gross_renewal_rate
        weight: 1
        target: 0.9
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}
      - id: upsell
        kind: commission
        metric: upsell_arr
        quota: {column: quota_upsell}
        curve: {mode: marginal, tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]}
""")

ROSTER = pd.DataFrame({
    "csm_id": ["A", "B"], "name": ["Ann", "Bo"], "segment": ["SMB", "SMB"], "role": ["CSM", "CSM"],
    "base_salary": [100000, 100000], "target_variable": [40000, 40000],
    "start_date": ["2020-01-01", "2027-02-01"], "end_date": ["", ""], "manager": ["M", "M"],
    "quota_upsell": [100000, 100000],
})
ACCOUNTS = pd.DataFrame({
    "account_id": ["a1", "b1"], "csm_id": ["A", "B"], "segment": ["SMB", "SMB"], "arr_start": [100000, 100000],
    "renewable_arr": [100000, 100000], "renewed_arr": [90000, 90000], "upsell_arr": [150000, 0],
})
PERIOD = parse_period("2027-Q1")


def _run(changes: Path | None):
    plan = parse_plan(PLAN)
    roster, book = load_inputs(plan, ROSTER, ACCOUNTS)
    dated = None if changes is None else load_changes(changes, roster, PERIOD, plan)
    return run(plan, roster, book, PERIOD, changes=dated)


def _changes(*rows: tuple[str, str, object, str]) -> Path:
    """The rows as a changes.csv (so problems name ``changes.csv:LINE``)."""
    folder = Path(tempfile.mkdtemp(prefix="xlcomp-changes-"))
    path = folder / "changes.csv"
    pd.DataFrame(rows, columns=["csm_id", "field", "value", "effective"]).to_csv(path, index=False)
    return path


def test_a_mid_quarter_target_change_sums_ti_over_the_two_stretches() -> None:
    before = _run(None).csm("A").component("renewal")
    assert before.target_incentive == D(10000)  # 40,000 / 4
    result = _run(_changes(("A", "target_variable", 52000, "2027-02-15")))
    renewal = result.csm("A").component("renewal")
    # Jan 1 - Feb 14: 45 days at 40,000; Feb 15 - Mar 31: 45 days at 52,000
    # TI = (40,000 x 45 + 52,000 x 45) / (90 x 4) = 4,140,000 / 360 = 11,500
    assert renewal.target_incentive == D(11500)
    assert renewal.payout == D("11500.00")
    rows = result.csm("A").stretches["target_variable"]
    assert [(r.days, r.value) for r in rows] == [(45, D(40000)), (45, D(52000))]
    # B has no change: one real stretch and a padding row; hired Feb 1: 59 days employed
    rows_b = result.csm("B").stretches["target_variable"]
    assert [r.days for r in rows_b] == [59, 0]
    assert result.csm("B").component("renewal").payout == D("6555.56")  # 40,000 x 59 / 360 = 6,555.555...


def test_a_hire_after_a_change_gets_ti_only_for_days_employed() -> None:
    result = _run(_changes(("B", "target_variable", 58000, "2027-03-01")))
    # B employed Feb 1: Feb 1 - Feb 28 at 40,000 (28 days), Mar 1 - 31 at 58,000 (31 days)
    # TI = (1,120,000 + 1,798,000) / 360 = 8,105.555... -> 8,105.56
    assert result.csm("B").component("renewal").payout == D("8105.56")


def test_a_quota_change_is_its_day_weighted_mean() -> None:
    result = _run(_changes(("A", "quota_upsell", 130000, "2027-03-01")))
    upsell = result.csm("A").component("upsell")
    # (100,000 x 59 + 130,000 x 31) / 90 = 110,333.333333 (6 places)
    assert upsell.target == D("110333.333333")
    # 110,333.333333 x 5% + (150,000 - 110,333.333333) x 8% = 5,516.66666665 + 3,173.33333336
    assert upsell.payout == D("8690.00")


def test_a_change_before_the_period_applies_from_its_start_and_one_after_it_is_ignored() -> None:
    plan = parse_plan(PLAN)
    roster, _ = load_inputs(plan, ROSTER, ACCOUNTS)
    changes = load_changes(_changes(("A", "target_variable", 48000, "2026-12-01"),
                                    ("A", "target_variable", 99000, "2027-04-01")), roster, PERIOD, plan)
    assert len(changes) == 1
    assert changes.notes == ("changes.csv:2: A target_variable effective 2026-12-01, before 2027-Q1: applied from "
                             "2027-01-01",
                             "changes.csv:3: A target_variable effective 2027-04-01, after 2027-Q1: ignored")
    result = _run(_changes(("A", "target_variable", 48000, "2026-12-01")))
    assert result.csm("A").component("renewal").payout == D("12000.00")


def test_without_changes_the_run_is_unchanged_and_with_empty_changes_too() -> None:
    plain = _run(None)
    dated = _run(_changes(("B", "manager", "N", "2027-02-01")))
    assert [c.payout for r in plain for c in r.components] == [c.payout for r in dated for c in r.components]


def test_bad_changes_name_their_row_and_column() -> None:
    with pytest.raises(InputError) as caught:
        _run(_changes(("Z", "target_variable", 1, "2027-02-01"),
                      ("A", "bonus_pool", 1, "2027-02-01"),
                      ("A", "target_variable", "lots", "2027-02-01"),
                      ("A", "target_variable", 50000, "15/02/2027"),
                      ("A", "segment", "Galactic", "2027-02-01"),
                      ("A", "quota_upsell", 120000, "2027-02-10"),
                      ("A", "quota_upsell", 125000, "2027-02-10")))
    text = str(caught.value)
    assert 'changes.csv:2 csm_id: "Z" is not a CSM of the roster' in text
    assert ('changes.csv:3 field: "bonus_pool" cannot change: use one of target_variable, base_salary, '
            'segment, manager, quota_upsell') in text
    assert "changes.csv:4 value:" in text
    assert 'changes.csv:5 effective: "15/02/2027" is not a date (use YYYY-MM-DD)' in text
    assert 'changes.csv:6 value: "Galactic" is not a segment' in text
    assert ("changes.csv:8 effective: A already has a quota_upsell change effective 2027-02-10 "
            "(at changes.csv:7): keep one") in text


def test_load_changes_reads_a_csv(tmp_path: Path) -> None:
    path = tmp_path / "changes.csv"
    path.write_text("csm_id,field,value,effective\nA,target_variable,52000,2027-02-15\n")
    plan = parse_plan(PLAN)
    roster, _ = load_inputs(plan, ROSTER, ACCOUNTS)
    changes = load_changes(path, roster, PERIOD, plan)
    assert changes.rows[0].value == D(52000) and changes.rows[0].effective.isoformat() == "2027-02-15"


def test_the_roi_scenarios_rerun_with_the_changes() -> None:
    from xlcomp.roi.scenarios import run_scenarios

    result = _run(_changes(("A", "target_variable", 52000, "2027-02-15")))
    [at_actual] = run_scenarios(result, [D(1)])
    assert at_actual.payout_total == result.total


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["target_variable", "quota_upsell"]),
                          st.integers(-20, 110), st.integers(1, 90_000)), max_size=12))
def test_the_stretch_rows_of_every_csm_are_the_ones_stretch_rows_lays_out(changes) -> None:
    """The engine lays out CSMs without a change, or with one change inside the period, without
    :func:`stretch_rows`: on random changes (before, inside and after the period, several a CSM) every row is
    the model's."""
    import dataclasses
    from datetime import timedelta

    from xlcomp.engine.dating import TARGET_VARIABLE, _rows
    from xlcomp.model.dating import Change, Changes, stretch_count, stretch_rows
    from xlcomp.model.people import Locator

    period = parse_period("2027-Q1")
    roster, _ = load_inputs(parse_plan(PLAN), ROSTER, ACCOUNTS)   # A hired long ago, B on 2027-02-01
    base = [dataclasses.replace(c, csm_id=f"C{i}") for i, c in enumerate(roster.csms * 2)]
    seen = set()
    rows = []
    for csm, name, offset, value in changes:
        day = period.start + timedelta(days=offset)
        if (csm, name, day) not in seen:
            seen.add((csm, name, day))
            rows.append(Change(f"C{csm}", name, D(value), day, len(rows)))
    given_changes = Changes(tuple(rows), Locator("changes.csv"))
    for name in ("target_variable", "quota_upsell"):
        count = stretch_count(given_changes, name, period.start, period.end)
        laid = _rows(name, tuple(base), given_changes, period, count, name == TARGET_VARIABLE)
        sums = laid.value_days()   # each CSM's Σ value x days, its rows made only when asked for
        assert len(sums) == len(base) and len(laid.products) == count * len(base)
        for i, csm in enumerate(base):
            got = laid.of(i)
            assert len(got) == count and sums[i] == sum((r.value_days for r in got), D(0))
            initial = csm.target_variable if name == TARGET_VARIABLE else (csm.value(name) or D(0))
            want = stretch_rows(given_changes.of(csm.csm_id, name), initial, period.start, period.end, count)
            assert [(r.start, r.end, r.value) for r in got] == [(w.start, w.end, w.value) for w in want]
            assert [r.days for r in got] == [max(0, (r.end - max(r.start, csm.start_date)).days + 1)
                                             if name == TARGET_VARIABLE else max(0, (r.end - r.start).days + 1)
                                             for r in got]
            assert [r.value_days for r in got] == [r.value * r.days for r in got]
