"""A tiny project whose ROI is worked by hand in the tests (2027-Q1: 90 days, 4 periods a year).

- CSM-1, full quarter: base 120,000, target variable 40,000. Accounts A-1 (ARR 1,000,000, renewable
  200,000, renewed 190,000, upsell 30,000, cross-sell 10,000, contraction 5,000) and A-2 (ARR 500,000,
  renewable 100,000, renewed 0: a churned logo). GRR 190,000 / 300,000.
- CSM-2, hired 2027-02-15 (45 of 90 days): base 80,000, target variable 20,000. A-3 (ARR 300,000,
  renewable 50,000, all renewed, upsell 20,000) and A-4 (ARR 200,000, nothing renewable). GRR 1.
- CSM-3, left 2026-12-15 (0 days): base 100,000, target variable 25,000. A-5 (ARR 100,000, nothing
  renewable, upsell 5,000): GRR undefined, the commission still pays (commissions are not prorated).

The plan: a renewal bonus (weight 1, target 0.9, marginal 1x to target then 2x, cap 1.5) and a flat
10% upsell commission; overhead 20%, support team 10,000 a quarter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import csv_file, write

ROI_PLAN = """
id: roi-test
name: ROI test plan
currency: USD
period: quarter
archetype: full_service
inputs:
  overhead_rate: 0.2
  support_team_cost: 10000
components:
  - id: renewal
    kind: bonus
    metric: gross_renewal_rate
    weight: 1
    target: 0.9
    curve:
      mode: marginal
      tiers: [{upto: 1.0, rate: 1.0}, {rate: 2.0}]
    cap: 1.5
  - id: upsell
    kind: commission
    metric: upsell_arr
    rate: 0.1
"""

ROSTER = "csm_id,name,segment,role,base_salary,target_variable,start_date,end_date,manager"
ACCOUNTS = ("account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr,cross_sell_arr,"
            "contraction_arr,health_score,nps,adoption_rate,risk_score")


@pytest.fixture
def roi_project(tmp_path: Path) -> Path:
    """plan.yaml, roster.csv and accounts.csv of the hand-worked ROI project."""
    write(tmp_path / "plan.yaml", ROI_PLAN)
    csv_file(tmp_path / "roster.csv", ROSTER,
             "CSM-1,Ada Lovelace,Enterprise,CSM,120000,40000,2020-01-01,,Grace Hopper",
             "CSM-2,Alan Turing,Mid-Market,CSM,80000,20000,2027-02-15,,Grace Hopper",
             "CSM-3,Edsger Dijkstra,SMB,CSM,100000,25000,2019-01-01,2026-12-15,Grace Hopper")
    csv_file(tmp_path / "accounts.csv", ACCOUNTS,
             "A-1,CSM-1,Enterprise,1000000,200000,190000,30000,10000,5000,80,40,0.8,20",
             "A-2,CSM-1,Enterprise,500000,100000,0,0,0,0,30,-20,0.3,90",
             "A-3,CSM-2,Mid-Market,300000,50000,50000,20000,0,0,70,10,0.6,40",
             "A-4,CSM-2,Mid-Market,200000,0,0,0,0,0,,,,",
             "A-5,CSM-3,SMB,100000,0,0,5000,0,0,60,0,0.5,50")
    return tmp_path
