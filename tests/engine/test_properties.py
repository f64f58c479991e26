"""What must always hold (hypothesis): shares and payouts never negative, non-decreasing in attainment for
non-decreasing curves, caps respected, a CSM's total the sum of its rounded components."""

from __future__ import annotations

from decimal import Decimal as D

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.test_against_reference import PERIODS, plans
from xlcomp import calculate
from xlcomp.demo.sample import sample_book
from xlcomp.engine.curves import commission_value, tier_share
from xlcomp.model import Curve, CurveMode, Tier

rates = st.decimals(min_value=0, max_value=5, places=3)
attainments = st.decimals(min_value=0, max_value=4, places=6)


@st.composite
def curves(draw, mode: str, increasing: bool):
    n = draw(st.integers(1, 5))
    bounds = sorted(draw(st.sets(st.decimals(min_value="0.05", max_value=3, places=2), min_size=n - 1,
                                 max_size=n - 1)))
    tier_rates = [draw(rates) for _ in range(n)]
    if increasing:
        tier_rates.sort()
    uptos: list[D | None] = [*bounds, None]
    return Curve(CurveMode(mode), tuple(Tier(u, r) for u, r in zip(uptos, tier_rates, strict=True)))


@given(st.sampled_from(["marginal", "whole", "steps"]).flatmap(lambda m: curves(m, False)), attainments)
def test_shares_are_never_negative(curve, attainment):
    share, segments = tier_share(attainment, curve)
    assert share >= 0 and all(s.value >= 0 for s in segments)


@given(st.data(), attainments, attainments)
def test_marginal_is_non_decreasing_for_non_negative_rates(data, a, b):
    curve = data.draw(curves("marginal", False))
    low, high = sorted((a, b))
    assert tier_share(low, curve)[0] <= tier_share(high, curve)[0]


@given(st.data(), st.sampled_from(["whole", "steps"]), attainments, attainments)
def test_whole_and_steps_are_non_decreasing_for_non_decreasing_rates(data, mode, a, b):
    curve = data.draw(curves(mode, True))
    low, high = sorted((a, b))
    assert tier_share(low, curve)[0] <= tier_share(high, curve)[0]


@given(st.data(), st.decimals(min_value=0, max_value=10**7, places=2), st.decimals(min_value=0, max_value=10**7,
                                                                                      places=2))
def test_commission_is_non_decreasing_in_the_amount(data, a, b):
    curve = data.draw(curves("marginal", False))
    quota = D(100_000)
    low, high = sorted((a, b))
    assert commission_value(low, quota, low / quota, curve)[0] <= commission_value(high, quota, high / quota,
                                                                                   curve)[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans(), seed=st.integers(0, 10_000))
def test_run_invariants(tmp_path, plan, seed):
    roster, accounts = sample_book(6, 50, seed, PERIODS[plan["period"]])
    roster.to_csv(tmp_path / "r.csv", index=False)
    accounts.to_csv(tmp_path / "a.csv", index=False)
    result = calculate(yaml.safe_dump(plan), tmp_path / "r.csv", tmp_path / "a.csv", PERIODS[plan["period"]])
    for csm in result.csms:
        assert csm.total == sum(c.payout for c in csm.components)
        assert 0 <= csm.proration <= 1
        for c in csm.components:
            assert c.payout >= 0
            assert c.payout == c.payout.quantize(D("0.01"))
            spec = c.component
            if spec.cap is not None and c.share is not None:
                assert c.share <= spec.cap
                assert c.payout <= (c.target_incentive * spec.cap * c.multiplier).quantize(D("0.01")) + D("0.01")
            if spec.cap_amount is not None:
                assert c.payout <= (spec.cap_amount * c.multiplier).quantize(D("0.01")) + D("0.01")
    assert result.total == sum(c.total for c in result.csms)
