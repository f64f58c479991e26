"""The expression tree: one description, a Decimal value and formula text."""

from decimal import Decimal

from xlcomp.rules.expr import BLANK, MAX, MIN, OR, ROUND, Group, If, Input, N, Num, decimals

D = Decimal


def test_operators_render_with_the_fewest_parentheses_excel_needs() -> None:
    a, b, c = Input("a"), Input("b"), Input("c")
    cells = {"a": "A1", "b": "B1", "c": "C1"}
    assert (a * b / (b * c)).render(cells) == "A1*B1/(B1*C1)"
    assert (a - (b - c)).render(cells) == "A1-(B1-C1)"
    assert (a + b * c).render(cells) == "A1+B1*C1"
    assert ((a > b) * c).render(cells) == "(A1>B1)*C1"
    assert (a < Group(b + c)).render(cells) == "A1<(B1+C1)"
    assert If(a.eq(BLANK), Num(D(0)), MAX(0, ROUND(a / b, 6))).formula(cells) == '=IF(A1="",0,MAX(0,ROUND(A1/B1,6)))'


def test_if_evaluates_each_branch_only_on_its_rows() -> None:
    a = Input("a")
    rule = If(a.eq(BLANK), Num(D(0)), a * 2)       # a blank is never multiplied
    assert rule.evaluate({"a": decimals([D("1.5"), None, D("-2")])}).tolist() == [D("3.0"), D(0), D(-4)]
    assert rule.evaluate({"a": None}) == D(0)
    assert rule.evaluate({"a": D("0.25")}) == D("0.50")


def test_or_stops_at_the_first_true_row_by_row() -> None:
    a = Input("a")
    rule = OR(a.eq(BLANK), a < D("0.5"))           # a blank is never compared
    assert rule.evaluate({"a": decimals([None, D("0.4"), D("0.6")])}).tolist() == [True, True, False]


def test_min_and_max_keep_the_last_argument_on_a_tie() -> None:
    # equal values with different exponents: the computed value is kept, as the engine always did
    assert str(MAX(0, "x").evaluate({"x": D("0.000")})) == "0.000"
    assert str(MIN("cap", "x").evaluate({"cap": D("1.5"), "x": D("1.50")})) == "1.50"
    assert MIN("cap", "x").evaluate({"cap": D("1.5"), "x": decimals([D(2), D(1)])}).tolist() == [D("1.5"), D(1)]


def test_round_is_half_away_from_zero_and_n_reads_a_blank_as_zero() -> None:
    assert ROUND("x", 2).evaluate({"x": decimals([D("2.675"), D("-2.675")])}).tolist() == [D("2.68"), D("-2.68")]
    assert N("x").evaluate({"x": None}) == 0
    assert N("x").render({"x": "B4"}) == "N(B4)"
