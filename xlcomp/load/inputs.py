"""Roster and accounts loaded together, every problem of both in one :class:`~xlcomp.errors.InputError`.

Where they come from (CSV, .xlsx tables or sheets, DataFrames) is :mod:`.sources`; their checks
:mod:`.roster` and :mod:`.accounts`; exact decimals :mod:`.decimals`.
"""

from __future__ import annotations

from xlcomp.errors import InputError, Problem
from xlcomp.load.accounts import validate_accounts
from xlcomp.load.roster import roster_ids, validate_roster
from xlcomp.load.sources import TableSource, read_table
from xlcomp.model.people import Book, Roster
from xlcomp.model.plan import Plan
from xlcomp.money import exactly

__all__ = ["load_inputs"]

@exactly
def load_inputs(plan: Plan | None, roster: TableSource, accounts: TableSource, *, decimal_comma: bool = False
                ) -> tuple[Roster, Book]:
    """Load roster and accounts against a plan, raising one :class:`InputError` with all problems.

    Number texts may be written as finance writes them (``$1,200``, ``(500)``, ``85%``; ``1.234,50`` with
    ``decimal_comma``); CSV files may be separated by commas, semicolons or tabs.
    """
    currency = plan.currency if plan else None
    raw_roster = read_table(roster, "Roster", decimal_comma=decimal_comma, currency=currency)
    roster_model, problems = validate_roster(raw_roster, plan)
    raw_accounts = read_table(accounts, "Accounts", decimal_comma=decimal_comma, currency=currency)
    book, more = validate_accounts(raw_accounts, roster_ids(raw_roster) if raw_roster.columns else None, plan)
    problems += more
    if roster_model is not None and not roster_model.csms and not problems:
        problems.append(Problem(roster_model.locator.name, "the roster has no CSMs"))
    if problems:
        raise InputError(problems)
    assert roster_model is not None and book is not None
    return roster_model, book
