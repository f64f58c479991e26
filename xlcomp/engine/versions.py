"""Plan versions (SPEC section 10): a period crossing a version's ``effective`` date is split at it; each part is
run with its version (:func:`xlcomp.engine.run.run` with ``part=``, the rules of :mod:`xlcomp.rules.versions`)
and the parts' lines are put together, one line per component and part. Pure: no I/O.

Each part's component ids carry the part's first day (``renewal@2027-03-01``) and their notes say which version
paid them. Adjustments are paid once. Roster changes are read per part (a part's TI and quota or target columns
from the stretches inside it); moves and splits credit each part (the credit rows of the whole period: a moved
account's booked amounts go to its owner on the booked_on day, its undated amounts by the days owned in the part).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from types import MappingProxyType
from typing import NamedTuple

from xlcomp.engine.credit import credit_basis
from xlcomp.engine.dating import TARGET_VARIABLE, StretchRow, dated_roster
from xlcomp.engine.parts import part_inputs
from xlcomp.engine.payouts import ComponentResult
from xlcomp.engine.run import CsmResult, RunResult, days_employed, run, target_columns
from xlcomp.errors import PlanError, Problem
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.credit import Credits
from xlcomp.model.dating import Changes
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Plan

__all__ = ["Part", "PartInfo", "parts_of", "run_versions"]


class Part(NamedTuple):
    """A part of the period and the plan version that pays it."""

    plan: Plan
    first: date
    last: date


class PartInfo(NamedTuple):
    """What a component line of a part says about it: the version's file and effective date, the part's first
    and last day, its calendar days and the CSM's days employed in it (with roster changes, the stretches of
    target_variable inside the part, which its TI sums)."""

    source: str
    effective: date | None
    first: date
    last: date
    days: int
    employed: int
    stretches: tuple[StretchRow, ...] = ()   # roster changes: the target_variable stretches inside the part

    @property
    def note(self) -> str:
        """``plan-v2.yaml (effective 2027-02-15) pays 2027-02-15 to 2027-03-31 (45 of the period's days)``."""
        since = f" (effective {self.effective.isoformat()})" if self.effective else ""
        return f"{self.source}{since} pays {self.first.isoformat()} to {self.last.isoformat()} ({self.days} days)"


def _file(plan: Plan) -> str:
    return plan.source.replace("\\", "/").rsplit("/", 1)[-1] if plan.source else plan.id


def parts_of(versions: Sequence[Plan], period: Period) -> list[Part]:
    """The parts of ``period``: the version in force on its first day, then one part per version effective
    inside it. Raises :class:`PlanError` when no version is in force on the first day."""
    if len(versions) == 1:   # one plan file pays the whole period, whatever its effective date says
        return [Part(versions[0], period.start, period.end)]
    in_force = [p for p in versions if p.effective is None or p.effective <= period.start]
    if not in_force:
        first = versions[0]
        assert first.effective is not None
        raise PlanError([Problem(_file(first), f"no plan version is in force on {period.start.isoformat()}, the "
                                 f"first day of {period.label}: the earliest is effective "
                                 f"{first.effective.isoformat()}", "effective")])
    starts: list[tuple[date, Plan]] = [(period.start, in_force[-1])]
    starts += [(p.effective, p) for p in versions
               if p.effective is not None and period.start < p.effective <= period.end]
    parts = []
    for index, (first_day, plan) in enumerate(starts):
        last_day = starts[index + 1][0] - timedelta(days=1) if index + 1 < len(starts) else period.end
        parts.append(Part(plan, first_day, last_day))
    return parts


def run_versions(versions: Sequence[Plan], roster: Roster, book: Book, period: Period, *,
                 progress: Callable[[int], None] | None = None, adjustments: Sequence[Adjustment] = (),
                 changes: Changes | None = None, credits: Credits | None = None) -> RunResult:
    """Compute ``period`` with the plan versions in force during it: the ordinary run when one version pays the
    whole period, else one run per part put together (``RunResult.parts`` holds the parts)."""
    parts = parts_of(versions, period)
    if len(parts) == 1:
        return run(parts[0].plan, roster, book, period, progress=progress, adjustments=adjustments,
                   changes=changes, credits=credits)
    basis = None if credits is None else credit_basis(book, credits, period)
    runs = []
    for index, part in enumerate(parts):
        inputs = part_inputs(part.plan, roster.csms, book, period, part.first, part.last, basis)
        runs.append(run(part.plan, roster, book, period, adjustments=adjustments if index == 0 else (),
                        changes=changes, credits=credits, part=inputs, basis=basis))
    whole = [int(d) for d in days_employed(period, roster.csms)]
    plan = _merged_plan(parts)
    dated = None if changes is None else dated_roster(roster, changes, period, target_columns(plan))
    merged = []
    for position, first in enumerate(runs[0].csms):
        lines: list[ComponentResult] = []
        for part, result in zip(parts, runs, strict=True):
            csm_result = result.csms[position]
            info = PartInfo(_file(part.plan), part.plan.effective, part.first, part.last,
                            (part.last - part.first).days + 1, csm_result.days,
                            csm_result.stretches.get(TARGET_VARIABLE, ()))
            lines += [_in_part(line, info) for line in csm_result.components]
        merged.append(CsmResult(first.csm, whole[position], first.period_days, tuple(lines), first.sums,
                                first.adjustments, ramp=first.ramp,
                                stretches=first.stretches if dated is None else dated.stretches[position]))
    notes = tuple(note for result in runs for note in result.notes)
    return RunResult(plan, period, roster, book, tuple(merged), changes=changes, dated=dated,
                     credits=credits, credit_rows=runs[0].credit_rows, notes=tuple(dict.fromkeys(notes)),
                     parts=tuple((part.plan, part.first, part.last) for part in parts))


def _renamed(component: Component, first: date, last: date) -> Component:
    """A component of a part: ``renewal@2027-03-01``, named with the part's days."""
    return dataclasses.replace(component, id=f"{component.id}@{first.isoformat()}",
                               name=f"{component.label} ({first:%d %b} – {last:%d %b %Y})")


def _merged_plan(parts: list[Part]) -> Plan:
    """The plan a split run shows: every part's components (renamed) and multipliers, the last version's rest."""
    components = tuple(_renamed(c, part.first, part.last) for part in parts for c in part.plan.components)
    multipliers = []
    for part in parts:
        for multiplier in part.plan.multipliers:
            ids = [c.id for c in part.plan.components if multiplier.applies(c.id)]
            multipliers.append(dataclasses.replace(multiplier, applies_to=tuple(
                f"{cid}@{part.first.isoformat()}" for cid in ids)))
    inputs = {name: value for part in parts for name, value in part.plan.inputs.items()}
    return dataclasses.replace(parts[-1].plan, components=components, multipliers=tuple(multipliers),
                               inputs=MappingProxyType(inputs))


def _in_part(line: ComponentResult, info: PartInfo) -> ComponentResult:
    component = _renamed(line.component, info.first, info.last)
    return line._replace(component=component, trace=line.trace._replace(part=info))
