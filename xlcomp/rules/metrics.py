"""The metric catalogue as rules (SPEC section 2): each metric is ``num / den`` over the CSM's book sums.

A :class:`BookItem` is one sum over the Accounts table: its formula (SUMIFS, COUNTIFS, SUMPRODUCT)
and its engine value, side by side. A :class:`MetricSpec` is a metric's numerator and denominator as
expressions over book items (``book:<key>``), roster cells (``roster:<column>``) and plan inputs
(``input:<name>``): rendered, they are the CSM tab's formulas; evaluated on the engine's book sums
(:func:`metric_env`), the values cached in its cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from xlcomp.model.metrics import SUM_FIELDS, metric_def
from xlcomp.model.people import Csm
from xlcomp.model.plan import Plan
from xlcomp.rules.expr import BLANK, Expr, If, Input, N
from xlcomp.rules.tables import excel_column

__all__ = ["ACCOUNTS_TABLE", "ACCOUNT_COLUMNS", "BOOK_ITEMS", "BookItem", "MetricSpec", "Sums", "book_items",
           "metric_env", "metric_spec", "metric_specs", "needed_metrics"]

ACCOUNTS_TABLE = "Accounts"
# The Accounts table's columns, in order (the workbook's layout re-exports them).
ACCOUNT_COLUMNS = ("account_id", "csm_id", "segment", "arr_start", "renewable_arr", "renewed_arr", "upsell_arr",
                   "cross_sell_arr", "contraction_arr", "health_score", "nps", "adoption_rate",
                   "onboarding_planned", "onboarding_done", "value_identified_arr", "referrals", "risk_score")
WEIGHTED = ("health_score", "adoption_rate", "risk_score")
ZERO = Decimal(0)


class Sums(Protocol):
    """What a book item reads from one CSM's book (the engine's ``BookSums``)."""

    def sum(self, column: str) -> Decimal: ...

    @property
    def accounts(self) -> int: ...

    @property
    def logos_churned(self) -> int: ...

    @property
    def weighted(self) -> Mapping[str, tuple[Decimal, Decimal]]: ...

    @property
    def nps(self) -> tuple[Decimal, int]: ...


def acc(column: str) -> str:
    """A column of the Accounts table."""
    return excel_column(ACCOUNTS_TABLE, column)


@dataclass(frozen=True)
class BookItem:
    """One line of a CSM tab's book block: a key, a label, a formula and its engine value.

    ``formula(id_cell, key_cell)``: ``id_cell`` holds the csm_id (exact comparisons), ``key_cell``
    its SUMIFS/MATCH key (see :func:`xlcomp.ooxml.refs.sumifs_key`).
    """

    key: str
    label: str
    formula: Callable[[str, str], str]
    value: Callable[[Sums], Decimal]
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
    for column in ACCOUNT_COLUMNS:
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


class _MetricEnv(Mapping[str, Any]):
    """The inputs of metric expressions for one CSM, looked up when read."""

    def __init__(self, sums: Sums, csm: Csm | None, plan: Plan | None) -> None:
        self.sums, self.csm, self.plan = sums, csm, plan

    def __getitem__(self, name: str) -> Any:
        kind, _, key = name.partition(":")
        if kind == "book":
            return BOOK_ITEMS[key].value(self.sums)
        if kind == "roster":
            return self.csm.value(key) if self.csm else None
        if kind == "input" and self.plan is not None:
            return self.plan.inputs[key]
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def metric_env(sums: Sums, csm: Csm | None, plan: Plan | None = None) -> Mapping[str, Any]:
    """The values metric expressions read for one CSM: book items, roster columns, plan inputs."""
    return _MetricEnv(sums, csm, plan)


def _keys(expr: Expr | None, kind: str) -> set[str]:
    if expr is None:
        return set()
    return {name.partition(":")[2] for name in expr.inputs() if name.startswith(kind + ":")}


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
        return _keys(self.num, "book") | _keys(self.den, "book")

    def roster_columns(self) -> set[str]:
        """The roster columns the metric reads."""
        return _keys(self.num, "roster") | _keys(self.den, "roster")

    def value_rule(self) -> Expr:
        """The metric's value from its parts (``num``, ``den``): ``num/den``, blank when ``den`` is 0."""
        if self.den is None:
            return Input("num")
        return If(Input("den").eq(0), BLANK, Input("num") / "den")


def _b(key: str) -> Expr:
    return Input(f"book:{key}")


def _s(column: str) -> Expr:
    return _b(f"sum:{column}")


def metric_spec(name: str, plan: Plan) -> MetricSpec:
    """How the workbook computes metric ``name`` (SPEC section 2), mirroring the engine."""
    if name in SUM_FIELDS:
        return MetricSpec(name, _s(name))
    if name == "expansion_arr":
        return MetricSpec(name, _s("upsell_arr") + _s("cross_sell_arr"))
    if name == "churned_arr":
        return MetricSpec(name, _s("renewable_arr") - _s("renewed_arr"))
    if name == "gross_renewal_rate":
        return MetricSpec(name, _s("renewed_arr"), _s("renewable_arr"))
    if name == "net_revenue_retention":
        num = (_s("arr_start") + _s("upsell_arr") + _s("cross_sell_arr") - _s("contraction_arr")
               - (_s("renewable_arr") - _s("renewed_arr")))
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
        return MetricSpec(name, Input("roster:mbo_score"))
    if name == "utilization":
        return MetricSpec(name, N("roster:billable_hours"), N("roster:available_hours"))
    if name in plan.inputs:
        return MetricSpec(name, Input(f"input:{name}"))
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
