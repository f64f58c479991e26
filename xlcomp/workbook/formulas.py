"""Excel formulas generated from the plan description the engine uses.

Every rule is written once as a function that returns formula text given the cells it reads, and
the workbook writer calls it with the cells of one sheet. Only classic functions are used (SUMIFS,
COUNTIFS, SUMPRODUCT, INDEX/MATCH, ROUND, MIN/MAX, IF/AND/OR), so Excel 2010+ and LibreOffice 7.4
compute the same numbers. Rules mirror :mod:`xlcomp.engine`:

- attainment = ``MAX(0, ROUND(num / (den x target), 6))``, blank when the metric is undefined;
- marginal tiers: ``SUMPRODUCT(rate, part)`` over the tier table, the part inside each tier being
  ``MIN(x, upto) - from`` where x is above ``from`` (a blank ``upto`` has no end);
- whole and steps: the tier holding x is ``MATCH(x, from, 1)`` (the last tier whose lower bound is
  at most x), so whole pays ``x x rate`` and steps pays ``rate`` of that tier;
- a multiplier is the factor of the highest band whose ``min`` is at most the metric (bands sorted
  ascending: ``MATCH(value, min, 1)``), 1 with no data or below every band;
- a ratio whose denominator is 0 is undefined: ``""`` (shown blank), never ``#DIV/0!``.

The metric catalogue is rendered through small expression trees (:class:`Expr`) over the CSM's
book sums (:class:`BookItem`): the same tree gives the formula and, evaluated on the engine's
:class:`~xlcomp.engine.metrics.BookSums`, the value cached in the cell.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.engine.metrics import BookSums
from xlcomp.model.metrics import SUM_FIELDS, metric_def
from xlcomp.model.people import Csm
from xlcomp.model.plan import Curve, CurveMode, Plan
from xlcomp.ooxml.refs import column_ref
from xlcomp.workbook import layout

__all__ = [
    "BIG",
    "BookItem",
    "Expr",
    "MetricSpec",
    "bonus_payout",
    "book_items",
    "commission_curve",
    "curve_share",
    "days_employed",
    "metric_specs",
    "multiplier_factor",
    "needed_metrics",
]

# Stands in for "no end" in a tier's upto inside array formulas (blank upto + BIG).
BIG = "1E+100"
ZERO = Decimal(0)
ONE = Decimal(1)

ACC = layout.ACCOUNTS_TABLE
WEIGHTED = ("health_score", "adoption_rate", "risk_score")


def acc(column: str) -> str:
    """A column of the Accounts table."""
    return column_ref(ACC, column)


# ---------------------------------------------------------------------------------------------
# the CSM's book: sums over the Accounts table


@dataclass(frozen=True)
class BookItem:
    """One line of a CSM tab's book block: a key, a label, a formula and its engine value.

    ``formula(id_cell, key_cell)``: ``id_cell`` holds the csm_id (exact comparisons), ``key_cell``
    its SUMIFS/MATCH key (see :func:`xlcomp.ooxml.refs.sumifs_key`).
    """

    key: str
    label: str
    formula: Callable[[str, str], str]
    value: Callable[[BookSums], Decimal]
    count: bool = False


def _sum_item(column: str) -> BookItem:
    return BookItem(f"sum:{column}", f"Σ {column}",
                    lambda i, k: f'SUMIFS({acc(column)},{acc("csm_id")},"="&{k})',
                    lambda s: s.sum(column), count=column in ("referrals", "onboarding_planned", "onboarding_done"))


def _weighted_items(score: str) -> tuple[BookItem, BookItem]:
    num = BookItem(f"wnum:{score}", f"Σ arr_start × {score}",
                   lambda i, k: f'SUMPRODUCT(({acc("csm_id")}={i})*{acc("arr_start")}*{acc(score)})',
                   lambda s: s.weighted.get(score, (ZERO, ZERO))[0])
    den = BookItem(f"wden:{score}", f"Σ arr_start with a {score}",
                   lambda i, k: f'SUMIFS({acc("arr_start")},{acc("csm_id")},"="&{k},{acc(score)},"<>")',
                   lambda s: s.weighted.get(score, (ZERO, ZERO))[1])
    return num, den


ACCOUNTS_ITEM = BookItem("accounts", "Accounts", lambda i, k: f'COUNTIFS({acc("csm_id")},"="&{k})',
                         lambda s: Decimal(s.accounts), count=True)
LOGOS_ITEM = BookItem(
    "logos_churned", "Accounts churned (renewable, none renewed)",
    lambda i, k: f'SUMPRODUCT(({acc("csm_id")}={i})*({acc("renewable_arr")}>0)*({acc("renewed_arr")}=0))',
    lambda s: Decimal(s.logos_churned), count=True)
NPS_COUNT_ITEM = BookItem("count:nps", "Accounts with an nps",
                          lambda i, k: f'COUNTIFS({acc("csm_id")},"="&{k},{acc("nps")},"<>")',
                          lambda s: Decimal(s.nps[1]), count=True)
NPS_SUM_ITEM = BookItem("sum:nps", "Σ nps", lambda i, k: f'SUMIFS({acc("nps")},{acc("csm_id")},"="&{k})',
                        lambda s: s.nps[0])


def _all_items() -> dict[str, BookItem]:
    items = {ACCOUNTS_ITEM.key: ACCOUNTS_ITEM}
    for column in layout.ACCOUNT_COLUMNS:
        if column in SUM_FIELDS:
            item = _sum_item(column)
            items[item.key] = item
    items[LOGOS_ITEM.key] = LOGOS_ITEM
    for score in WEIGHTED:
        num, den = _weighted_items(score)
        items[num.key] = num
        items[den.key] = den
    items[NPS_SUM_ITEM.key] = NPS_SUM_ITEM
    items[NPS_COUNT_ITEM.key] = NPS_COUNT_ITEM
    return items


BOOK_ITEMS = _all_items()


# ---------------------------------------------------------------------------------------------
# metric expressions


@dataclass(frozen=True)
class Expr:
    """A tiny expression: ``op`` is ``book`` (a book item), ``roster`` (a roster column, blank = 0),
    ``roster_or_blank`` (blank stays blank: no data), ``name`` (a defined name with a known value),
    ``+`` or ``-``."""

    op: str
    args: tuple[Expr | str, ...] = ()
    constant: Decimal | None = None

    def items(self) -> set[str]:
        """The book items the expression reads."""
        if self.op == "book":
            return {str(self.args[0])}
        found: set[str] = set()
        for arg in self.args:
            if isinstance(arg, Expr):
                found |= arg.items()
        return found

    def roster_columns(self) -> set[str]:
        """The roster columns the expression reads."""
        if self.op in ("roster", "roster_or_blank"):
            return {str(self.args[0])}
        found: set[str] = set()
        for arg in self.args:
            if isinstance(arg, Expr):
                found |= arg.roster_columns()
        return found

    def render(self, book: Mapping[str, str], roster: Mapping[str, str]) -> str:
        """Formula text, given the cells of the book items and of the roster columns."""
        if self.op == "book":
            return book[str(self.args[0])]
        if self.op == "roster":
            return f"N({roster[str(self.args[0])]})"
        if self.op == "roster_or_blank":
            return roster[str(self.args[0])]
        if self.op == "name":
            return str(self.args[0])
        left, right = (a.render(book, roster) if isinstance(a, Expr) else str(a) for a in self.args)
        if self.op == "-" and isinstance(self.args[1], Expr) and self.args[1].op in "+-":
            right = f"({right})"
        return f"{left}{self.op}{right}"

    def evaluate(self, sums: BookSums, csm: Csm | None) -> Decimal | None:
        """The value on the engine's book sums (None: blank)."""
        if self.op == "book":
            return BOOK_ITEMS[str(self.args[0])].value(sums)
        if self.op == "roster":
            return (csm.value(str(self.args[0])) if csm else None) or ZERO
        if self.op == "roster_or_blank":
            return csm.value(str(self.args[0])) if csm else None
        if self.op == "name":
            return self.constant
        left, right = (a.evaluate(sums, csm) if isinstance(a, Expr) else None for a in self.args)
        if left is None or right is None:
            return None
        return left + right if self.op == "+" else left - right


