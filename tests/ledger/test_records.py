"""A close's per-CSM records read back in part (the balance chain, the year to date's facts) are the whole records'
fields: both ways a stored table keeps roster values (a column each, or JSON when the CSMs' columns differ)."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import Decimal as D

import pytest

from tests.ledger import test_ytd_quota
from xlcomp.ledger.records import CsmPeriod, balances_from, csm_periods_from, csm_periods_table
from xlcomp.ledger.ytd import CsmFacts, facts_from
from xlcomp.load.plan import parse_plan

PLAN = parse_plan(textwrap.dedent(test_ytd_quota.PLAN))   # a measure: ytd commission on the quota_upsell column

SAME_COLUMNS = [
    CsmPeriod("C2", "Bo", D("10.00"), D(0), D("10.00"), D(0), D("0.00"), D("40000"), date(2027, 2, 1), None,
              {"quota_upsell": D("12000"), "mbo_score": D("1.01")}),
    CsmPeriod("C1", "Ada", D("-5.50"), D("5.50"), D("5.50"), D("1.25"), D("6.75"), None, None, date(2027, 3, 1),
              {"quota_upsell": None, "mbo_score": D("0.9")}),
]
OTHER_COLUMNS = [SAME_COLUMNS[0], SAME_COLUMNS[1]._replace(roster_values={"mbo_score": D("0.9")})]


@pytest.mark.parametrize("records", [SAME_COLUMNS, OTHER_COLUMNS], ids=["a column each", "json"])
def test_the_partial_reads_are_the_records_fields(records: list[CsmPeriod]) -> None:
    table = csm_periods_table(records)
    assert ("roster_values" in table.column_names) == (records is OTHER_COLUMNS)
    whole = csm_periods_from(table)
    assert list(whole) == ["C1", "C2"] and whole["C2"] == records[0]
    assert balances_from(table) == {"C1": ("Ada", D("6.75")), "C2": ("Bo", D("0.00"))}
    facts = facts_from(table, PLAN)
    # only the roster column the year to date sums (quota_upsell) is read; the rest is the whole record's
    for csm_id, record in whole.items():
        assert facts[csm_id] == CsmFacts(record.target_variable or D(0), record.start_date, record.end_date,
                                         {k: v for k, v in (record.roster_values or {}).items() if k == "quota_upsell"})
    assert facts["C1"].target_variable == D(0) and facts["C1"].end_date == date(2027, 3, 1)
    assert facts["C2"].values == {"quota_upsell": D("12000")}
    assert facts["C1"].values == ({"quota_upsell": None} if records is SAME_COLUMNS else {})
