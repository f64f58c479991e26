"""A tiny plan and book whose statements and letters are worked out by hand in the tests.

Plan: the SPEC's (renewal bonus: marginal 1.0x to 100%, 3.0x to 110%, 1.0x above; threshold 85%;
cap 1.5; NPS multiplier on renewal; upsell commission 5% to quota, 8% above, gated on GRR >= 80%).
Quarter 2027-Q1 (90 days).

- CSM-A Ana Lima, target variable 40,000, quota 50,000: GRR 195,000/200,000 = 97.5%, attainment
  1.059783, share 1.179349, NPS 30 -> x1.05: renewal 7,429.90; upsell 60,000 -> 3,300.00; total 10,729.90.
- CSM-B Ben Ortiz, hired 2027-02-15 (45 of 90 days), no renewable ARR: GRR undefined, renewal 0,
  upsell gated out: total 0.00.
- CSM-C Cy Dorn, 30,000, quota 20,000: GRR 82% -> attainment 0.891304, NPS 55 -> x1.10: renewal
  4,411.95; upsell 25,000 -> 1,400.00; total 5,811.95.
- CSM-D Di Park, 24,000, quota 10,000: GRR 78% -> attainment 0.847826 (below 85%), gate fails: 0.00.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from xlcomp.api import calculate
from xlcomp.engine.run import RunResult

SPEC_PLAN = textwrap.dedent("""
    id: csm-fy27-ar
    name: CSM Adoption & Renewal FY27
    currency: USD
    period: quarter
    components:
      - id: renewal
        name: Gross renewal rate
        kind: bonus
        metric: gross_renewal_rate
        weight: 0.6
        target: 0.92
        threshold: 0.85
        curve:
          mode: marginal
          tiers:
            - {upto: 1.0, rate: 1.0}
            - {upto: 1.1, rate: 3.0}
            - {rate: 1.0}
        cap: 1.5
      - id: upsell
        name: Upsell commission
        kind: commission
        metric: upsell_arr
        quota: {column: quota_upsell}
        curve:
          mode: marginal
          tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]
        gate: {metric: gross_renewal_rate, min: 0.80}
    multipliers:
      - {metric: nps, applies_to: [renewal], bands: [{min: 30, factor: 1.05}, {min: 50, factor: 1.10}]}
    """).lstrip("\n")

ROSTER = textwrap.dedent("""
    csm_id,name,segment,role,base_salary,target_variable,start_date,end_date,manager,quota_upsell
    CSM-A,Ana Lima,Enterprise,Senior CSM,150000,40000,2020-01-06,,Maya Chen,50000
    CSM-B,Ben Ortiz,SMB,Associate CSM,90000,20000,2027-02-15,,Maya Chen,10000
    CSM-C,Cy Dorn,Mid-Market,CSM,110000,30000,2021-03-01,,Omar Haddad,20000
    CSM-D,Di Park,Startup,CSM,100000,24000,2022-05-02,,Omar Haddad,10000
    """).lstrip("\n")

ACCOUNTS = textwrap.dedent("""
    account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr,cross_sell_arr,contraction_arr,nps
    A1,CSM-A,Enterprise,100000,100000,95000,30000,0,0,40
    A2,CSM-A,Enterprise,100000,100000,100000,30000,0,0,20
    B1,CSM-B,SMB,20000,0,0,4000,0,0,
    C1,CSM-C,Mid-Market,100000,100000,82000,25000,0,0,55
    D1,CSM-D,Startup,100000,100000,78000,12000,0,0,-10
    """).lstrip("\n")

EDGE_PLAN = textwrap.dedent("""
    id: edge-plan
    name: Edge Plan
    currency: EUR
    period: quarter
    components:
      - id: adoption
        name: Adoption
        kind: bonus
        metric: adoption_rate
        weight: 0.5
        target: 0.5
        curve: {mode: whole, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.2}]}
        cap: 1.3
      - id: onboarding
        name: Onboarding
        kind: bonus
        metric: onboarding_rate
        weight: 0.5
        target: 0.9
        curve: {mode: steps, tiers: [{upto: 0.7, rate: 0}, {upto: 1.0, rate: 0.75}, {rate: 1.0}]}
      - id: cross_sell
        name: Cross-sell
        kind: commission
        metric: cross_sell_arr
        rate: 0.05
        cap_amount: 1000
    """).lstrip("\n")

EDGE_ROSTER = textwrap.dedent("""
    csm_id,name,segment,role,base_salary,target_variable,start_date,end_date,manager
    E1,Eve O'Neil,Enterprise,Principal CSM,160000,80000,2019-01-01,,Sam Reyes
    """).lstrip("\n")

EDGE_ACCOUNTS = textwrap.dedent("""
    account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,cross_sell_arr,adoption_rate,onboarding_planned,onboarding_done
    X1,E1,Enterprise,100000,0,0,30000,0.6,10,8
    """).lstrip("\n")


def write_spec_files(folder: Path) -> dict[str, Path]:
    """Write the SPEC plan, roster and accounts into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"plan": folder / "plan.yaml", "roster": folder / "roster.csv", "accounts": folder / "accounts.csv"}
    files["plan"].write_text(SPEC_PLAN, encoding="utf-8")
    files["roster"].write_text(ROSTER, encoding="utf-8")
    files["accounts"].write_text(ACCOUNTS, encoding="utf-8")
    return files


@pytest.fixture
def spec_files(tmp_path: Path) -> dict[str, Path]:
    """The SPEC plan, roster and accounts as files."""
    return write_spec_files(tmp_path / "inputs")


@pytest.fixture
def edge_files(tmp_path: Path) -> dict[str, Path]:
    """The edge plan (whole, steps, flat rate, caps), roster and accounts as files."""
    folder = tmp_path / "edge"
    folder.mkdir()
    files = {"plan": folder / "edge.yaml", "roster": folder / "roster.csv", "accounts": folder / "accounts.csv"}
    files["plan"].write_text(EDGE_PLAN, encoding="utf-8")
    files["roster"].write_text(EDGE_ROSTER, encoding="utf-8")
    files["accounts"].write_text(EDGE_ACCOUNTS, encoding="utf-8")
    return files


@pytest.fixture
def compute() -> Callable[[dict[str, Path]], RunResult]:
    """Run a plan's files for 2027-Q1."""
    def run_files(files: dict[str, Path]) -> RunResult:
        return calculate(files["plan"], files["roster"], files["accounts"], "2027-Q1")
    return run_files
