"""Roster changes inside a period (SPEC section 10): the stretches, ``target_variable x days`` summed over them,
and quotas and targets as day-weighted means. Pure: no I/O.

Each stretch's days are the rules of :mod:`xlcomp.rules.payout` (``days_employed`` inside the stretch for
the target variable, ``calendar_days`` for a quota or target), as on the CSM tab.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import NamedTuple

from xlcomp.engine.curves import Array, decimals
from xlcomp.model.dating import Changes, Stretch, stretch_count, stretch_rows
from xlcomp.model.people import Csm, Roster
from xlcomp.model.period import Period
from xlcomp.rules import payout as rules
from xlcomp.rules.payout import Inputs as K

__all__ = ["TARGET_VARIABLE", "DatedRoster", "StretchRow", "cut_rows", "dated_roster"]

TARGET_VARIABLE = "target_variable"
ZERO = Decimal(0)

_DAYS_EMPLOYED = rules.days_employed()
_CALENDAR_DAYS = rules.calendar_days()
_VALUE_DAYS = rules.stretch_value_days()
_MEAN = rules.day_weighted_mean()


class StretchRow(NamedTuple):
    """A stretch as the CSM tab shows it: first and last day, its days, the value and value x days."""

    start: date
    end: date
    days: int
    value: Decimal
    value_days: Decimal


@dataclass(frozen=True)
class DatedRoster:
    """A run's roster with the changes applied.

    ``roster``: quota and target columns that change replaced by their day-weighted means (for every
    CSM: a column without changes is its value rounded to 6 places, as on the tab); ``target_variable_days``:
    Σ target_variable x days employed over the stretches, per CSM; ``stretches``: per CSM and field, the
    tab's rows; ``counts``: the rows per field, ``target_variable`` first.
    """

    roster: Roster
    target_variable_days: Array
    stretches: tuple[Mapping[str, tuple[StretchRow, ...]], ...]
    counts: Mapping[str, int]


def _day(value: date | None) -> Decimal | None:
    return None if value is None else Decimal(value.toordinal())


def _rows(field: str, csms: tuple[Csm, ...], changes: Changes, period: Period, count: int,
          employed: bool) -> list[tuple[StretchRow, ...]]:
    """Every CSM's stretch rows of one field (all CSMs in one evaluation of each rule)."""
    laid: list[tuple[Stretch, ...]] = []
    for csm in csms:
        initial = csm.target_variable if field == TARGET_VARIABLE else (csm.value(field) or ZERO)
        laid.append(stretch_rows(changes.of(csm.csm_id, field), initial, period.start, period.end, count))
    flat = [(csm, stretch) for csm, rows in zip(csms, laid, strict=True) for stretch in rows]
    env = {K.PERIOD_START: decimals([_day(s.start) for _, s in flat]),
           K.PERIOD_END: decimals([_day(s.end) for _, s in flat])}
    if employed:
        env[K.START] = decimals([_day(c.start_date) for c, _ in flat])
        env[K.END] = decimals([_day(c.end_date) for c, _ in flat])
        days = _DAYS_EMPLOYED.evaluate(env)
    else:
        days = _CALENDAR_DAYS.evaluate(env)
    values = decimals([s.value if isinstance(s.value, Decimal) else ZERO for _, s in flat])
    products = _VALUE_DAYS.evaluate({K.VALUE: values, K.DAYS: days}).tolist()
    out = []
    for i in range(len(csms)):
        part = range(i * count, (i + 1) * count)
        out.append(tuple(StretchRow(flat[j][1].start, flat[j][1].end, int(days[j]), values[j], products[j])
                         for j in part))
    return out


def dated_roster(roster: Roster, changes: Changes, period: Period, columns: tuple[str, ...]) -> DatedRoster:
    """Apply ``changes`` to ``roster`` for ``period``; ``columns`` are the plan's quota and target columns."""
    csms = roster.csms
    fields = [TARGET_VARIABLE, *(c for c in columns if c in changes.fields())]
    counts = {f: stretch_count(changes, f, period.start, period.end) for f in fields}
    by_field = {f: _rows(f, csms, changes, period, counts[f], f == TARGET_VARIABLE) for f in fields}
    tv_days = decimals([sum((r.value_days for r in rows), ZERO) for rows in by_field[TARGET_VARIABLE]])
    means = {f: _MEAN.evaluate({K.VALUE_DAYS: decimals([sum((r.value_days for r in rows), ZERO)
                                                        for rows in by_field[f]]),
                                rules.PERIOD_DAYS: Decimal(period.days)}).tolist()
             for f in fields if f != TARGET_VARIABLE}
    new_csms = []
    for i, csm in enumerate(csms):
        if not means:
            new_csms.append(csm)
            continue
        values = dict(csm.values)
        for f, column in means.items():
            values[f] = column[i]
        new_csms.append(dataclasses.replace(csm, values=MappingProxyType(values)))
    stretches = tuple(MappingProxyType({f: by_field[f][i] for f in fields}) for i in range(len(csms)))
    return DatedRoster(dataclasses.replace(roster, csms=tuple(new_csms)), tv_days, stretches,
                       MappingProxyType(counts))


def cut_rows(rows: tuple[StretchRow, ...], csm: Csm, first: date, last: date, employed: bool
             ) -> tuple[StretchRow, ...]:
    """A CSM's stretch rows of the period cut to the days ``first`` to ``last`` (a part of a period split by plan
    versions): each from ``MAX(start, first)`` to ``MIN(end, last)``, its days (employed or calendar) and value x
    days by the same rules, as the CSM tab's part rows show them."""
    starts = [max(r.start, first) for r in rows]
    ends = [min(r.end, last) for r in rows]
    env = {K.PERIOD_START: decimals([_day(d) for d in starts]), K.PERIOD_END: decimals([_day(d) for d in ends])}
    if employed:
        env[K.START] = decimals([_day(csm.start_date)] * len(rows))
        env[K.END] = decimals([_day(csm.end_date)] * len(rows))
        days = _DAYS_EMPLOYED.evaluate(env)
    else:
        days = _CALENDAR_DAYS.evaluate(env)
    values = decimals([r.value for r in rows])
    products = _VALUE_DAYS.evaluate({K.VALUE: values, K.DAYS: days}).tolist()
    return tuple(StretchRow(s, e, int(d), r.value, p)
                 for s, e, d, r, p in zip(starts, ends, days.tolist(), rows, products, strict=True))
