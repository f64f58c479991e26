"""The plan versions of a workbook whose period they split (SPEC section 10), read back for ``xlcomp recalc``.

Such a workbook shows the merged plan (component ids ``renewal@2027-02-15``) and keeps each version's own
canonical YAML and file name in its ``_xlcomp`` metadata (``version_<n>_file``, ``version_<n>_yaml``,
:data:`xlcomp.workbook.layout.VERSION_KEY`). Each version is rebuilt from its YAML with its parameters, tiers and
bands read from its part's cells on the Plan sheet (``renewal_at_20270215_weight``, ``Tiers_upsell_at_20270215``,
its multipliers' ``Bands_<n>`` after the earlier versions'), the plan inputs from their one cell each (an edit
goes to every version that has the input) and, for an input the versions differ on, from its part's cell
(``input_company_attainment_at_20270215``: an edit goes to that part's version), and the parts' days from the
``<id>_part_first`` and ``_part_last`` cells: a part's first day moved (or the part before it ending on another
day) moves the version's ``effective`` date. Every change is a :class:`~xlcomp.recalc.parameters.ParameterEdit`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import yaml

from xlcomp.engine.versions import Part, parts_of
from xlcomp.errors import PlanError, Problem
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan
from xlcomp.ooxml.index import WorkbookIndex
from xlcomp.recalc.package import UploadPackage
from xlcomp.recalc.parameters import (
    ParameterEdit,
    _address,
    _apply_bands,
    _apply_component,
    _apply_inputs,
    _DecimalDumper,
    _DecimalLoader,
    _place_for,
    _PlanCells,
    _resolve_name,
)
from xlcomp.workbook import layout
from xlcomp.workbook.sheets.plan_versions import part_input_name, varying_inputs

__all__ = ["has_versions", "versions_from_workbook"]

_EXCEL_EPOCH = date(1899, 12, 30)


def has_versions(meta: Mapping[str, str]) -> bool:
    """Whether the metadata keeps the plan versions (a workbook written since recalc reads them back)."""
    return bool(meta.get(layout.version_key(1, "yaml"), "").strip())


def _texts(meta: Mapping[str, str], warnings: list[Problem]) -> list[tuple[str, str]]:
    """Each version's ``(file, yaml)`` in order; a warning for a YAML altered since xlcomp wrote it."""
    out = []
    number = 1
    while (text := meta.get(layout.version_key(number, "yaml"), "")).strip():
        file = meta.get(layout.version_key(number, "file"), "") or f"version-{number}.yaml"
        sha = meta.get(layout.version_key(number, "yaml_sha256"), "")
        if sha and hashlib.sha256(text.encode("utf-8")).hexdigest() != sha:
            warnings.append(Problem(f"{layout.META_SHEET}!A1", f"the plan version {file} in the metadata sheet was "
                                                               "altered since xlcomp wrote it: the altered version was "
                                                               "used"))
        out.append((file, text))
        number += 1
    return out


def versions_from_workbook(meta: Mapping[str, str], period: Period, index: WorkbookIndex, sheets: UploadPackage,
                           problems: list[Problem], warnings: list[Problem]
                           ) -> tuple[tuple[Plan, ...] | None, list[ParameterEdit]]:
    """The plan versions the metadata keeps, each with its part's cells read back (None when one cannot be
    read: ``problems`` says why)."""
    texts = _texts(meta, warnings)
    originals: list[Plan] = []
    found: list[Problem] = []
    for file, text in texts:
        try:
            originals.append(parse_plan(text, filename=f"{file} (workbook metadata)", source=file))
        except PlanError as exc:
            found += exc.problems
    try:
        parts = parts_of(originals, period) if not found else []
    except PlanError as exc:
        found += exc.problems
    if found or len(parts) != len(originals):
        problems += found or [Problem(f"{layout.META_SHEET}!A1", "the plan versions in the metadata do not each pay "
                                                                 f"a part of {period.label}")]
        return None, []
    edits: list[ParameterEdit] = []
    firsts = _part_days(parts, period, index, sheets, problems, edits)
    data = [yaml.load(text, Loader=_DecimalLoader) for _, text in texts]   # a SafeLoader subclass
    changed = _inputs(data, index, sheets, problems, warnings, edits)
    changed |= _part_inputs(parts, data, index, sheets, problems, warnings, edits)
    plans: list[Plan] = []
    bands = 0
    for number, (part, (file, _), version) in enumerate(zip(parts, texts, data, strict=True)):
        cells = _PlanCells(index, sheets, problems, warnings)
        for position, component in enumerate(version.get("components") or []):
            if isinstance(component, dict) and component.get("id"):
                _apply_component(cells, component, position, named=f"{component['id']}@{part.first.isoformat()}")
        for position, multiplier in enumerate(version.get("multipliers") or []):
            if isinstance(multiplier, dict):
                _apply_bands(cells, multiplier, position, table=bands + position)
        bands += len(part.plan.multipliers)
        moved = number > 0 and firsts[number] != part.first
        if moved:
            version["effective"] = firsts[number]
        edits += cells.edits
        if not cells.edits and not moved and number not in changed:
            plans.append(part.plan)
            continue
        text = yaml.dump(version, Dumper=_DecimalDumper, sort_keys=False, allow_unicode=True)
        try:
            plans.append(parse_plan(text, filename=f"{file} (edited in the workbook)", source=file))
        except PlanError as exc:
            problems += [Problem(_place_for(p.field, cells.places) or p.where, p.message, p.field)
                         for p in exc.problems]
    if problems:
        return None, edits
    return tuple(plans), edits