def _b(key: str) -> Expr:
    return Expr("book", (key,))


def _s(column: str) -> Expr:
    return _b(f"sum:{column}")


def _plus(a: Expr, b: Expr) -> Expr:
    return Expr("+", (a, b))


def _minus(a: Expr, b: Expr) -> Expr:
    return Expr("-", (a, b))


@dataclass(frozen=True)
class MetricSpec:
    """A metric as the workbook computes it: ``num / den`` (``den`` None: the value is ``num``).

    ``undefined_text`` is set for a plan input the plan does not have: the value is blank.
    """

    name: str
    num: Expr | None
    den: Expr | None = None
    undefined_text: str = ""

    def items(self) -> set[str]:
        """The book items the metric reads."""
        found: set[str] = set()
        for expr in (self.num, self.den):
            if expr is not None:
                found |= expr.items()
        return found

    def roster_columns(self) -> set[str]:
        """The roster columns the metric reads."""
        found: set[str] = set()
        for expr in (self.num, self.den):
            if expr is not None:
                found |= expr.roster_columns()
        return found

    def value_formula(self, num_cell: str, den_cell: str) -> str:
        """The metric's value: ``num/den``, blank when ``den`` is 0."""
        if self.den is None:
            return f"={num_cell}"
        return f'=IF({den_cell}=0,"",{num_cell}/{den_cell})'


