"""The roster changes file (CSV ``--changes FILE``, or the Changes table of a workbook), SPEC section 10.

Columns ``csm_id``, ``field``, ``value`` and ``effective`` (a date). ``field`` is one of
``target_variable``, ``base_salary``, ``segment``, ``manager`` or a numeric roster column the plan
names (a quota or target column). Problems name their row and column:
``changes.csv:3 effective: "15/02" is not a date (use YYYY-MM-DD)``. A change effective before the
period applies from its first day and one after its last day is ignored: both are notes, not problems.
"""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal
from typing import cast

from xlcomp.errors import InputError, Problem
from xlcomp.load.decimals import column_dates, parse_cell_date, parse_cell_number
from xlcomp.load.roster import plan_roster_columns
from xlcomp.load.sources import RawTable, TableSource, cell_text, read_table
from xlcomp.model.dating import NUMERIC_FIELDS, TEXT_FIELDS, Change, Changes
from xlcomp.model.people import SEGMENTS, Locator, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan
from xlcomp.money import NumberParseError, exactly

__all__ = ["CHANGE_COLUMNS", "changes_fields", "changes_from_table", "load_changes", "load_dating", "outside_period",
           "reference_ok"]

CHANGE_COLUMNS = ("csm_id", "field", "value", "effective")
_MAX_VALUE = Decimal("1e12")


def changes_fields(plan: Plan | None) -> tuple[str, ...]:
    """The fields a change may set: the roster's own and the plan's quota and target columns."""
    columns = [c for c, why in plan_roster_columns(plan).items() if why.endswith((" quota", " target"))]
    return (*NUMERIC_FIELDS, *TEXT_FIELDS, *columns)


@exactly
def load_changes(source: TableSource, roster: Roster, period: Period, plan: Plan | None = None) -> Changes:
    """Read and check the changes; raise :class:`~xlcomp.errors.InputError` with every problem."""
    changes, problems = changes_from_table(read_table(source, "Changes"), roster, period, plan)
    if problems or changes is None:
        raise InputError(problems)
    return changes


def load_dating(path: TableSource | None, roster: Roster, period: Period, plan: Plan | None) -> Changes | None:
    """:func:`load_changes` when a file is given (the doors' ``--changes``), else None."""
    return None if path is None else load_changes(path, roster, period, plan)


@exactly
def changes_from_table(raw: RawTable, roster: Roster, period: Period, plan: Plan | None
                       ) -> tuple[Changes | None, list[Problem]]:
    """The changes of a table as read, and the problems found (each at its place)."""
    problems = list(raw.problems)
    loc = raw.locator
    if problems:
        return None, problems
    missing = [c for c in CHANGE_COLUMNS if c not in raw.columns]
    if missing:
        found = ", ".join(c for c in raw.columns if c) or "none"
        return None, [Problem(loc.where(None), f"the changes need the column{'s' if len(missing) > 1 else ''} "
                                               f"{', '.join(missing)} (found: {found})")]
    known = {csm.csm_id for csm in roster}
    allowed = changes_fields(plan)
    fast = _all_good(raw, known, allowed, period)
    if fast is not None:
        return fast, []
    ids, fields, values, effectives = (raw.values(c) for c in CHANGE_COLUMNS)
    rows: list[Change] = []
    notes: list[str] = []
    seen: dict[tuple[str, str, date], int] = {}
    for row in range(raw.nrows):
        texts = [cell_text(v) or "" for v in (ids[row], fields[row], values[row], effectives[row])]
        if not any(t.strip() for t in texts):
            continue  # a blank row
        csm_id, name, value_text = texts[0].strip(), texts[1].strip(), texts[2].strip()
        ok = reference_ok(problems, loc, row, "csm_id", csm_id, csm_id in known,
                          "name the CSM whose roster value changes", "a CSM of the roster")
        if name not in allowed:
            problems.append(loc.problem(row, "field", f'"{name}" cannot change: use one of {", ".join(allowed)}'))
            ok = False
        effective: date | None = None
        with contextlib.suppress(ValueError):
            effective = parse_cell_date(effectives[row])
        if effective is None:
            problems.append(loc.problem(row, "effective", f'"{texts[3]}" is not a date (use YYYY-MM-DD)'))
            ok = False
        value: Decimal | str | None = None
        if name in TEXT_FIELDS:
            value = value_text
            if name == "segment" and value_text not in SEGMENTS:
                problems.append(loc.problem(row, "value", f'"{value_text}" is not a segment ({", ".join(SEGMENTS)})'))
                ok = False
        elif name in allowed:
            try:
                number = parse_cell_number(values[row])
                if number is None:
                    raise NumberParseError(f"is blank: give the new {name}")
                if not number.is_finite() or abs(number) >= _MAX_VALUE:
                    raise NumberParseError(f'"{value_text}" is out of range')
                if number < 0 or (number == 0 and name not in NUMERIC_FIELDS):
                    least = "at least 0" if name in NUMERIC_FIELDS else "above 0"
                    raise NumberParseError(f"{value_text} must be {least}")
                value = number
            except NumberParseError as exc:
                problems.append(loc.problem(row, "value", str(exc)))
                ok = False
        if not ok or effective is None or value is None:
            continue
        key = (csm_id, name, effective)
        if key in seen:
            problems.append(loc.problem(row, "effective", f"{csm_id} already has a {name} change effective "
                                                          f"{effective.isoformat()} (at {loc.where(seen[key])}): "
                                                          "keep one"))
            continue
        seen[key] = row
        note, applies = outside_period(loc.where(row), f"{csm_id} {name}", effective, period)
        if note:
            notes.append(note)
        if not applies:
            continue
        rows.append(Change(csm_id, name, value, effective, row))
    if problems:
        return None, problems
    return Changes(tuple(rows), loc, tuple(notes)), []


