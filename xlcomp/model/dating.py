"""Effective dating (SPEC section 10): roster changes and the stretches of a period they cut.

A :class:`Change` sets one roster field of one CSM from its ``effective`` day on. Inside a period,
a numeric field's changes cut the period into stretches with a constant value: the value of the
last change effective on or before the stretch's first day, else the roster's own value (the
value before any change). A change effective before the period applies from its first day; one
effective after its last day is ignored.

Every CSM tab shows the same number of stretch rows for a field (:func:`stretch_count`), so the
rows past a CSM's last stretch are padding: they start the day after the period and have no days.
:func:`stretch_rows` lays the rows out exactly as the tab's formulas do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import MappingProxyType

from xlcomp.model.people import Locator

__all__ = ["NUMERIC_FIELDS", "TEXT_FIELDS", "Change", "Changes", "Stretch", "stretch_count", "stretch_rows"]

NUMERIC_FIELDS = ("target_variable", "base_salary")   # plus the plan's quota and target roster columns
TEXT_FIELDS = ("segment", "manager")


@dataclass(frozen=True)
class Change:
    """One row of the changes file: ``field`` of ``csm_id`` is ``value`` from ``effective`` on."""

    csm_id: str
    field: str
    value: Decimal | str
    effective: date
    row: int = 0


@dataclass(frozen=True)
class Stretch:
    """A stretch of the period with a constant value: first and last day (inclusive) and the value."""

    start: date
    end: date
    value: Decimal | str | None


@dataclass(frozen=True)
class Changes:
    """The roster changes of a run, in file order, with how to name their cells and what to say about them.

    ``notes`` are the non-fatal findings (a change applied from the period's start, one ignored after
    its end), each with its place.
    """

    rows: tuple[Change, ...]
    locator: Locator
    notes: tuple[str, ...] = ()
    _index: Mapping[tuple[str, str], tuple[Change, ...]] = field(default_factory=lambda: MappingProxyType({}),
                                                                  compare=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], list[Change]] = {}
        for change in self.rows:
            index.setdefault((change.csm_id, change.field), []).append(change)
        object.__setattr__(self, "_index", MappingProxyType(
            {key: tuple(sorted(found, key=lambda c: c.effective)) for key, found in index.items()}))

    def __len__(self) -> int:
        return len(self.rows)

    def of(self, csm_id: str, field_name: str) -> tuple[Change, ...]:
        """One CSM's changes of one field, by effective day."""
        return self._index.get((csm_id, field_name), ())

    def fields(self) -> set[str]:
        """Every field some row changes."""
        return {c.field for c in self.rows}

    def csm_ids(self, field_name: str) -> set[str]:
        """The CSMs with a change of ``field_name``."""
        return {csm for csm, name in self._index if name == field_name}


def stretch_count(changes: Changes, field_name: str, period_start: date, period_end: date) -> int:
    """Rows a tab needs for ``field_name``: one more than the most changes inside the period of one CSM."""
    most = 0
    for csm_id in changes.csm_ids(field_name):
        inside = sum(1 for c in changes.of(csm_id, field_name) if period_start < c.effective <= period_end)
        most = max(most, inside)
    return most + 1


def _value_on(day: date, changes: Iterable[Change], initial: Decimal | str | None) -> Decimal | str | None:
    value = initial
    for change in changes:  # by effective day
        if change.effective <= day:
            value = change.value
    return value


def stretch_rows(changes: tuple[Change, ...], initial: Decimal | str | None, period_start: date,
                 period_end: date, count: int) -> tuple[Stretch, ...]:
    """``count`` rows: the stretches of the period, then padding (first day after the period, no days).

    Row ``k`` starts on the ``k-1``-th change inside the period (the first on the period's first day)
    and ends the day before the ``k``-th (the last on the period's last day). Its value is the value on its
    first day (a padding row's: on the period's last day).
    """
    inside = sorted(c.effective for c in changes if period_start < c.effective <= period_end)
    after = period_end + timedelta(days=1)
    rows = []
    for k in range(count):
        start = period_start if k == 0 else (inside[k - 1] if k - 1 < len(inside) else after)
        end = inside[k] - timedelta(days=1) if k < len(inside) else period_end
        rows.append(Stretch(start, end, _value_on(min(start, period_end), changes, initial)))
    return tuple(rows)
