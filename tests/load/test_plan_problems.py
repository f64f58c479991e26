"""Plan problems carry file:line and the field path, all of them at once."""

import pytest

from xlcomp import PlanError, load_plan, parse_plan
from xlcomp.model import CurveMode, Kind


def problems(text: str) -> list[str]:
    with pytest.raises(PlanError) as info:
        parse_plan(text, filename="plan.yaml")
    return [str(p) for p in info.value.problems]


def test_the_spec_plan_loads_exactly(spec_plan_text):
    plan = parse_plan(spec_plan_text)
    assert plan.id == "csm-fy27-ar" and plan.period.value == "quarter"
    renewal, upsell = plan.components
    assert renewal.kind is Kind.BONUS and str(renewal.weight) == "0.6" and str(renewal.target.value) == "0.92"
    assert renewal.curve.mode is CurveMode.MARGINAL and renewal.curve.tiers[-1].upto is None
    assert upsell.quota.column == "quota_upsell" and upsell.gate.metric == "gross_renewal_rate"
    assert plan.multipliers[0].applies_to == ("renewal",)
    assert len(plan.digest) == 64


def test_weight_above_one_names_line_and_field(spec_plan_text):
    text = spec_plan_text.replace("weight: 0.6", "weight: 1.4")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "weight: 1.4" in row)
    assert problems(text) == [f"plan.yaml:{line} components[0].weight: 1.4 is above 1"]


def test_every_problem_is_reported_together():
    found = problems("""
id: Bad_ID
period: fortnight
components:
  - id: a
    kind: bonus
    metric: happiness
    weight: -0.1
    target: 0
    curve:
      mode: marginal
      tiers: [{upto: 1.2, rate: 1}, {upto: 1.0, rate: 2}, {rate: 1}]
  - id: a
    kind: commission
    metric: gross_renewal_rate
    rate: 0.1
""")
    text = "\n".join(found)
    assert 'plan.yaml:2 id: "Bad_ID" is not valid' in text
    assert 'plan.yaml:3 period: "fortnight" is not one of month, quarter, half, year' in text
    assert 'plan.yaml:7 components[0].metric: "happiness" is not a known metric' in text
    assert "plan.yaml:8 components[0].weight: -0.1 is below 0" in text
    assert "plan.yaml:9 components[0].target: 0 must be above 0" in text
    assert "components[0].curve.tiers[1].upto: 1.0 is not above the previous tier's upto 1.2" in text
    assert 'components[1].metric: "gross_renewal_rate" is a rate, not an amount' in text


def test_unknown_fields_and_yaml_errors_have_lines():
    assert problems("id: x\nperiod: quarter\ncomponents: []\nwieght: 1\n") == [
        "plan.yaml:3 components: the plan has no components",
        "plan.yaml:4 wieght: unknown field (known: archetype, components, currency, description, effective, id, "
        "inputs, multipliers, name, period, ramp, version, year_start)",
    ]
    assert problems("id: x\n  period: [\n") [0].startswith("plan.yaml:2")


def test_commission_needs_quota_for_tiers_and_multiplier_names_real_components():
    found = "\n".join(problems("""
id: x
period: quarter
components:
  - id: up
    kind: commission
    metric: upsell_arr
    curve: {mode: marginal, tiers: [{rate: 0.05}]}
multipliers:
  - {metric: nps, applies_to: [renewal], bands: [{min: 30, factor: 1.05}]}
"""))
    assert "components[0].curve: tiers need a quota" in found
    assert "components[0].rate: is required" in found
    assert 'multipliers[0].applies_to[0]: "renewal" is not a component of this plan' in found


def test_missing_file_is_a_plan_problem(tmp_path):
    with pytest.raises(PlanError, match="file not found"):
        load_plan(tmp_path / "nope.yaml")
