"""The vectorised payout math agrees with the engine to the cent; Monte Carlo runs are seeded and stable."""

from __future__ import annotations

import time
from decimal import Decimal as D
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import write
from xlcomp import calculate
from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine.curves import commission_value, holding_tier, tier_share
from xlcomp.engine.run import run
from xlcomp.errors import InputError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model import Curve, CurveMode, Tier
from xlcomp.model.period import parse_period
from xlcomp.money import excel_round
from xlcomp.outputs import payouts_csv
from xlcomp.roi.montecarlo import Factors, compile_run, load_history, simulate
from xlcomp.roi.vector import round_half_away, vector_commission, vector_holding_tier, vector_share

Q1 = parse_period("2027-Q1")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> tuple[Path, Path]:
    """The demo's sample book (40 CSMs, 2,000 accounts), as CSV files."""
    folder = tmp_path_factory.mktemp("book")
    roster, accounts = sample_book(40, 2000, 7, "2027-Q1")
    roster.to_csv(folder / "roster.csv", index=False)
    accounts.to_csv(folder / "accounts.csv", index=False)
    return folder / "roster.csv", folder / "accounts.csv"


def _engine_payouts(result) -> np.ndarray:
    return np.array([[float(c.payout) for c in csm.components] for csm in result.csms])


def _vector_payouts(compiled, factor) -> np.ndarray:
    by_component = compiled.component_payouts(factor)
    return np.stack([by_component[c.id] for c in compiled.result.plan.components], axis=1)


@pytest.mark.parametrize("preset", PRESETS)
def test_at_the_actual_results_the_vectors_are_the_engine_to_the_cent(book, preset):
    result = calculate(parse_plan(preset_text(preset)), *book, "2027-Q1")
    compiled = compile_run(result)
    assert np.array_equal(_vector_payouts(compiled, np.ones(compiled.csms)), _engine_payouts(result))


def test_with_roster_changes_the_vectors_are_the_engine_to_the_cent(book, tmp_path):
    # a mid-quarter target change: the draws' target incentives are the stretches' (Σ target_variable x days),
    # as the engine's; with the roster's value alone CSM-0001's bonuses would be off
    from xlcomp.engine.run import run
    from xlcomp.load.changes import load_changes
    from xlcomp.load.inputs import load_inputs
    from xlcomp.model.period import parse_period

    plan = parse_plan(preset_text("full_service"))
    roster, accounts = load_inputs(plan, *book)
    changes_file = tmp_path / "changes.csv"
    changes_file.write_text("csm_id,field,value,effective\n" + "".join(
        f"{c.csm_id},target_variable,{c.target_variable * 2},2027-02-15\n" for c in roster.csms[:3]))
    period = parse_period("2027-Q1")
    result = run(plan, roster, accounts, period, changes=load_changes(changes_file, roster, period, plan))
    compiled = compile_run(result)
    assert np.array_equal(_vector_payouts(compiled, np.ones(compiled.csms)), _engine_payouts(result))
    plain = run(plan, roster, accounts, period)
    assert not np.array_equal(_engine_payouts(plain), _engine_payouts(result))   # the changes changed pay


@pytest.mark.parametrize("preset", ["full_service", "adoption_renewal", "retention_referral", "corporate_mbo"])
@pytest.mark.parametrize("scale", ["0.8", "1.2", "0.37"])
def test_a_common_factor_is_the_engine_scenario_to_the_cent(book, preset, scale):
    plan = parse_plan(preset_text(preset))
    roster, accounts = load_inputs(plan, *book)
    scaled = run(plan, roster, accounts, Q1, scale=D(scale))
    compiled = compile_run(run(plan, roster, accounts, Q1))
    vectors = _vector_payouts(compiled, np.full(compiled.csms, float(scale)))
    assert np.array_equal(vectors, _engine_payouts(scaled))


def test_the_spec_project_at_f_1(project):
    result = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")
    compiled = compile_run(result)
    assert np.array_equal(_vector_payouts(compiled, np.ones(3)), _engine_payouts(result))


