"""Payouts of the SPEC plan on a three-CSM book, every number worked by hand.

Quarter 2027-Q1 has 90 days. Renewal: TI = target_variable x 0.25 x 0.6 x proration,
a = ROUND(GRR / 0.92, 6), marginal 1.0 to 100%, 3.0 to 110%, 1.0 above, cap 1.5, threshold 0.85,
nps multiplier. Upsell: 5% to quota, 8% above, gated on GRR >= 0.80.
"""

from decimal import Decimal as D
from pathlib import Path

import pytest

from xlcomp import calculate, parse_plan
from xlcomp.errors import UsageError


@pytest.fixture
def result(project: Path):
    return calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")


def test_full_quarter_csm_with_accelerator_multiplier_and_commission(result):
    csm = result.csm("CSM-1")
    assert csm.days == 90 and csm.proration == 1
    renewal = csm.component("renewal")
    # GRR = 95,000 / 100,000 = 0.95; a = ROUND(0.95 / 0.92, 6) = 1.032609
    assert renewal.actual == D("0.95")
    assert renewal.attainment == D("1.032609")
    # share = 1.0 + 3.0 x 0.032609 = 1.097827; nps mean (30 + 50) / 2 = 40 -> band 30 -> x1.05
    assert renewal.share == D("1.097827")
    assert renewal.multiplier == D("1.05")
    assert renewal.target_incentive == D(6000)
    # 6,000 x 1.097827 x 1.05 = 6,916.3101
    assert renewal.payout == D("6916.31")
    upsell = csm.component("upsell")
    # 50,000 x 5% + 20,000 x 8% = 2,500 + 1,600
    assert upsell.actual == D(70000) and upsell.target == D(50000)
    assert upsell.attainment == D("1.4")
    assert upsell.payout == D("4100.00")
    assert upsell.multiplier == 1  # the nps multiplier applies to renewal only
    assert csm.total == D("11016.31")


def test_mid_quarter_hire_with_an_undefined_metric(result):
    csm = result.csm("CSM-2")
    assert csm.days == 45 and csm.proration == D("0.5")
    renewal = csm.component("renewal")
    assert renewal.actual is None and renewal.attainment is None
    assert renewal.payout == 0
    assert "gross_renewal_rate undefined: no renewable ARR in the period" in renewal.note
    assert renewal.target_incentive == D(1500)  # 20,000 x 0.25 x 0.6 x 0.5
    upsell = csm.component("upsell")
    assert upsell.payout == 0  # the gate's metric is undefined
    assert "gate" in upsell.note
    assert csm.total == 0


def test_leaver_below_threshold_and_gate(result):
    csm = result.csm("CSM-3")
    assert csm.days == 31
    renewal = csm.component("renewal")
    # GRR 0.75; a = ROUND(0.75 / 0.92, 6) = 0.815217 < 0.85
    assert renewal.attainment == D("0.815217")
    assert renewal.share == 0 and renewal.payout == 0
    assert "below the threshold" in renewal.note
    upsell = csm.component("upsell")
    assert upsell.payout == 0 and "below the gate" in upsell.note  # commission is not prorated, but gated
    assert result.total == D("11016.31")


def test_payouts_and_summary_dataframes_follow_the_spec_columns(result):
    assert list(result.payouts.columns) == ["csm_id", "component", "kind", "metric", "actual", "target",
                                            "attainment", "share", "target_incentive", "multiplier", "payout",
                                            "note"]
    assert list(result.summary.columns) == ["csm_id", "name", "base_salary", "target_variable", "proration",
                                            "payout_total"]
    assert result.summary["payout_total"].sum() == D("11016.31")


def _single(tmp_path: Path, plan_yaml: str, roster_row: str, *accounts: str, period: str = "2027-Q1"):
    from tests.conftest import ACCOUNTS_HEADER, ROSTER_HEADER, csv_file

    (tmp_path / "p.yaml").write_text(plan_yaml, encoding="utf-8")
    csv_file(tmp_path / "r.csv", ROSTER_HEADER, roster_row)
    csv_file(tmp_path / "a.csv", ACCOUNTS_HEADER, *accounts)
    return calculate(tmp_path / "p.yaml", tmp_path / "r.csv", tmp_path / "a.csv", period)


BASE = """
id: t
period: quarter
components:
  - id: c
    kind: bonus
    metric: gross_renewal_rate
    weight: 1
    target: 0.9
"""


def test_whole_tier_above_an_accelerator_is_capped(tmp_path):
    plan = BASE + """    cap: 1.5
    curve: {mode: whole, tiers: [{upto: 1.0, rate: 1.0}, {upto: 1.1, rate: 3.0}, {rate: 1.0}]}
"""
    # GRR 0.945 -> a = 1.05 -> whole 1.05 x 3.0 = 3.15 -> cap 1.5; TI 40,000/4 = 10,000
    result = _single(tmp_path, plan, "X,Xu,SMB,CSM,1,40000,2020-01-01,,M,1",
                     "A,X,SMB,100000,100000,94500,0,0,0,,,,0,0,0,0,")
    c = result.csm("X").component("c")
    assert c.attainment == D("1.05") and c.share == D("1.5") and c.trace.capped
    assert c.payout == D("15000.00")


