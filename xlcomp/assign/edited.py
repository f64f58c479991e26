"""An assignment finance edited, read back: the Assignment table of assignment.xlsx (or assignment.csv),
its ``account_id`` and ``to_csm`` columns, checked against the roster, the book and the rules, every
problem with its cell."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from xlcomp.assign.inputs import AssignInputs
from xlcomp.errors import InputError, Problem
from xlcomp.load.sources import TableSource, cell_text, read_table
from xlcomp.model.people import SEGMENTS

__all__ = ["read_edited"]

_MOST_PROBLEMS = 50


def read_edited(inputs: AssignInputs, edited: TableSource) -> npt.NDArray[np.int64]:
    """The roster index of every account's owner as the edited table says: each account of the book once,
    ``to_csm`` a CSM of the roster who stays, of a segment the rules allow, pinned accounts with their CSM.
    Raises :class:`InputError` naming every cell that breaks one of these (at most 50)."""
    table = read_table(edited, "Assignment")
    if table.problems:
        raise InputError(table.problems)
    loc = table.locator
    missing = [c for c in ("account_id", "to_csm") if c not in table.columns]
    if missing:
        raise InputError([Problem(loc.where(), f"has no {' or '.join(missing)} column (columns: "
                                               f"{', '.join(table.columns)})")])
    csm_index = {csm_id: i for i, csm_id in enumerate(inputs.csm_ids)}
    account_ids = inputs.book.table["account_id"].to_pylist()
    account_index = {a: i for i, a in enumerate(account_ids)}
    to = np.full(len(account_ids), -1, dtype=np.int64)
    seen_at: dict[int, int] = {}
    problems: list[Problem] = []
    for row, (raw_account, raw_csm) in enumerate(zip(table.values("account_id"), table.values("to_csm"),
                                                     strict=True)):
        account_id = (cell_text(raw_account) or "").strip()
        csm_id = (cell_text(raw_csm) or "").strip()
        if not account_id and not csm_id:
            continue  # a blank row at the table's end
        if account_id not in account_index:
            problems.append(loc.problem(row, "account_id", f'"{account_id}" is not an account of the book'))
            continue
        a = account_index[account_id]
        if a in seen_at:
            problems.append(loc.problem(row, "account_id", f"{account_id} is already at {loc.where(seen_at[a])}"))
            continue
        seen_at[a] = row
        if csm_id not in csm_index:
            problems.append(loc.problem(row, "to_csm", f'"{csm_id}" is not a CSM of the roster'))
            continue
        c = csm_index[csm_id]
        csm = inputs.roster.csms[c]
        if inputs.leaver[c]:
            problems.append(loc.problem(row, "to_csm", f"{csm_id} leaves on {csm.end_date} (by the end of "
                                                       f"{inputs.period.label}) and can get no accounts"))
        elif not inputs.rules.allows(SEGMENTS[inputs.account_segment[a]], csm.segment):
            problems.append(loc.problem(row, "to_csm", f"{account_id} ({SEGMENTS[inputs.account_segment[a]]}) "
                                                       f"cannot go to {csm_id} of segment {csm.segment} (the "
                                                       "rules' neighbours)"))
        elif 0 <= inputs.pinned[a] != c:
            problems.append(loc.problem(row, "to_csm", f"{account_id} is pinned to "
                                                       f"{inputs.csm_ids[inputs.pinned[a]]} "
                                                       f"({inputs.pinned_where[a]})"))
        to[a] = c
    absent = [account_ids[a] for a in np.flatnonzero(to < 0) if a not in seen_at]
    if absent:
        shown = ", ".join(absent[:10]) + (f" and {len(absent) - 10} more" if len(absent) > 10 else "")
        problems.append(Problem(loc.where(), f"{len(absent)} accounts of the book are missing: {shown}",
                                "account_id"))
    if problems:
        raise InputError(problems[:_MOST_PROBLEMS])
    return to
