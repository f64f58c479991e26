"""ROI rules (SPEC section 7): each metric's value on a small book worked by hand, and its formula text."""

from decimal import Decimal

from xlcomp.rules import roi as rules
from xlcomp.rules.payout import PERIOD_DAYS, PERIODS_PER_YEAR
from xlcomp.rules.roi import BENCHMARKS
from xlcomp.rules.roi import Inputs as K
from xlcomp.rules.tables import COUNTA, SUM, SUMPRODUCT, Column

D = Decimal
# Three accounts: A1 renews 50,000 of 60,000 and expands 15,000; A2 churns its 40,000 (a lost logo);
# A3 has nothing up for renewal and a 3,000 cross-sell.
ACCOUNTS = {
    "account_id": ["A1", "A2", "A3"],
    "arr_start": [D(100_000), D(50_000), D(30_000)],
    "renewable_arr": [D(60_000), D(40_000), D(0)],
    "renewed_arr": [D(50_000), D(0), D(0)],
    "upsell_arr": [D(10_000), D(0), D(0)],
    "cross_sell_arr": [D(5_000), D(0), D(3_000)],
    "contraction_arr": [D(2_000), D(0), D(0)],
}
# Two CSMs in a quarter (90 days): one all quarter, one hired halfway (45 days).
SUMMARY = {
    "base_salary": [D(100_000), D(80_000)],
    "target_variable": [D(20_000), D(20_000)],
    "days": [D(90), D(45)],
    "total_payout": [D(6_000), D(2_000)],
}
ENV = {rules.ACCOUNTS: ACCOUNTS, rules.SUMMARY: SUMMARY, PERIOD_DAYS: D(90), PERIODS_PER_YEAR: D(4),
       rules.OVERHEAD_RATE: D("0.25"), rules.SUPPORT_TEAM_COST: D(10_000)}
CELLS = {rules.ACCOUNTS: "Accounts", rules.SUMMARY: "Summary", PERIOD_DAYS: "period_days",
         PERIODS_PER_YEAR: "periods_per_year", rules.OVERHEAD_RATE: "input_overhead_rate",
         rules.SUPPORT_TEAM_COST: "input_support_team_cost",
         **{line.key: f"B{5 + i}" for i, line in enumerate(rules.BOOK_LINES)},
         **{name: f"B{22 + i}" for i, name in enumerate(rules.METRIC_RULES)}}


def test_book_lines_add_up_the_tables() -> None:
    values = rules.evaluate_all(ENV)
    assert values[K.ARR_START] == D(180_000)
    assert values[K.EXPANSION] == D(18_000)               # 10,000 + 5,000 + 3,000
    assert values[K.CHURNED] == D(50_000)                 # renewable 100,000 - renewed 50,000
    assert values[K.ACCOUNTS] == 3
    assert values[K.LOGOS] == 1                           # A2 only: A3 had nothing renewable
    assert (values[K.BASE], values[K.TARGET_VARIABLE], values[K.DAYS]) == (D(180_000), D(40_000), D(135))
    assert values[K.PAYOUTS] == D(8_000)
    assert (values[K.OVERHEAD], values[K.SUPPORT]) == (D("0.25"), D(10_000))


def test_book_line_formulas() -> None:
    formulas = {line.key: line.rule.formula(CELLS) for line in rules.BOOK_LINES}
    assert formulas[K.ARR_START] == "=SUM(Accounts[arr_start])"
    assert formulas[K.EXPANSION] == "=SUM(Accounts[upsell_arr])+SUM(Accounts[cross_sell_arr])"
    assert formulas[K.CHURNED] == "=B6-B7"
    assert formulas[K.ACCOUNTS] == "=COUNTA(Accounts[account_id])"
    assert formulas[K.LOGOS] == "=SUMPRODUCT((Accounts[renewable_arr]>0)*(Accounts[renewed_arr]=0))"
    assert formulas[K.DAYS] == "=SUM(Summary[days])"
    assert formulas[K.OVERHEAD] == "=input_overhead_rate"


def test_metrics_worked_by_hand() -> None:
    values = rules.evaluate_all(ENV)
    assert values["gross_renewal_rate"] == D("0.5")                          # 50,000 / 100,000
    assert values["net_revenue_retention"] == D(146_000) / D(180_000)       # 180,000 + 18,000 - 2,000 - 50,000
    assert values["logo_churn_rate"] == D(1) / D(3)
    assert values["base_cost"] == D(35_000)              # (100,000 x 90 + 80,000 x 45) / (4 x 90)
    assert values["variable_cost"] == D(8_000)
    assert values["cs_team_cost"] == D(53_750)           # (35,000 + 8,000) x 1.25
    assert values["support_team_cost"] == D(10_000)
    assert values["cs_magic_number"] == D(68_000) / D(63_750)   # (50,000 + 18,000) / (53,750 + 10,000)
    assert values["fte"] == D("1.5")                     # 135 / 90
    assert values["arr_per_csm"] == D(120_000)           # 180,000 / 1.5
    assert values["variable_share"] == D(40_000) / D(220_000)
    assert values["cost_per_retained_dollar"] == D(8_000) / D(68_000)


