"""Roster and accounts loaded together, every problem of both in one :class:`~xlcomp.errors.InputError`.

Where they come from (CSV, .xlsx tables or sheets, DataFrames) is :mod:`.sources`; their checks
:mod:`.roster` and :mod:`.accounts`; exact decimals :mod:`.decimals`.
"""

from __future__ import annotations

from typing import NamedTuple

from xlcomp.errors import InputError, Problem
from xlcomp.load.accounts import validate_accounts
from xlcomp.load.roster import roster_ids, validate_roster
from xlcomp.load.sources import RawTable, TableSource, read_table
from xlcomp.model.people import Book, Roster
from xlcomp.model.plan import Plan
from xlcomp.money import exactly

__all__ = ["LoadedRoster", "load_inputs", "load_roster"]


class LoadedRoster(NamedTuple):
    """A roster read and checked (:func:`load_roster`): the table as read, the model, its problems."""

    raw: RawTable
    model: Roster | None
    problems: list[Problem]


@exactly
def load_roster(plan: Plan | None, roster: TableSource, *, decimal_comma: bool = False) -> LoadedRoster:
    """The roster of :func:`load_inputs`, read and checked on its own (a caller with the roster at hand before
    the accounts hands it to :func:`load_inputs` as ``roster_loaded``)."""
    raw = read_table(roster, "Roster", decimal_comma=decimal_comma, currency=plan.currency if plan else None)
    model, problems = validate_roster(raw, plan)
    return LoadedRoster(raw, model, problems)


@exactly
def load_inputs(plan: Plan | None, roster: TableSource, accounts: TableSource, *, decimal_comma: bool = False,
                roster_loaded: LoadedRoster | None = None) -> tuple[Roster, Book]:
    """Load roster and accounts against a plan, raising one :class:`InputError` with all problems.

    Number texts may be written as finance writes them (``$1,200``, ``(500)``, ``85%``; ``1.234,50`` with
    ``decimal_comma``); CSV files may be separated by commas, semicolons or tabs. ``roster_loaded``: the roster
    as :func:`load_roster` gave it (``roster`` is then not read).
    """
    currency = plan.currency if plan else None
    raw_roster, roster_model, problems = roster_loaded or load_roster(plan, roster, decimal_comma=decimal_comma)
    problems = list(problems)
    raw_accounts = read_table(accounts, "Accounts", decimal_comma=decimal_comma, currency=currency)
    book, more = validate_accounts(raw_accounts, roster_ids(raw_roster) if raw_roster.columns else None, plan)
    problems += more
    if roster_model is not None and not roster_model.csms and not problems:
        problems.append(Problem(roster_model.locator.name, "the roster has no CSMs"))
    if problems:
        raise InputError(problems)
    assert roster_model is not None and book is not None
    return roster_model, book
