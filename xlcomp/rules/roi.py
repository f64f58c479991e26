"""The ROI metrics (SPEC section 7), each written once as an expression.

The ROI sheet is a chain of cells, and so are these rules: the *book and team* lines
(:data:`BOOK_LINES`: totals over the Accounts and Summary tables, the overhead rate and the support
team's cost) feed the *metrics* (:data:`METRIC_RULES`, in the sheet's order), and a metric may read
a metric above it (``cs_team_cost`` reads ``base_cost`` and ``variable_cost``). A rule reads a line
by its key (:class:`Inputs`) and a metric by its name; the engine binds them to Decimals
(:func:`evaluate_all`), the sheet to its cells.

A ratio whose denominator is 0 is blank (None). The scenarios reuse ``cs_magic_number`` and
``cost_per_retained_dollar`` with every ARR return scaled; :class:`Benchmark` is a metric's traffic
light, a rule too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from xlcomp.rules.expr import AND, BLANK, Expr, Group, If, Input, Num, Text
from xlcomp.rules.payout import PERIOD_DAYS, PERIODS_PER_YEAR
from xlcomp.rules.tables import COUNTA, SUM, SUMPRODUCT, Column

__all__ = ["ACCOUNTS", "BENCHMARKS", "BOOK_LINES", "METRIC_RULES", "SUMMARY", "Benchmark", "BookLine", "Inputs",
           "arr_per_csm", "base_cost", "cost_per_retained_dollar", "cs_magic_number", "cs_team_cost",
           "evaluate_all", "fte", "gross_renewal_rate", "logo_churn_rate", "net_revenue_retention", "retained",
           "support_team_cost", "variable_cost", "variable_share"]

ACCOUNTS = "Accounts"   # the table inputs: the Accounts table (one row per account) ...
SUMMARY = "Summary"     # ... and the Summary table (one row per CSM)
OVERHEAD_RATE = "input_overhead_rate"
SUPPORT_TEAM_COST = "input_support_team_cost"


class Inputs:
    """The book and team lines the metrics read (each bound to a value or a cell)."""

    ARR_START = "arr_start"
    RENEWABLE = "renewable"
    RENEWED = "renewed"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURNED = "churned"
    ACCOUNTS = "accounts"
    LOGOS = "logos"
    BASE = "base"               # Σ base salary (annual)
    TARGET_VARIABLE = "tv"      # Σ target variable pay (annual)
    DAYS = "days"               # Σ days employed
    PAYOUTS = "payouts"         # Σ payouts
    OVERHEAD = "overhead"
    SUPPORT = "support"


K = Inputs


def _acc(column: str) -> Column:
    return Column(ACCOUNTS, column)


def _summ(column: str) -> Column:
    return Column(SUMMARY, column)


@dataclass(frozen=True)
class BookLine:
    """A line of the ROI sheet's book and team block: key, label, rule, style kind and a note."""

    key: str
    label: str
    rule: Expr
    kind: str
    note: str = ""


BOOK_LINES: tuple[BookLine, ...] = (
    BookLine(K.ARR_START, "ARR at the start", SUM(_acc("arr_start")), "money"),
    BookLine(K.RENEWABLE, "Renewable ARR", SUM(_acc("renewable_arr")), "money"),
    BookLine(K.RENEWED, "Renewed ARR", SUM(_acc("renewed_arr")), "money"),
    BookLine(K.EXPANSION, "Expansion ARR", SUM(_acc("upsell_arr")) + SUM(_acc("cross_sell_arr")), "money",
             "upsell + cross-sell"),
    BookLine(K.CONTRACTION, "Contraction ARR", SUM(_acc("contraction_arr")), "money"),
    BookLine(K.CHURNED, "Churned ARR", Input(K.RENEWABLE) - Input(K.RENEWED), "money", "renewable - renewed"),
    BookLine(K.ACCOUNTS, "Accounts", COUNTA(_acc("account_id")), "count"),
    BookLine(K.LOGOS, "Accounts churned", SUMPRODUCT((_acc("renewable_arr") > 0) * _acc("renewed_arr").eq(0)),
             "count", "renewable ARR, nothing renewed"),
    BookLine(K.BASE, "Σ base salary (annual)", SUM(_summ("base_salary")), "money"),
    BookLine(K.TARGET_VARIABLE, "Σ target variable pay (annual)", SUM(_summ("target_variable")), "money"),
    BookLine(K.DAYS, "Σ days employed", SUM(_summ("days")), "count"),
    BookLine(K.PAYOUTS, "Σ payouts", SUM(_summ("total_payout")), "money"),
    BookLine(K.OVERHEAD, "Overhead rate", Input(OVERHEAD_RATE), "percent", "input_overhead_rate on the Plan sheet"),
    BookLine(K.SUPPORT, "Support team cost (period)", Input(SUPPORT_TEAM_COST), "money",
             "input_support_team_cost on the Plan sheet"),
)


def _ratio(num: Expr, den: Expr) -> Expr:
    """``num / den``, blank when ``den`` is 0."""
    return If(den.eq(0), BLANK, num / den)


def retained() -> Expr:
    """The ARR returns: renewed ARR + expansion ARR (written in parentheses)."""
    return Group(Input(K.RENEWED) + K.EXPANSION)


