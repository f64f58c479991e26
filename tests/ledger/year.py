"""The hand-worked plan year shared by the ledger tests: inputs inline, arithmetic in comments."""

from __future__ import annotations

from pathlib import Path

from tests.ledger.conftest import write

PLAN = """
    id: csm-ledger-test
    name: Ledger test plan
    currency: USD
    period: quarter
    components:
      - id: renewal
        kind: bonus
        metric: gross_renewal_rate
        measure: ytd
        weight: 0.5
        target: 0.9
        curve:
          mode: marginal
          tiers: [{upto: 1.0, rate: 1.0}, {rate: 2.0}]
      - id: upsell
        kind: commission
        metric: upsell_arr
        rate: 0.1
        clawback: {days: 90}
    """

# C1 Ada: no draw. C2 Ben: new hire, recoverable draw 3,000 a quarter until 2027-06-30.
# C3 Cy: guarantee of 2,000 a quarter until 2027-03-31.
ROSTER = """
    csm_id,name,segment,base_salary,target_variable,start_date,end_date,draw,draw_type,draw_until
    C1,Ada,Enterprise,100000,40000,2020-01-01,,,,
    C2,Ben,Mid-Market,80000,20000,2027-01-01,,3000,recoverable,2027-06-30
    C3,Cy,SMB,60000,8000,2021-05-01,,2000,guarantee,2027-03-31
    """

HEADER = "account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr\n"
ACCOUNTS = {
    "2027-Q1": """
        A1,C1,Enterprise,100000,100000,90000,10000
        A2,C1,Enterprise,50000,0,0,30000
        B1,C2,Mid-Market,50000,50000,30000,5000
        K1,C3,SMB,20000,20000,10000,0
        """,
    "2027-Q2": """
        A1,C1,Enterprise,100000,100000,100000,0
        A3,C1,Enterprise,40000,0,0,20000
        B1,C2,Mid-Market,50000,50000,50000,10000
        K1,C3,SMB,20000,20000,20000,0
        """,
    # the Q2 correction: A3's upsell was 25,000, not 20,000
    "2027-Q2-fixed": """
        A1,C1,Enterprise,100000,100000,100000,0
        A3,C1,Enterprise,40000,0,0,25000
        B1,C2,Mid-Market,50000,50000,50000,10000
        K1,C3,SMB,20000,20000,20000,0
        """,
    "2027-Q3": """
        A3,C1,Enterprise,40000,50000,50000,0
        B1,C2,Mid-Market,50000,50000,50000,0
        K1,C3,SMB,20000,20000,20000,0
        """,
    "2027-Q4": """
        A3,C1,Enterprise,40000,50000,50000,0
        B1,C2,Mid-Market,50000,50000,50000,0
        K1,C3,SMB,20000,20000,20000,0
        """,
}

# At the Q3 close: A1 churned inside Q1's 90-day window (Q1 ends 03-31, window to 06-29);
# A2 churned 2027-08-01, outside it.
CHURN = """
    account_id,churn_date
    A1,2027-06-15
    A2,2027-08-01
    """

ADJUSTMENTS = """
    csm_id,amount,reason,approved_by
    C3,250,Spot award for Q4 onboarding,Dana
    """


def project(folder: Path) -> dict[str, Path]:
    """Write the year's files under ``folder``."""
    files = {
        "plan": write(folder / "plan.yaml", PLAN),
        "roster": write(folder / "roster.csv", ROSTER),
        "churn": write(folder / "churn.csv", CHURN),
        "adjustments": write(folder / "adjustments.csv", ADJUSTMENTS),
    }
    for name, rows in ACCOUNTS.items():
        files[name] = write(folder / f"accounts-{name}.csv", HEADER + rows.strip("\n").replace("        ", ""))
    return files