# --- random curves against the engine's curve functions -------------------------------------------

rates = st.decimals(min_value=0, max_value=5, places=3)
attainments = st.decimals(min_value=0, max_value=4, places=6)


@st.composite
def curves(draw, modes=("marginal", "whole", "steps")):
    mode = draw(st.sampled_from(modes))
    n = draw(st.integers(1, 5))
    bounds = sorted(draw(st.sets(st.decimals(min_value="0.05", max_value=3, places=2), min_size=n - 1,
                                 max_size=n - 1)))
    open_end = draw(st.booleans()) or n == 1
    uptos: list[D | None] = [*bounds, None] if open_end else [*bounds, bounds[-1] + D("0.5")] if bounds else [None]
    tier_rates = [draw(rates) for _ in uptos]
    return Curve(CurveMode(mode), tuple(Tier(u, r) for u, r in zip(uptos, tier_rates, strict=True)))


@given(curves(), st.lists(attainments, min_size=1, max_size=20))
def test_vector_share_is_tier_share(curve, values):
    shares = vector_share(np.array([float(v) for v in values]), curve)
    tiers = vector_holding_tier(curve, np.array([float(v) for v in values]))
    for value, share, tier in zip(values, shares, tiers, strict=True):
        exact = tier_share(value, curve)[0]
        assert share == pytest.approx(float(exact), rel=1e-12, abs=1e-12)
        assert tier == holding_tier(curve, value)


@given(curves(("marginal", "whole")), st.lists(st.decimals(min_value=0, max_value=10**7, places=2), min_size=1,
                                               max_size=20), st.decimals(min_value=1000, max_value=10**6, places=0))
def test_vector_commission_is_commission_value(curve, amounts, quota):
    values = np.array([float(a) for a in amounts])
    attained = [excel_round(a / quota, 6) for a in amounts]
    got = vector_commission(values, np.full_like(values, float(quota)), np.array([float(a) for a in attained]),
                            curve)
    for amount, attainment, value in zip(amounts, attained, got, strict=True):
        exact = commission_value(amount, quota, attainment, curve)[0]
        assert value == pytest.approx(float(exact), rel=1e-12, abs=1e-9)


@given(st.decimals(min_value=-10**10, max_value=10**10, places=6), st.integers(0, 6))
def test_round_half_away_is_excel_round(value, places):
    # a decimal with up to 6 places, as a float, rounds like Excel's ROUND on the decimal, up to
    # 1e12 units of the last place (beyond, a float cannot hold the decimal's last digit)
    assume(abs(value) * 10**places < 10**12)
    assert round_half_away(np.array([float(value)]), places)[0] == float(excel_round(value, places))


# --- random plans on a real book: the whole component, gates and multipliers included -----------

