"""Plan problems of the ledger's fields (SPEC section 9): ``measure``, ``clawback`` and ``year_start``,
each named by ``plan.yaml:LINE field`` and reported together with the rest of the plan's problems."""

import pytest

from xlcomp import PlanError, parse_plan

PLAN = """\
id: csm-ledger
currency: USD
period: quarter
components:
  - id: renewal
    kind: bonus
    metric: gross_renewal_rate
    weight: 1
    target: 0.9
    curve:
      mode: marginal
      tiers: [{upto: 1.0, rate: 1.0}, {rate: 2.0}]
  - id: upsell
    kind: commission
    metric: upsell_arr
    rate: 0.1
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        parse_plan(text, filename="plan.yaml")
    return [str(p) for p in info.value.problems]


def line_of(text: str, fragment: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if fragment in row)


def test_measure_and_clawback_load_when_well_formed():
    text = PLAN.replace("    weight: 1\n", "    measure: ytd\n    weight: 1\n").replace(
        "    rate: 0.1\n", "    rate: 0.1\n    clawback: {days: 90}\n")
    renewal, upsell = parse_plan(text + "year_start: 2027-04-01\n").components
    assert (renewal.measure, renewal.clawback_days) == ("ytd", None)
    assert (upsell.measure, upsell.clawback_days) == ("period", 90)
    assert parse_plan(text + "year_start: 2027-04-01\n").year_start.isoformat() == "2027-04-01"


def test_a_measure_that_is_neither_period_nor_ytd():
    text = PLAN.replace("    weight: 1\n", "    measure: annual\n    weight: 1\n")
    assert problems(text) == [f'plan.yaml:{line_of(text, "measure:")} components[0].measure: "annual" is not one '
                              "of period, ytd"]


def test_a_measure_written_as_a_list_is_named_too():
    text = PLAN.replace("    rate: 0.1\n", "    rate: 0.1\n    measure: [ytd]\n")
    assert problems(text) == [f'plan.yaml:{line_of(text, "measure:")} components[1].measure: write one of period, '
                              "ytd (a single word)"]


def test_a_clawback_on_a_bonus_is_refused():
    text = PLAN.replace("    weight: 1\n", "    clawback: {days: 90}\n    weight: 1\n")
    assert problems(text) == [f"plan.yaml:{line_of(text, 'clawback:')} components[0].clawback: a clawback takes "
                              "back commission: it applies to commission components only"]


@pytest.mark.parametrize("written", ["90", "{weeks: 12}", "{days: 90, grace: 5}", "[90]"])
def test_a_clawback_not_written_as_days(written):
    text = PLAN.replace("    rate: 0.1\n", f"    rate: 0.1\n    clawback: {written}\n")
    assert problems(text) == [f"plan.yaml:{line_of(text, 'clawback:')} components[1].clawback: write it as "
                              "{days: N}, N the days after the paying period's end"]


@pytest.mark.parametrize("days", ["-30", "ninety", "12.5"])
def test_clawback_days_must_be_a_whole_number(days):
    text = PLAN.replace("    rate: 0.1\n", f"    rate: 0.1\n    clawback:\n      days: {days}\n")
    assert problems(text) == [f'plan.yaml:{line_of(text, "days:")} components[1].clawback.days: "{days}" is not '
                              "a whole number of days"]


def test_a_clawback_on_a_metric_not_from_accounts():
    text = PLAN.replace("metric: upsell_arr", "metric: company_attainment").replace(
        "    rate: 0.1\n", "    rate: 0.1\n    clawback: {days: 30}\n")
    metric, clawback = line_of(text, "company_attainment"), line_of(text, "clawback:")
    assert problems(text) == [
        f'plan.yaml:{metric} components[1].metric: "company_attainment" is a rate, not an amount: a commission pays '
        "on money or counts (pay a rate metric as a bonus)",
        f'plan.yaml:{clawback} components[1].clawback: "company_attainment" does not come from accounts: a clawback '
        "needs account amounts to share the payout"]


@pytest.mark.parametrize(("written", "message"), [
    ("2027-13-01", '"2027-13-01" is not a date (use YYYY-MM-DD)'),
    ("next april", '"next april" is not a date (use YYYY-MM-DD)'),
    ("2027-02-01", "2027-02-01 is not the first day of a quarter: a plan year starts where a period starts"),
    ("2027-04-15", "2027-04-15 is not the first day of a quarter: a plan year starts where a period starts"),
])
def test_year_start_problems(written, message):
    text = PLAN + f"year_start: {written}\n"
    assert problems(text) == [f"plan.yaml:{line_of(text, 'year_start:')} year_start: {message}"]


def test_ledger_problems_come_with_the_plans_other_problems():
    text = PLAN.replace("    weight: 1\n", "    measure: annual\n    weight: 1.4\n").replace(
        "    rate: 0.1\n", "    rate: 0.1\n    clawback: {days: soon}\n")
    found = problems(text)
    assert f"plan.yaml:{line_of(text, 'weight: 1.4')} components[0].weight: 1.4 is above 1" in found
    assert any("components[0].measure" in p for p in found)
    assert any("components[1].clawback.days" in p for p in found)
