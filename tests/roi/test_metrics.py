"""ROI metrics (SPEC section 7) and scenarios, worked by hand on the project in conftest.py."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xlcomp import calculate
from xlcomp.roi.metrics import ROI_METRICS, roi_metrics
from xlcomp.roi.report import roi_csv, scenarios_csv
from xlcomp.roi.scenarios import run_scenarios


@pytest.fixture
def result(roi_project):
    return calculate(roi_project / "plan.yaml", roi_project / "roster.csv", roi_project / "accounts.csv", "2027-Q1")


def test_payouts_behind_the_roi(result):
    # CSM-1: attainment ROUND(0.633333…/0.9, 6) = 0.703704; TI 40,000 x 1/4 = 10,000 -> 7,037.04; upsell 3,000.
    # CSM-2: attainment 1/0.9 = 1.111111, share 1 + 2 x 0.111111 = 1.222222; TI 20,000 x 45/360 = 2,500
    #        -> 3,055.555 -> 3,055.56 (half away from zero); upsell 2,000.
    # CSM-3: GRR undefined -> 0; upsell 500 (not prorated).
    assert [c.total for c in result.csms] == [D("10037.04"), D("5055.56"), D("500.00")]
    assert result.total == D("15592.60")


def test_every_spec_metric_by_hand(result):
    roi = roi_metrics(result)
    assert list(roi) == [m.name for m in ROI_METRICS] == [
        "gross_renewal_rate", "net_revenue_retention", "logo_churn_rate", "base_cost", "variable_cost",
        "cs_team_cost", "support_team_cost", "cs_magic_number", "fte", "arr_per_csm", "variable_share",
        "cost_per_retained_dollar"]
    # whole book: renewable 350,000, renewed 240,000, expansion 55,000 + 10,000, contraction 5,000,
    # churned 110,000, ARR at start 2,100,000, 5 accounts of which A-2 is a churned logo
    assert roi["gross_renewal_rate"] == D(240000) / D(350000)
    assert roi["net_revenue_retention"] == D(2050000) / D(2100000)
    assert roi["logo_churn_rate"] == D("0.2")
    # base: 120,000/4 x 1 + 80,000/4 x 0.5 + 100,000/4 x 0
    assert roi["base_cost"] == D("40000")
    assert roi["variable_cost"] == D("15592.60")
    assert roi["cs_team_cost"] == D("66711.120")        # (40,000 + 15,592.60) x 1.2
    assert roi["support_team_cost"] == D("10000")
    assert roi["cs_magic_number"] == D(305000) / D("76711.120")
    assert roi["fte"] == D("1.5")
    assert roi["arr_per_csm"] == D(1400000)
    assert roi["variable_share"] == D(85000) / D(385000)  # all CSMs of the run, as SPEC section 7 says
    assert roi["cost_per_retained_dollar"] == D("15592.60") / D(305000)


def test_roi_csv_money_2_ratios_6_decimals(result):
    assert roi_csv(roi_metrics(result)) == (
        "metric,value\n"
        "gross_renewal_rate,0.685714\n"
        "net_revenue_retention,0.976190\n"
        "logo_churn_rate,0.200000\n"
        "base_cost,40000.00\n"
        "variable_cost,15592.60\n"
        "cs_team_cost,66711.12\n"
        "support_team_cost,10000.00\n"
        "cs_magic_number,3.975956\n"
        "fte,1.500000\n"
        "arr_per_csm,1400000.00\n"
        "variable_share,0.220779\n"
        "cost_per_retained_dollar,0.051123\n")


def test_undefined_metrics_are_blank(roi_project):
    # No renewable ARR, no ARR, no cost at all: the ratios are undefined, written blank.
    (roi_project / "accounts.csv").write_text(
        "account_id,csm_id,arr_start,renewable_arr,renewed_arr,upsell_arr\nA-1,CSM-3,0,0,0,0\n")
    (roi_project / "roster.csv").write_text(
        "csm_id,name,segment,base_salary,target_variable,start_date,end_date\n"
        "CSM-3,Edsger Dijkstra,SMB,0,0,2019-01-01,2026-12-15\n")
    plan = (roi_project / "plan.yaml").read_text().replace("support_team_cost: 10000", "support_team_cost: 0")
    result = calculate(plan, roi_project / "roster.csv", roi_project / "accounts.csv", "2027-Q1")
    text = roi_csv(roi_metrics(result))
    for metric in ("gross_renewal_rate", "net_revenue_retention", "cs_magic_number", "arr_per_csm",
                   "variable_share", "cost_per_retained_dollar"):
        assert f"\n{metric},\n" in text
    assert "\nlogo_churn_rate,0.000000\n" in text and "\nfte,0.000000\n" in text


def test_scenarios_by_hand(result):
    rows = run_scenarios(result, [D("0.8"), D(1), D("1.2")])
    # 80%: CSM-1 attainment 152,000/270,000 = 0.562963 -> 5,629.63, upsell 2,400; CSM-2 0.888889 -> 2,222.22,
    #      upsell 1,600; CSM-3 upsell 400. Total 12,251.85; cost (40,000 + 12,251.85) x 1.2 = 62,702.22;
    #      returns 305,000 x 0.8 = 244,000.
    # 120%: CSM-1 0.844444 -> 8,444.44 + 3,600; CSM-2 1.333333 -> share 1.666666 capped at 1.5 -> 3,750
    #      + 2,400; CSM-3 600. Total 18,794.44; cost 70,553.328; returns 366,000.
    assert [(r.scenario, r.payout_total, r.cs_team_cost) for r in rows] == [
        (D("0.8"), D("12251.85"), D("62702.220")), (D(1), D("15592.60"), D("66711.120")),
        (D("1.2"), D("18794.44"), D("70553.328"))]
    assert rows[0].cs_magic_number == D(244000) / D("72702.220")
    assert rows[0].cost_per_retained_dollar == D("0.0502125")  # exactly on a half: written 0.050213
    assert scenarios_csv(rows) == (
        "scenario,payout_total,cs_team_cost,cs_magic_number,cost_per_retained_dollar\n"
        "0.8,12251.85,62702.22,3.356156,0.050213\n"
        "1,15592.60,66711.12,3.975956,0.051123\n"
        "1.2,18794.44,70553.33,4.543574,0.051351\n")


def test_the_100_percent_scenario_is_the_actual_run(result):
    (row,) = run_scenarios(result, [D(1)])
    roi = roi_metrics(result)
    assert row.payout_total == result.total
    assert row.cs_team_cost == roi["cs_team_cost"]
    assert row.cs_magic_number == roi["cs_magic_number"]
    assert row.cost_per_retained_dollar == roi["cost_per_retained_dollar"]


def test_scenarios_scale_csm_metrics_not_plan_inputs(roi_project):
    # company_attainment is the company's result, not a CSM's: a 50% scenario leaves it alone.
    plan = (roi_project / "plan.yaml").read_text().replace("metric: gross_renewal_rate", "metric: company_attainment")
    plan = plan.replace("overhead_rate: 0.2", "overhead_rate: 0.2\n  company_attainment: 1.0")
    result = calculate(plan, roi_project / "roster.csv", roi_project / "accounts.csv", "2027-Q1")
    # renewal: attainment 1/0.9 -> share 1.222222: CSM-1 10,000 -> 12,222.22; CSM-2 2,500 -> 3,055.56; CSM-3 0
    # upsell at 100%: 3,000 + 2,000 + 500; at 50%: 1,500 + 1,000 + 250
    (half, whole) = run_scenarios(result, [D("0.5"), D(1)])
    assert whole.payout_total == D("12222.22") + D("3055.56") + D("5500.00")
    assert half.payout_total == D("12222.22") + D("3055.56") + D("2750.00")
