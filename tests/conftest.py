"""Shared fixtures: small inline plans and tables, and temporary folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xlcomp.money import exact


@pytest.fixture(autouse=True)
def _xlcomp_context():
    """Hand-worked expectations are computed in xlcomp's context (40 digits, half away from zero), as
    every entry point computes; tests/test_host_state.py proves the entry points need no host context."""
    with exact():
        yield


def write(path: Path, text: str) -> Path:
    """Write dedented text to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def spec_plan_text() -> str:
    """The plan of SPEC section 1."""
    return textwrap.dedent("""
        id: csm-fy27-ar
        name: CSM Adoption & Renewal FY27
        currency: USD
        period: quarter
        archetype: adoption_renewal
        inputs:
          company_attainment: 1.04
        components:
          - id: renewal
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


ROSTER_HEADER = "csm_id,name,segment,role,base_salary,target_variable,start_date,end_date,manager,quota_upsell"
ACCOUNTS_HEADER = ("account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr,cross_sell_arr,"
                   "contraction_arr,health_score,nps,adoption_rate,onboarding_planned,onboarding_done,"
                   "value_identified_arr,referrals,risk_score")


def csv_file(path: Path, header: str, *rows: str) -> Path:
    """A CSV file from a header and rows of text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, spec_plan_text: str) -> Path:
    """A small project in tmp_path: the SPEC plan, three CSMs and their accounts, worked by hand in tests.

    CSM-1 full quarter, GRR 95,000/100,000, upsell 70,000 on a 50,000 quota, nps mean 40.
    CSM-2 hired 2027-02-15 (45 of 90 days), no renewable ARR (GRR undefined).
    CSM-3 left 2027-01-31 (31 of 90 days), GRR 75,000/100,000 (below threshold and gate).
    """
    write(tmp_path / "plan.yaml", spec_plan_text)
    csv_file(tmp_path / "roster.csv", ROSTER_HEADER,
             "CSM-1,Ada Lovelace,Enterprise,CSM,160000,40000,2020-01-06,,Grace Hopper,50000",
             "CSM-2,Alan Turing,SMB,CSM,90000,20000,2027-02-15,,Grace Hopper,20000",
             "CSM-3,Edsger Dijkstra,Mid-Market,CSM,120000,30000,2019-05-01,2027-01-31,Grace Hopper,30000")
    csv_file(tmp_path / "accounts.csv", ACCOUNTS_HEADER,
             "A-1,CSM-1,Enterprise,400000,60000,60000,50000,0,0,80,30,0.9,0,0,0,0,20",
             "A-2,CSM-1,Enterprise,200000,40000,35000,20000,5000,1000,60,50,0.5,1,1,0,1,40",
             "A-3,CSM-2,SMB,10000,0,0,1000,0,0,,,,0,0,0,0,",
             "A-4,CSM-3,Mid-Market,100000,100000,75000,40000,0,0,70,10,0.7,0,0,0,0,30")
    return tmp_path
