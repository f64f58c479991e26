"""Roster changes inside a period (SPEC section 10): the stretches, ``target_variable x days`` summed over them,
and quotas and targets as day-weighted means. Pure: no I/O.

Each stretch's days are the rules of :mod:`xlcomp.rules.payout` (``days_employed`` inside the stretch for
the target variable, ``calendar_days`` for a quota or target), as on the CSM tab.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import repeat
from types import MappingProxyType
from typing import Any, NamedTuple, overload

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
    stretches: Sequence[Mapping[str, tuple[StretchRow, ...]]]
    counts: Mapping[str, int]


def _day(value: date | None) -> Decimal | None:
    return None if value is None else Decimal(value.toordinal())


class _Days(dict[date | None, Decimal | None]):
    """Day numbers as Decimals, each date converted once (most stretches share the period's bounds)."""

    def __missing__(self, value: date | None) -> Decimal | None:
        found = self[value] = _day(value)
        return found


def _rows(field: str, csms: tuple[Csm, ...], changes: Changes, period: Period, count: int,
          employed: bool) -> _FieldRows:
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
    return _FieldRows(count, starts, ends, list(map(int, days.tolist())), values, products)


class _FieldRows(NamedTuple):
    """One field's stretch rows of every CSM as columns, ``per_csm`` rows a CSM in turn; a CSM's
    :class:`StretchRow` records are made when asked for (a run without a workbook never asks)."""

    per_csm: int
    starts: list[date]
    ends: list[date]
    days: list[int]
    values: list[Decimal]
    products: list[Decimal]

    def of(self, i: int) -> tuple[StretchRow, ...]:
        """The rows of the CSM at roster position ``i``."""
        lo, hi = i * self.per_csm, (i + 1) * self.per_csm
        # tuple.__new__ straight from C: a named tuple's own __new__ is a Python function, called once a row
        made = zip(self.starts[lo:hi], self.ends[lo:hi], self.days[lo:hi], self.values[lo:hi], self.products[lo:hi],
                   strict=True)
        return tuple(map(tuple.__new__, repeat(StretchRow), made))

    def value_days(self) -> list[Decimal]:
        """Each CSM's Σ value x days over its stretch rows, added in row order from 0 (as ``sum`` adds them)."""
        products, count = self.products, self.per_csm
        if count == 1:
            return [ZERO + p for p in products]
        return [sum(products[k:k + count], ZERO) for k in range(0, len(products), count)]


class _Stretches(Sequence[Mapping[str, tuple[StretchRow, ...]]]):
    """Per CSM (roster position), its stretch rows by field, made when a CSM's are asked for."""

    def __init__(self, by_field: Mapping[str, _FieldRows], size: int) -> None:
        self._by_field, self._size = by_field, size

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> Mapping[str, tuple[StretchRow, ...]]: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Mapping[str, tuple[StretchRow, ...]], ...]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(self._size)))
        if not -self._size <= index < self._size:
            raise IndexError(index)
        index %= self._size
        return MappingProxyType({field: rows.of(index) for field, rows in self._by_field.items()})


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
    tv_days = decimals(by_field[TARGET_VARIABLE].value_days())
    means = {f: _MEAN.evaluate({K.VALUE_DAYS: decimals(by_field[f].value_days()),
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
    return DatedRoster(dataclasses.replace(roster, csms=tuple(new_csms)), tv_days, _Stretches(by_field, len(csms)),
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
