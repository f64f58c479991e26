"""The engine against an independent, exact-fraction implementation of SPEC sections 2-3, on random plans
and books (hypothesis), and on the demo presets."""

from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import reference
from xlcomp import calculate
from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.demo.sample import sample_book

BONUS_METRICS = ["gross_renewal_rate", "net_revenue_retention", "health_score", "adoption_rate", "nps",
                 "onboarding_rate", "logo_churn_rate", "mbo_score", "utilization", "company_attainment",
                 "upsell_arr", "referrals"]
AMOUNT_METRICS = ["upsell_arr", "cross_sell_arr", "expansion_arr", "renewed_arr", "value_identified_arr",
                  "referrals"]
decimals = st.decimals(min_value=0, max_value=3, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def curves(draw, modes=("marginal", "whole", "steps")):
    mode = draw(st.sampled_from(modes))
    n = draw(st.integers(1, 4))
    bounds = sorted(draw(st.sets(st.decimals(min_value="0.1", max_value="2", places=2), min_size=n - 1,
                                 max_size=n - 1)))
    tiers = [{"upto": float(b), "rate": float(draw(decimals))} for b in bounds]
    last = {"rate": float(draw(decimals))}
    if draw(st.booleans()):
        last["upto"] = float(bounds[-1] + D("0.5")) if bounds else 1.5
    return {"mode": mode, "tiers": [*tiers, last]}


@st.composite
def plans(draw):
    components = []
    for i in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            comp = {"id": f"c{i}", "kind": "bonus", "metric": draw(st.sampled_from(BONUS_METRICS)),
                    "weight": float(draw(st.decimals(min_value=0, max_value=1, places=2))),
                    "target": float(draw(st.decimals(min_value="0.05", max_value=2, places=3))),
                    "curve": draw(curves())}
            if comp["metric"] in ("nps", "health_score", "upsell_arr", "referrals"):
                comp["target"] = float(draw(st.decimals(min_value=1, max_value=90, places=1)))
            if draw(st.booleans()):
                comp["threshold"] = float(draw(st.decimals(min_value=0, max_value="1.1", places=2)))
            if draw(st.booleans()):
                comp["cap"] = float(draw(st.decimals(min_value="0.5", max_value=3, places=2)))
            if comp["metric"] == "gross_renewal_rate" and draw(st.booleans()):
                comp["target"] = {"base": 0.92, "risk_adjust": {"per_point": 0.002, "reference": 40, "floor": 0.8,
                                                                "ceiling": 0.97}}
        else:
            comp = {"id": f"c{i}", "kind": "commission", "metric": draw(st.sampled_from(AMOUNT_METRICS))}
            if draw(st.booleans()):
                comp["quota"] = {"column": "quota_upsell"} if draw(st.booleans()) else float(
                    draw(st.integers(1000, 200_000)))
                comp["curve"] = draw(curves(("marginal", "whole")))
            else:
                comp["rate"] = float(draw(st.decimals(min_value=0, max_value="0.3", places=3)))
            if draw(st.booleans()):
                comp["cap_amount"] = float(draw(st.integers(0, 20_000)))
        if draw(st.booleans()):
            comp["gate"] = {"metric": draw(st.sampled_from(["gross_renewal_rate", "nps", "health_score"])),
                            "min": float(draw(st.decimals(min_value=0, max_value=80, places=2)))}
        components.append(comp)
    plan = {"id": "random", "period": draw(st.sampled_from(["month", "quarter", "half", "year"])),
            "inputs": {"company_attainment": float(draw(st.decimals(min_value="0.5", max_value="1.5", places=3)))},
            "components": components}
    if draw(st.booleans()):
        plan["multipliers"] = [{"metric": draw(st.sampled_from(["nps", "health_score", "adoption_rate"])),
                                "bands": [{"min": 10, "factor": 1.05}, {"min": 40, "factor": 1.1},
                                          {"min": 0.5, "factor": 1.02}]}]
    return plan


PERIODS = {"month": "2027-02", "quarter": "2027-Q1", "half": "2027-H1", "year": "2027"}


def check(plan: dict | str, roster: Path, accounts: Path, period: str) -> int:
    text = plan if isinstance(plan, str) else yaml.safe_dump(plan, sort_keys=False)
    result = calculate(text, roster, accounts, period)
    expected = reference.payouts(text, roster, accounts, period)
    got = {(c.csm_id, c.component.id): F(c.payout) for csm in result.csms for c in csm.components}
    assert got == expected
    return len(got)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans(), seed=st.integers(0, 10_000))
def test_engine_equals_an_independent_implementation(tmp_path, plan, seed):
    roster, accounts = sample_book(8, 60, seed, PERIODS[plan["period"]])
    roster.to_csv(tmp_path / "r.csv", index=False)
    accounts.to_csv(tmp_path / "a.csv", index=False)
    assert check(plan, tmp_path / "r.csv", tmp_path / "a.csv", PERIODS[plan["period"]]) == 8 * len(
        plan["components"])


def test_demo_presets_equal_the_independent_implementation(tmp_path):
    roster, accounts = sample_book(40, 2000, 7, "2027-Q1")
    roster.to_csv(tmp_path / "r.csv", index=False)
    accounts.to_csv(tmp_path / "a.csv", index=False)
    for name in PRESETS:
        assert check(preset_text(name), tmp_path / "r.csv", tmp_path / "a.csv", "2027-Q1") >= 40
