"""Curves and commission tiers, worked by hand (SPEC section 3, DOMAIN worked example)."""

from decimal import Decimal as D

from xlcomp.engine.curves import commission_value, holding_tier, tier_share
from xlcomp.model import Curve, CurveMode, Tier


def curve(mode: str, *tiers: tuple[str | None, str]) -> Curve:
    return Curve(CurveMode(mode), tuple(Tier(D(u) if u else None, D(r)) for u, r in tiers))


SPEC_TIERS = (("1.0", "1.0"), ("1.1", "3.0"), (None, "1.0"))


def test_marginal_pays_each_tier_its_rate_on_the_part_inside_it():
    share, segments = tier_share(D("1.05"), curve("marginal", *SPEC_TIERS))
    # 1.0 x 1.0 + 0.05 x 3.0
    assert share == D("1.15")
    assert [(s.lower, s.upper, s.rate, s.base, s.value) for s in segments] == [
        (D(0), D("1.0"), D("1.0"), D("1.0"), D("1.0")),
        (D("1.0"), D("1.1"), D("3.0"), D("0.05"), D("0.15")),
    ]
    share, _ = tier_share(D("1.2"), curve("marginal", *SPEC_TIERS))
    assert share == D("1.0") + D("0.3") + D("0.1")
    share, _ = tier_share(D("0.8"), curve("marginal", *SPEC_TIERS))
    assert share == D("0.8")


def test_whole_pays_the_holding_tiers_rate_on_all_of_attainment():
    assert tier_share(D("1.05"), curve("whole", *SPEC_TIERS))[0] == D("3.15")
    assert tier_share(D("0.9"), curve("whole", *SPEC_TIERS))[0] == D("0.9")
    # exactly on a boundary: upto(i-1) <= a < upto(i), so 1.1 is held by the third tier
    assert tier_share(D("1.1"), curve("whole", *SPEC_TIERS))[0] == D("1.1")


def test_steps_pay_the_holding_tiers_rate_as_the_share():
    steps = curve("steps", ("0.7", "0"), ("0.9", "0.5"), ("1.0", "0.9"), (None, "1.0"))
    assert tier_share(D("0.69"), steps)[0] == D(0)
    assert tier_share(D("0.7"), steps)[0] == D("0.5")
    assert tier_share(D("0.95"), steps)[0] == D("0.9")
    assert tier_share(D("1.4"), steps)[0] == D("1.0")


def test_a_bounded_last_tier_holds_everything_above_it_but_marginal_stops_paying():
    bounded = (("1.0", "1.0"), ("1.5", "2.0"))
    assert holding_tier(curve("whole", *bounded), D("3")) == 1
    assert tier_share(D("2.0"), curve("marginal", *bounded))[0] == D("2.0")  # 1.0 + 0.5 x 2.0
    assert tier_share(D("2.0"), curve("whole", *bounded))[0] == D("4.0")


DOMAIN_TIERS = (("1.0", "0.075"), ("1.5", "0.125"), (None, "0.15"))


def test_domain_worked_example_marginal_48750_whole_75000():
    quota, amount = D(300_000), D(500_000)
    attainment = D("1.666667")
    value, segments = commission_value(amount, quota, attainment, curve("marginal", *DOMAIN_TIERS))
    assert value == D("48750.000")
    assert [(s.base, s.value) for s in segments] == [
        (D(300_000), D("22500.000")), (D(150_000), D("18750.000")), (D(50_000), D("7500.00"))]
    value, _ = commission_value(amount, quota, attainment, curve("whole", *DOMAIN_TIERS))
    assert value == D(75_000)
