"""Every linter warning, triggered by a plan (or data) built for it; the demo presets stay clean."""

from __future__ import annotations

import textwrap

from tests.conftest import csv_file
from xlcomp import calculate
from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.roi.lint import lint_inputs, lint_plan, lint_run

HEAD = """
id: lint-test
period: quarter
{archetype}
components:
"""
RENEWAL = """
  - id: renewal
    kind: bonus
    metric: gross_renewal_rate
    weight: {weight}
    target: 0.92
    curve: {{mode: marginal, tiers: [{{upto: 1.0, rate: 1.0}}, {{rate: 1.5}}]}}
    cap: 1.5
"""
ADOPTION = """
  - id: adoption
    kind: bonus
    metric: adoption_rate
    weight: {weight}
    target: 0.7
    curve: {{mode: marginal, tiers: [{{upto: 1.0, rate: 1.0}}, {{rate: 1.2}}]}}
    cap: 1.3
"""
UPSELL = """
  - id: upsell
    kind: commission
    metric: upsell_arr
    rate: 0.05
"""


def plan(*parts: str, archetype: str = "adoption_renewal"):
    text = HEAD.format(archetype=f"archetype: {archetype}" if archetype else "") + "".join(parts)
    return parse_plan(textwrap.dedent(text), filename="plan.yaml")


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_a_sound_plan_has_no_warning():
    assert lint_plan(plan(RENEWAL.format(weight=0.6), ADOPTION.format(weight=0.4))) == []


def test_weights_not_summing_to_1():
    (finding,) = lint_plan(plan(RENEWAL.format(weight=0.6), ADOPTION.format(weight=0.3)))
    assert finding.code == "weights"
    assert str(finding) == ("plan.yaml:7 components[*].weight: bonus weights sum to 0.9, not 1: at 100% attainment "
                            "the plan pays 90% of target variable pay (benchmark: weights of the bonus components "
                            "sum to 1)")


def test_more_than_four_components():
    parts = [RENEWAL.format(weight=0.4), ADOPTION.format(weight=0.2)]
    for metric in ("health_score", "onboarding_rate", "nps"):
        parts.append(ADOPTION.format(weight="0.1333333333").replace("id: adoption", f"id: {metric}")
                     .replace("metric: adoption_rate", f"metric: {metric}").replace("target: 0.7", "target: 50"))
    findings = lint_plan(plan(*parts))
    assert "too-many-components" in codes(findings)
    finding = next(f for f in findings if f.code == "too-many-components")
    assert "5 components" in finding.message and finding.benchmark == "at most 4 components"
    assert finding.where.startswith("plan.yaml:")


def test_the_same_metric_paid_twice():
    second = RENEWAL.format(weight=0.4).replace("id: renewal", "id: renewal_again")
    (finding,) = lint_plan(plan(RENEWAL.format(weight=0.6), second))
    assert finding.code == "metric-paid-twice"
    assert "renewal_again pays on the same metric, gross_renewal_rate, as renewal does" in finding.message
    assert finding.where == "plan.yaml:15 components[1].metric"


def test_expansion_overlaps_upsell():
    expansion = UPSELL.replace("id: upsell", "id: expansion").replace("upsell_arr", "expansion_arr")
    findings = lint_plan(plan(RENEWAL.format(weight=1), UPSELL, expansion, archetype="full_service"))
    assert codes(findings) == ["metric-paid-twice"]
    assert "expansion pays on expansion_arr, which overlaps upsell's upsell_arr" in findings[0].message


def test_step_curves_with_cliffs():
    steps = RENEWAL.format(weight=1).replace(
        "curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.5}]}",
        "curve: {mode: steps, tiers: [{upto: 0.9, rate: 0}, {upto: 1.0, rate: 0.5}, {rate: 1.0}]}")
    (finding,) = lint_plan(plan(steps))
    assert finding.code == "step-cliff"
    # 0 -> 0.5 at 0.9 is an entry step (pays no more than attainment, like a threshold); 0.5 -> 1 is a cliff
    assert "the steps curve's share jumps from 0.5 to 1 at 1 attainment" in finding.message
    assert finding.benchmark == "no single step above 0.25 of target pay"
    gentle = steps.replace("{upto: 1.0, rate: 0.5}, {rate: 1.0}", "{upto: 0.95, rate: 0.5}, {upto: 1.0, rate: 0.75}, "
                                                                   "{rate: 1.0}")
    assert lint_plan(plan(gentle)) == []
    all_or_nothing = steps.replace("{upto: 0.9, rate: 0}, {upto: 1.0, rate: 0.5}, {rate: 1.0}",
                                   "{upto: 1.0, rate: 0}, {rate: 1.0}")
    assert "jumps from 0 to 1 at 1 attainment" in lint_plan(plan(all_or_nothing))[0].message
    # whole-tier: at 1.0 the share jumps from 1.0 x 1 to 1.0 x 1.5; at 1.2 from 1.2 x 1.5 to 1.2 x 1.6 (fine)
    whole = RENEWAL.format(weight=1).replace(
        "curve: {mode: marginal, tiers: [{upto: 1.0, rate: 1.0}, {rate: 1.5}]}",
        "curve: {mode: whole, tiers: [{upto: 1.0, rate: 1.0}, {upto: 1.2, rate: 1.5}, {rate: 1.6}]}")
    (finding,) = lint_plan(plan(whole))
    assert "the whole-tier curve's share jumps from 1 to 1.5 at 1 attainment" in finding.message
    gentle_whole = whole.replace("{upto: 1.2, rate: 1.5}, {rate: 1.6}", "{upto: 1.2, rate: 1.2}, {rate: 1.3}")
    assert lint_plan(plan(gentle_whole)) == []  # jumps of 0.2 at 1.0 and 0.12 at 1.2


