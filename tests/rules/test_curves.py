"""Tier tables: DOMAIN's worked example, evaluated exactly and rendered as formulas."""

from decimal import Decimal

from xlcomp.model.plan import Curve, CurveMode, Tier
from xlcomp.rules.curves import TIERS, attainment, commission_curve, curve_share, tier_table, walk_part
from xlcomp.rules.expr import decimals

D = Decimal
# quota 300,000; 7.5% up to 100%, 12.5% up to 150%, 15% above
TIERS_75 = (Tier(D("1.0"), D("0.075")), Tier(D("1.5"), D("0.125")), Tier(None, D("0.15")))
CELLS = {"amount": "B20", "quota": "B21", "x": "B22", TIERS: "Tiers_expansion"}


def _env(mode: CurveMode, amount: str) -> dict[str, object]:
    quota = D(300_000)
    return {"amount": D(amount), "quota": quota, "x": attainment("a", "q").evaluate({"a": D(amount), "q": quota}),
            TIERS: tier_table(Curve(mode, TIERS_75))}


def test_domain_example_marginal_pays_48750() -> None:
    rule = commission_curve(CurveMode.MARGINAL, "amount", "quota", "x")
    # 7.5% x 300,000 + 12.5% x 150,000 + 15% x 50,000
    assert rule.evaluate(_env(CurveMode.MARGINAL, "500000")) == D("48750")
    assert rule.render(CELLS) == (
        "SUMPRODUCT(Tiers_expansion[rate],(B20>Tiers_expansion[from]*B21)*((B20<(Tiers_expansion[upto]"
        '+(Tiers_expansion[upto]="")*1E+100)*B21)*B20+(B20>=(Tiers_expansion[upto]+(Tiers_expansion[upto]="")'
        "*1E+100)*B21)*(Tiers_expansion[upto]+(Tiers_expansion[upto]=\"\")*1E+100)*B21-Tiers_expansion[from]*B21))")


def test_domain_example_whole_pays_75000() -> None:
    rule = commission_curve(CurveMode.WHOLE, "amount", "quota", "x")
    env = _env(CurveMode.WHOLE, "500000")
    assert env["x"] == D("1.666667")                  # ROUND(500,000 / 300,000, 6), in the 15% tier
    assert rule.evaluate(env) == D("75000")           # 15% of all of it
    assert rule.render(CELLS) == "MAX(0,B20)*INDEX(Tiers_expansion[rate],MATCH(B22,Tiers_expansion[from],1))"


def test_bonus_curves_in_every_mode_on_many_attainments() -> None:
    curve = (Tier(D("1"), D("1")), Tier(None, D("2")))
    xs = decimals([D("0.5"), D("1"), D("1.25")])
    def share(mode: CurveMode) -> list[Decimal]:
        return curve_share(mode, "x").evaluate({"x": xs, TIERS: tier_table(Curve(mode, curve))}).tolist()  # type: ignore[no-any-return]

    marginal = share(CurveMode.MARGINAL)
    assert marginal == [D("0.5"), D("1"), D("1.5")]          # 1 + 2 x 0.25 above 100%
    assert share(CurveMode.WHOLE) == [D("0.5"), D("2"), D("2.50")]            # 100% is held by the second tier
    assert share(CurveMode.STEPS) == [D("1"), D("2"), D("2")]
    assert curve_share(CurveMode.STEPS, "x").render({"x": "A1", TIERS: "T"}) == "INDEX(T[rate],MATCH(A1,T[from],1))"


def test_attainment_rounds_to_six_places_and_is_never_negative() -> None:
    rule = attainment("num", "target", "den")
    assert rule.evaluate({"num": D(2), "den": D(3), "target": D(1)}) == D("0.666667")
    assert rule.evaluate({"num": D(-5), "den": D(1), "target": D("0.9")}) == 0
    assert rule.render({"num": "B1", "den": "C1", "target": "B9"}) == "MAX(0,ROUND(B1/(C1*B9),6))"


def test_the_tier_walk_counts_only_the_tier_holding_x_in_steps() -> None:
    rule = walk_part(CurveMode.STEPS, False, 2)
    env = {"x": D("1.2"), TIERS: tier_table(Curve(CurveMode.STEPS, TIERS_75))}
    assert rule.evaluate(env) == 1
    assert rule.render({"x": "B9", TIERS: "T", "tier_from": "C5", "tier_upto": "D5"}) == (
        'IF(B9="",0,IF(MATCH(B9,T[from],1)=2,1,0))')
