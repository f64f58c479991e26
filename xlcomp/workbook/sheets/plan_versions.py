"""A period split by plan versions (SPEC section 10) in the workbook: which part a component of the merged plan
pays (its id is ``renewal@2027-02-15``, :mod:`xlcomp.engine.versions`), and its rows on the Plan sheet: the
version's file and effective date, and the part's first and last day (parameters ``<id>_part_first`` and
``<id>_part_last``, serial day numbers, which the CSM tabs' part lines read).

When the versions' plan ``inputs`` differ (:func:`varying_inputs`), each such input has, besides its one cell
(``input_company_attainment``, the latest version's value), a cell per part whose version has it
(:func:`part_input_name`: ``input_company_attainment_at_20270215``), which that part's formulas read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from xlcomp.model.plan import Component, Plan
from xlcomp.rules.ramp import serial
from xlcomp.workbook import layout

__all__ = ["PartSpan", "part_input_name", "part_input_rows", "part_of", "part_rows", "varying_inputs"]

Parts = Sequence[tuple[Plan, date, date]]


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


def varying_inputs(parts: Parts) -> tuple[str, ...]:
    """The plan inputs whose value is not the same in every part's version (one without it counts as another
    value), in the merged plan's order; none outside a split period."""
    names = dict.fromkeys(name for plan, _, _ in parts for name in plan.inputs)
    return tuple(name for name in names if len({plan.inputs.get(name) for plan, _, _ in parts}) > 1)


def part_input_name(name: str, first: date) -> str:
    """The defined name of plan input ``name`` in the part starting on ``first``:
    ``input_company_attainment_at_20270215`` (a component of that part is ``renewal_at_20270215``)."""
    return f"{layout.input_name(name)}_at_{first:%Y%m%d}"


def part_input_rows(name: str, parts: Parts) -> list[tuple[str, str, Decimal, str]]:
    """The per-part cells of a varying plan input: ``(label, defined name, value, note)`` for each part whose
    version has it; none when the input is the same in every part."""
    if name not in varying_inputs(parts):
        return []
    rows = []
    for plan, first, last in parts:
        if name in plan.inputs:
            span = PartSpan(plan, first, last)
            rows.append((f"{name} from {first:%d %b %Y}", part_input_name(name, first), plan.inputs[name],
                         f"{span.source} pays {first.isoformat()} to {last.isoformat()} with it"))
    return rows
