"""Clawbacks (SPEC section 9): the churn file that takes back, at a later close, the account shares
recorded when a clawback component paid (:mod:`xlcomp.ledger.shares` computes them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from xlcomp.errors import Problem
from xlcomp.model.people import Book
from xlcomp.model.plan import Plan

__all__ = ["ChurnRow", "clawback_windows", "in_plan", "known_accounts", "load_churn", "window_days"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class ChurnRow:
    """A churned account and the day it churned; ``where`` names its row."""

    account_id: str
    churn_date: date
    where: str


def load_churn(source: Path) -> tuple[list[ChurnRow], list[Problem]]:
    """Read a churn CSV (``account_id``, ``churn_date``): the rows and every problem with its place."""
    from xlcomp.load.decimals import parse_cell_date as _parse_date
    from xlcomp.load.sources import cell_text as _cell_text
    from xlcomp.load.sources import read_table

    raw = read_table(source, "Churn")
    problems = list(raw.problems)
    loc = raw.locator
    if problems and not raw.columns:
        return [], problems
    missing = [c for c in ("account_id", "churn_date") if c not in raw.columns]
    if missing:
        header = loc.where(None) if loc.sheet else f"{loc.name}:{loc.header_row}"
        return [], [Problem(header, f'the required column "{c}" is missing') for c in missing]
    rows: list[ChurnRow] = []
    seen: dict[str, int] = {}
    for row, (account, when) in enumerate(zip(raw.values("account_id"), raw.values("churn_date"), strict=True)):
        account_id = (_cell_text(account) or "").strip()
        if not account_id:
            problems.append(loc.problem(row, "account_id", "is blank"))
            continue
        if account_id in seen:
            problems.append(loc.problem(row, "account_id", f'"{account_id}" is also on '
                                                           f'{loc.where(seen[account_id])}: one churn per account'))
            continue
        seen[account_id] = row
        try:
            churn_date = _parse_date(when)
        except (ValueError, OverflowError):
            churn_date = None
        if churn_date is None:
            shown = _cell_text(when) or ""
            problems.append(loc.problem(row, "churn_date", f'"{shown}" is not a date (use YYYY-MM-DD)'))
            continue
        rows.append(ChurnRow(account_id, churn_date, loc.where(row)))
    return rows, problems


def known_accounts(book: Book) -> set[str]:
    """The account ids of a book."""
    return set(book.table["account_id"].to_pylist())



def clawback_windows(plan: Plan) -> dict[str, int]:
    """The clawback window (days after the paying period's end) of each clawback component of the closing
    plan, by id; a plan version part's component (``renewals@2027-02-15``) also answers for its component's id
    (the latest part's window), so the shares of a split period and of a plain one find their window either way."""
    windows: dict[str, int] = {}
    for component in plan.components:
        if component.clawback_days is not None:
            windows[component.id] = component.clawback_days
            windows[component.id.partition("@")[0]] = component.clawback_days
    return windows


def in_plan(plan: Plan, component: str) -> bool:
    """Has the closing ``plan`` a component of a share's id (or of its component's, for a part's share)? A share of
    a component the plan no longer has (a SPIF of an earlier quarter) is clawed back on the window it was paid with."""
    base = component.partition("@")[0]
    return any(c.id in (component, base) or c.id.partition("@")[0] == base for c in plan.components)


def window_days(windows: dict[str, int], component: str) -> int | None:
    """The window of a share recorded for ``component`` (a part's, ``renewals@2027-01-01``, by its component's
    id when the closing plan has no such part); None: the closing plan claws nothing back on it."""
    found = windows.get(component)
    return found if found is not None else windows.get(component.partition("@")[0])
