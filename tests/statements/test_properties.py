"""Invariants of statements over random books: the embedded inputs always reproduce the payouts,
the page always shows the engine's figures, and nothing ever prints as debris."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xlcomp.engine.run import run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period
from xlcomp.money import fmt_amount
from xlcomp.statements import build_statements
from xlcomp.statements.record import InputRecord
from xlcomp.statements.render import debris, html_fields, html_text

from .conftest import SPEC_PLAN

PLAN = parse_plan(SPEC_PLAN)
PERIOD = parse_period("2027-Q1")

amounts = st.integers(min_value=0, max_value=400_000)
account = st.tuples(amounts, st.floats(min_value=0, max_value=1), amounts,
                    st.one_of(st.none(), st.integers(min_value=-100, max_value=100)))


@st.composite
def books(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = draw(st.lists(account, min_size=0, max_size=6))
    start = draw(st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 3, 31)))
    target_variable = draw(st.integers(min_value=0, max_value=90_000))
    quota = draw(st.integers(min_value=1, max_value=120_000))
    roster = pd.DataFrame([{"csm_id": "CSM-1", "name": "Pat Doe", "segment": "SMB", "base_salary": 90000,
                            "target_variable": target_variable, "start_date": start.isoformat(),
                            "manager": "Lee", "quota_upsell": quota}])
    accounts = pd.DataFrame([{"account_id": f"A{i}", "csm_id": "CSM-1", "arr_start": renewable,
                              "renewable_arr": renewable, "renewed_arr": round(renewable * renewed_share),
                              "upsell_arr": upsell, "nps": nps if nps is not None else ""}
                             for i, (renewable, renewed_share, upsell, nps) in enumerate(rows)],
                            columns=["account_id", "csm_id", "arr_start", "renewable_arr", "renewed_arr",
                                     "upsell_arr", "nps"])
    return roster, accounts


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(books())
def test_statement_reproduces_and_shows_the_engine(book: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    roster_frame, accounts_frame = book
    roster, accounts = load_inputs(PLAN, roster_frame, accounts_frame)
    result = run(PLAN, roster, accounts, PERIOD)
    (statement,) = build_statements(result, SPEC_PLAN, issued=date(2027, 4, 5))
    # the embedded inputs give back the same hash and the same payouts
    record = InputRecord.from_json(statement.record["inputs"])
    assert record.digest == statement.record["inputs"]["hash"]
    again_roster, again_accounts = load_inputs(PLAN, *record.frames())
    again = run(PLAN, again_roster, again_accounts, PERIOD)
    assert [c.payout for c in again.csms[0].components] == [c.payout for c in result.csms[0].components]
    # the page shows the engine's total and payouts, and no debris
    fields, _ = html_fields(statement.html)
    csm_result = result.csms[0]
    assert fields["total"] == fmt_amount(csm_result.total)
    assert csm_result.total == sum((c.payout for c in csm_result.components), Decimal(0))
    for component in csm_result.components:
        assert fields[f"{component.component.id}.payout"] == fmt_amount(component.payout)
    assert debris(html_text(statement.html)) == []
