"""A close with the effective-dated inputs of SPEC section 10: ``--changes``, ``--moves``, ``--splits`` and
plan versions (``--plan`` more than once), read and computed as ``calc`` does, and the refusals where the
ledger's own machinery cannot be right with them yet: a ``measure: ytd`` component (in any plan version) with
dated inputs in this close or in any close of its plan year (the year-to-date rerun, :mod:`xlcomp.ledger.ytd`,
combines the year's kept books as the accounts file has them, without the changes, moves, splits or versions).
The refusal is an error (exit 1) raised before the ledger is written, so nothing changes.

A clawback component takes them all: its shares follow the credited amounts of moved and split accounts and
each part's amounts in a period a plan version splits (:mod:`xlcomp.ledger.share_weights`), so a later churn
claws back from each CSM who was paid for the account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from xlcomp.engine.run import RunResult, run
from xlcomp.engine.versions import run_versions
from xlcomp.errors import Problem
from xlcomp.ledger.db import LedgerError
from xlcomp.ledger.schema import CLOSES
from xlcomp.ledger.store import CloseRecord
from xlcomp.load.changes import load_dating
from xlcomp.load.plan import load_plan
from xlcomp.load.plan_versions import load_plan_versions, union_plan
from xlcomp.load.splits import load_credits
from xlcomp.model.credit import Credits
from xlcomp.model.dating import Changes
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan

__all__ = ["DATED_KEYS", "Dated", "check_dated", "dated_names", "load_dated", "load_versions", "recorded_dated"]

DATED_KEYS = ("changes", "moves", "splits")


@dataclass(frozen=True)
class Dated:
    """A close's plan versions (oldest first; one when a single plan file), roster changes and credits."""

    versions: tuple[Plan, ...]
    changes: Changes | None = None
    credits: Credits | None = None

    @property
    def given(self) -> bool:
        """Whether any dated input was given (else the close runs exactly as before)."""
        return len(self.versions) > 1 or self.changes is not None or self.credits is not None

    def run(self, roster: Roster, book: Book, period: Period) -> RunResult:
        """The period's computation, as ``calc`` makes it (the plain run when nothing dated is given)."""
        if not self.given:
            return run(self.versions[0], roster, book, period)
        return run_versions(self.versions, roster, book, period, changes=self.changes, credits=self.credits)

    def what(self) -> list[str]:
        """The dated inputs given, for messages."""
        out = ["plan versions"] if len(self.versions) > 1 else []
        out += ["roster changes"] if self.changes is not None else []
        out += ["account moves or credit splits"] if self.credits is not None else []
        return out


def load_versions(plans: Sequence[Path]) -> tuple[tuple[Plan, ...], Plan]:
    """The plan versions of ``plans`` and the union plan the roster and accounts are read with; one file is
    read as always."""
    if len(plans) == 1:
        plan = load_plan(plans[0])
        return (plan,), plan
    versions = load_plan_versions(list(plans))
    return versions, union_plan(versions)


def load_dated(versions: tuple[Plan, ...], plan: Plan, roster: Roster, book: Book, period: Period,
               changes: Path | None, moves: Path | None, splits: Path | None) -> Dated:
    """The roster changes and credits of a close (each file checked; :class:`InputError` on problems)."""
    changed = load_dating(changes, roster, period, plan)
    return Dated(versions, changed, load_credits(moves, splits, roster, book, period))


def dated_names(plans: Sequence[Path], changes: Path | None, moves: Path | None, splits: Path | None
                ) -> dict[str, Path]:
    """The inputs.json entries of the dated inputs given: ``plan_2``, … then changes, moves, splits (none when
    nothing dated is given, so a close's record is what it was)."""
    named = {f"plan_{i + 1}": path for i, path in enumerate(plans) if i > 0}
    named.update({name: path for name, path in zip(DATED_KEYS, (changes, moves, splits), strict=True)
                  if path is not None})
    return named


def recorded_dated(record: Mapping[str, Any] | None) -> list[str]:
    """The dated inputs an inputs.json record names (``plan_2``, changes, moves, splits)."""
    files = (record or {}).get("files") or {}
    return [name for name, given in files.items() if given is not None
            and (name in DATED_KEYS or name.startswith("plan_"))]


def check_dated(connection: Any, dated: Dated, result: RunResult, year_before: Sequence[CloseRecord],
                where: str) -> None:
    """Refuse (:class:`LedgerError`) what the ledger cannot yet record right with dated inputs (module doc)."""
    components = [c for p in dated.versions for c in p.components]
    problems: list[Problem] = []
    if any(c.measure == "ytd" for c in components):
        ytd = ", ".join(dict.fromkeys(c.id for c in components if c.measure == "ytd"))
        if dated.given:
            problems.append(Problem(where, f"{' and '.join(dated.what())} with a measure: ytd component ({ytd}): "
                                           "not yet (the year-to-date rerun combines the year's accounts as the "
                                           "accounts files give them and would lose them); close without them"))
        elif year_before:
            ids = [c.id for c in year_before]
            rows = connection.execute(select(CLOSES.c.id, CLOSES.c.inputs).where(CLOSES.c.id.in_(ids))).all()
            refs = {c.id: c.ref for c in year_before}
            for close_id, text in sorted(rows):
                found = recorded_dated(json.loads(text)) if text else []
                if found:
                    problems.append(Problem(where, f"{refs[close_id]} of this plan year was closed with "
                                                   f"{', '.join(found)}: the measure: ytd component ({ytd}) cannot "
                                                   "combine the year to date with them yet; reopen it without them"))
    if problems:
        raise LedgerError(problems)
