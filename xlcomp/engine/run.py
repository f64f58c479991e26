"""A pay period's run: every CSM, every component (SPEC sections 2 and 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, overload

from xlcomp.engine.adjustments import ADJUSTMENT_KIND, AdjustmentLine, adjustment_lines, adjustments_sum
from xlcomp.engine.collector import collector_paused
from xlcomp.engine.credit import CreditBasis, credit_basis, credited_aggregates
from xlcomp.engine.curves import Array, decimals
from xlcomp.engine.dating import DatedRoster, StretchRow, dated_roster
from xlcomp.engine.metric_columns import MetricColumn, metric_columns, values_of
from xlcomp.engine.metrics import (
    EMPTY,
    METRIC_KEYS,
    BookSums,
    CsmColumns,
    MetricValue,
    SumsColumns,
    aggregates_of,
    metric_value,
)
from xlcomp.engine.parts import PartInputs
from xlcomp.engine.payouts import (
    ComponentResult,
    GateCheck,
    bonus_block,
    bonus_results,
    commission_block,
    commission_results,
    gate_checks,
    gate_open,
    multiplier_columns,
)
from xlcomp.engine.ramps import CsmRamp, Ramp, ramp_of, ramped_targets
from xlcomp.engine.spifs import SpifColumn, check_windows, spif_columns
from xlcomp.errors import InputError, Problem, UsageError
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.credit import CreditRow, Credits
from xlcomp.model.dating import Changes
from xlcomp.model.people import Book, Csm, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Kind, Plan, Target
from xlcomp.money import exactly
from xlcomp.rules.payout import Inputs, commission_amount, risk_adjusted_target
from xlcomp.rules.payout import days_employed as days_employed_rule

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CsmResult", "CsmResults", "RunResult", "resolve_target", "run"]

ZERO = Decimal(0)
ONE = Decimal(1)
NO_STRETCHES: Mapping[str, tuple[StretchRow, ...]] = MappingProxyType({})

PAYOUT_COLUMNS = ("csm_id", "component", "kind", "metric", "actual", "target", "attainment", "share",
                  "target_incentive", "multiplier", "payout", "note")
SUMMARY_COLUMNS = ("csm_id", "name", "base_salary", "target_variable", "proration", "payout_total")


@exactly
def proration_of(days: int, period_days: int) -> Decimal:
    """Days employed in the period over days in the period."""
    return Decimal(days) / Decimal(period_days)


class CsmResult(NamedTuple):
    """One CSM's period: days employed, proration, each component's result, the adjustments and the total."""

    csm: Csm
    days: int
    period_days: int
    components: tuple[ComponentResult, ...]
    sums: BookSums
    adjustments: tuple[AdjustmentLine, ...] = ()
    stretches: Mapping[str, tuple[StretchRow, ...]] = NO_STRETCHES   # with roster changes: per field
    ramp: CsmRamp | None = None   # the plan's ramp: this CSM's whole months in post and factor

    @property
    def proration(self) -> Decimal:
        """Days employed in the period over days in the period."""
        return proration_of(self.days, self.period_days)

    @property
    @exactly
    def total(self) -> Decimal:
        """Σ of the rounded component payouts, plus the adjustments line."""
        return sum((c.payout for c in self.components), ZERO) + self.adjustments_total

    @property
    @exactly
    def adjustments_total(self) -> Decimal:
        """Σ of the rounded adjustment amounts (0 without adjustments)."""
        return adjustments_sum(self.csm.csm_id, self.adjustments)

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
    csms: Sequence[CsmResult]
    changes: Changes | None = None
    dated: DatedRoster | None = None
    credits: Credits | None = None              # account moves and credit splits (SPEC section 10)
    credit_rows: Sequence[CreditRow] = ()       # their credited shares (-1 rows for the listed owners)
    notes: tuple[str, ...] = ()     # warnings of the run (a SPIF window partly outside the period)
    parts: tuple[tuple[Plan, date, date], ...] = ()   # plan versions: each part's version, first and last day

    def __iter__(self) -> Iterator[CsmResult]:
        return iter(self.csms)

    @property
    @exactly
    def total(self) -> Decimal:
        """Σ of every CSM's total."""
        known = getattr(self.csms, "total", None)
        return known if isinstance(known, Decimal) else sum((c.total for c in self.csms), ZERO)

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
            for line in result.adjustments:
                yield {
                    "csm_id": result.csm.csm_id, "component": line.component, "kind": ADJUSTMENT_KIND,
                    "metric": None, "actual": None, "target": None, "attainment": None, "share": None,
                    "target_incentive": None, "multiplier": None, "payout": line.payout, "note": line.note,
                }

    def payout_columns(self) -> dict[str, list[Any]]:
        """:meth:`payout_rows` as columns by name, in the same order with the same values (made a component at
        a time, for every CSM at once, when the run kept its results so and has no adjustment lines)."""
        blocks = self.csms.by_component() if isinstance(self.csms, CsmResults) else None
        if blocks is None:
            rows = list(self.payout_rows())
            return {name: [row[name] for row in rows] for name in PAYOUT_COLUMNS}
        k, n = len(blocks), len(self.csms)
        if not k or not n:
            return {name: [] for name in PAYOUT_COLUMNS}

        def spread(parts: list[list[Any]]) -> list[Any]:   # CSM by CSM, each CSM's components in plan order
            column: list[Any] = [None] * (k * n)
            for j, part in enumerate(parts):
                column[j::k] = part
            return column

        components = [block[0].component for block in blocks]
        return {"csm_id": spread([[r.csm_id for r in block] for block in blocks]),
                "component": spread([[c.id] * n for c in components]),
                "kind": spread([[c.kind.value] * n for c in components]),
                "metric": spread([[c.metric] * n for c in components]),
                "actual": spread([[r.metric.value for r in block] for block in blocks]),
                "target": spread([[r.target for r in block] for block in blocks]),
                "attainment": spread([[r.attainment for r in block] for block in blocks]),
                "share": spread([[r.share for r in block] for block in blocks]),
                "target_incentive": spread([[r.target_incentive for r in block] for block in blocks]),
                "multiplier": spread([[r.multiplier for r in block] for block in blocks]),
                "payout": spread([[r.payout for r in block] for block in blocks]),
                "note": spread([[r.note for r in block] for block in blocks])}

    def days_employed(self) -> list[tuple[str, int, int]]:
        """Each CSM's (csm_id, days employed, days in the period), in roster order (without making the per-CSM
        records when the run kept its days)."""
        kept = self.csms
        if not isinstance(kept, CsmResults) or kept.days is None:
            return [(r.csm.csm_id, r.days, r.period_days) for r in kept]
        return [(csm.csm_id, employed, kept.period_days) for csm, employed in zip(self.roster.csms, kept.days,
                                                                                  strict=True)]

    def summary_rows(self) -> Iterator[dict[str, Any]]:
        """summary.csv rows, values as Decimals."""
        for result in self.csms:
            csm = result.csm
            yield {"csm_id": csm.csm_id, "name": csm.name, "base_salary": csm.base_salary,
                   "target_variable": csm.target_variable, "proration": result.proration,
                   "payout_total": result.total}

    @cached_property
    @exactly
    def payouts(self) -> pd.DataFrame:
        """One row per CSM and component (payouts.csv), exact Decimals."""
        import pandas as pd

        return pd.DataFrame(list(self.payout_rows()), columns=list(PAYOUT_COLUMNS))

    @cached_property
    @exactly
    def summary(self) -> pd.DataFrame:
        """One row per CSM (summary.csv), exact Decimals."""
        import pandas as pd

        return pd.DataFrame(list(self.summary_rows()), columns=list(SUMMARY_COLUMNS))


