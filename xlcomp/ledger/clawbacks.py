"""Clawbacks (SPEC section 9): each account's share of a clawback component's payout, recorded at
close, and the churn file that takes shares back at a later close.

share_a = ROUND(payout x amount_a / Σ amounts, 2) over the CSM's accounts with a positive amount,
in account_id order; the cent remainder goes to the account with the largest amount (ties: the
first account_id), so the shares add up to the payout exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from xlcomp.errors import Problem
from xlcomp.model.metrics import metric_def
from xlcomp.model.people import Book
from xlcomp.model.plan import Component, Plan
from xlcomp.money import excel_round

__all__ = ["ChurnRow", "Share", "account_amounts", "load_churn", "shares_of"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class Share:
    """One account's share of one CSM's payout on a clawback component."""

    component: str
    account_id: str
    csm_id: str
    amount: Decimal
    share: Decimal


@dataclass(frozen=True)
class ChurnRow:
    """A churned account and the day it churned; ``where`` names its row."""

    account_id: str
    churn_date: date
    where: str


def account_amounts(component: Component, plan: Plan, table: pa.Table) -> list[tuple[str, str, Decimal]]:
    """(account_id, csm_id, amount) of every account: what it adds to the component's metric."""
    definition = metric_def(component.metric, set(plan.inputs))
    assert definition is not None
    data = table.select(["account_id", "csm_id", *definition.columns]).to_pydict()
    columns = [[v if v is not None else ZERO for v in data[name]] for name in definition.columns]
    if component.metric == "churned_arr":
        amounts = [a - b for a, b in zip(columns[0], columns[1], strict=True)]
    else:
        amounts = [sum(values, ZERO) for values in zip(*columns, strict=True)]
    return list(zip(data["account_id"], data["csm_id"], amounts, strict=True))


def shares_of(plan: Plan, book: Book, payouts: Mapping[tuple[str, str], Decimal]) -> list[Share]:
    """Every account's share of the payout (csm_id, component) -> amount, for the plan's clawback components."""
    out: list[Share] = []
    for component in plan.components:
        if component.clawback_days is None:
            continue
        by_csm: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
        for account_id, csm_id, amount in account_amounts(component, plan, book.table):
            if amount > 0 and payouts.get((csm_id, component.id), ZERO) > 0:
                by_csm[csm_id].append((account_id, amount))
        for csm_id in sorted(by_csm):
            payout = payouts[(csm_id, component.id)]
            accounts = sorted(by_csm[csm_id])
            total = sum((amount for _, amount in accounts), ZERO)
            shares = [excel_round(payout * amount / total, 2) for _, amount in accounts]
            remainder = payout - sum(shares, ZERO)
            if remainder:
                largest = max(range(len(accounts)), key=lambda i: (accounts[i][1], -i))
                shares[largest] += remainder
            out.extend(Share(component.id, account_id, csm_id, amount, share)
                       for (account_id, amount), share in zip(accounts, shares, strict=True))
    return out


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

