"""Payout rules: threshold, cap, gate, multiplier bands, proration, risk targets and the bonus payout."""

from decimal import Decimal

from xlcomp.model.plan import Band, Component, Curve, CurveMode, Gate, Kind, Multiplier, RiskAdjust, Target, Tier
from xlcomp.rules import payout as rules
from xlcomp.rules.curves import TIERS, tier_table
from xlcomp.rules.expr import decimals
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.status import Status, decide, status_formula

D = Decimal
CURVE = Curve(CurveMode.MARGINAL, (Tier(D("1"), D("1")), Tier(None, D("2"))))
BONUS = Component("renewal", Kind.BONUS, "gross_renewal_rate", weight=D("0.6"), target=Target(D("0.9")),
                  threshold=D("0.5"), curve=CURVE, cap=D("1.5"), gate=Gate("nps", D(20)))


def test_bonus_payout_is_one_division_last_rounded_to_cents() -> None:
    # 120,000 x 0.6 x 90 days x share 1.2 x 1.1 / (90 x 4) = 23,760.00
    env = {K.TARGET_VARIABLE: D(120_000), K.WEIGHT: D("0.6"), K.DAYS: D(90), K.SHARE: D("1.2"),
           K.MULTIPLIER: D("1.1"), rules.PERIOD_DAYS: D(90), rules.PERIODS_PER_YEAR: D(4)}
    assert rules.bonus_payout().evaluate(env) == D("23760.00")
    assert rules.target_incentive().evaluate(env) == D("18000")
    cells = {**{k: k for k in env}, K.TARGET_VARIABLE: "B12", K.DAYS: "B16", K.SHARE: "B40", K.MULTIPLIER: "B41",
             K.WEIGHT: "renewal_weight"}
    assert rules.bonus_payout().formula(cells) == (
        "=ROUND(B12*renewal_weight*B16*B40*B41/(period_days*periods_per_year),2)")


def test_share_is_zero_below_threshold_or_gate_and_capped_above() -> None:
    rule = rules.bonus_share(BONUS)
    env = {K.ATTAINMENT: decimals([None, D("0.4"), D("0.9"), D("1.3"), D("1.3")]),
           K.CURVE_SHARE: decimals([D(0), D("0.4"), D("0.9"), D("1.6"), D("1.6")]),
           K.THRESHOLD: D("0.5"), K.CAP: D("1.5"), K.GATE: decimals([True, True, True, True, False])}
    assert rule.evaluate(env).tolist() == [0, 0, D("0.9"), D("1.5"), 0]
    assert rule.formula({K.ATTAINMENT: "B9", K.THRESHOLD: "t", K.GATE: "B30", K.CAP: "c", K.CURVE_SHARE: "B28"}) == (
        '=IF(OR(B9="",B9<t,NOT(B30)),0,MIN(c,B28))')


def test_multiplier_takes_the_highest_band_reached_and_1_without_data() -> None:
    multiplier = Multiplier("nps", (Band(D(50), D("1.2")), Band(D(30), D("1.1"))))
    env = {K.VALUE: decimals([None, D(10), D(30), D(45), D(80)]), rules.BANDS: rules.band_table(multiplier)}
    assert rules.multiplier_factor().evaluate(env).tolist() == [1, 1, D("1.1"), D("1.1"), D("1.2")]
    assert rules.band_min().evaluate(env).tolist() == [None, None, D(30), D(30), D(50)]


def test_days_employed_and_proration() -> None:
    # a quarter of 90 days (ordinals 100..189); joined on day 131: 59 days
    env = {K.PERIOD_START: D(100), K.PERIOD_END: D(189), K.START: decimals([D(131), None, D(200)]),
           K.END: decimals([None, D(120), None])}
    assert rules.days_employed().evaluate(env).tolist() == [D(59), D(21), D(0)]
    assert rules.proration().evaluate({K.DAYS: D(45), rules.PERIOD_DAYS: D(90)}) == D("0.5")


def test_risk_adjusted_target_is_clamped_and_rounded() -> None:
    risk = RiskAdjust(per_point=D("0.01"), reference=D(50), floor=D("0.80"), ceiling=D("0.95"))
    env = {K.TARGET: D("0.90"), K.RISK: decimals([None, D(60), D(10), D("53.3333333")]),
           "risk_floor": risk.floor, "risk_ceiling": risk.ceiling, "risk_per_point": risk.per_point,
           "risk_reference": risk.reference}
    assert rules.risk_adjusted_target().evaluate(env).tolist() == [D("0.90"), D("0.8"), D("0.95"), D("0.866667")]


def test_commission_with_cap_amount_and_flat_rate() -> None:
    flat = Component("referral", Kind.COMMISSION, "referrals", rate=D("250"), cap_amount=D(1000))
    env = {K.AMOUNT: decimals([D(-1), D(3), D(5)]), K.RATE: D(250), K.CAP_AMOUNT: D(1000), K.MULTIPLIER: D(1)}
    env[K.BEFORE_CAP] = rules.commission_before_cap(flat).evaluate(env)
    env[K.COMMISSION] = rules.commission_capped(flat).evaluate(env)
    assert env[K.COMMISSION].tolist() == [0, D(750), D(1000)]
    assert rules.commission_payout().evaluate(env).tolist() == [0, D("750.00"), D("1000.00")]


def test_one_status_tree_for_the_tab_and_the_statement() -> None:
    env = {K.ATTAINMENT: D("1.3"), K.GATE: True, K.THRESHOLD: D("0.5"), K.CURVE_SHARE: D("1.6"), K.CAP: D("1.5")}
    assert decide(BONUS, env) is Status.CAPPED
    assert decide(BONUS, {**env, K.GATE: False}) is Status.GATE_CLOSED
    assert decide(BONUS, {**env, K.ATTAINMENT: None}).short == "no data"
    assert status_formula(BONUS, {K.ATTAINMENT: "B9", K.GATE: "B30", K.THRESHOLD: "t", K.CURVE_SHARE: "B28",
                                  K.CAP: "c"}) == (
        '=IF(B9="","no data: pays 0",IF(NOT(B30),"gate not met: pays 0",IF(B9<t,"below threshold: pays 0",'
        'IF(B28>c,"capped","on the curve"))))')


def test_engine_tables_match_the_model() -> None:
    table = tier_table(CURVE)
    assert table == {"from": (D(0), D(1)), "upto": (D(1), None), "rate": (D(1), D(2))}
    assert TIERS == "tiers"
