"""Plan versions (SPEC section 10), worked by hand.

2027-Q1 has 90 days. v1 (no effective date) pays a renewal bonus of weight 1 and 5% flat on upsell ARR; v2,
effective 2027-02-15, weighs renewal 0.8 and pays upsell on a 90,000 quota (6% up to it, 10% above). The quarter
splits into 2027-01-01 - 2027-02-14 (45 days, v1) and 2027-02-15 - 2027-03-31 (45 days, v2). Every CSM's GRR is
0.9 on the 0.9 target: share 1, so a bonus pays its TI, target_variable x weight x days employed in the part / 360.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcomp.engine.versions import run_versions
from xlcomp.errors import PlanError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan_versions import load_plan_versions
from xlcomp.model.period import parse_period

V1 = textwrap.dedent("""
    id: versioned
    period: quarter
    components:
      - {id: renewal, kind: bonus, metric: gross_renewal_rate, weight: 1, target: 0.9,
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}}
      - {id: upsell, kind: commission, metric: upsell_arr, rate: 0.05}
""")
V2 = textwrap.dedent("""
    id: versioned
    period: quarter
    effective: 2027-02-15
    components:
      - {id: renewal, kind: bonus, metric: gross_renewal_rate, weight: 0.8, target: 0.9,
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.0}]}}
      - {id: upsell, kind: commission, metric: upsell_arr, quota: 90000,
         curve: {mode: marginal, tiers: [{upto: 1.0, rate: 0.06}, {rate: 0.10}]}}
