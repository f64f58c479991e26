"""A period split by plan versions (SPEC section 10) in the workbook: which part a component of the merged plan
pays (its id is ``renewal@2027-02-15``, :mod:`xlcomp.engine.versions`), and its rows on the Plan sheet: the
version's file and effective date, and the part's first and last day (parameters ``<id>_part_first`` and
``<id>_part_last``, serial day numbers, which the CSM tabs' part lines read)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from xlcomp.model.plan import Component, Plan
from xlcomp.rules.ramp import serial

__all__ = ["PartSpan", "part_of", "part_rows"]


class PartSpan(NamedTuple):
    """The part a component pays: its version, first and last day."""

    plan: Plan
    first: date
    last: date

    @property
    def source(self) -> str:
        """The version's file name and effective date: ``v2.yaml (effective 2027-02-15)``."""
        plan = self.plan
        name = plan.source.replace("\\", "/").rsplit("/", 1)[-1] if plan.source else plan.id
        return name + (f" (effective {plan.effective.isoformat()})" if plan.effective else "")


def part_of(component: Component, parts: Sequence[tuple[Plan, date, date]]) -> PartSpan | None:
    """The part ``component`` of a split run pays; None outside a split run."""
    if not parts or "@" not in component.id:
        return None
    day = component.id.rsplit("@", 1)[1]
    for plan, first, last in parts:
        if first.isoformat() == day:
            return PartSpan(plan, first, last)
    return None


def part_rows(component: Component, parts: Sequence[tuple[Plan, date, date]]) -> list[tuple[str, str,
                                                                                           Decimal | str]]:
    """A part's rows in its component block: the version, then its first and last day."""
    span = part_of(component, parts)
    if span is None:
        return []
    first, last = serial(span.first), serial(span.last)
    assert first is not None and last is not None
    return [("fixed", "Plan version", span.source), ("param", "part_first", first), ("param", "part_last", last)]