def test_accelerators_above_2x_without_a_cap():
    steep = RENEWAL.format(weight=1).replace("{rate: 1.5}", "{rate: 2.5}")
    assert lint_plan(plan(steep)) == []  # capped at 1.5
    (finding,) = lint_plan(plan(steep.replace("    cap: 1.5\n", "")))
    assert finding.code == "accelerator-uncapped"
    assert finding.message.startswith("a tier pays 2.5x with no cap (2.5x the rate at target, 1)")
    # a marginal curve whose last tier ends pays nothing beyond it: bounded, no warning
    bounded = steep.replace("    cap: 1.5\n", "").replace("{rate: 2.5}", "{upto: 1.2, rate: 2.5}")
    assert lint_plan(plan(bounded)) == []
    commission = """
  - id: upsell
    kind: commission
    metric: upsell_arr
    quota: {column: quota_upsell}
    curve: {mode: whole, tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.12}]}
"""
    findings = lint_plan(plan(RENEWAL.format(weight=1), commission, archetype="full_service"))
    assert codes(findings) == ["accelerator-uncapped"]
    assert findings[0].message.startswith("the top rate 0.12 is 2.4x the rate at target, 0.05, with no cap_amount")
    capped = commission + "    cap_amount: 20000\n"
    assert lint_plan(plan(RENEWAL.format(weight=1), capped, archetype="full_service")) == []


def test_threshold_above_target():
    high = RENEWAL.format(weight=1).replace("    cap: 1.5\n", "    cap: 1.5\n    threshold: 1.05\n")
    (finding,) = lint_plan(plan(high))
    assert finding.code == "threshold-above-target"
    assert finding.message.startswith("threshold 1.05 is above target (1.0)")


def test_archetype_mismatches():
    # an adoption CSM paid commission on upsell, and on the renewal they do not own
    findings = lint_plan(plan(ADOPTION.format(weight=0.5), RENEWAL.format(weight=0.5), UPSELL, archetype="adoption"))
    assert codes(findings) == ["archetype-mismatch", "archetype-mismatch"]
    assert "an adoption CSM is paid commission on upsell_arr" in findings[0].message
    assert "an adoption CSM is paid on gross_renewal_rate, but does not own the renewal" in findings[1].message
    # a full-service CSM with nothing on expansion; a renewal owner with nothing on retention
    (finding,) = lint_plan(plan(RENEWAL.format(weight=1), archetype="full_service"))
    assert "no component pays on expansion" in finding.message
    (finding,) = lint_plan(plan(ADOPTION.format(weight=1), archetype="adoption_renewal"))
    assert "no component pays on retention" in finding.message
    # a retention_referral CSM is pure retention
    (finding,) = lint_plan(plan(RENEWAL.format(weight=1), UPSELL, archetype="retention_referral"))
    assert "a retention_referral CSM is paid commission on upsell_arr" in finding.message
    # no archetype, nothing to compare with
    assert lint_plan(plan(ADOPTION.format(weight=1), UPSELL, archetype="")) == []


def test_the_presets_are_clean_but_for_their_step_cliffs():
    found = {name: codes(lint_plan(parse_plan(preset_text(name)))) for name in PRESETS}
    assert found == {"adoption": ["step-cliff"], "adoption_renewal": [], "full_service": [],
                     "retention_referral": ["step-cliff"], "corporate_mbo": [], "ps_utilization": ["step-cliff"]}


# --- with data ------------------------------------------------------------------------------------

ROSTER = "csm_id,name,segment,base_salary,target_variable,start_date,mbo_score"
ACCOUNTS = "account_id,csm_id,arr_start,renewable_arr,renewed_arr,upsell_arr,adoption_rate"


def _inputs(tmp_path, lint_plan_, roster_rows, account_rows):
    csv_file(tmp_path / "roster.csv", ROSTER, *roster_rows)
    csv_file(tmp_path / "accounts.csv", ACCOUNTS, *account_rows)
    return load_inputs(lint_plan_, tmp_path / "roster.csv", tmp_path / "accounts.csv")


SOUND = plan(RENEWAL.format(weight=0.6), ADOPTION.format(weight=0.4))


def test_sound_data_has_no_warning(tmp_path):
    roster, book = _inputs(tmp_path, SOUND, ["C1,A,SMB,75000,25000,2020-01-01,1"],
                           ["A1,C1,1000000,1000000,950000,0,0.8"])
    assert lint_inputs(SOUND, roster, book) == []


