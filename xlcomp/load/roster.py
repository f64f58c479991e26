"""The roster: its columns (those every roster has, those the plan names) and its checks, cell by
cell (it is small), into a :class:`~xlcomp.model.Roster`; every problem names its cell
(``roster.csv:14 base_salary: "12k" is not a number``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType

import pyarrow as pa

from xlcomp.errors import InputError, Problem
from xlcomp.load.decimals import cell_numbers, column_dates, parse_cell_date
from xlcomp.load.draws import with_draws
from xlcomp.load.sources import RawTable, TableSource, cell_text, read_table
from xlcomp.model.metrics import METRICS, Source
from xlcomp.model.people import SEGMENTS, Csm, Roster
from xlcomp.model.plan import Plan
from xlcomp.money import NumberParseError, exactly

__all__ = ["ROSTER_NUMERIC", "ROSTER_OPTIONAL", "ROSTER_REQUIRED", "load_roster", "plan_metrics", "plan_roster_columns",
           "roster_ids", "validate_roster"]

ROSTER_REQUIRED = ("csm_id", "name", "segment", "base_salary", "target_variable", "start_date")
ROSTER_OPTIONAL = ("role", "end_date", "manager")
ROSTER_NUMERIC = ("mbo_score", "billable_hours", "available_hours")


def plan_roster_columns(plan: Plan | None) -> dict[str, str]:
    """Roster columns the plan names, each with why: targets, quotas and roster metrics."""
    needed: dict[str, str] = {}
    if plan is None:
        return needed
    for component in plan.components:
        for what, target in (("target", component.target), ("quota", component.quota)):
            if target is not None and target.column:
                needed[target.column] = f"{component.id} {what}"
    for name in plan_metrics(plan):
        definition = METRICS.get(name)
        if definition is not None and definition.source is Source.ROSTER:
            for column in definition.columns:
                needed.setdefault(column, f"metric {name}")
    return needed


def plan_metrics(plan: Plan) -> set[str]:
    """Every metric the plan reads: of its components, gates and multipliers."""
    names = {c.metric for c in plan.components}
    names |= {c.gate.metric for c in plan.components if c.gate}
    names |= {m.metric for m in plan.multipliers}
    return names




@exactly
def load_roster(source: TableSource, plan: Plan | None = None, *, decimal_comma: bool = False) -> Roster:
    """Load and validate the roster; raises :class:`InputError` with every problem."""
    raw = read_table(source, "Roster", decimal_comma=decimal_comma, currency=plan.currency if plan else None)
    roster, problems = validate_roster(raw, plan)
    if problems:
        raise InputError(problems)
    assert roster is not None
    return roster


def _texts_already(raw: RawTable, column: str) -> bool:
    """Is the column read as Arrow strings (a CSV): each value already the text :func:`cell_text` makes of it?"""
    data = raw.data.get(column)
    return isinstance(data, (pa.Array, pa.ChunkedArray)) and data.type == pa.string()


def roster_ids(raw: RawTable) -> set[str]:
    """Every csm_id written in the roster, valid row or not (so accounts don't cascade problems)."""
    if "csm_id" not in raw.columns:
        return set()
    return {text for value in raw.values("csm_id") if (text := (cell_text(value) or "").strip())}


@exactly
def validate_roster(raw: RawTable, plan: Plan | None) -> tuple[Roster | None, list[Problem]]:
    """The roster of a table as read, checked against the plan, and every problem found."""
    problems = list(raw.problems)
    if not raw.columns and problems:
        return None, problems
    loc = raw.locator
    needed = plan_roster_columns(plan)
    header_where = loc.where(None) if loc.sheet else f"{loc.name}:{loc.header_row}"
    for column in ROSTER_REQUIRED:
        if column not in raw.columns:
            problems.append(Problem(header_where, f'the required column "{column}" is missing', ""))
    for column, why in needed.items():
        if column not in raw.columns:
            problems.append(Problem(header_where, f'the column "{column}" is missing: the plan needs it '
                                                  f"({why})"))
    if problems and any("missing" in p.message for p in problems):
        return None, problems
    if raw.nrows == 0:
        problems.append(Problem(header_where, "the roster has no CSMs"))
        return None, problems

    cols = {c: raw.values(c) for c in set(ROSTER_REQUIRED) | set(ROSTER_OPTIONAL) if c in raw.columns}
    # a CSV's columns are texts already ("" for blank); a workbook's cells become the texts Excel shows
    texts = {c: values if _texts_already(raw, c) else [cell_text(v) or "" for v in values]
             for c, values in cols.items()}
    numeric_columns = [c for c in dict.fromkeys([*needed, *ROSTER_NUMERIC]) if c in raw.columns]
    days = {c: column_dates(raw, c) for c in ("start_date", "end_date") if c in raw.columns}
    numbers = {c: cell_numbers(raw, c) for c in dict.fromkeys(["base_salary", "target_variable", *numeric_columns])}
    csms: list[Csm] = []
    seen: dict[str, int] = {}
    segment_lookup = {s.lower(): s for s in SEGMENTS}
    for row in range(raw.nrows):
        def text(column: str, row: int = row) -> str:
            return texts[column][row] if column in texts else ""

        def bad(column: str, message: str, row: int = row) -> None:
            problems.append(loc.problem(row, column, message))

        csm_id = text("csm_id").strip()
        if not csm_id:
            bad("csm_id", "is blank")
        elif csm_id in seen:
            bad("csm_id", f'"{csm_id}" is also on {loc.where(seen[csm_id], "csm_id")}: csm_id must be unique')
        else:
            seen[csm_id] = row
        name = text("name").strip()
        if not name:
            bad("name", "is blank")
        segment_text = text("segment").strip()
        segment = segment_lookup.get(segment_text.lower())
        if segment is None:
            bad("segment", f'"{segment_text}" is not one of {", ".join(SEGMENTS)}')
        amounts: dict[str, Decimal] = {}
        for column in ("base_salary", "target_variable"):
            number = numbers[column][row]
            if isinstance(number, NumberParseError):
                bad(column, str(number))
                continue
            if number is None:
                bad(column, "is blank")
            elif number < 0:
                bad(column, f"{number} is negative")
            else:
                amounts[column] = number
        dates: dict[str, date | None] = {}
        for column in ("start_date", "end_date"):
            day = days[column][row] if column in days else None
            if day is None and column in cols:  # blank, or no date: the cell says which
                value = cols[column][row]
                try:
                    day = parse_cell_date(value)
                except (ValueError, OverflowError):
                    bad(column, f'"{cell_text(value)}" is not a date (use YYYY-MM-DD)')
            dates[column] = day
        start, end = dates.get("start_date"), dates.get("end_date")
        if start and end and end < start:
            bad("end_date", f"{end.isoformat()} is before start_date {start.isoformat()}")
        values: dict[str, Decimal | None] = {}
        for column in numeric_columns:
            number = numbers[column][row]
            if isinstance(number, NumberParseError):
                bad(column, str(number))
                continue
            if column in needed and needed[column].endswith(("target", "quota")):
                if number is None:
                    bad(column, f"is blank: the plan's {needed[column]} needs a positive number here")
                    continue
                if number <= 0:
                    bad(column, f"{number} must be above 0 (the plan's {needed[column]})")
                    continue
            elif number is not None and number < 0:
                bad(column, f"{number} is negative")
                continue
            values[column] = number
        if csm_id and name and segment and len(amounts) == 2:
            csms.append(Csm(
                csm_id=csm_id, name=name, segment=segment,
                base_salary=amounts["base_salary"], target_variable=amounts["target_variable"],
                start_date=start, end_date=end, role=text("role").strip(), manager=text("manager").strip(),
                values=MappingProxyType(values), row=row,
            ))
    return with_draws(Roster(tuple(csms), loc, tuple(raw.columns)), raw, problems), problems
