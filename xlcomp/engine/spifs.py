"""SPIFs (SPEC section 10): for each SPIF component, the amount every CSM booked inside its window and what it
pays on (the rules of :mod:`xlcomp.rules.spif`). Pure: no I/O.

The window is cut to the period; the book is cut to the accounts booked inside it (``booked_on`` between the two
days, both included; an account without a booking date is in no window) and summed per CSM as the whole book is
(:mod:`xlcomp.engine.metrics`), so the amount is the metric's own definition on those accounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.engine.credit import CreditBasis, subset_credit
from xlcomp.engine.curves import decimals
from xlcomp.engine.metric_columns import metric_columns, values_of
from xlcomp.engine.metrics import (
    METRIC_KEYS,
    Aggregates,
    CsmColumns,
    MetricValue,
    SumsColumns,
    aggregates_of,
)
from xlcomp.errors import InputError, PlanError, Problem
from xlcomp.model.people import Book, Csm
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Plan
from xlcomp.rules import spif as rules
from xlcomp.rules.payout import Inputs as K

__all__ = ["SpifColumn", "booked_aggregates", "booked_between", "check_windows", "spif_amounts", "spif_columns"]


class SpifColumn(NamedTuple):
    """A SPIF for every CSM: the amount booked in its window, the amount it pays on (0 outside its segments),
    the note of each CSM ('' when eligible) and the window cut to the period."""

    metrics: Sequence[MetricValue]
    amounts: list[Decimal]
    notes: list[str]
    window: tuple[date, date]


def plan_file(plan: Plan) -> str:
    return plan.source.replace("\\", "/").rsplit("/", 1)[-1] if plan.source else "plan.yaml"


def check_windows(plan: Plan, period: Period) -> list[str]:
    """Raise :class:`PlanError` for a SPIF window wholly outside the period; the warnings of windows partly
    outside it (only the days inside count)."""
    problems, notes = [], []
    where = plan_file(plan)
    for index, component in enumerate(plan.components):
        if component.window is None:
            continue
        first, last = component.window
        shown = f"{first.isoformat()} to {last.isoformat()}"
        line = f"{where}:{component.window_line or component.line}"
        if last < period.start or first > period.end:
            bounds = f"{period.start.isoformat()} to {period.end.isoformat()}"
            problems.append(Problem(line, f"{shown} is outside {period.label} ({bounds}): "
                                    f"the SPIF {component.id} would pay nothing (run it for its own period)",
                                    f"components[{index}].window"))
        elif first < period.start or last > period.end:
            inside = f"{max(first, period.start).isoformat()} to {min(last, period.end).isoformat()}"
            notes.append(f"{line} components[{index}].window: {shown} is partly outside "
                         f"{period.label}: only {inside} counts")
    if problems:
        raise PlanError(problems)
    return notes


def booked_between(book: Book, first: date, last: date) -> Book:
    """The accounts of ``book`` booked from ``first`` to ``last`` (none without a booked_on column)."""
    table = book.table
    if rules.BOOKED_ON not in table.column_names:
        return Book(table.slice(0, 0), book.locator, book.columns)
    booked = table[rules.BOOKED_ON]
    inside = pc.and_(pc.greater_equal(booked, pa.scalar(first, pa.date32())),
                     pc.less_equal(booked, pa.scalar(last, pa.date32())))
    return Book(table.filter(pc.fill_null(inside, False)), book.locator, book.columns)


def booked_aggregates(book: Book, first: date, last: date, credit: CreditBasis | None = None) -> Aggregates:
    """The per-CSM sums of the accounts booked from ``first`` to ``last``, credited by ``credit`` (moves and
    splits: a moved account's amounts go to its owner on its booked_on day, a split's by share)."""
    booked = booked_between(book, first, last)
    return aggregates_of(booked) if credit is None else subset_credit(credit, booked, first, last, booked=True)


def spif_columns(plan: Plan, csms: Sequence[Csm], book: Book, period: Period, credit: CreditBasis | None = None
                 ) -> dict[str, SpifColumn]:
    """Every SPIF component's column (empty without SPIFs); ``credit``: the run's credit rows (moves and
    splits), which credit the booked amounts as :func:`booked_aggregates` says. Raises :class:`InputError` when
    the plan has a SPIF and the accounts have rows but no ``booked_on`` column."""
    spifs = [c for c in plan.components if c.window is not None]
    if not spifs:
        return {}
    if rules.BOOKED_ON not in book.table.column_names and len(book):
        names = ", ".join(c.id for c in spifs)
        raise InputError([Problem(book.locator.where(None), f"the plan's SPIF {names} pays on accounts booked in its "
                                  "window: the accounts need a booked_on column (YYYY-MM-DD)")])
    ids = [csm.csm_id for csm in csms]
    out = {}
    for component in spifs:
        assert component.window is not None
        first, last = max(component.window[0], period.start), min(component.window[1], period.end)
        aggregates = booked_aggregates(book, first, last, credit)
        aggregates.ensure(METRIC_KEYS.get(component.metric, ()))
        metrics = metric_columns(component.metric, SumsColumns(aggregates, ids), CsmColumns(csms), plan)
        out[component.id] = SpifColumn(metrics, *spif_amounts(component, csms, metrics), (first, last))
    return out


def spif_amounts(component: Component, csms: Sequence[Csm], metrics: Sequence[MetricValue]
                 ) -> tuple[list[Decimal], list[str]]:
    """What a commission pays on (:func:`xlcomp.rules.spif.spif_amount`: 0 outside a SPIF's segments) and each
    CSM's note."""
    segments = [csm.segment for csm in csms]
    env: dict[str, object] = {K.VALUE: values_of(metrics)}
    notes = [""] * len(csms)
    if component.segments is not None:
        eligible = np.asarray(rules.eligible(component.segments).evaluate(
            {rules.SEGMENT: decimals(segments)}), dtype=bool)
        env[rules.ELIGIBLE] = eligible
        allowed = ", ".join(component.segments)
        notes = ["" if ok else f'SPIF for {allowed} only: segment "{segment}" is not eligible; pays 0'
                 for ok, segment in zip(eligible.tolist(), segments, strict=True)]
    return rules.spif_amount(component).evaluate(env).tolist(), notes