def _inputs(data: list[dict[str, Any]], index: WorkbookIndex, sheets: UploadPackage, problems: list[Problem],
            warnings: list[Problem], edits: list[ParameterEdit]) -> set[int]:
    """The plan inputs from their one cell each (the merged plan's: the latest version's value): an edited one
    goes to every version that has it (the last version when none has it). The versions changed."""
    merged: dict[str, Any] = {}
    for version in data:
        given = version.get("inputs")
        if isinstance(given, dict):
            merged.update(given)
    cells = _PlanCells(index, sheets, problems, warnings)
    read: dict[str, Any] = {"inputs": dict(merged)}
    _apply_inputs(cells, read, index)
    edits += cells.edits
    changed: set[int] = set()
    for name, value in (read.get("inputs") or {}).items():
        if name in merged and merged[name] == value:
            continue
        having = [n for n, v in enumerate(data) if isinstance(v.get("inputs"), dict) and name in v["inputs"]]
        for number in having or [len(data) - 1]:
            data[number].setdefault("inputs", {})[name] = value
            changed.add(number)
    return changed


def _part_inputs(parts: list[Part], data: list[dict[str, Any]], index: WorkbookIndex, sheets: UploadPackage,
                 problems: list[Problem], warnings: list[Problem], edits: list[ParameterEdit]) -> set[int]:
    """The per-part cells of the plan inputs the versions differ on (``input_company_attainment_at_20270215``,
    named by the part's day as written): an edited one goes to its part's version alone, over an edit of the
    input's one cell. The versions changed."""
    spans = [(part.plan, part.first, part.last) for part in parts]
    cells = _PlanCells(index, sheets, problems, warnings)
    changed: set[int] = set()
    for name in varying_inputs(spans):
        for number, part in enumerate(parts):
            if name not in part.plan.inputs:
                continue
            written = part.plan.inputs[name]

            def apply(value: Decimal, number: int = number, name: str = name, written: Decimal = written) -> None:
                if value != written:
                    data[number].setdefault("inputs", {})[name] = value
                    changed.add(number)

            cells.named(part_input_name(name, part.first), f"inputs.{name}", written, apply)
    edits += cells.edits
    return changed


def _day(value: Any) -> date:
    """A date cell (a date, a serial day number or ISO text) as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        if value != int(value) or not 1 <= value <= 2958465:
            raise ValueError(f"{value} is not a day")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    text = str(value or "").strip()
    if not text:
        raise ValueError("is blank: the part needs a day here")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f'"{text[:40]}" is not a date') from None


def _part_days(parts: list[Part], period: Period, index: WorkbookIndex, sheets: UploadPackage,
               problems: list[Problem], edits: list[ParameterEdit]) -> list[date]:
    """Each part's first day as the Plan sheet's ``_part_first``/``_part_last`` cells give it.

    The day between part ``i - 1`` and part ``i`` (``boundary i``) is the first day of part ``i``'s components
    and the day after part ``i - 1``'s last: a changed cell moves it, every changed cell of a boundary must say
    the same, the first part starts on the period's first day and the last ends on its last, and the parts keep
    their order."""
    moved: dict[int, list[tuple[str, str, date, date, date]]] = {}   # boundary -> (cell, name, before, after, day)
    for number, part in enumerate(parts):
        for component in part.plan.components:
            named = f"{component.id}@{part.first.isoformat()}"
            for which, boundary, written in (("part_first", number, part.first), ("part_last", number + 1, part.last)):
                name = layout.param_name(named, which)
                resolved = _resolve_name(index, name)
                if not isinstance(resolved, tuple):
                    if isinstance(resolved, str):
                        problems.append(Problem(layout.SHEET_PLAN, f'the defined name "{name}" {resolved}', name))
                    continue   # a missing name: the part's day as written
                sheet, row, column = resolved
                where = _address(sheet, row, column)
                try:
                    day = _day(sheets.value(sheet, row, column))
                except (ValueError, OverflowError, ArithmeticError) as exc:
                    problems.append(Problem(where, str(exc), name))
                    continue
                if day != written:
                    start = day if which == "part_first" else day + timedelta(days=1)
                    moved.setdefault(boundary, []).append((where, name, written, day, start))
    firsts = [part.first for part in parts]
    for boundary, cells in sorted(moved.items()):
        where, name, _, day, start = cells[0]
        if boundary == 0:
            problems.append(Problem(where, f"{day.isoformat()}: the first part starts on the period's first day, "
                                           f"{period.start.isoformat()} (move a later version's first day instead)",
                                    name))
            continue
        if boundary == len(parts):
            problems.append(Problem(where, f"{day.isoformat()}: the last part ends on the period's last day, "
                                           f"{period.end.isoformat()}", name))
            continue
        other = next((c for c in cells if c[4] != start), None)
        if other is not None:
            problems.append(Problem(where, f"{day.isoformat()} does not agree with {other[0]} ({other[3].isoformat()})"
                                           ": a version's part starts the day after the part before it ends, every "
                                           "component alike", name))
            continue
        firsts[boundary] = start
        edits += [ParameterEdit(c[0], c[1], c[2].isoformat(), c[3].isoformat()) for c in cells]
    for boundary in range(1, len(parts)):
        if not firsts[boundary - 1] < firsts[boundary] <= period.end:
            nearest = moved.get(boundary) or moved.get(boundary - 1) or [("", "", period.start, period.start,
                                                                          period.start)]
            where, name, _, day, _ = nearest[0]
            problems.append(Problem(where, f"{day.isoformat()}: a version's part would start outside "
                                           f"{period.label} or not after the part before it (each part keeps at "
                                           "least one day, in order)", name))
            break
    return firsts