def test_variable_pay_outside_10_to_30_percent_of_ote(tmp_path):
    roster, book = _inputs(tmp_path, SOUND, ["C1,A,SMB,75000,25000,2020-01-01,1", "C2,B,SMB,60000,40000,2020-01-01,1",
                                             "C3,C,SMB,95000,5000,2020-01-01,1"],
                           ["A1,C1,1000000,1000000,950000,0,0.8"])
    findings = lint_inputs(SOUND, roster, book)
    finding = next(f for f in findings if f.code == "variable-share")
    assert finding.where == "roster.csv target_variable"
    assert finding.message.startswith("2 of 3 CSMs have target variable pay outside 10-30% of on-target earnings: "
                                      "C2 40.0% (roster.csv:3), C3 5.0% (roster.csv:4)")


def test_at_risk_pay_mix_outside_70_30_to_80_20(tmp_path):
    roster, book = _inputs(tmp_path, SOUND, ["C1,A,SMB,85000,15000,2020-01-01,1"], ["A1,C1,1,1,1,0,0.8"])
    (finding,) = lint_inputs(SOUND, roster, book)
    assert finding.code == "pay-mix"
    assert finding.message.startswith("the team's pay mix is 85.0/15.0 (base/variable, 1 of 1 CSMs individually "
                                      "outside the range): too little at risk")
    assert finding.benchmark == "at-risk pay mix 70/30 to 80/20"
    # 80.1/19.9 is 80/20 at the benchmark's precision
    roster, book = _inputs(tmp_path, SOUND, ["C1,A,SMB,80100,19900,2020-01-01,1"], ["A1,C1,1,1,1,0,0.8"])
    assert lint_inputs(SOUND, roster, book) == []


def test_mbo_bonus_outside_10_to_20_percent_of_base(tmp_path):
    mbo = plan("""
  - id: mbo
    kind: bonus
    metric: mbo_score
    weight: 1
    target: 1
    curve: {mode: marginal, tiers: [{rate: 1}]}
    cap: 1.2
""", archetype="adoption")
    roster, book = _inputs(tmp_path, mbo, ["C1,A,SMB,100000,25000,2020-01-01,1"], ["A1,C1,1,1,1,0,0.8"])
    (finding,) = lint_inputs(mbo, roster, book)
    assert finding.code == "mbo-share"
    assert "the team's bonus is 25.0% of base salary in this MBO plan" in finding.message
    roster, book = _inputs(tmp_path, mbo, ["C1,A,SMB,100000,15000,2020-01-01,1"], ["A1,C1,1,1,1,0,0.8"])
    assert lint_inputs(mbo, roster, book) == []  # 15% of base: fine (and the pay-mix check is not for MBO plans)


def test_books_above_about_2m_per_csm(tmp_path):
    roster, book = _inputs(tmp_path, SOUND, ["C1,A,SMB,75000,25000,2020-01-01,1", "C2,B,SMB,75000,25000,2020-01-01,1",
                                             "C3,C,SMB,75000,25000,2020-01-01,1"],
                           ["A1,C1,1500000,1,1,0,0.8", "A2,C1,1000000,1,1,0,0.8",   # 2.5M
                            "A3,C2,2040000,1,1,0,0.8",                            # "about 2M": 2.0M
                            "A4,C3,900000,1,1,0,0.8"])
    (finding,) = lint_inputs(SOUND, roster, book)
    assert finding.code == "book-size"
    assert finding.where == "accounts.csv arr_start"
    assert finding.message.startswith("1 of 3 CSMs carry books above $2M of ARR: C1 $2.5M (roster.csv:2)")


def test_magic_number_under_5(tmp_path):
    roster_rows = ["C1,A,SMB,75000,25000,2020-01-01,1"]
    # base cost 75,000 / 4 = 18,750; GRR 0.95 -> attainment 1.032609 -> share 1.048913 x 0.6 x 6,250
    # = 3,933.42; adoption 0.8/0.7 = 1.142857 -> 1.171428 x 0.4 x 6,250 = 2,928.57; cost 25,611.99
    csv_file(tmp_path / "roster.csv", ROSTER, *roster_rows)
    csv_file(tmp_path / "accounts.csv", ACCOUNTS, "A1,C1,100000,100000,95000,0,0.8")
    result = calculate(SOUND, tmp_path / "roster.csv", tmp_path / "accounts.csv", "2027-Q1")
    (finding,) = lint_run(result)
    assert finding.code == "magic-number"
    assert finding.message.startswith("the CS magic number is 3.71 for 2027-Q1")  # 95,000 / 25,611.99
    assert finding.benchmark == "CS magic number healthy above 5"
    csv_file(tmp_path / "accounts.csv", ACCOUNTS, "A1,C1,1000000,1000000,950000,0,0.8")
    assert lint_run(calculate(SOUND, tmp_path / "roster.csv", tmp_path / "accounts.csv", "2027-Q1")) == []
