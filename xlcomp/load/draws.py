"""Roster draw columns (SPEC section 9): ``draw`` (amount per period), ``draw_type`` (``recoverable`` |
``guarantee``) and ``draw_until`` (a date, inclusive; blank = no end).

Read from the raw roster table after the other columns; every problem names its cell.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.errors import Problem
from xlcomp.model.people import DRAW_TYPES, Draw, Roster
from xlcomp.money import NumberParseError

if TYPE_CHECKING:
    from xlcomp.load.sources import RawTable

__all__ = ["DRAW_COLUMNS", "with_draws"]

DRAW_COLUMNS = ("draw", "draw_type", "draw_until")


def with_draws(roster: Roster, raw: RawTable, problems: list[Problem]) -> Roster:
    """``roster`` with each CSM's :class:`Draw` read from the draw columns; problems appended to ``problems``."""
    from xlcomp.load.decimals import parse_cell_date as _parse_date
    from xlcomp.load.decimals import parse_cell_number as _parse_cell_number
    from xlcomp.load.sources import cell_text as _cell_text

    if not any(column in raw.columns for column in DRAW_COLUMNS):
        return roster
    loc = raw.locator
    columns: dict[str, list[Any]] = {c: raw.values(c) for c in DRAW_COLUMNS if c in raw.columns}
    draws = {}
    for row in range(raw.nrows):
        def cell(column: str, row: int = row) -> Any:
            return columns[column][row] if column in columns else ""

        def bad(column: str, message: str, row: int = row) -> None:
            problems.append(loc.problem(row, column, message))

        try:
            amount = _parse_cell_number(cell("draw"))
        except NumberParseError as exc:
            bad("draw", str(exc))
            continue
        kind = (_cell_text(cell("draw_type")) or "").strip().lower()
        until_text = _cell_text(cell("draw_until")) or ""
        try:
            until = _parse_date(cell("draw_until"))
        except (ValueError, OverflowError):
            bad("draw_until", f'"{until_text}" is not a date (use YYYY-MM-DD)')
            continue
        if amount is None or amount == 0:
            if kind or until:
                bad("draw", "is blank, but the row has a draw_type or draw_until: give the draw per period")
            continue
        if amount < 0:
            bad("draw", f"{amount} is negative")
            continue
        if not kind:
            bad("draw_type", f"is blank: a draw of {amount} needs a type ({' or '.join(DRAW_TYPES)})")
            continue
        if kind not in DRAW_TYPES:
            bad("draw_type", f'"{kind}" is not one of {", ".join(DRAW_TYPES)}')
            continue
        draws[row] = Draw(amount=Decimal(amount), type=kind, until=until)
    if not draws:
        return roster
    csms = tuple(dataclasses.replace(csm, draw=draws[csm.row]) if csm.row in draws else csm for csm in roster.csms)
    return dataclasses.replace(roster, csms=csms)