def metric_spec(name: str, plan: Plan) -> MetricSpec:
    """How the workbook computes metric ``name`` (SPEC section 2), mirroring the engine."""
    if name in SUM_FIELDS:
        return MetricSpec(name, _s(name))
    if name == "expansion_arr":
        return MetricSpec(name, _plus(_s("upsell_arr"), _s("cross_sell_arr")))
    if name == "churned_arr":
        return MetricSpec(name, _minus(_s("renewable_arr"), _s("renewed_arr")))
    if name == "gross_renewal_rate":
        return MetricSpec(name, _s("renewed_arr"), _s("renewable_arr"))
    if name == "net_revenue_retention":
        num = _minus(_minus(_plus(_plus(_s("arr_start"), _s("upsell_arr")), _s("cross_sell_arr")),
                            _s("contraction_arr")), _minus(_s("renewable_arr"), _s("renewed_arr")))
        return MetricSpec(name, num, _s("arr_start"))
    if name == "logo_churn_rate":
        return MetricSpec(name, _b("logos_churned"), _b("accounts"))
    if name in WEIGHTED:
        return MetricSpec(name, _b(f"wnum:{name}"), _b(f"wden:{name}"))
    if name == "nps":
        return MetricSpec(name, _b("sum:nps"), _b("count:nps"))
    if name == "onboarding_rate":
        return MetricSpec(name, _s("onboarding_done"), _s("onboarding_planned"))
    if name == "mbo_score":
        return MetricSpec(name, Expr("roster_or_blank", ("mbo_score",)))
    if name == "utilization":
        return MetricSpec(name, Expr("roster", ("billable_hours",)), Expr("roster", ("available_hours",)))
    if name in plan.inputs:
        return MetricSpec(name, Expr("name", (layout.input_name(name),), plan.inputs[name]))
    if metric_def(name, set(plan.inputs)) is not None:
        return MetricSpec(name, None, None, f"the plan's inputs have no {name}")
    raise KeyError(name)


