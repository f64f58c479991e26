"""The plan year and its periods: where a plan year starts, its periods in order, and whether a period
may close now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from xlcomp.errors import Problem
from xlcomp.ledger.db import LedgerError
from xlcomp.ledger.store import (
    CloseRecord,
)
from xlcomp.model.period import Period, PeriodKind, parse_period
from xlcomp.model.plan import Plan

if TYPE_CHECKING:
    from xlcomp.ledger.close import CloseInputs

_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}


def plan_year_start(plan: Plan, period: Period) -> date:
    """The first day of the plan year holding ``period`` (calendar year unless the plan has ``year_start``)."""
    month = plan.year_start.month if plan.year_start else 1
    start = date(period.start.year, month, 1)
    return start if start <= period.start else date(period.start.year - 1, month, 1)


def _label(kind: PeriodKind, first: date) -> str:
    if kind is PeriodKind.MONTH:
        return f"{first.year}-{first.month:02d}"
    if kind is PeriodKind.QUARTER:
        return f"{first.year}-Q{(first.month - 1) // 3 + 1}"
    if kind is PeriodKind.HALF:
        return f"{first.year}-H{(first.month - 1) // 6 + 1}"
    return f"{first.year}"


def plan_year_periods(plan: Plan, year_start: date) -> list[Period]:
    """The periods of the plan year starting ``year_start``, in order."""
    step = _MONTHS[plan.period]
    out = []
    for index in range(12 // step):
        month0 = year_start.month - 1 + index * step
        out.append(parse_period(_label(plan.period, date(year_start.year + month0 // 12, month0 % 12 + 1, 1))))
    return out


def _check_order(plan: Plan, period: Period, closes: Sequence[CloseRecord], inputs: CloseInputs, place: str
                 ) -> int:
    """The version this close records; :class:`LedgerError` when the period may not be closed now."""
    versions = [c for c in closes if c.period == period.label]
    if inputs.reason is not None and not inputs.reopen:
        raise LedgerError([Problem("--reason", "goes with --reopen (a reason is recorded only for a reopen)")])
    if versions:
        latest = versions[-1]
        if not inputs.reopen:
            raise LedgerError([Problem(place, f"{period.label} of plan {plan.id} is closed (version {latest.version}, "
                                              f"by {latest.closed_by} on {latest.closed_at:%Y-%m-%d %H:%M}): a closed "
                                              "period is never rewritten; to correct it, close it again with "
                                              '--reopen --reason "why"')])
        if not (inputs.reason or "").strip():
            raise LedgerError([Problem("--reason", f"a reopen of {period.label} needs a reason: "
                                                   '--reopen --reason "what is corrected and why"')])
        return max(c.version for c in versions) + 1
    if inputs.reopen:
        raise LedgerError([Problem(place, f"{period.label} of plan {plan.id} is not closed: there is nothing to "
                                          "reopen (close it without --reopen)")])
    year_start = plan_year_start(plan, period)
    periods = plan_year_periods(plan, year_start)
    if not any(p.label == period.label for p in periods):
        raise LedgerError([Problem(place, f"{period.label} is not a period of the plan year starting "
                                          f"{year_start.isoformat()}")])
    closed_labels = {c.period for c in closes}
    if closes:
        last = max(closes, key=lambda c: c.period_start)
        if last.period_start > period.start:
            raise LedgerError([Problem(place, f"closing out of order: {last.period} is already closed, and periods "
                                              f"of plan {plan.id} close in order ({period.label} comes before it)")])
    missing = [p.label for p in periods if p.start < period.start and p.label not in closed_labels]
    if missing:
        shown = ", ".join(missing) if len(missing) <= 3 else f"{missing[0]} to {missing[-1]} ({len(missing)} periods)"
        raise LedgerError([Problem(place, f"closing out of order: {shown} of the plan year starting "
                                          f"{year_start.isoformat()} {'is' if len(missing) == 1 else 'are'} not "
                                          f"closed; close {missing[0]} first")])
    return 1