def gross_renewal_rate() -> Expr:
    """Renewed ARR / renewable ARR, over the whole book."""
    return _ratio(Input(K.RENEWED), Input(K.RENEWABLE))


def net_revenue_retention() -> Expr:
    """(ARR start + expansion - contraction - churned) / ARR start, over the whole book."""
    arr = Input(K.ARR_START)
    return _ratio(arr + K.EXPANSION - K.CONTRACTION - K.CHURNED, arr)


def logo_churn_rate() -> Expr:
    """Accounts renewable but not renewed / all accounts."""
    return _ratio(Input(K.LOGOS), Input(K.ACCOUNTS))


def base_cost() -> Expr:
    """Σ base salary x days employed / (periods a year x days in the period)."""
    return SUMPRODUCT(_summ("base_salary"), _summ("days")) / (Input(PERIODS_PER_YEAR) * PERIOD_DAYS)


def variable_cost() -> Expr:
    """Σ payouts."""
    return Input(K.PAYOUTS)


def cs_team_cost() -> Expr:
    """(base cost + variable cost) x (1 + overhead rate)."""
    return (Input("base_cost") + "variable_cost") * (Num(Decimal(1)) + K.OVERHEAD)


def support_team_cost() -> Expr:
    """The plan's support team cost for the period."""
    return Input(K.SUPPORT)


def cs_magic_number() -> Expr:
    """(renewed ARR + expansion ARR) / (CS team cost + support team cost)."""
    return _ratio(retained(), Input("cs_team_cost") + "support_team_cost")


def fte() -> Expr:
    """Σ days employed / days in the period: the CSMs employed, full-time equivalent."""
    return Input(K.DAYS) / PERIOD_DAYS


def arr_per_csm() -> Expr:
    """Σ ARR start / FTE."""
    return _ratio(Input(K.ARR_START), Input("fte"))


def variable_share() -> Expr:
    """Σ target variable / Σ (base salary + target variable)."""
    return _ratio(Input(K.TARGET_VARIABLE), Input(K.BASE) + K.TARGET_VARIABLE)


def cost_per_retained_dollar() -> Expr:
    """Variable cost / (renewed ARR + expansion ARR)."""
    return _ratio(Input("variable_cost"), retained())


METRIC_RULES: Mapping[str, Expr] = {
    "gross_renewal_rate": gross_renewal_rate(),
    "net_revenue_retention": net_revenue_retention(),
    "logo_churn_rate": logo_churn_rate(),
    "base_cost": base_cost(),
    "variable_cost": variable_cost(),
    "cs_team_cost": cs_team_cost(),
    "support_team_cost": support_team_cost(),
    "cs_magic_number": cs_magic_number(),
    "fte": fte(),
    "arr_per_csm": arr_per_csm(),
    "variable_share": variable_share(),
    "cost_per_retained_dollar": cost_per_retained_dollar(),
}


def evaluate_all(env: Mapping[str, Any]) -> dict[str, Any]:
    """Every book line and metric, in sheet order, each evaluated on what is bound above it.

    ``env`` binds the tables, ``period_days``, ``periods_per_year`` and the plan inputs; a line
    already bound (the engine's own sums of the Accounts table) is taken as it is.
    """
    values = dict(env)
    for line in BOOK_LINES:
        if line.key not in values:
            values[line.key] = line.rule.evaluate(values)
    for name, rule in METRIC_RULES.items():
        values[name] = rule.evaluate(values)
    return values


Bounds = tuple[Decimal | None, Decimal | None]


def _inside(value: Expr, bounds: Bounds) -> Expr:
    low, high = bounds
    tests: list[Expr] = []
    if low is not None:
        tests.append(value >= low)
    if high is not None:
        tests.append(value <= high)
    return AND(*tests)


@dataclass(frozen=True)
class Benchmark:
    """Healthy between ``good`` bounds; to watch between ``watch`` bounds; otherwise act (None = open)."""

    text: str
    good: Bounds
    watch: Bounds

    def rule(self) -> Expr:
        """The status of the metric ``value``: ``healthy``, ``watch``, ``act``, blank with no value."""
        value = Input("value")
        return If(value.eq(BLANK), BLANK, If(_inside(value, self.good), Text("healthy"),
                                             If(_inside(value, self.watch), Text("watch"), Text("act"))))

    def status(self, value: Decimal | None) -> str:
        """``healthy``, ``watch`` or ``act`` (``""`` with no value)."""
        return self.rule().evaluate({"value": value}) or ""

    def formula(self, value: str) -> str:
        """The status formula for the value in cell ``value``."""
        return self.rule().formula({"value": value})


D = Decimal
BENCHMARKS: Mapping[str, Benchmark] = {
    "cs_magic_number": Benchmark("healthy above 5", (D(5), None), (D(3), D(5))),
    "arr_per_csm": Benchmark("about 2,000,000 per CSM", (D(1_500_000), D(2_500_000)), (D(1_000_000), D(3_000_000))),
    "variable_share": Benchmark("10–30% of on-target earnings", (D("0.10"), D("0.30")), (D("0.05"), D("0.40"))),
}
