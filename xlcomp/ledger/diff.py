"""``xlcomp diff A B``: why each CSM's total changed between two results.

A and B are output folders of ``calc``/``close`` (their payouts.csv) or ledger versions
``ledger:2027-Q1@2``. Each line's change is put down to its cause, in the SPEC's order: the
computed components (plan, roster and accounts; for ledger versions, the input hashes say which of
them changed), adjustments, and ledger lines (prior_period, clawback, draw). The rows go to diff.csv,
biggest changes first in the console.

Not yet here: recomputing each step (A's inputs with B's plan, then B's roster, …) to split the
computed change between plan, roster and accounts; this needs both sides' inputs, which the ledger
keeps only as hashes.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlcomp.errors import Problem, UsageError
from xlcomp.ledger.db import LedgerError, open_ledger
from xlcomp.ledger.store import CloseRecord, closes_of, lines_of

__all__ = ["DIFF_COLUMNS", "DiffRow", "Side", "diff_rows", "read_side"]

ZERO = Decimal(0)
DIFF_COLUMNS = ("csm_id", "cause", "component", "before", "after", "delta")
_CAUSE = {"bonus": "computed", "commission": "computed", "adjustment": "adjustments", "prior_period": "ledger lines",
          "clawback": "ledger lines", "draw": "ledger lines"}
_ORDER = ("computed", "adjustments", "ledger lines")


@dataclass(frozen=True)
class Side:
    """One side of a diff: its name, amounts per (csm_id, cause, component), and input hashes when known."""

    name: str
    amounts: dict[tuple[str, str, str], Decimal]
    hashes: dict[str, str | None]


@dataclass(frozen=True)
class DiffRow:
    """One CSM's change on one component, put down to a cause."""

    csm_id: str
    cause: str
    component: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        """after - before."""
        return self.after - self.before


def read_side(reference: str, db: str | None) -> Side:
    """Read ``reference``: an output folder, or ``ledger:PERIOD@VERSION`` (``--db`` names the ledger)."""
    if reference.startswith("ledger:"):
        return _ledger_side(reference, db)
    folder = Path(reference)
    payouts = folder / "payouts.csv"
    if not payouts.is_file():
        raise UsageError(f"{reference}: not an output folder of calc or close (no payouts.csv), nor ledger:PERIOD@N")
    amounts: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    with open(payouts, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                value = Decimal(row["payout"])
            except (KeyError, ArithmeticError):
                raise LedgerError([Problem(f"{payouts}:{line}", f'payout: "{row.get("payout")}" is not a number')]) \
                    from None
            key = (row["csm_id"].removeprefix("'"), _CAUSE.get(row["kind"], "computed"), row["component"])
            amounts[key] += value
    return Side(reference, dict(amounts), {})


def _ledger_side(reference: str, db: str | None) -> Side:
    if db is None:
        raise UsageError(f"{reference}: give --db, the ledger to read it from")
    label, _, version = reference.removeprefix("ledger:").partition("@")
    engine = open_ledger(db)
    try:
        with engine.connect() as connection:
            closes = [c for c in closes_of(connection) if c.period == label]
            if version:
                closes = [c for c in closes if str(c.version) == version]
            if not closes:
                raise LedgerError([Problem(reference, "no such closed period version in the ledger")])
            close: CloseRecord = closes[-1]
            lines = lines_of(connection, [close.id])[close.id]
    finally:
        engine.dispose()
    amounts: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        amounts[(line.csm_id, _CAUSE.get(line.kind, "computed"), line.component)] += line.payout
    hashes = {"plan": close.plan_sha256, "roster": close.roster_sha256, "accounts": close.accounts_sha256,
              "adjustments": close.adjustments_sha256}
    return Side(reference, dict(amounts), hashes)


def changed_inputs(a: Side, b: Side) -> list[str]:
    """Which inputs differ between two ledger versions (by SHA-256)."""
    return [name for name in ("plan", "roster", "accounts", "adjustments")
            if a.hashes and b.hashes and a.hashes.get(name) != b.hashes.get(name)]


def diff_rows(a: Side, b: Side) -> list[DiffRow]:
    """Every non-zero change, in the SPEC's cause order, then CSM and component."""
    keys = set(a.amounts) | set(b.amounts)
    rows = [DiffRow(csm, cause, component, a.amounts.get((csm, cause, component), ZERO),
                    b.amounts.get((csm, cause, component), ZERO)) for csm, cause, component in keys]
    rows = [row for row in rows if row.delta]
    rows.sort(key=lambda r: (_ORDER.index(r.cause) if r.cause in _ORDER else 9, r.csm_id, r.component))
    return rows


def diff_csv_rows(rows: list[DiffRow]) -> list[dict[str, Any]]:
    """diff.csv rows as text."""
    return [{"csm_id": r.csm_id, "cause": r.cause, "component": r.component, "before": f"{r.before:.2f}",
             "after": f"{r.after:.2f}", "delta": f"{r.delta:.2f}"} for r in rows]
