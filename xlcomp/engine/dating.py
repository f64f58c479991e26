"""Roster changes inside a period (SPEC section 10): the stretches, ``target_variable x days`` summed over them,
and quotas and targets as day-weighted means. Pure: no I/O.

Each stretch's days are the rules of :mod:`xlcomp.rules.payout` (``days_employed`` inside the stretch for
the target variable, ``calendar_days`` for a quota or target), as on the CSM tab.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice, repeat
from types import MappingProxyType
from typing import NamedTuple

from xlcomp.engine.curves import Array, decimals
from xlcomp.model.dating import Changes, stretch_count, stretch_rows
from xlcomp.model.people import Csm, Roster
from xlcomp.model.period import Period
from xlcomp.rules import payout as rules
from xlcomp.rules.payout import Inputs as K

__all__ = ["TARGET_VARIABLE", "DatedRoster", "StretchRow", "cut_rows", "dated_roster"]

TARGET_VARIABLE = "target_variable"
ZERO = Decimal(0)
ONE_DAY = timedelta(days=1)

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


class _Days(dict[date | None, Decimal | None]):
    """Day numbers as Decimals, each date converted once (most stretches share the period's bounds)."""

    def __missing__(self, value: date | None) -> Decimal | None:
        found = self[value] = _day(value)
        return found


def _rows(field: str, csms: tuple[Csm, ...], changes: Changes, period: Period, count: int,
          employed: bool) -> list[tuple[StretchRow, ...]]:
    """Every CSM's stretch rows of one field (all CSMs in one evaluation of each rule). A CSM without a change
    of the field has one stretch, the whole period, then padding rows (what :func:`stretch_rows` lays out)."""
    starts: list[date] = []
    ends: list[date] = []
    values: list[Decimal] = []
    plain_starts = [period.start, *[period.end + timedelta(days=1)] * (count - 1)]
    plain_ends = [period.end] * count
    for csm in csms:
        initial = csm.target_variable if field == TARGET_VARIABLE else (csm.value(field) or ZERO)
        own = changes.of(csm.csm_id, field)
        if not own:
            starts += plain_starts
            ends += plain_ends
            values += [initial if isinstance(initial, Decimal) else ZERO] * count
            continue
        if len(own) == 1 and period.start < own[0].effective <= period.end:   # one change inside: two stretches
            cut, value = own[0].effective, own[0].value
            starts += [period.start, cut, *plain_starts[2:]]
            ends += [cut - ONE_DAY, *plain_ends[1:]]
            values += [initial if isinstance(initial, Decimal) else ZERO,
                       *[value if isinstance(value, Decimal) else ZERO] * (count - 1)]
            continue
        for stretch in stretch_rows(own, initial, period.start, period.end, count):
            starts.append(stretch.start)
            ends.append(stretch.end)
            values.append(stretch.value if isinstance(stretch.value, Decimal) else ZERO)
    day = _Days()
    env = {K.PERIOD_START: decimals([day[d] for d in starts]), K.PERIOD_END: decimals([day[d] for d in ends])}
    if employed:
        env[K.START] = decimals([day[c.start_date] for c in csms for _ in range(count)])
        env[K.END] = decimals([day[c.end_date] for c in csms for _ in range(count)])
        days = _DAYS_EMPLOYED.evaluate(env)
    else:
        days = _CALENDAR_DAYS.evaluate(env)
    value_array = decimals(values)
    products = _VALUE_DAYS.evaluate({K.VALUE: value_array, K.DAYS: days}).tolist()
    # tuple.__new__ straight from C: a named tuple's own __new__ is a Python function, called once a row
    made = zip(starts, ends, map(int, days.tolist()), values, products, strict=True)
    laid = list(map(tuple.__new__, repeat(StretchRow), made))
    if count == 1:
        return [(row,) for row in laid]
    return list(zip(*(islice(laid, k, None, count) for k in range(count)), strict=True))   # count rows a CSM


def _value_days(rows: list[tuple[StretchRow, ...]]) -> list[Decimal]:
    """Each CSM's Σ value x days over its stretch rows, added in row order from 0 (as ``sum`` adds them)."""
    if rows and len(rows[0]) == 1:
        return [ZERO + row[0].value_days for row in rows]
    return [sum([r.value_days for r in stretch], ZERO) for stretch in rows]


def _with_values(csm: Csm, values: Mapping[str, Decimal | None]) -> Csm:
    """``csm`` with other ``values`` (``dataclasses.replace`` without its per-call field introspection, and
    ``copy.copy`` without its reduce protocol: ten thousand CSMs)."""
    copied = object.__new__(type(csm))
    copied.__dict__.update(csm.__dict__)
    copied.__dict__["values"] = values
    return copied


def dated_roster(roster: Roster, changes: Changes, period: Period, columns: tuple[str, ...]) -> DatedRoster:
    """Apply ``changes`` to ``roster`` for ``period``; ``columns`` are the plan's quota and target columns."""
    csms = roster.csms
    fields = [TARGET_VARIABLE, *(c for c in columns if c in changes.fields())]
    counts = {f: stretch_count(changes, f, period.start, period.end) for f in fields}
    by_field = {f: _rows(f, csms, changes, period, counts[f], f == TARGET_VARIABLE) for f in fields}
    tv_days = decimals(_value_days(by_field[TARGET_VARIABLE]))
    means = {f: _MEAN.evaluate({K.VALUE_DAYS: decimals(_value_days(by_field[f])),
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
        new_csms.append(_with_values(csm, MappingProxyType(values)))
    per_csm = zip(*(by_field[f] for f in fields), strict=True)   # each CSM's rows of every field
    stretches = tuple(map(MappingProxyType, map(dict, map(zip, repeat(fields), per_csm))))
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
