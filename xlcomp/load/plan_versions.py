"""Plan versions (SPEC section 10): several plan files with the same ``id``, each with an ``effective`` date,
given as ``--plan`` more than once or as a folder of plan files.

:func:`load_plan_versions` reads them all and checks they are versions of one plan: the same ``id`` and
``period``, every file but at most one (the first version, in force from the start) with an ``effective``
date, no two versions effective on the same day. One file is read as it always was (its ``effective``,
if any, changes nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from xlcomp.errors import PlanError, Problem
from xlcomp.load.plan import load_plan
from xlcomp.model.plan import Plan

__all__ = ["load_plan_versions", "plan_files", "union_plan"]

_SUFFIXES = (".yaml", ".yml")


def plan_files(paths: Sequence[str | Path]) -> list[Path]:
    """The plan files ``paths`` name: files as given, folders as their ``*.yaml``/``*.yml`` files (sorted)."""
    files: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in _SUFFIXES and p.is_file())
            if not found:
                raise PlanError([Problem(str(path), "the folder holds no plan files (*.yaml, *.yml)")])
            files += found
        else:
            files.append(path)
    return files


def load_plan_versions(paths: Sequence[str | Path]) -> tuple[Plan, ...]:
    """Every version of the plan, oldest first (the one without ``effective`` first); raises
    :class:`PlanError` with every problem of every file."""
    files = plan_files(paths)
    plans: list[Plan] = []
    problems: list[Problem] = []
    for path in files:
        try:
            plans.append(load_plan(path))
        except PlanError as exc:
            problems += exc.problems
    if problems:
        raise PlanError(problems)
    if len(plans) == 1:
        return (plans[0],)
    first = plans[0]
    undated: list[Plan] = []
    seen: dict[object, Plan] = {}
    for plan in plans:
        name = _name(plan)
        if plan.id != first.id:
            problems.append(Problem(name, f'"{plan.id}" is not "{first.id}" (in {_name(first)}): plan versions share '
                                          "one id", "id"))
        if plan.period is not first.period:
            problems.append(Problem(name, f"{plan.period.value} is not {first.period.value} (in {_name(first)}): plan "
                                          "versions pay per the same period", "period"))
        if plan.effective is None:
            undated.append(plan)
        elif plan.effective in seen:
            problems.append(Problem(name, f"{plan.effective.isoformat()} is also the effective date of "
                                          f"{_name(seen[plan.effective])}: one version a day", "effective"))
        else:
            seen[plan.effective] = plan
    for plan in undated[1:]:
        problems.append(Problem(_name(plan), f"is required: {_name(undated[0])} has no effective date either (only "
                                             "the first version may go without one)", "effective"))
    if problems:
        raise PlanError(problems)
    return tuple(sorted(plans, key=lambda p: p.effective or date.min))


def _name(plan: Plan) -> str:
    return Path(plan.source).name if plan.source else plan.id


def union_plan(versions: Sequence[Plan]) -> Plan:
    """One plan that reads every column any version reads (its components and multipliers are all the
    versions'): what the roster and accounts are loaded and checked with."""
    import dataclasses
    from types import MappingProxyType

    if len(versions) == 1:
        return versions[0]
    inputs = {name: value for plan in versions for name, value in plan.inputs.items()}
    return dataclasses.replace(versions[-1], components=tuple(c for p in versions for c in p.components),
                               multipliers=tuple(m for p in versions for m in p.multipliers),
                               inputs=MappingProxyType(inputs))