def _all_good(raw: RawTable, known: set[str], allowed: tuple[str, ...], period: Period) -> Changes | None:
    """The changes when every row is a good change of a number inside the period (the common case, ten thousand
    rows at list speed), exactly as the row-by-row checks make them; None when some row needs those checks (a
    blank row, a problem, a text field, a note)."""
    ids = [(t or "").strip() for t in raw.strings("csm_id").to_pylist()]
    names = [(t or "").strip() for t in raw.strings("field").to_pylist()]
    numeric = {name for name in allowed if name not in TEXT_FIELDS}
    if not ids or not known.issuperset(ids) or not numeric.issuperset(names):
        return None
    found = column_dates(raw, "effective")
    if None in found:
        return None
    days = cast(list[date], found)
    if min(days) < period.start or max(days) > period.end:
        return None
    numbers: list[Decimal] = []
    for text, name in zip(raw.values("value"), names, strict=True):
        try:
            number = parse_cell_number(text)
        except NumberParseError:
            return None
        if number is None or not number.is_finite() or abs(number) >= _MAX_VALUE or number < 0 \
                or (number == 0 and name not in NUMERIC_FIELDS):
            return None
        numbers.append(number)
    if len(set(zip(ids, names, days, strict=True))) != len(ids):
        return None
    return Changes(tuple(map(Change, ids, names, numbers, days, range(len(ids)))), raw.locator, ())


def reference_ok(problems: list[Problem], loc: Locator, row: int, column: str, value: str, known: bool, blank: str,
                 what: str) -> bool:
    """Does a dated row's cell name a known account or CSM? If not, the problem at the cell: ``is blank: <blank>``
    or ``"<value>" is not <what>``."""
    if not value:
        problems.append(loc.problem(row, column, f"is blank: {blank}"))
        return False
    if not known:
        problems.append(loc.problem(row, column, f'"{value}" is not {what}'))
        return False
    return True


def outside_period(where: str, what: str, effective: date, period: Period) -> tuple[str | None, bool]:
    """What is said of a dated row effective outside ``period`` (a roster change, an account move), and
    whether it applies: before the period it holds from the first day, after it it is ignored."""
    if effective < period.start:
        return (f"{where}: {what} effective {effective.isoformat()}, before {period.label}: applied from "
                f"{period.start.isoformat()}"), True
    if effective > period.end:
        return f"{where}: {what} effective {effective.isoformat()}, after {period.label}: ignored", False
    return None, True