@st.composite
def plan_texts(draw):
    def curve_yaml(modes):
        curve = draw(curves(modes))
        tiers = [{"rate": str(t.rate)} | ({"upto": str(t.upto)} if t.upto is not None else {})
                 for t in curve.tiers]
        return {"mode": curve.mode.value, "tiers": tiers}

    bonus = {"id": "bonus", "kind": "bonus", "weight": "1",
             "metric": draw(st.sampled_from(["gross_renewal_rate", "net_revenue_retention", "adoption_rate",
                                             "health_score", "onboarding_rate", "mbo_score", "utilization"])),
             "curve": curve_yaml(("marginal", "whole", "steps"))}
    bonus["target"] = {"health_score": "70", "mbo_score": "0.9"}.get(bonus["metric"], draw(
        st.sampled_from(["0.6", "0.85", "0.92", "1.05"])))
    if draw(st.booleans()):
        bonus["threshold"] = str(draw(st.decimals(min_value="0.3", max_value="1.1", places=2)))
    if draw(st.booleans()):
        bonus["cap"] = str(draw(st.decimals(min_value="0.5", max_value="2.5", places=2)))
    commission: dict[str, object] = {"id": "commission", "kind": "commission",
                                     "metric": draw(st.sampled_from(["upsell_arr", "cross_sell_arr",
                                                                     "expansion_arr", "referrals"]))}
    if draw(st.booleans()):
        commission["quota"] = {"column": "quota_upsell"}
        commission["curve"] = curve_yaml(("marginal", "whole"))
        commission["curve"]["tiers"] = [dict(t, rate=str(D(t["rate"]) / 20)) for t in commission["curve"]["tiers"]]
        if draw(st.booleans()):
            commission["threshold"] = str(draw(st.decimals(min_value="0.2", max_value="1.2", places=2)))
    else:
        commission["rate"] = str(draw(st.decimals(min_value="0.01", max_value="0.2", places=3)))
    if draw(st.booleans()):
        commission["cap_amount"] = str(draw(st.integers(500, 20000)))
    for component in (bonus, commission):
        if draw(st.booleans()):
            component["gate"] = {"metric": draw(st.sampled_from(["gross_renewal_rate", "nps", "health_score"])),
                                 "min": str(draw(st.decimals(min_value="0.5", max_value=60, places=2)))}
    plan = {"id": "random", "period": "quarter", "components": [bonus, commission]}
    if draw(st.booleans()):
        plan["multipliers"] = [{"metric": draw(st.sampled_from(["nps", "health_score", "adoption_rate"])),
                                "bands": [{"min": "0.5", "factor": "1.05"}, {"min": "30", "factor": "1.1"},
                                          {"min": "60", "factor": "0.9"}]}]
    return yaml.safe_dump(plan, sort_keys=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(plan_texts(), st.sampled_from(["1", "0.9", "1.15"]))
def test_random_plans_agree_with_the_engine_to_the_cent(book, text, scale):
    plan = parse_plan(text)
    roster, accounts = load_inputs(plan, *book)
    compiled = compile_run(run(plan, roster, accounts, Q1))
    expected = run(plan, roster, accounts, Q1, scale=None if scale == "1" else D(scale))
    assert np.array_equal(_vector_payouts(compiled, np.full(compiled.csms, float(scale))), _engine_payouts(expected))


# --- the simulation ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled_full(book):
    return compile_run(calculate(parse_plan(preset_text("full_service")), *book, "2027-Q1"))


def test_seeded_runs_repeat_exactly_whatever_the_chunking(compiled_full):
    first = simulate(compiled_full, 3000, seed=11)
    again = simulate(compiled_full, 3000, seed=11, chunk_cells=7 * compiled_full.csms)
    assert np.array_equal(first.cs_team_cost, again.cs_team_cost)
    assert np.array_equal(first.cs_magic_number, again.cs_magic_number)
    assert first.percentiles("cs_team_cost") == again.percentiles("cs_team_cost")
    other = simulate(compiled_full, 3000, seed=12)
    assert not np.array_equal(first.cs_team_cost, other.cs_team_cost)


def test_percentiles_are_stable_across_seeds(compiled_full):
    runs = [simulate(compiled_full, 4000, seed=seed) for seed in (1, 2, 3)]
    for metric in ("cs_team_cost", "cs_magic_number"):
        for p in (10, 50, 90):
            values = [r.percentiles(metric)[p] for r in runs]
            assert max(values) / min(values) < 1.02, (metric, p, values)


def test_no_spread_every_draw_is_the_actual_period(compiled_full):
    simulation = simulate(compiled_full, 50, seed=1, spread=0.0)
    actual = compiled_full.result.total
    assert np.all(simulation.variable_cost.round(2) == float(actual))
    points = simulation.percentiles("cs_team_cost")
    assert points[10] == points[50] == points[90] == pytest.approx(float(simulation.actual["cs_team_cost"]),
                                                                   abs=0.005)


def test_a_shared_team_factor_widens_the_cost_range(compiled_full):
    def width(correlation: float) -> float:
        points = simulate(compiled_full, 3000, seed=5, correlation=correlation).percentiles("cs_team_cost")
        assert points[90] is not None and points[10] is not None
        return points[90] - points[10]

    assert width(1.0) > 1.5 * width(0.0)


def test_normal_distribution_and_more_spread(compiled_full):
    narrow = simulate(compiled_full, 2000, seed=3, spread=0.05, distribution="normal").percentiles("variable_cost")
    wide = simulate(compiled_full, 2000, seed=3, spread=0.3, distribution="normal").percentiles("variable_cost")
    assert wide[90] - wide[10] > narrow[90] - narrow[10]  # type: ignore[operator]


def test_bootstrap_from_past_payouts(tmp_path, compiled_full):
    result = compiled_full.result
    # A past period where everyone performed alike: every factor is 1, every draw the actual period.
    flat = write(tmp_path / "flat.csv", "csm_id,component,attainment\n"
                 + "".join(f"{c.csm.csm_id},renewal,0.95\n" for c in result.csms))
    simulation = simulate(compiled_full, 200, seed=4, history=load_history([flat]))
    assert simulation.distribution == "bootstrap"
    assert np.all(simulation.variable_cost.round(2) == float(result.total))
    # Two past periods, a bad and a good one for gross renewal (0.5 and 1.5 of the mean 1.0): a draw scales
    # every CSM's gross renewal rate by 0.5 or by 1.5, never a mix; upsell (no history) does not move.
    bad = write(tmp_path / "bad.csv", "csm_id,metric,attainment\nX,gross_renewal_rate,0.5\nY,gross_renewal_rate,0.5\n")
    good = write(tmp_path / "good.csv", "csm_id,metric,attainment\nX,gross_renewal_rate,1.2\n"
                 "X,gross_renewal_rate,1.8\nY,gross_renewal_rate,1.5\n")
    simulation = simulate(compiled_full, 400, seed=4, history=load_history([bad, good]))
    ones = np.ones(compiled_full.csms)
    totals = {round(compiled_full.payouts(Factors(ones, {"gross_renewal_rate": ones * f})).sum(), 2): f
              for f in (0.5, 1.5)}
    assert set(np.round(simulation.variable_cost, 2)) == set(totals)
    # bootstrapping from the period's own payouts.csv spreads the forecast around the actual cost
    own = tmp_path / "payouts.csv"
    own.write_text(payouts_csv(result), encoding="utf-8")
    itself = simulate(compiled_full, 2000, seed=4, history=load_history([own])).percentiles("variable_cost")
    assert itself[10] < float(result.total) < itself[90]  # type: ignore[operator]


def test_history_problems_name_file_and_line(tmp_path):
    bad = write(tmp_path / "bad.csv", "csm_id,metric,attainment\nC1,nps,0.9\nC2,nps,abc\nC3,nps,-1\n")
    wrong = write(tmp_path / "wrong.csv", "csm_id,payout\nC1,10\n")
    with pytest.raises(InputError) as caught:
        load_history([bad, wrong, tmp_path / "missing.csv"])
    text = str(caught.value)
    assert 'bad.csv:3 attainment: "abc" is not a number' in text
    assert "bad.csv:4 attainment: -1 is negative" in text
    assert "wrong.csv:1: not a payouts.csv: attainment and metric are missing" in text
    assert "missing.csv: file not found" in text


def test_ten_thousand_draws_of_a_thousand_csms_take_seconds(tmp_path):
    roster, accounts = sample_book(1000, 20000, 3, "2027-Q1")
    roster.to_csv(tmp_path / "roster.csv", index=False)
    accounts.to_csv(tmp_path / "accounts.csv", index=False)
    compiled = compile_run(calculate(parse_plan(preset_text("full_service")), tmp_path / "roster.csv",
                                     tmp_path / "accounts.csv", "2027-Q1"))
    started = time.perf_counter()
    simulation = simulate(compiled, 10_000, seed=1)
    elapsed = time.perf_counter() - started
    assert simulation.cs_team_cost.shape == (10_000,)
    assert elapsed < 30, f"10,000 x 1,000 took {elapsed:.1f}s"