def test_steps_curve_pays_the_step(tmp_path):
    plan = BASE + """    curve: {mode: steps, tiers: [{upto: 0.9, rate: 0}, {upto: 1.0, rate: 0.8}, {rate: 1.2}]}
"""
    # GRR 0.85 -> a = ROUND(0.85/0.9, 6) = 0.944444 -> step 0.8; TI 10,000 -> 8,000
    result = _single(tmp_path, plan, "X,Xu,SMB,CSM,1,40000,2020-01-01,,M,1",
                     "A,X,SMB,100000,100000,85000,0,0,0,,,,0,0,0,0,")
    c = result.csm("X").component("c")
    assert c.attainment == D("0.944444") and c.payout == D("8000.00")


def test_commission_flat_rate_rounds_like_excel_not_like_floats(tmp_path):
    plan = """
id: t
period: month
components:
  - {id: up, kind: commission, metric: upsell_arr, rate: 0.5}
  - {id: cross, kind: commission, metric: cross_sell_arr, rate: 0.5, cap_amount: 1}
"""
    # 2.01 x 0.5 = 1.005 -> 1.01 (float round gives 1.0); 5.35 x 0.5 = 2.675 -> cap 1
    result = _single(tmp_path, plan, "X,Xu,SMB,CSM,1,1,2020-01-01,,M,1",
                     "A,X,SMB,100,0,0,2.01,5.35,0,,,,0,0,0,0,", period="2027-03")
    csm = result.csm("X")
    assert csm.component("up").payout == D("1.01")
    assert round(2.01 * 0.5, 2) == 1.0
    assert csm.component("cross").payout == D("1.00") and csm.component("cross").trace.capped


def test_commission_quota_whole_tier_domain_example(tmp_path):
    plan = """
id: t
period: quarter
components:
  - id: nrr
    kind: commission
    metric: expansion_arr
    quota: 300000
    curve: {mode: whole, tiers: [{upto: 1.0, rate: 0.075}, {upto: 1.5, rate: 0.125}, {rate: 0.15}]}
"""
    result = _single(tmp_path, plan, "X,Xu,SMB,CSM,1,1,2020-01-01,,M,1",
                     "A,X,SMB,100,0,0,450000,50000,0,,,,0,0,0,0,")
    c = result.csm("X").component("nrr")
    assert c.attainment == D("1.666667") and c.payout == D("75000.00")


def test_multiplier_takes_the_highest_band_reached_and_one_without_data(tmp_path):
    plan = BASE + """    curve: {mode: marginal, tiers: [{rate: 1.0}]}
multipliers:
  - {metric: nps, bands: [{min: 50, factor: 1.10}, {min: 30, factor: 1.05}]}
  - {metric: health_score, bands: [{min: 90, factor: 2}]}
"""
    result = _single(tmp_path, plan, "X,Xu,SMB,CSM,1,40000,2020-01-01,,M,1",
                     "A,X,SMB,100000,100000,90000,0,0,0,,55,,0,0,0,0,")
    c = result.csm("X").component("c")
    # a = 1.0, TI 10,000, nps 55 -> 1.10, no health data -> 1
    assert c.multiplier == D("1.10") and c.payout == D("11000.00")
    assert [m.factor for m in c.trace.multipliers] == [D("1.10"), D(1)]
    assert "no data" in c.trace.multipliers[1].reason


def test_the_period_must_match_the_plans(tmp_path, project):
    with pytest.raises(UsageError, match="pays per quarter"):
        calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-03")


def test_risk_adjusted_target_moves_with_the_books_risk(tmp_path):
    plan = parse_plan("""
id: t
period: quarter
components:
  - id: c
    kind: bonus
    metric: gross_renewal_rate
    weight: 1
    target: {base: 0.92, risk_adjust: {per_point: 0.001, reference: 50, floor: 0.8, ceiling: 0.97}}
    curve: {mode: marginal, tiers: [{rate: 1.0}]}
""")
    from tests.conftest import ACCOUNTS_HEADER, ROSTER_HEADER, csv_file

    csv_file(tmp_path / "r.csv", ROSTER_HEADER, "X,Xu,SMB,CSM,1,40000,2020-01-01,,M,1")
    # risk weighted by arr_start: (300,000 x 80 + 100,000 x 40) / 400,000 = 70 -> 0.92 - 0.001 x 20 = 0.90
    csv_file(tmp_path / "a.csv", ACCOUNTS_HEADER,
             "A,X,SMB,300000,100000,90000,0,0,0,,,,0,0,0,0,80",
             "B,X,SMB,100000,0,0,0,0,0,,,,0,0,0,0,40")
    result = calculate(plan, tmp_path / "r.csv", tmp_path / "a.csv", "2027-Q1")
    c = result.csm("X").component("c")
    assert c.target == D("0.9") and c.attainment == D(1) and c.payout == D("10000.00")