def test_metric_formulas() -> None:
    f = {name: rule.formula(CELLS) for name, rule in rules.METRIC_RULES.items()}
    # lines: B5 arr_start, B6 renewable, B7 renewed, B8 expansion, B9 contraction, B10 churned, B11 accounts,
    # B12 logos, B13 base, B14 tv, B15 days, B16 payouts, B17 overhead, B18 support; metrics from B22
    assert f["gross_renewal_rate"] == '=IF(B6=0,"",B7/B6)'
    assert f["net_revenue_retention"] == '=IF(B5=0,"",(B5+B8-B9-B10)/B5)'
    assert f["logo_churn_rate"] == '=IF(B11=0,"",B12/B11)'
    assert f["base_cost"] == "=SUMPRODUCT(Summary[base_salary],Summary[days])/(periods_per_year*period_days)"
    assert f["variable_cost"] == "=B16"
    assert f["cs_team_cost"] == "=(B25+B26)*(1+B17)"
    assert f["support_team_cost"] == "=B18"
    assert f["cs_magic_number"] == '=IF(B27+B28=0,"",(B7+B8)/(B27+B28))'
    assert f["fte"] == "=B15/period_days"
    assert f["arr_per_csm"] == '=IF(B30=0,"",B5/B30)'
    assert f["variable_share"] == '=IF(B13+B14=0,"",B14/(B13+B14))'
    assert f["cost_per_retained_dollar"] == '=IF((B7+B8)=0,"",B26/(B7+B8))'


def test_ratios_are_blank_when_the_denominator_is_0() -> None:
    empty = {**ENV, rules.ACCOUNTS: {k: [] for k in ACCOUNTS}, rules.SUMMARY: {k: [] for k in SUMMARY},
             rules.SUPPORT_TEAM_COST: D(0)}
    values = rules.evaluate_all(empty)
    for name in ("gross_renewal_rate", "net_revenue_retention", "logo_churn_rate", "cs_magic_number", "arr_per_csm",
                 "variable_share", "cost_per_retained_dollar"):
        assert values[name] is None, name
    assert values["cs_team_cost"] == 0


def test_a_scenario_scales_the_returns() -> None:
    # at 120%: returns (50,000 + 18,000) x 1.2 = 81,600 over a cost of 60,000 + 10,000
    env = {K.RENEWED: D(50_000) * D("1.2"), K.EXPANSION: D(18_000) * D("1.2"), "cs_team_cost": D(60_000),
           "support_team_cost": D(10_000), "variable_cost": D(9_600)}
    assert rules.METRIC_RULES["cs_magic_number"].evaluate(env) == D("81600") / D(70_000)
    assert rules.METRIC_RULES["cost_per_retained_dollar"].evaluate(env) == D(9_600) / D(81_600)


def test_aggregates_skip_blanks_and_count_conditions() -> None:
    table = {"t": {"x": [D(2), None, D(5)], "y": [D(3), D(4), None]}}
    assert SUM(Column("t", "x")).evaluate(table) == 7
    assert COUNTA(Column("t", "y")).evaluate(table) == 2
    assert SUMPRODUCT(Column("t", "x"), Column("t", "y")).evaluate(table) == 6     # 2 x 3; blanks count 0
    assert SUMPRODUCT(Column("t", "y") > 3).evaluate({"t": {"y": [D(3), D(4), D(9)]}}) == 2


def test_benchmark_status_rule() -> None:
    magic = BENCHMARKS["cs_magic_number"]
    assert [magic.status(v) for v in (None, D(6), D(5), D(4), D(2))] == ["", "healthy", "healthy", "watch", "act"]
    assert magic.formula("B29") == '=IF(B29="","",IF(B29>=5,"healthy",IF(AND(B29>=3,B29<=5),"watch","act")))'
    share = BENCHMARKS["variable_share"]
    assert share.formula("B32") == ('=IF(B32="","",IF(AND(B32>=0.10,B32<=0.30),"healthy",'
                                    'IF(AND(B32>=0.05,B32<=0.40),"watch","act")))')
    assert share.status(D("0.35")) == "watch"
