"""The ledger read back for people: per CSM, each closed period version with its lines and balance
numbers, paid to date and the balance owed (``xlcomp ledger show`` and ``ledger export``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xlcomp.errors import Problem
from xlcomp.ledger.db import LedgerError, connect, ledger_place, translate_errors
from xlcomp.ledger.store import CloseRecord, Line, closes_of, csm_periods_of, lines_of

__all__ = ["CsmEntry", "LedgerView", "PeriodEntry", "ledger_view"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class PeriodEntry:
    """One CSM in one closed period version."""

    close: CloseRecord
    lines: tuple[Line, ...]
    gross: Decimal
    draw: Decimal
    payable: Decimal
    balance_in: Decimal
    balance_out: Decimal

    @property
    def ref(self) -> str:
        """``2027-Q1@1``."""
        return self.close.ref

    @property
    def paid(self) -> bool:
        """Was this version paid (the first close of its period)? Later versions are paid as differences."""
        return self.close.version == 1


@dataclass
class CsmEntry:
    """One CSM across the ledger."""

    csm_id: str
    name: str
    periods: list[PeriodEntry] = field(default_factory=list)

    @property
    def paid_to_date(self) -> Decimal:
        """Σ payable of the paid versions."""
        return sum((p.payable for p in self.periods if p.paid), ZERO)

    @property
    def balance(self) -> Decimal:
        """The balance owed after the latest paid period."""
        paid = [p for p in self.periods if p.paid]
        return paid[-1].balance_out if paid else ZERO


@dataclass(frozen=True)
class LedgerView:
    """A plan's ledger: its closes and every CSM's entries (in first-seen order)."""

    plan_id: str
    currency: str
    closes: tuple[CloseRecord, ...]
    csms: tuple[CsmEntry, ...]

    @property
    def line_count(self) -> int:
        """How many lines the ledger holds."""
        return sum(len(p.lines) for c in self.csms for p in c.periods)


def _currency(plan_text: str) -> str:
    for raw in plan_text.splitlines():
        key, _, value = raw.partition(":")
        if key.strip() == "currency" and not raw.startswith((" ", "\t")):
            return value.split("#")[0].strip() or "USD"
    return "USD"


def ledger_view(engine: Any, plan_id: str | None, period: str | None) -> LedgerView:
    """Read a plan's ledger (only ``period``'s latest version, or ``2027-Q1@2``, when given)."""
    from sqlalchemy import select

    from xlcomp.ledger.schema import CLOSES

    place = ledger_place(engine.url)
    with translate_errors(place), connect(engine) as connection:
        closes = closes_of(connection)
        plans = list(dict.fromkeys(c.plan_id for c in closes))
        if plan_id is None:
            if len(plans) > 1:
                raise LedgerError([Problem("--plan", f"the ledger holds several plans ({', '.join(plans)}): "
                                                     "name one with --plan")])
            plan_id = plans[0] if plans else ""
        elif plan_id not in plans:
            raise LedgerError([Problem(place, f'plan "{plan_id}" has no closed period in this ledger'
                                              + (f" (it holds {', '.join(plans)})" if plans else ""))])
        closes = [c for c in closes if c.plan_id == plan_id]
        if period is not None:
            closes = _select(closes, period, place)
        currency = "USD"
        if closes:
            text = connection.execute(select(CLOSES.c.plan_text).where(CLOSES.c.id == closes[-1].id)).scalar_one()
            currency = _currency(text)
        ids = [c.id for c in closes]
        lines = lines_of(connection, ids)
        periods = csm_periods_of(connection, ids)
    entries: dict[str, CsmEntry] = {}
    ordered = sorted(closes, key=lambda c: (c.period_start, c.version))
    for close in ordered:
        by_csm: dict[str, list[Line]] = defaultdict(list)
        for line in lines[close.id]:
            by_csm[line.csm_id].append(line)
        for csm_id, row in periods[close.id].items():
            entry = entries.setdefault(csm_id, CsmEntry(csm_id, row.name))
            entry.name = row.name or entry.name
            entry.periods.append(PeriodEntry(close, tuple(by_csm.get(csm_id, ())), row.gross, row.draw, row.payable,
                                             row.balance_in, row.balance_out))
    return LedgerView(plan_id, currency, tuple(ordered), tuple(entries.values()))


def _select(closes: list[CloseRecord], period: str, place: str) -> list[CloseRecord]:
    label, _, version = period.partition("@")
    found = [c for c in closes if c.period == label]
    if version:
        found = [c for c in found if str(c.version) == version]
    if not found:
        raise LedgerError([Problem(place, f"{period} is not closed in this ledger")])
    return found if version else [found[-1]]
