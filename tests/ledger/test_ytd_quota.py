"""A ``measure: ytd`` commission on a roster-column quota: the quota is summed over the year's rosters."""

from __future__ import annotations

from tests.ledger.conftest import write
from tests.ledger.test_year import lines
from xlcomp.cli import main

PLAN = """
    id: ytd-quota
    name: YTD quota
    currency: USD
    period: quarter
    components:
      - id: upsell
        kind: commission
        metric: upsell_arr
        measure: ytd
        quota: {column: quota_upsell}
        curve:
          mode: marginal
          tiers: [{upto: 1.0, rate: 0.1}, {rate: 0.2}]
    """
ROSTER = """
    csm_id,name,segment,base_salary,target_variable,start_date,quota_upsell
    C1,Ada,Enterprise,100000,40000,2020-01-01,10000
    """
HEADER = "account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_arr\n"


def test_a_ytd_commission_sums_the_quota_over_the_year(tmp_path, db_url):
    plan = write(tmp_path / "plan.yaml", PLAN)
    roster = write(tmp_path / "roster.csv", ROSTER)
    q1 = write(tmp_path / "q1.csv", HEADER + "A1,C1,Enterprise,50000,0,0,8000\n")
    q2 = write(tmp_path / "q2.csv", HEADER + "A1,C1,Enterprise,50000,0,0,13000\n")

    def close(period: str, accounts: str, out: str) -> int:
        return main(["close", "--plan", str(plan), "--roster", str(roster), "--accounts", accounts, "--period", period,
                     "--out", str(tmp_path / out), "--db", db_url, "--no-workbook"])

    # Q1: 8,000 of a 10,000 quota: attainment 0.8, all in the first tier: 10% = 800.00
    assert close("2027-Q1", str(q1), "q1") == 0
    assert lines(tmp_path / "q1") == [("C1", "commission", "upsell", "800.00")]
    # Q2, year to date: 8,000 + 13,000 = 21,000 of 10,000 + 10,000 = 20,000: attainment 1.05;
    # 20,000 x 10% + 1,000 x 20% = 2,200.00, less 800.00 paid = 1,400.00. (Q2 alone would pay
    # 10,000 x 10% + 3,000 x 20% = 1,600.00; the year's actual on one quarter's quota 3,200 - 800 = 2,400.00.)
    assert close("2027-Q2", str(q2), "q2") == 0
    assert lines(tmp_path / "q2") == [("C1", "commission", "upsell", "1400.00")]