def resolve_target(target: Target, csm: Csm, sums: BookSums, plan: Plan) -> Decimal | None:
    """A target or quota for one CSM: fixed, from a roster column, or risk-adjusted."""
    if target.column:
        return csm.value(target.column)
    if target.risk_adjust is None:
        return target.value
    return risk_adjusted(target, metric_value("risk_score", sums, csm, plan))


def risk_adjusted(target: Target, book_risk: MetricValue) -> Decimal | None:
    """A risk-adjusted target: ``ROUND(clamp(base - per_point x (risk - reference), floor, ceiling), 6)``,
    with ``risk`` the CSM's ARR-weighted risk_score; the base where the book has no risk data
    (the rule :func:`xlcomp.rules.payout.risk_adjusted_target`)."""
    return _risk_adjusted(target, book_risk.value)  # type: ignore[no-any-return]


def _metrics_needed(plan: Plan) -> set[str]:
    names = {c.metric for c in plan.components} | {c.gate.metric for c in plan.components if c.gate}
    return names | {m.metric for m in plan.multipliers}


@collector_paused()
@exactly
def run(plan: Plan, roster: Roster, book: Book, period: Period,
        progress: Callable[[int], None] | None = None, scale: Decimal | None = None,
        adjustments: Sequence[Adjustment] = (), changes: Changes | None = None,
        credits: Credits | None = None, part: PartInputs | None = None,
        basis: CreditBasis | None = None) -> RunResult:
    """Compute every CSM's payouts for ``period``. Pure: no I/O.

    ``adjustments`` are paid as lines of kind ``adjustment`` (:mod:`xlcomp.engine.adjustments`),
    counted in each CSM's total; one for a csm_id the roster lacks is an :class:`InputError`.

    ``scale`` multiplies every CSM's metrics (not the plan's inputs) for what-if scenarios:
    ``Decimal("0.8")`` runs the plan as if every result were 80% of actual.

    ``changes`` (SPEC section 10): a bonus's TI sums target_variable x days over the stretches of the
    period (of the part, with ``part``), and quota and target columns that change are their day-weighted means
    (``RunResult.roster`` is the roster as given; ``RunResult.dated`` holds the stretches).

    ``credits`` (SPEC section 10): moved and split accounts are credited to each CSM by share
    (:mod:`xlcomp.engine.credit`; ``RunResult.credit_rows`` lists the shares); a SPIF's booked amounts too
    (a moved account's go to its owner on its booked_on day).

    ``part`` (plan versions, :mod:`xlcomp.engine.versions`): pay one part of the period: days employed inside it,
    commissions on its amounts and its share of their quotas; ``basis``: the credit rows of ``credits`` when
    already found (the parts of a split period share them).

    Raises :class:`UsageError` when the period's length is not the plan's, and
    :class:`InputError` when a CSM lacks a target or quota the plan needs.
    """
    if period.kind is not plan.period:
        raise UsageError(f"the plan {plan.id} pays per {plan.period.value}, but the period {period.label} is a "
                         f"{period.kind.value}")
    window_notes = check_windows(plan, period)
    needed = _metrics_needed(plan)
    if any(c.target and c.target.risk_adjust for c in plan.components):
        needed.add("risk_score")
    if basis is None and credits is not None:
        basis = credit_basis(book, credits, period)
    aggregates = aggregates_of(book) if basis is None \
        else credited_aggregates(book, basis.rows, basis.positions, basis.source)
    credit_rows = () if basis is None else basis.rows
    aggregates.ensure(key for name in needed for key in METRIC_KEYS.get(name, ()))
    problems: list[Problem] = []
    per_year, period_days = period.per_year, period.days
    given = roster
    dated = None
    if changes is not None:
        dated = dated_roster(roster, changes, period if part is None else part.span, target_columns(plan))
        roster = dated.roster
    csms = roster.csms
    sums_columns = SumsColumns(aggregates, [csm.csm_id for csm in csms])
    csm_columns = CsmColumns(csms)
    by_metric = {name: metric_columns(name, sums_columns, csm_columns, plan) for name in needed}
    book_risk = by_metric.get("risk_score")  # a target's risk adjustment reads the book as it is
    if scale is not None:
        by_metric = {name: column if name in plan.inputs else column.scaled(scale)
                     for name, column in by_metric.items()}
    days = days_employed(period if part is None else part.span, csms)
    all_days = [int(d) for d in days]
    target_variable = decimals([csm.target_variable for csm in csms])
    ramp = ramp_of(plan, csms, period)
    spifs = spif_columns(plan, csms, book, period, basis) if part is None else part.commissions
    columns = []
    for component in plan.components:
        columns.append(_component_column(component, plan, roster, by_metric, book_risk, days, target_variable,
                                         (period_days, per_year), problems,
                                         None if dated is None else dated.target_variable_days, ramp,
                                         spifs.get(component.id), part))
        if progress is not None:
            progress(len(csms) // max(1, len(plan.components)))
    if problems:
        raise InputError(problems)
    lines = adjustment_lines(adjustments, given) if adjustments else {}
    total = sum((sum(payouts, ZERO) for payouts, _ in columns), ZERO)
    total += sum((adjustments_sum(csm_id, rows) for csm_id, rows in lines.items()), ZERO)

    made: list[list[ComponentResult]] | None = None

    def by_component() -> list[list[ComponentResult]]:   # each component's results, for every CSM
        nonlocal made
        if made is None:
            made = [make() for _, make in columns]
        return made

    def build() -> tuple[CsmResult, ...]:
        built = by_component()
        position = aggregates.position
        return tuple(CsmResult(csm, all_days[i], period_days, tuple(column[i] for column in built),
                               BookSums(aggregates=aggregates, position=position[csm.csm_id])
                               if csm.csm_id in position else EMPTY,
                               stretches=NO_STRETCHES if dated is None else dated.stretches[i],
                               adjustments=lines.get(csm.csm_id, ()),
                               ramp=None if ramp is None else ramp.of(i))
                     for i, csm in enumerate(given.csms))

    return RunResult(plan, period, given, book, CsmResults(len(csms), build, total, None if lines else by_component,
                                                            all_days, period_days),
                     changes, dated, credits, credit_rows, tuple(window_notes))


def target_columns(plan: Plan) -> tuple[str, ...]:
    """The roster columns the plan reads as targets or quotas (a change of them is day-weighted)."""
    return tuple(dict.fromkeys(t.column for c in plan.components for t in (c.target, c.quota)
                               if t is not None and t.column))


class CsmResults(Sequence[CsmResult]):
    """A run's per-CSM results, made into records when first read (the payouts are already computed)."""

    def __init__(self, count: int, build: Callable[[], tuple[CsmResult, ...]], total: Decimal,
                 components: Callable[[], list[list[ComponentResult]]] | None = None,
                 days: Sequence[int] | None = None, period_days: int = 0) -> None:
        self._count = count
        self._build: Callable[[], tuple[CsmResult, ...]] | None = build
        self._items: tuple[CsmResult, ...] = ()
        self._components = components
        self.total = total
        self.days = days   # each CSM's days employed, in roster order (None: not kept), of the period's period_days
        self.period_days = period_days

    @collector_paused()
    @exactly
    def by_component(self) -> list[list[ComponentResult]] | None:
        """Each component's results for every CSM, in roster order (None: not kept so, or the CSMs have
        adjustment lines besides)."""
        return None if self._components is None else self._components()

    @collector_paused()
    @exactly
    def _all(self) -> tuple[CsmResult, ...]:
        if self._build is not None:
            self._items, self._build = self._build(), None
        return self._items

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> CsmResult: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[CsmResult, ...]: ...

    def __getitem__(self, index: int | slice) -> CsmResult | tuple[CsmResult, ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[CsmResult]:
        return iter(self._all())

    def __reduce__(self) -> tuple[Any, ...]:
        return tuple, (self._all(),)


def _component_column(component: Component, plan: Plan, roster: Roster, by_metric: Mapping[str, MetricColumn],
                      book_risk: MetricColumn | None, days: Array, target_variable: Array,
                      period: tuple[int, int], problems: list[Problem], target_variable_days: Array | None = None,
                      ramp: Ramp | None = None, spif: SpifColumn | None = None, part: PartInputs | None = None
                      ) -> tuple[list[Decimal], Callable[[], list[ComponentResult]]]:
    """One component for every CSM, computed as one block: the payouts, and how to make the records (the
    metrics', gates' and multipliers' records too, made only then)."""
    csms = roster.csms
    n = len(csms)
    column = by_metric[component.metric]
    metrics: Sequence[MetricValue] = column   # a SPIF's commission pays on its window's own
    multiplier, walks = multiplier_columns(plan.multipliers_for(component.id), by_metric, n)
    gate_metric = by_metric[component.gate.metric] if component.gate else None
    gate_ok = gate_open(component, metrics if gate_metric is None else gate_metric)

    def gates() -> list[GateCheck | None]:
        return [None] * n if gate_metric is None else gate_checks(component, gate_metric, gate_ok)

    csm_ids = [csm.csm_id for csm in csms]
    if component.kind is Kind.BONUS:
        assert component.target is not None
        targets = ramped_targets(component, plan, _targets(component, component.target, "target", roster, book_risk,
                                                           problems), ramp)
        block = bonus_block(component, column.nums, column.dens, decimals(targets), target_variable, days, *period,
                            gate_ok, multiplier, target_variable_days=target_variable_days)
        return block.payout.tolist(), lambda: bonus_results(component, csm_ids, list(metrics), targets, block,
                                                            gates(), walks(), multiplier.tolist())
    quotas = None
    if component.quota is not None:
        quotas = ramped_targets(component, plan, _targets(component, component.quota, "quota", roster, book_risk,
                                                          problems), ramp)
        if part is not None:
            quotas = part.quotas(quotas)
    if spif is not None:
        metrics, amount_array = spif.metrics, decimals(spif.amounts)
    else:
        amount_array = commission_amount().evaluate({Inputs.VALUE: values_of(metrics)})
    cblock = commission_block(component, amount_array, None if quotas is None else decimals(quotas), gate_ok,
                              multiplier)

    def make() -> list[ComponentResult]:
        results = commission_results(component, csm_ids, list(metrics), quotas, amount_array.tolist(), cblock,
                                     gates(), walks(), multiplier.tolist())
        if spif is None or not any(spif.notes):
            return results
        return [r._replace(trace=r.trace._replace(excluded=note)) if note else r
                for r, note in zip(results, spif.notes, strict=True)]

    return cblock.payout.tolist(), make


def _targets(component: Component, target: Target, what: str, roster: Roster, book_risk: MetricColumn | None,
             problems: list[Problem]) -> list[Decimal]:
    """Each CSM's target or quota; a missing or non-positive one is a problem (and 1 in its place)."""
    csms = roster.csms
    if target.column:
        values = [csm.value(target.column) for csm in csms]
    elif target.risk_adjust is not None:
        assert book_risk is not None
        values = _risk_adjusted(target, book_risk.value_array()).tolist()
    else:
        values = [target.value] * len(csms)
    out = []
    for csm, value in zip(csms, values, strict=True):
        if value is None or value <= 0:
            problems.append(roster.locator.problem(csm.row, target.column or what,
                                                   f"the {component.id} {what} is missing or not above 0"))
        out.append(value if value is not None and value > 0 else ONE)
    return out


_DAYS_EMPLOYED = days_employed_rule()
_RISK_ADJUSTED = risk_adjusted_target()


def days_employed(period: Period, csms: Sequence[Csm]) -> Array:
    """Each CSM's days employed in the period (the rule :func:`xlcomp.rules.payout.days_employed`),
    evaluated once per distinct pair of start and end dates."""
    def day(value: date | None) -> Decimal | None:
        return None if value is None else Decimal(value.toordinal())

    pairs = [(csm.start_date, csm.end_date) for csm in csms]
    distinct = list(dict.fromkeys(pairs))
    env = {Inputs.START: decimals([day(start) for start, _ in distinct]),
           Inputs.END: decimals([day(end) for _, end in distinct]),
           Inputs.PERIOD_START: day(period.start), Inputs.PERIOD_END: day(period.end)}
    by_pair = dict(zip(distinct, _DAYS_EMPLOYED.evaluate(env).tolist(), strict=True))
    return decimals([by_pair[pair] for pair in pairs])


def _risk_adjusted(target: Target, risk: Any) -> Any:
    adjust = target.risk_adjust
    assert target.value is not None and adjust is not None
    env = {Inputs.TARGET: target.value, Inputs.RISK: risk, "risk_floor": adjust.floor,
           "risk_ceiling": adjust.ceiling, "risk_per_point": adjust.per_point, "risk_reference": adjust.reference}
    return _RISK_ADJUSTED.evaluate(env)
