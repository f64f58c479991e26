"""The worksheet functions and the engine cannot disagree: random curves and attainments, and a whole run.

Arguments go in as Excel sends them (floats, None for blanks, ranges as rows), results come back as
floats; the engine works on Decimals. Equality is exact: the float Excel shows is the float of the
engine's Decimal.
"""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp import calculate
from xlcomp.engine.metrics import MetricValue
from xlcomp.engine.payouts import bonus, commission
from xlcomp.functions import REGISTRY
from xlcomp.model.plan import Component, Curve, CurveMode, Kind, Target, Tier

# Decimals with a few places, as people type them: exact as floats through their repr.
uptos = st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=5, unique=True).map(
    lambda values: [D(v) / 100 for v in sorted(values)])
rates = st.integers(min_value=0, max_value=5000).map(lambda v: D(v) / 1000)


@st.composite
def curves(draw: st.DrawFn, modes: tuple[CurveMode, ...]) -> Curve:
    bounds = draw(uptos)
    open_end = draw(st.booleans())
    tiers = [Tier(upto, draw(rates)) for upto in bounds]
    if open_end:
        tiers.append(Tier(None, draw(rates)))
    return Curve(draw(st.sampled_from(modes)), tuple(tiers))


def as_range(curve: Curve) -> list[list[float | None]]:
    """The tiers as Excel passes a 2-column range: upto | rate, a blank last upto."""
    return [[None if tier.upto is None else float(tier.upto), float(tier.rate)] for tier in curve.tiers]


def optional(strategy: st.SearchStrategy[D]) -> st.SearchStrategy[D | None]:
    return st.one_of(st.none(), strategy)


@settings(max_examples=400, deadline=None)
@given(curve=curves((CurveMode.MARGINAL, CurveMode.WHOLE, CurveMode.STEPS)),
       actual=st.integers(min_value=-1000, max_value=3_000_000).map(lambda v: D(v) / 10**6),
       target=st.integers(min_value=1, max_value=2000).map(lambda v: D(v) / 1000),
       threshold=optional(st.integers(min_value=0, max_value=150).map(lambda v: D(v) / 100)),
       cap=optional(st.integers(min_value=0, max_value=400).map(lambda v: D(v) / 100)))
def test_tiered_share_is_the_engines_bonus_share(curve, actual, target, threshold, cap):
    component = Component(id="renewal", kind=Kind.BONUS, metric="gross_renewal_rate", weight=D(1),
                          target=Target(value=target), threshold=threshold, curve=curve, cap=cap)
    engine = bonus(component, "CSM-1", MetricValue("gross_renewal_rate", actual), target, D(40000), 90, 90, 4, {}, ())
    attainment = REGISTRY["CSM_ATTAINMENT"](float(actual), float(target))
    assert attainment == float(engine.attainment)
    share = REGISTRY["CSM_TIERED"](attainment, as_range(curve), curve.mode.value,
                                   None if threshold is None else float(threshold), None if cap is None else float(cap))
    assert share == float(engine.share)


@settings(max_examples=400, deadline=None)
@given(curve=curves((CurveMode.MARGINAL, CurveMode.WHOLE)),
       amount=st.integers(min_value=-10**8, max_value=10**10).map(lambda v: D(v) / 100),
       quota=st.integers(min_value=1, max_value=10**9).map(lambda v: D(v) / 100))
def test_commission_is_the_engines_commission(curve, amount, quota):
    component = Component(id="upsell", kind=Kind.COMMISSION, metric="upsell_arr", quota=Target(value=quota),
                          curve=curve)
    engine = commission(component, "CSM-1", MetricValue("upsell_arr", amount), quota, {}, ())
    assert REGISTRY["CSM_COMMISSION"](float(amount), float(quota), as_range(curve), curve.mode.value) \
        == float(engine.payout)


def test_a_whole_run_recomputed_with_the_functions(project: Path):
    """The SPEC plan on the shared three-CSM project: every attainment, share, proration and commission."""
    result = calculate(project / "plan.yaml", project / "roster.csv", project / "accounts.csv", "2027-Q1")
    bonus_tiers = [["upto", "rate"], [1.0, 1.0], [1.1, 3.0], ["", 1.0]]
    checked = 0
    for csm in result.csms:
        sums = csm.sums.sum
        proration = REGISTRY["CSM_PRORATION"](csm.csm.start_date, csm.csm.end_date, result.period.start,
                                              result.period.end)
        assert proration == float(csm.proration)
        renewal = csm.component("renewal")
        grr = REGISTRY["CS_GRR"](float(sums("renewable_arr")), float(sums("renewed_arr")))
        if renewal.attainment is None:
            assert grr == "#DIV/0!"
        else:
            attainment = REGISTRY["CSM_ATTAINMENT"](grr, 0.92)
            assert attainment == float(renewal.attainment)
            share = REGISTRY["CSM_TIERED"](attainment, bonus_tiers, "marginal", 0.85, 1.5)
            assert share == float(renewal.share)
            checked += 1
        upsell = csm.component("upsell")
        quota = csm.csm.value("quota_upsell")
        value = REGISTRY["CSM_COMMISSION"](float(sums("upsell_arr")), float(quota), [[1, 0.05], [None, 0.08]])
        gate_passed = upsell.trace.gate is not None and upsell.trace.gate.passed
        assert (value if gate_passed else 0) == float(upsell.payout)
        checked += 1
    assert checked == 5
    # the engine test's numbers
    assert REGISTRY["CSM_TIERED"](REGISTRY["CSM_ATTAINMENT"](0.95, 0.92), bonus_tiers, "marginal", 0.85, 1.5) \
        == 1.097827
