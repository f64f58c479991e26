"""A pay period's run: every CSM, every component (SPEC sections 2 and 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from ..errors import InputError, Problem, UsageError
from ..model.people import Book, Csm, Roster
from ..model.period import Period
from ..model.plan import Component, Kind, Multiplier, Plan, Target
from ..money import excel_round
from .metrics import EMPTY, BookSums, MetricValue, aggregate, metric_value
from .payouts import ComponentResult, bonus, commission

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CsmResult", "RunResult", "resolve_target", "run"]

ZERO = Decimal(0)

PAYOUT_COLUMNS = ("csm_id", "component", "kind", "metric", "actual", "target", "attainment", "share",
                  "target_incentive", "multiplier", "payout", "note")
SUMMARY_COLUMNS = ("csm_id", "name", "base_salary", "target_variable", "proration", "payout_total")


class CsmResult(NamedTuple):
    """One CSM's period: days employed, proration, each component's result and the total."""

    csm: Csm
    days: int
    period_days: int
    components: tuple[ComponentResult, ...]
    sums: BookSums

    @property
    def proration(self) -> Decimal:
        """Days employed in the period over days in the period."""
        return Decimal(self.days) / Decimal(self.period_days)

    @property
    def total(self) -> Decimal:
        """Σ of the rounded component payouts."""
        return sum((c.payout for c in self.components), ZERO)

    def component(self, component_id: str) -> ComponentResult:
        """The result of one component."""
        for result in self.components:
            if result.component.id == component_id:
                return result
        raise KeyError(component_id)


@dataclass(frozen=True, eq=False)
class RunResult:
    """The whole run; ``payouts`` and ``summary`` are the SPEC's two tables as DataFrames."""

    plan: Plan
    period: Period
    roster: Roster
    book: Book
    csms: tuple[CsmResult, ...]

    def __iter__(self) -> Iterator[CsmResult]:
        return iter(self.csms)

    @property
    def total(self) -> Decimal:
        """Σ of every CSM's total."""
        return sum((c.total for c in self.csms), ZERO)

    def csm(self, csm_id: str) -> CsmResult:
        """One CSM's result."""
        for result in self.csms:
            if result.csm.csm_id == csm_id:
                return result
        raise KeyError(csm_id)

    def payout_rows(self) -> Iterator[dict[str, Any]]:
        """payouts.csv rows, values as Decimals (None for blank)."""
        for result in self.csms:
            for c in result.components:
                yield {
                    "csm_id": result.csm.csm_id, "component": c.component.id, "kind": c.component.kind.value,
                    "metric": c.component.metric, "actual": c.actual, "target": c.target,
                    "attainment": c.attainment, "share": c.share, "target_incentive": c.target_incentive,
                    "multiplier": c.multiplier, "payout": c.payout, "note": c.note,
                }

    def summary_rows(self) -> Iterator[dict[str, Any]]:
        """summary.csv rows, values as Decimals."""
        for result in self.csms:
            csm = result.csm
            yield {"csm_id": csm.csm_id, "name": csm.name, "base_salary": csm.base_salary,
                   "target_variable": csm.target_variable, "proration": result.proration,
                   "payout_total": result.total}

    @cached_property
    def payouts(self) -> pd.DataFrame:
        """One row per CSM and component (payouts.csv), exact Decimals."""
        import pandas as pd

        return pd.DataFrame(list(self.payout_rows()), columns=list(PAYOUT_COLUMNS))

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per CSM (summary.csv), exact Decimals."""
        import pandas as pd

        return pd.DataFrame(list(self.summary_rows()), columns=list(SUMMARY_COLUMNS))


def resolve_target(target: Target, csm: Csm, sums: BookSums, plan: Plan) -> Decimal | None:
    """A target or quota for one CSM: fixed, from a roster column, or risk-adjusted."""
    if target.column:
        return csm.value(target.column)
    assert target.value is not None
    risk = target.risk_adjust
    if risk is None:
        return target.value
    book_risk = metric_value("risk_score", sums, csm, plan)
    if not book_risk.defined:
        return target.value
    assert book_risk.value is not None
    moved = target.value - risk.per_point * (book_risk.value - risk.reference)
    return excel_round(min(risk.ceiling, max(risk.floor, moved)), 6)


def _metrics_needed(plan: Plan) -> set[str]:
    names = {c.metric for c in plan.components} | {c.gate.metric for c in plan.components if c.gate}
    return names | {m.metric for m in plan.multipliers}


def run(plan: Plan, roster: Roster, book: Book, period: Period,
        progress: Callable[[int], None] | None = None,
        sums_by_csm: dict[str, BookSums] | None = None, scale: Decimal | None = None) -> RunResult:
    """Compute every CSM's payouts for ``period``. Pure: no I/O.

    ``scale`` multiplies every CSM's metrics (not the plan's inputs) for what-if scenarios:
    ``Decimal("0.8")`` runs the plan as if every result were 80% of actual.

    Raises :class:`UsageError` when the period's length is not the plan's, and
    :class:`InputError` when a CSM lacks a target or quota the plan needs.
    """
    if period.kind is not plan.period:
        raise UsageError(f"the plan {plan.id} pays per {plan.period.value}, but the period {period.label} is a "
                         f"{period.kind.value}")
    needed = _metrics_needed(plan)
    if any(c.target and c.target.risk_adjust for c in plan.components):
        needed.add("risk_score")
    if sums_by_csm is None:
        sums_by_csm = aggregate(book, needed)
    problems: list[Problem] = []
    results = []
    per_year, period_days = period.per_year, period.days
    components = [(c, plan.multipliers_for(c.id)) for c in plan.components]
    constant = {name: metric_value(name, EMPTY, None, plan) for name in needed if name in plan.inputs}
    per_csm = [name for name in needed if name not in constant]
    for index, csm in enumerate(roster.csms):
        sums = sums_by_csm.get(csm.csm_id, EMPTY)
        values: dict[str, MetricValue] = {name: metric_value(name, sums, csm, plan) for name in per_csm}
        if scale is not None:
            values = {name: _scaled(value, scale) for name, value in values.items()}
        values.update(constant)
        days = period.days_employed(csm.start_date, csm.end_date)
        done = []
        for component, multipliers in components:
            result = _component(component, csm, sums, values, plan, days, period_days, per_year, roster, problems,
                                multipliers)
            if result is not None:
                done.append(result)
        results.append(CsmResult(csm, days, period_days, tuple(done), sums))
        if progress is not None and index % 500 == 499:
            progress(500)
    if problems:
        raise InputError(problems)
    return RunResult(plan, period, roster, book, tuple(results))


def _scaled(value: MetricValue, scale: Decimal) -> MetricValue:
    if value.num is None:
        return value
    return MetricValue(value.name, value.num * scale, value.den, value.reason)


def _component(component: Component, csm: Csm, sums: BookSums, values: dict[str, MetricValue], plan: Plan,
               days: int, period_days: int, per_year: int, roster: Roster,
               problems: list[Problem], multipliers: tuple[Multiplier, ...]) -> ComponentResult | None:
    metric = values[component.metric]
    if component.kind is Kind.BONUS:
        assert component.target is not None
        target = resolve_target(component.target, csm, sums, plan)
        if target is None or target <= 0:
            column = component.target.column or "target"
            problems.append(roster.locator.problem(csm.row, column, f"the {component.id} target is missing or not "
                                                                    "above 0"))
            return None
        return bonus(component, csm.csm_id, metric, target, csm.target_variable, days, period_days, per_year,
                     values, multipliers)
    quota = None
    if component.quota is not None:
        quota = resolve_target(component.quota, csm, sums, plan)
        if quota is None or quota <= 0:
            column = component.quota.column or "quota"
            problems.append(roster.locator.problem(csm.row, column, f"the {component.id} quota is missing or not "
                                                                    "above 0"))
            return None
    return commission(component, csm.csm_id, metric, quota, values, multipliers)