def needed_metrics(plan: Plan) -> list[str]:
    """The metrics a CSM tab computes, in plan order: components, gates, multipliers, risk."""
    names: list[str] = []
    for component in plan.components:
        names.append(component.metric)
    for component in plan.components:
        if component.gate is not None:
            names.append(component.gate.metric)
    names += [m.metric for m in plan.multipliers]
    if any(c.target is not None and c.target.risk_adjust is not None for c in plan.components):
        names.append("risk_score")
    return list(dict.fromkeys(names))


def metric_specs(plan: Plan) -> list[MetricSpec]:
    """The specs of :func:`needed_metrics`."""
    return [metric_spec(name, plan) for name in needed_metrics(plan)]


def book_items(plan: Plan) -> list[BookItem]:
    """The book lines a CSM tab needs, in a fixed order (accounts count first)."""
    needed = {"accounts"}
    for spec in metric_specs(plan):
        needed |= spec.items()
    return [item for key, item in BOOK_ITEMS.items() if key in needed]


# ---------------------------------------------------------------------------------------------
# curves


def tier_columns(table: str) -> tuple[str, str, str]:
    """The ``from``, ``upto`` and ``rate`` columns of a tier table."""
    return column_ref(table, "from"), column_ref(table, "upto"), column_ref(table, "rate")


def _top(upto: str, scale: str = "") -> str:
    top = f"({upto}+({upto}=\"\")*{BIG})"
    return f"{top}*{scale}" if scale else top


def held_rate(x: str, table: str) -> str:
    """The rate of the tier holding ``x``: the last tier whose ``from`` is at most ``x``."""
    low, _upto, rate = tier_columns(table)
    return f"INDEX({rate},MATCH({x},{low},1))"


def curve_share(curve: Curve, x: str, table: str) -> str:
    """A bonus curve's share at attainment ``x`` (no threshold, cap or multiplier)."""
    if curve.mode is CurveMode.MARGINAL:
        low, upto, rate = tier_columns(table)
        top = _top(upto)
        return f"SUMPRODUCT({rate},({x}>{low})*(({x}<{top})*{x}+({x}>={top})*{top}-{low}))"
    if curve.mode is CurveMode.WHOLE:
        return f"{x}*{held_rate(x, table)}"
    return held_rate(x, table)


def commission_curve(curve: Curve, amount: str, quota: str, attainment: str, table: str) -> str:
    """Commission on ``amount``: marginal tiers cut at ``upto x quota``; whole pays the rate of the
    tier holding ``attainment`` on the whole (non-negative) amount."""
    if curve.mode is CurveMode.MARGINAL:
        low, upto, rate = tier_columns(table)
        top = _top(upto, quota)
        lowq = f"{low}*{quota}"
        return (f"SUMPRODUCT({rate},({amount}>{lowq})*(({amount}<{top})*{amount}+({amount}>={top})*{top}"
                f"-{lowq}))")
    return f"MAX(0,{amount})*{held_rate(attainment, table)}"


def multiplier_factor(value: str, table: str) -> str:
    """The factor of the highest band whose min is at most ``value``; 1 with no data or below all."""
    mins, factors = column_ref(table, "min"), column_ref(table, "factor")
    return f'=IF({value}="",1,IF({value}<MIN({mins}),1,INDEX({factors},MATCH({value},{mins},1))))'


def days_employed(start: str, end: str) -> str:
    """Days of the period inside [start, end], both included; a blank date is an open end."""
    return (f'=MAX(0,MIN(period_end,IF({end}="",period_end,{end}))'
            f'-MAX(period_start,IF({start}="",period_start,{start}))+1)')


def bonus_payout(target_variable: str, weight: str, days: str, share: str, multiplier: str) -> str:
    """``ROUND(target_variable x weight x days x share x multiplier / (days in period x periods a year), 2)``."""
    return (f"=ROUND({target_variable}*{weight}*{days}*{share}*{multiplier}"
            f"/(period_days*periods_per_year),2)")
