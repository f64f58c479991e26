"""Pay periods: ``2027-03`` (month), ``2027-Q1``, ``2027-H1``, ``2027`` (year)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from xlcomp.errors import UsageError

__all__ = ["Period", "PeriodKind", "days_inside", "parse_period"]


class PeriodKind(StrEnum):
    """How long a plan's pay period is."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"

    @property
    def per_year(self) -> int:
        """Periods in a year: the period fraction is ``1 / per_year``."""
        return {"month": 12, "quarter": 4, "half": 2, "year": 1}[self.value]


_PATTERNS: tuple[tuple[re.Pattern[str], PeriodKind], ...] = (
    (re.compile(r"(\d{4})-(\d{2})"), PeriodKind.MONTH),
    (re.compile(r"(\d{4})-[Qq]([1-4])"), PeriodKind.QUARTER),
    (re.compile(r"(\d{4})-[Hh]([12])"), PeriodKind.HALF),
    (re.compile(r"(\d{4})()"), PeriodKind.YEAR),
)


@dataclass(frozen=True)
class Period:
    """One pay period: its kind, label and first and last day (both inclusive)."""

    kind: PeriodKind
    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        """Days in the period, first and last included."""
        return (self.end - self.start).days + 1

    @property
    def per_year(self) -> int:
        """How many such periods make a year."""
        return self.kind.per_year

    def days_employed(self, start: date | None, end: date | None) -> int:
        """Days of the period inside ``[start, end]``; ``None`` is an open end."""
        return days_inside(self.start, self.end, start, end)

    def __str__(self) -> str:
        return self.label


def days_inside(first_day: date, last_day: date, start: date | None, end: date | None) -> int:
    """Days of ``[first_day, last_day]`` inside ``[start, end]``, both inclusive; ``None`` is an open end."""
    first = max(first_day, start) if start else first_day
    last = min(last_day, end) if end else last_day
    return max(0, (last - first).days + 1)


def parse_period(text: str) -> Period:
    """Parse ``2027-03``, ``2027-Q1``, ``2027-H1`` or ``2027``."""
    label = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.fullmatch(label)
        if not match:
            continue
        year = int(match.group(1))
        if kind is PeriodKind.YEAR:
            return Period(kind, label, date(year, 1, 1), date(year, 12, 31))
        number = int(match.group(2))
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6}[kind]
        if kind is PeriodKind.MONTH and not 1 <= number <= 12:
            break
        first_month = (number - 1) * months + 1
        last_month = first_month + months - 1
        last_day = calendar.monthrange(year, last_month)[1]
        canonical = {PeriodKind.MONTH: f"{year}-{number:02d}", PeriodKind.QUARTER: f"{year}-Q{number}",
                     PeriodKind.HALF: f"{year}-H{number}"}[kind]
        return Period(kind, canonical, date(year, first_month, 1), date(year, last_month, last_day))
    raise UsageError(f'period "{text}" is not one of 2027-03 (month), 2027-Q1 (quarter), '
                     f"2027-H1 (half), 2027 (year)")
