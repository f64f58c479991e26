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
from xlcomp.engine.component_block import component_column, risk_adjusted_values
from xlcomp.engine.credit import CreditBasis, credit_basis, credited_aggregates
from xlcomp.engine.curves import Array, decimals
from xlcomp.engine.dating import DatedRoster, StretchRow, dated_roster
from xlcomp.engine.metric_columns import metric_columns
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
from xlcomp.engine.payouts import ComponentResult
from xlcomp.engine.ramps import CsmRamp, ramp_of
from xlcomp.engine.spifs import check_windows, spif_columns
from xlcomp.errors import InputError, Problem, UsageError
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.credit import CreditRow, Credits
from xlcomp.model.dating import Changes
from xlcomp.model.people import Book, Csm, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan, Target
from xlcomp.money import exactly
from xlcomp.rules.payout import Inputs
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


_RECORD_FIELDS = ("target", "attainment", "share", "target_incentive", "multiplier", "payout")


def spread(parts: Sequence[list[Any]], size: int) -> list[Any]:
    """Columns of the same length, one after the other, as one column CSM by CSM: ``parts[0][0], parts[1][0],
    …, parts[0][1], …`` (each CSM's components in plan order)."""
    column: list[Any] = [None] * size
    for j, part in enumerate(parts):
        column[j::len(parts)] = part
    return column


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

    @exactly
    def component_columns(self) -> list[dict[str, list[Any]]]:
        """Each component's payouts.csv columns for every CSM, in plan order and roster order (csm_id, actual,
        target, attainment, share, target_incentive, multiplier, payout, note; adjustment lines are not among
        them): from the run's arrays when it kept them, else from its records."""
        kept = self.csms if isinstance(self.csms, CsmResults) else None
        parts = kept.by_component_columns() if kept is not None else None
        if parts is not None:
            return parts
        blocks = kept.by_component() if kept is not None else None
        if blocks is None:
            blocks = [list(column) for column in zip(*(r.components for r in self.csms), strict=True)]
        return [{"csm_id": [r.csm_id for r in block], "actual": [r.actual for r in block],
                 **{name: [getattr(r, name) for r in block] for name in _RECORD_FIELDS},
                 "note": [r.note for r in block]} for block in blocks]

    def only_component_lines(self) -> bool:
        """Are the run's lines its components' for every CSM and nothing else (no adjustment line), kept so? Then
        :meth:`component_columns` spread CSM by CSM are payouts.csv's rows."""
        return isinstance(self.csms, CsmResults) and self.csms.payouts is not None

    @exactly
    def payout_columns(self) -> dict[str, list[Any]]:
        """:meth:`payout_rows` as columns by name, in the same order with the same values (made a component at
        a time, for every CSM at once, when the run kept its results so and has no adjustment lines)."""
        if not self.only_component_lines():
            rows = list(self.payout_rows())
            return {name: [row[name] for row in rows] for name in PAYOUT_COLUMNS}
        parts = self.component_columns()
        components = self.plan.components
        k, n = len(parts), len(self.csms)
        if not k or not n:
            return {name: [] for name in PAYOUT_COLUMNS}
        named = {"component": [c.id for c in components], "kind": [c.kind.value for c in components],
                 "metric": [c.metric for c in components]}
        return {name: spread([[value] * n for value in named[name]] if name in named else
                             [part[name] for part in parts], k * n) for name in PAYOUT_COLUMNS}

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
    return risk_adjusted_values(target, book_risk.value)  # type: ignore[no-any-return]


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
        columns.append(component_column(component, plan, roster, by_metric, book_risk, days, target_variable,
                                        (period_days, per_year), problems,
                                        None if dated is None else dated.target_variable_days, ramp,
                                        spifs.get(component.id), part))
        if progress is not None:
            progress(len(csms) // max(1, len(plan.components)))
    if problems:
        raise InputError(problems)
    lines = adjustment_lines(adjustments, given) if adjustments else {}
    total = sum((sum(column.payouts, ZERO) for column in columns), ZERO)
    total += sum((adjustments_sum(csm_id, rows) for csm_id, rows in lines.items()), ZERO)

    made: list[list[ComponentResult]] | None = None

    def by_component() -> list[list[ComponentResult]]:   # each component's results, for every CSM
        nonlocal made
        if made is None:
            made = [column.records(None) for column in columns]
        return made

    shown: list[dict[str, list[Any]]] | None = None

    def by_component_columns() -> list[dict[str, list[Any]]]:   # payouts.csv's columns of each component
        nonlocal shown
        if shown is None:
            shown = [column.columns() for column in columns if column.columns is not None]
        return shown

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

    kept = None if lines or any(column.columns is None for column in columns) else by_component_columns
    return RunResult(plan, period, given, book, CsmResults(len(csms), build, total, None if lines else by_component,
                                                            all_days, period_days, kept,
                                                            None if lines else [c.payouts for c in columns]),
                     changes, dated, credits, credit_rows, tuple(window_notes))


def target_columns(plan: Plan) -> tuple[str, ...]:
    """The roster columns the plan reads as targets or quotas (a change of them is day-weighted)."""
    return tuple(dict.fromkeys(t.column for c in plan.components for t in (c.target, c.quota)
                               if t is not None and t.column))


class CsmResults(Sequence[CsmResult]):
    """A run's per-CSM results, made into records when first read (the payouts are already computed)."""

    def __init__(self, count: int, build: Callable[[], tuple[CsmResult, ...]], total: Decimal,
                 components: Callable[[], list[list[ComponentResult]]] | None = None,
                 days: Sequence[int] | None = None, period_days: int = 0,
                 columns: Callable[[], list[dict[str, list[Any]]]] | None = None,
                 payouts: list[list[Decimal]] | None = None) -> None:
        self._count = count
        self._columns = columns
        self.payouts = payouts   # each component's payouts, in roster order (None: not kept so)
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
        adjustment lines besides; :attr:`payouts` is not None when it is not)."""
        return None if self._components is None else self._components()

    @collector_paused()
    @exactly
    def by_component_columns(self) -> list[dict[str, list[Any]]] | None:
        """Each component's payouts.csv columns for every CSM, in roster order (csm_id, actual, target,
        attainment, share, target_incentive, multiplier, payout, note), made without the records; None: not kept
        so (adjustment lines, plan versions)."""
        return None if self._columns is None else self._columns()

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


_DAYS_EMPLOYED = days_employed_rule()


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
