"""Problems as a person reads them: the true count, one mistake shown once, and hints.

The loaders report every problem with its place, capping each check at 1,000 rows plus a line
"... and N more rows like the above". Here the command line counts those rows for what they are,
folds a flood of accounts naming CSMs the roster lacks (a header-only or semicolon roster makes
every account such a problem) into one line, and adds hints to problems a newcomer meets first:
a renamed header, an Excel serial number in a CSV date column.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from xlcomp.errors import InputError, Problem, ProblemsError
from xlcomp.load.sources import TableSource, close_header, read_header

__all__ = ["GroupedInputError", "input_hints", "problem_count", "with_hints"]

MORE_ROWS = re.compile(r"^\.\.\. and (\d+) more rows like the above$")
NOT_A_CSM = re.compile(r'^"(.*)" is not a CSM of the roster$')
MISSING_COLUMN = re.compile(r'^the (?:required )?column "([^"]+)" is missing')
NOT_A_DATE = re.compile(r'^"(\d{1,7}(?:\.0+)?)" is not a date \(use YYYY-MM-DD\)$')
SHOWN_IDS = 5


class GroupedInputError(InputError):
    """An :class:`InputError` whose problems were grouped: ``total`` is the true number of problems."""

    def __init__(self, problems: Sequence[Problem], total: int) -> None:
        super().__init__(problems)
        self.total = total


def problem_count(error: ProblemsError) -> int:
    """How many problems ``error`` stands for, counting "... and N more rows like the above" as N."""
    total = getattr(error, "total", None)
    if isinstance(total, int):
        return total
    count = 0
    for problem in error.problems:
        more = MORE_ROWS.match(problem.message)
        count += int(more.group(1)) if more else 1
    return count


def _file_of(problem: Problem) -> str:
    return problem.where.split(":", 1)[0].split("!", 1)[0]


def _group_unknown_csms(problems: Sequence[Problem], roster_rows: int | None) -> list[Problem]:
    """Fold "X is not a CSM of the roster" rows (and their "... and N more" line) into one problem per file."""
    groups: dict[str, tuple[int, list[str]]] = {}
    first_at: dict[str, int] = {}
    kept: list[Problem | str] = []
    previous_group = ""
    for problem in problems:
        unknown = NOT_A_CSM.match(problem.message) if problem.field == "csm_id" else None
        more = MORE_ROWS.match(problem.message)
        label = _file_of(problem)
        if unknown:
            rows, ids = groups.get(label, (0, []))
            if unknown.group(1) not in ids:
                ids.append(unknown.group(1))
            groups[label] = (rows + 1, ids)
            if label not in first_at:
                first_at[label] = len(kept)
                kept.append(label)
            previous_group = label
            continue
        if more and previous_group and previous_group == label and problem.field == "csm_id":
            rows, ids = groups[label]
            groups[label] = (rows + int(more.group(1)), ids)
            ids.append("")  # marks "the ids past the rows read are not listed"
            previous_group = ""
            continue
        previous_group = ""
        kept.append(problem)
    out = []
    for item in kept:
        if isinstance(item, Problem):
            out.append(item)
            continue
        rows, ids = groups[item]
        if rows < 10:  # a few are clearer one per row
            out.extend(p for p in problems if _file_of(p) == item and p.field == "csm_id"
                       and (NOT_A_CSM.match(p.message) or MORE_ROWS.match(p.message)))
            continue
        listed = [i for i in ids if i]
        partial = "" in ids
        shown = ", ".join(listed[:SHOWN_IDS])
        if len(listed) > SHOWN_IDS or partial:
            shown += ", …"
        how_many = f"{'at least ' if partial else ''}{len(listed):,} csm_id{'s' if len(listed) != 1 else ''}"
        roster = f"; the roster has {roster_rows:,} row{'s' if roster_rows != 1 else ''}" if roster_rows is not None \
            else ""
        out.append(Problem(item, f"{rows:,} accounts name {how_many} missing from the roster: {shown}{roster}",
                           "csm_id"))
    return out


def _header_hint(problem: Problem, headers: dict[str, list[str]]) -> Problem:
    missing = MISSING_COLUMN.match(problem.message)
    found = headers.get(_file_of(problem))
    if not missing or found is None:
        return problem
    close = close_header(missing.group(1), found)
    if close is None:
        return problem
    return Problem(problem.where, f'{problem.message} (found a column "{close}", which looks close: rename it '
                                  f'"{missing.group(1)}")', problem.field)


def _date_hint(problem: Problem) -> Problem:
    serial = NOT_A_DATE.match(problem.message)
    if not serial or not problem.where.endswith(tuple("0123456789")) or "!" in problem.where:
        return problem
    number = int(float(serial.group(1)))
    if not 1 <= number < 2958466:
        return problem
    as_date = date(1899, 12, 30) + timedelta(days=number)
    return Problem(problem.where, f'"{serial.group(1)}" is not a date: a CSV date is text, YYYY-MM-DD (as an Excel '
                                  f"serial number it would be {as_date.isoformat()})", problem.field)


def with_hints(error: ProblemsError, sources: dict[str, TableSource], roster_rows: int | None = None
               ) -> ProblemsError:
    """``error`` with unknown-CSM floods grouped and hints added (``sources``: table name -> its file)."""
    if not isinstance(error, InputError):
        return error
    headers: dict[str, list[str]] = {}
    for name, source in sources.items():
        if isinstance(source, (str, Path)):
            with contextlib.suppress(Exception):  # a hint is a courtesy: never fail for want of one
                label, header = read_header(source, name)
                headers[label] = header
    total = problem_count(error)
    problems = [_date_hint(_header_hint(p, headers)) for p in error.problems]
    problems = _group_unknown_csms(problems, roster_rows)
    return GroupedInputError(problems, total)


@contextlib.contextmanager
def input_hints(roster: TableSource | None, accounts: TableSource | None) -> Iterator[None]:
    """Re-raise an :class:`InputError` from the block with :func:`with_hints` applied."""
    try:
        yield
    except InputError as error:
        sources = {name: source for name, source in (("Roster", roster), ("Accounts", accounts)) if source is not None}
        roster_rows = None
        if roster is not None and any(NOT_A_CSM.match(p.message) for p in error.problems):
            with contextlib.suppress(Exception):
                from xlcomp.load.sources import read_table

                roster_rows = read_table(roster, "Roster").nrows
        raise with_hints(error, sources, roster_rows) from error
