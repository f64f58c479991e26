"""One part of a period split by a plan version (SPEC section 10): its days and the amounts its commissions pay
on, for :func:`xlcomp.engine.run.run` (``part=``). Pure: no I/O.

The amounts of a part are the metric over the accounts booked inside it, plus the day-weighted metric of the
accounts with no booking date (every account, when the book has no ``booked_on`` column); a SPIF counts only the
accounts booked inside both its window and the part. Commission metrics are amounts, sums over accounts, so the
two add up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow.compute as pc

from xlcomp.engine.credit import CreditBasis, subset_credit
from xlcomp.engine.curves import decimals
from xlcomp.engine.metric_columns import MetricColumn, metric_columns
from xlcomp.engine.metrics import (
    METRIC_KEYS,
    Aggregates,
    CsmColumns,
    MetricValue,
    SumsColumns,
    aggregates_of,
)
from xlcomp.engine.spifs import SpifColumn, booked_aggregates, spif_amounts
from xlcomp.model.people import Book, Csm
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Kind, Plan
from xlcomp.rules import payout as payout_rules
from xlcomp.rules import versions as rules
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.ramp import serial
from xlcomp.rules.spif import BOOKED_ON

__all__ = ["PartInputs", "part_amounts", "part_inputs"]

_AMOUNT = rules.part_amount()
_QUOTA = rules.part_quota()
_DAYS = rules.part_days()
_TOTAL = rules.part_commission_amount()
ONE = Decimal(1)


@dataclass(frozen=True)
class PartInputs:
    """A part of the period: its span (a Period with the part's first and last day), its calendar days out of
    the period's, the version's effective date and each commission component's amounts."""

    span: Period
    days: int
    period_days: int
    effective: date | None
    commissions: dict[str, SpifColumn]

    def quotas(self, quotas: list[Decimal]) -> list[Decimal]:
        """The part's share of each quota (:func:`xlcomp.rules.versions.part_quota`)."""
        env = {K.QUOTA: decimals(quotas), rules.PART_DAYS: Decimal(self.days),
               payout_rules.PERIOD_DAYS: Decimal(self.period_days)}
        return _QUOTA.evaluate(env).tolist()  # type: ignore[no-any-return]


def _metrics(component: Component, plan: Plan, aggregates: Aggregates, ids: list[str], csms: Sequence[Csm]
             ) -> MetricColumn:
    aggregates.ensure(METRIC_KEYS.get(component.metric, ()))
    return metric_columns(component.metric, SumsColumns(aggregates, ids), CsmColumns(csms), plan)


def _undated(book: Book) -> Book:
    table = book.table
    if BOOKED_ON not in table.column_names:
        return book
    return Book(table.filter(pc.is_null(table[BOOKED_ON])), book.locator, book.columns)


def part_amounts(component: Component, plan: Plan, book: Book, csms: Sequence[Csm], first: date, last: date,
                 credit: CreditBasis | None = None) -> tuple[list[Decimal], list[Decimal]]:
    """Each CSM's amounts of a commission ``component`` booked from ``first`` to ``last`` (cut to a SPIF's
    window), and of its accounts with no booking date (none for a SPIF): over the whole period without
    ``credit``; with it (moves and splits), credited for the part's days, so that the part's day-weighted
    share (:func:`xlcomp.rules.versions.part_amount`) credits each owner its days owned in the part."""
    ids = [csm.csm_id for csm in csms]
    window = (first, last)
    if component.window is not None:
        window = (max(first, component.window[0]), min(last, component.window[1]))
    booked = [m.value or Decimal(0)
              for m in _metrics(component, plan, booked_aggregates(book, *window, credit), ids, csms)]
    if component.window is not None:
        return booked, [Decimal(0)] * len(booked)
    undated_book = _undated(book)
    aggregates = aggregates_of(undated_book) if credit is None \
        else subset_credit(credit, undated_book, first, last, booked=False)
    undated = [m.value or Decimal(0) for m in _metrics(component, plan, aggregates, ids, csms)]
    return booked, undated


def part_inputs(plan: Plan, csms: Sequence[Csm], book: Book, period: Period, first: date, last: date,
                credit: CreditBasis | None = None) -> PartInputs:
    """The part of ``period`` from ``first`` to ``last`` paid by ``plan`` (``credit``: the run's credit rows)."""
    days = int(_DAYS.evaluate({rules.PART_FIRST: serial(first), rules.PART_LAST: serial(last)}))
    commissions: dict[str, SpifColumn] = {}
    for component in plan.components:
        if component.kind is not Kind.COMMISSION:
            continue
        booked, undated = part_amounts(component, plan, book, csms, first, last, credit)
        values: list[Any] = booked
        window = (first, last)
        if component.window is not None:
            window = (max(first, component.window[0]), min(last, component.window[1]))
        else:
            shares = _AMOUNT.evaluate({K.VALUE: decimals(undated), rules.PART_DAYS: Decimal(days),
                                       payout_rules.PERIOD_DAYS: Decimal(period.days)})
            values = _TOTAL.evaluate({rules.BOOKED: decimals(booked), rules.UNDATED_SHARE: shares}).tolist()
        metrics = [MetricValue(component.metric, v) for v in values]
        commissions[component.id] = SpifColumn(metrics, *spif_amounts(component, csms, metrics), window)
    span = dataclasses.replace(period, start=first, end=last)
    return PartInputs(span, days, period.days, plan.effective, commissions)
