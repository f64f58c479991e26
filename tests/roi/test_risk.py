"""Risk-adjusted retention targets: target = ROUND(clamp(base - per_point x (risk - reference), floor,
ceiling), 6), risk the ARR-weighted risk_score of the CSM's book; the base when the book has no score."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.conftest import csv_file, write
from xlcomp import calculate
from xlcomp.load.plan import parse_plan

PLAN = """
id: risk-test
period: quarter
archetype: retention_referral
components:
  - id: retention
    kind: bonus
    metric: gross_renewal_rate
    weight: 1
    target: {base: 0.92, risk_adjust: {per_point: PER_POINT, reference: 50, floor: 0.8, ceiling: 0.97}}
    curve:
      mode: marginal
      tiers: [{rate: 1.0}]
"""
ROSTER = "csm_id,name,segment,base_salary,target_variable,start_date"
ACCOUNTS = "account_id,csm_id,arr_start,renewable_arr,renewed_arr,risk_score"


def _run(tmp_path, per_point, *accounts):
    write(tmp_path / "plan.yaml", PLAN.replace("PER_POINT", per_point))
    ids = sorted({a.split(",")[1] for a in accounts})
    csv_file(tmp_path / "roster.csv", ROSTER, *(f"{i},CSM {i},Enterprise,100000,40000,2020-01-01" for i in ids))
    csv_file(tmp_path / "accounts.csv", ACCOUNTS, *accounts)
    return calculate(tmp_path / "plan.yaml", tmp_path / "roster.csv", tmp_path / "accounts.csv", "2027-Q1")


def test_the_plan_reads_the_risk_adjustment():
    plan = parse_plan(PLAN.replace("PER_POINT", "0.001"))
    target = plan.components[0].target
    assert target is not None and target.value == D("0.92") and target.risk_adjust is not None
    assert (target.risk_adjust.per_point, target.risk_adjust.reference, target.risk_adjust.floor,
            target.risk_adjust.ceiling) == (D("0.001"), D(50), D("0.8"), D("0.97"))


def test_targets_by_hand(tmp_path):
    result = _run(
        tmp_path, "0.001",
        # R1: risk (100,000 x 80 + 300,000 x 60) / 400,000 = 65 -> 0.92 - 0.001 x 15 = 0.905
        "A1,R1,100000,100000,90500,80", "A2,R1,300000,300000,271500,60",
        # R2: risk 10 -> 0.92 + 0.04 = 0.96 (a safe book gets a higher target)
        "B1,R2,200000,100000,96000,10",
        # R3: a zero-ARR account weighs nothing: risk 20 -> 0.95
        "C1,R3,0,0,0,90", "C2,R3,100000,100000,95000,20",
        # R4: no risk score at all: the base, 0.92
        "D1,R4,100000,100000,92000,",
        # R5: risk (100 x 50 + 200 x 51) / 300 = 50.666…: 0.919333333… rounds to 0.919333
        "E1,R5,100,100,100,50", "E2,R5,200,200,200,51",
    )
    targets = {c.csm.csm_id: c.component("retention").target for c in result.csms}
    assert targets == {"R1": D("0.905"), "R2": D("0.96"), "R3": D("0.95"), "R4": D("0.92"), "R5": D("0.919333")}
    # R1 renews 362,000 of 400,000 (90.5%): on target for its risky book, a full share of the TI (10,000)
    r1 = result.csm("R1").component("retention")
    assert (r1.attainment, r1.share, r1.payout) == (D(1), D(1), D("10000.00"))
    # R2 renews 96% of a safe book: exactly its target too
    assert result.csm("R2").component("retention").payout == D("10000.00")
    # R4 (92% against the base 0.92) likewise
    assert result.csm("R4").component("retention").payout == D("10000.00")


@pytest.mark.parametrize(("risk", "target"), [("80", "0.8"), ("0", "0.97"), ("45", "0.97"), ("62", "0.8")])
def test_floor_and_ceiling(tmp_path, risk, target):
    # per_point 0.01: risk 80 -> 0.62, floored at 0.8; risk 0 -> 1.42, capped at 0.97;
    # risk 45 -> 0.97 exactly; risk 62 -> 0.80 exactly
    result = _run(tmp_path, "0.01", f"A1,R1,100000,100000,90000,{risk}")
    assert result.csm("R1").component("retention").target == D(target)


def test_the_book_needs_a_risk_score_column(tmp_path):
    write(tmp_path / "plan.yaml", PLAN.replace("PER_POINT", "0.001"))
    csv_file(tmp_path / "roster.csv", ROSTER, "R1,CSM R1,Enterprise,100000,40000,2020-01-01")
    csv_file(tmp_path / "accounts.csv", "account_id,csm_id,arr_start,renewable_arr,renewed_arr", "A1,R1,1,1,1")
    from xlcomp.errors import InputError

    with pytest.raises(InputError, match='"risk_score" is missing'):
        calculate(tmp_path / "plan.yaml", tmp_path / "roster.csv", tmp_path / "accounts.csv", "2027-Q1")
