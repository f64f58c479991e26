"""The account moves file (CSV ``--moves FILE``, or the Moves table of a workbook), SPEC section 10.

Columns ``account_id`` (an account of the book), ``to_csm`` (a CSM of the roster) and ``effective``
(the first day the account belongs to ``to_csm``). Problems name their row and column:
``moves.csv:3 to_csm: "CSM-9" is not a CSM of the roster``. A move effective before the period
applies from its first day and one after its last day is ignored: both are notes, not problems.
"""

from __future__ import annotations

from datetime import date
from itertools import repeat
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.errors import InputError, Problem
from xlcomp.load.changes import outside_period, reference_ok
from xlcomp.load.decimals import column_dates
from xlcomp.load.sources import RawTable, TableSource, read_table
from xlcomp.model.credit import Move, Moves, account_positions
from xlcomp.model.people import Book, Locator, Roster
from xlcomp.model.period import Period
from xlcomp.money import exactly

__all__ = ["MOVE_COLUMNS", "account_positions", "load_moves", "missing_columns", "moves_from_table"]

MOVE_COLUMNS = ("account_id", "to_csm", "effective")
# a text that starts or ends with a character str.strip() removes: every one str.isspace() calls a space (RE2 syntax;
# tests/load/test_moves_strip.py checks the list against Python's)
_SPACES = (r"\x{9}\x{a}\x{b}\x{c}\x{d}\x{1c}\x{1d}\x{1e}\x{1f}\x{20}\x{85}\x{a0}\x{1680}\x{2000}\x{2001}\x{2002}"
           r"\x{2003}\x{2004}\x{2005}\x{2006}\x{2007}\x{2008}\x{2009}\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}")
_EDGE_SPACE = f"^[{_SPACES}]|[{_SPACES}]$"


def missing_columns(raw: RawTable, columns: tuple[str, ...], what: str) -> list[Problem]:
    """A problem at the header when ``raw`` lacks some of ``columns``."""
    missing = [c for c in columns if c not in raw.columns]
    if not missing:
        return []
    found = ", ".join(c for c in raw.columns if c) or "none"
    return [Problem(raw.locator.where(None), f"the {what} need the column{'s' if len(missing) > 1 else ''} "
                                             f"{', '.join(missing)} (found: {found})")]


def _stripped(strings: pa.Array) -> list[str]:
    """A text column as stripped Python strings ("" for blank): Python's strip only where Arrow sees a space to
    strip (a clean column of a hundred thousand ids is taken as it is)."""
    filled = pc.fill_null(strings, "")
    if not pc.any(pc.match_substring_regex(filled, _EDGE_SPACE)).as_py():
        return filled.to_pylist()  # type: ignore[no-any-return]
    return [text.strip() for text in filled.to_pylist()]


def _all_good(account_ids: list[str], to_csms: list[str], parsed: list[date | None],
              positions: list[int | None], known: set[str], loc: Locator, period: Period, book: Book
              ) -> Moves | None:
    """The moves when every row is a good one (the common case, a hundred thousand rows at list speed);
    None when some row needs the row-by-row checks (a blank row, a problem, a note)."""
    if None in positions or None in parsed or not known.issuperset(to_csms):
        return None
    if len(set(account_ids)) != len(account_ids) and len(set(zip(account_ids, parsed, strict=True))) != len(parsed):
        return None
    days = cast(list[date], parsed)
    if days and (min(days) < period.start or max(days) > period.end):
        return None
    rows = zip(account_ids, to_csms, parsed, range(len(parsed)), strict=True)
    # tuple.__new__ straight from C: a named tuple's own __new__ is a Python function, called once a row
    return Moves(tuple(map(tuple.__new__, repeat(Move), rows)), loc, (), tuple(positions), book)  # type: ignore[arg-type]


@exactly
def load_moves(source: TableSource | None, roster: Roster, book: Book, period: Period) -> Moves | None:
    """Read and check the moves (None when no file is given); raise :class:`InputError` with every problem."""
    if source is None:
        return None
    moves, problems = moves_from_table(read_table(source, "Moves"), roster, book, period)
    if problems or moves is None:
        raise InputError(problems)
    return moves


def moves_from_table(raw: RawTable, roster: Roster, book: Book, period: Period
                     ) -> tuple[Moves | None, list[Problem]]:
    """The moves of a table as read, and the problems found (each at its place)."""
    problems = list(raw.problems) or missing_columns(raw, MOVE_COLUMNS, "moves")
    if problems:
        return None, problems
    loc = raw.locator
    known = {csm.csm_id for csm in roster}
    account_ids, to_csms = (_stripped(raw.strings(c)) for c in MOVE_COLUMNS[:2])
    parsed = column_dates(raw, "effective")
    positions = account_positions(book, account_ids)
    fast = _all_good(account_ids, to_csms, parsed, positions, known, loc, period, book)
    if fast is not None:
        return fast, []
    effectives = raw.values("effective")
    rows: list[Move] = []
    kept: list[int] = []
    notes: list[str] = []
    seen: dict[tuple[str, date], int] = {}
    for row in range(raw.nrows):
        account_id, to_csm = account_ids[row], to_csms[row]
        if not account_id and not to_csm and effectives[row] in (None, ""):
            continue  # a blank row
        ok = reference_ok(problems, loc, row, "account_id", account_id, positions[row] is not None,
                          "name the account that moves", "an account of the book")
        ok = reference_ok(problems, loc, row, "to_csm", to_csm, to_csm in known, "name the CSM the account moves to",
                          "a CSM of the roster") and ok
        effective = parsed[row]
        if effective is None:
            problems.append(loc.problem(row, "effective", f'"{effectives[row]}" is not a date (use YYYY-MM-DD)'))
            ok = False
        if not ok or effective is None:
            continue
        key = (account_id, effective)
        if key in seen:
            problems.append(loc.problem(row, "effective", f"{account_id} already moves on {effective.isoformat()} "
                                                          f"(at {loc.where(seen[key])}): keep one"))
            continue
        seen[key] = row
        note, applies = outside_period(loc.where(row), f"{account_id} moves to {to_csm}", effective, period)
        if note:
            notes.append(note)
        if not applies:
            continue
        rows.append(Move(account_id, to_csm, effective, row))
        kept.append(positions[row])  # type: ignore[arg-type]
    if problems:
        return None, problems
    return Moves(tuple(rows), loc, tuple(notes), tuple(kept), book), []