""")
ROSTER = pd.DataFrame({"csm_id": ["A", "B"], "name": ["Ann", "Bo"], "segment": "SMB", "base_salary": 100000,
                       "target_variable": [40000, 36000], "start_date": ["2020-01-01", "2027-02-01"]})
# account, csm, upsell_arr, booked_on (renewable 10,000, renewed 9,000 each: GRR 0.9)
ACCOUNTS = [("a1", "A", 20000, "2027-01-20"), ("a2", "A", 60000, "2027-03-01"), ("a3", "A", 18000, ""),
            ("b1", "B", 10000, "2027-02-14")]


def _plans(tmp_path: Path, *texts: str) -> tuple:
    paths = []
    for index, text in enumerate(texts, start=1):
        path = tmp_path / f"plan-{index}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return load_plan_versions(paths)


def _run(versions: tuple, booked: bool = True):
    accounts = pd.DataFrame(ACCOUNTS, columns=["account_id", "csm_id", "upsell_arr", "booked_on"])
    accounts["arr_start"], accounts["renewable_arr"], accounts["renewed_arr"] = 100000, 10000, 9000
    if not booked:
        accounts = accounts.drop(columns=["booked_on"])
    roster, book = load_inputs(versions[-1], ROSTER, accounts)
    return run_versions(versions, roster, book, parse_period("2027-Q1"))


def test_a_version_change_splits_the_period_and_pays_each_part_with_its_version(tmp_path: Path) -> None:
    result = _run(_plans(tmp_path, V2, V1))   # given in any order (V2 is plan-1.yaml): sorted by effective date
    a = {c.component.id: c for c in result.csm("A").components}
    assert list(a) == ["renewal@2027-01-01", "upsell@2027-01-01", "renewal@2027-02-15", "upsell@2027-02-15"]
    # renewal: v1 40,000 x 1 x 45 / 360 = 5,000.00; v2 40,000 x 0.8 x 45 / 360 = 4,000.00
    assert a["renewal@2027-01-01"].payout == D("5000.00")
    assert a["renewal@2027-02-15"].payout == D("4000.00")
    # upsell, part 1: a1 20,000 booked Jan 20 + a3's 18,000 (no date) x 45 / 90 = 9,000 -> 29,000 x 5% = 1,450.00
    assert a["upsell@2027-01-01"].actual == D(29000)
    assert a["upsell@2027-01-01"].payout == D("1450.00")
    # part 2: a2 60,000 (Mar 1) + 9,000 = 69,000 on the quota's part 90,000 x 45 / 90 = 45,000:
    # 45,000 x 6% + 24,000 x 10% = 2,700 + 2,400 = 5,100.00
    assert a["upsell@2027-02-15"].target == D("45000")
    assert a["upsell@2027-02-15"].payout == D("5100.00")
    assert result.csm("A").total == D("15550.00")
    assert a["renewal@2027-02-15"].note == "plan-1.yaml (effective 2027-02-15) pays 2027-02-15 to 2027-03-31 (45 days)"
    # B, hired Feb 1: 14 days employed in part 1, 45 in part 2; b1 booked Feb 14, the last day of part 1
    b = {c.component.id: c for c in result.csm("B").components}
    assert b["renewal@2027-01-01"].payout == D("1400.00")    # 36,000 x 1 x 14 / 360
    assert b["renewal@2027-02-15"].payout == D("3600.00")    # 36,000 x 0.8 x 45 / 360
    assert b["upsell@2027-01-01"].payout == D("500.00")      # 10,000 x 5%
    assert b["upsell@2027-02-15"].payout == D("0.00")
    assert result.csm("B").days == 59 and result.total == D("21050.00")
    assert len(result.parts) == 2


def test_without_booked_on_the_amounts_are_day_weighted(tmp_path: Path) -> None:
    result = _run(_plans(tmp_path, V1, V2), booked=False)
    a = {c.component.id: c for c in result.csm("A").components}
    # A's 98,000 of upsell, 45 / 90 in each part: 49,000. Part 1: 2,450.00; part 2 on 45,000: 2,700 + 4,000 x 10%
    assert a["upsell@2027-01-01"].payout == D("2450.00")
    assert a["upsell@2027-02-15"].payout == D("3100.00")


def test_one_version_in_force_all_period_is_the_ordinary_run(tmp_path: Path) -> None:
    late = V2.replace("effective: 2027-02-15", "effective: 2027-04-01")
    result = _run(_plans(tmp_path, V1, late))
    assert [c.component.id for c in result.csm("A").components] == ["renewal", "upsell"]
    assert result.parts == ()
    assert result.csm("A").component("renewal").payout == D("10000.00")   # 40,000 x 1 x 90 / 360


def test_versions_that_do_not_belong_together_are_plan_errors(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        _plans(tmp_path, V1, V1.replace("id: versioned", "id: other").replace("period: quarter", "period: month"))
    assert [str(p) for p in caught.value.problems] == [
        'plan-2.yaml id: "other" is not "versioned" (in plan-1.yaml): plan versions share one id',
        "plan-2.yaml period: month is not quarter (in plan-1.yaml): plan versions pay per the same period",
        "plan-2.yaml effective: is required: plan-1.yaml has no effective date either (only the first version may "
        "go without one)"]
    with pytest.raises(PlanError) as caught:
        _run(_plans(tmp_path, V2, V2.replace("weight: 0.8", "weight: 0.7").replace("2027-02-15", "2027-03-01")))
    assert "no plan version is in force on 2027-01-01, the first day of 2027-Q1" in str(caught.value)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.integers(1, 89), st.booleans())
def test_a_version_identical_to_the_last_pays_what_the_unsplit_period_pays(tmp_path_factory, day, booked) -> None:
    """Split at any day by a copy of v1: each part's bonus pays its days' TI and its flat commission its
    amounts, so the parts add up to the unsplit run, but for each part's rounding to the cent."""
    folder = tmp_path_factory.mktemp("same")
    effective = (date(2027, 1, 1) + timedelta(days=day)).isoformat()
    copy = V1.replace("period: quarter", f"period: quarter\neffective: {effective}")
    split = _run(_plans(folder, V1, copy), booked=booked)
    whole = _run(_plans(folder, V1), booked=booked)
    assert len(split.parts) == 2
    for csm in whole:
        parts = split.csm(csm.csm.csm_id)
        assert abs(parts.total - csm.total) <= D("0.02")   # two components, each rounded once more
