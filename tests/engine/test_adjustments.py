"""Adjustments in a run (SPEC section 8), numbers worked by hand.

The project (tests/conftest.py) pays CSM-1 11,016.31, CSM-2 0 and CSM-3 0 before adjustments.
"""

from decimal import Decimal as D
from pathlib import Path

import pytest

from xlcomp import calculate
from xlcomp.engine.run import PAYOUT_COLUMNS
from xlcomp.errors import InputError
from xlcomp.model.adjustments import Adjustment
from xlcomp.outputs import payout_records
from xlcomp.rules.adjustments import adjustment_total

ADJUSTMENTS = ("csm_id,amount,reason,component,approved_by\n"
               'CSM-1,"1,200.505",Missed Q4 renewal credit,,Dana Ruiz\n'
               "CSM-1,-300,Clawback: churned account A-9,clawback,\n"
               "CSM-2,250.0049,Onboarding bonus,spiff,Sam Lee\n")


@pytest.fixture
def adjusted(project: Path):
    (project / "adjustments.csv").write_text(ADJUSTMENTS)
    return calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1",
                     adjustments=project / "adjustments.csv")


def test_each_row_pays_its_amount_rounded_and_counts_in_the_totals(adjusted):
    csm1 = adjusted.csm("CSM-1")
    # 1,200.505 rounds half away to 1,200.51; the clawback takes back 300.00
    assert [line.payout for line in csm1.adjustments] == [D("1200.51"), D("-300.00")]
    assert csm1.adjustments_total == D("900.51")
    assert csm1.total == D("11016.31") + D("900.51") == D("11916.82")
    csm2 = adjusted.csm("CSM-2")
    assert csm2.total == D("250.00")  # 250.0049 rounds to 250.00
    assert adjusted.csm("CSM-3").total == 0
    assert adjusted.total == D("11916.82") + D("250.00") == D("12166.82")
    assert adjusted.summary["payout_total"].sum() == D("12166.82")


def test_payouts_csv_lines_of_kind_adjustment(adjusted):
    rows = [r for r in payout_records(adjusted) if r["kind"] == "adjustment"]
    assert [(r["csm_id"], r["component"], r["payout"], r["note"]) for r in rows] == [
        ("CSM-1", "adjustment", "1200.51", "Missed Q4 renewal credit; approved by Dana Ruiz"),
        ("CSM-1", "clawback", "-300.00", "Clawback: churned account A-9"),
        ("CSM-2", "spiff", "250.00", "Onboarding bonus; approved by Sam Lee"),
    ]
    assert rows[0]["metric"] == rows[0]["actual"] == ""
    payouts = adjusted.payouts
    assert payouts[payouts["kind"] == "adjustment"]["payout"].sum() == D("1150.51")
    # the columns the ledger reads are the rows, transposed (with adjustment lines: made row by row)
    assert adjusted.csms.by_component() is None
    columns = adjusted.payout_columns()
    assert [p for p, k in zip(columns["payout"], columns["kind"], strict=True) if k == "adjustment"] == [
        D("1200.51"), D("-300.00"), D("250.00")]
    assert columns == {name: [row[name] for row in adjusted.payout_rows()] for name in PAYOUT_COLUMNS}


def test_without_adjustments_nothing_changes(project: Path, adjusted):
    plain = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")
    assert plain.total == D("11016.31")
    assert all(r.adjustments == () for r in plain.csms)
    assert "adjustment" not in set(plain.payouts["kind"])


def test_adjustment_records_are_accepted_and_an_unknown_csm_is_a_problem_at_its_row(project: Path):
    rows = [Adjustment("CSM-3", D("-0.005"), "rounding check")]
    result = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1",
                       adjustments=rows)
    assert result.csm("CSM-3").total == D("-0.01")  # half away from zero
    with pytest.raises(InputError) as caught:
        calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1",
                  adjustments=[Adjustment("CSM-9", D(5), "who?", where="adjustments.csv:2")])
    assert str(caught.value.problems[0]).startswith('adjustments.csv:2 csm_id: csm_id "CSM-9"')


def test_bad_rows_are_problems_at_their_place(project: Path):
    (project / "adjustments.csv").write_text("csm_id,amount,reason\nCSM-9,10,x\nCSM-1,12k,y\nCSM-2,5,\n")
    with pytest.raises(InputError) as caught:
        calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1",
                  adjustments=project / "adjustments.csv")
    text = [str(p) for p in caught.value.problems]
    assert len(text) == 3
    assert text[0].startswith("adjustments.csv:2 csm_id") and "CSM-9" in text[0]
    assert text[1].startswith("adjustments.csv:3 amount")
    assert text[2].startswith("adjustments.csv:4 reason")


def test_the_rule_sums_one_csms_rounded_rows_and_renders_as_sumproduct():
    rule = adjustment_total()
    table = {"csm_id": ["A", "B", "A"], "amount": [D("1200.505"), D(7), D("-300")]}
    assert rule.evaluate({"adjustments": table, "csm_id": "A"}) == D("900.51")
    assert rule.evaluate({"adjustments": {"csm_id": [], "amount": []}, "csm_id": "A"}) == 0
    assert rule.formula({"adjustments": "Adjustments", "csm_id": "$B$5"}) == \
        "=SUMPRODUCT((Adjustments[csm_id]=$B$5)*ROUND(Adjustments[amount],2))"
