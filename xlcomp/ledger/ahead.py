"""Reading the earlier closes ahead: while a close computes the period (the engine's run, on one core), a
worker thread reads what the close will need of the plan's earlier closes: the kept books and paid-so-far
totals of the plan year's earlier periods, and the per-CSM records of those and of every first version
(the balance chain), as Arrow tables (Arrow lets go of the GIL; the Python records are made when the close
asks for them). Not while the inputs load: the CSV reader keeps both cores busy, and the reads slowed it
by more than they saved.

A close's stored rows are written once, in the transaction that records it, and never rewritten: what is
read here by close id stays true, and the close's own transaction reads only the closes not read here (one
recorded in the meantime). The reads run on a plain driver connection outside any transaction (SQLite: no
``BEGIN IMMEDIATE``, so they never wait for nor block the close's lock). Best effort: any failure leaves
the close to read everything itself, as it did before.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.ledger.periods import plan_year_start
from xlcomp.ledger.records import unpack
from xlcomp.ledger.store import payout_sums, totals_from
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan

__all__ = ["Ahead", "read_ahead"]


@dataclass
class Ahead:
    """What was read ahead, by close id: the Arrow tables (read on the worker thread, where Arrow lets go of the
    GIL); the Python records made of them when first asked for (on the close's thread: made on the worker, they
    held the GIL against the loading of the inputs)."""

    read: set[int] = field(default_factory=set)   # the year's earlier closes whose books and totals are below
    books: dict[int, pa.Table] = field(default_factory=dict)   # kept books (a close without one: absent)
    sums: dict[int, pa.Table | dict[tuple[str, str], Decimal]] = field(default_factory=dict)   # payout_sums
    csm_tables: dict[int, pa.Table] = field(default_factory=dict)

    def paid_of(self, close_id: int, components: Collection[str] | None = None) -> dict[tuple[str, str], Decimal]:
        """Σ of a close's component lines by (csm_id, component) (``components``: of these only; the year to
        date reads its own, a quarter of a four-component plan's sums made into Decimals)."""
        sums = self.sums.get(close_id)
        return {} if sums is None else totals_from(sums, components)


def read_ahead(engine: Any, plan: Plan, period: Period, kinds: Sequence[str]) -> Ahead | None:
    """What a close of ``period`` will read of the plan's earlier closes (None: nothing could be read ahead;
    the close reads it all itself)."""
    if engine.dialect.name not in ("sqlite", "postgresql") or engine.url.database in (None, "", ":memory:"):
        return None
    try:
        year_start = plan_year_start(plan, period)
        raw = engine.raw_connection()
    except Exception:   # best effort: the close reports any failure itself
        return None
    try:
        return _read(raw.cursor(), plan.id, period.start, year_start, kinds)
    except Exception:   # the same
        return None
    finally:
        raw.close()


def _read(cursor: Any, plan_id: str, period_start: date, year_start: date, kinds: Sequence[str]) -> Ahead:
    cursor.execute("SELECT id, plan_id, period, period_start, year_start, version FROM ledger_closes ORDER BY id")
    closes = [row for row in cursor.fetchall() if row[1] == plan_id]
    latest: dict[str, tuple[Any, ...]] = {}
    for row in closes:
        latest[row[2]] = row
    year = [int(row[0]) for row in latest.values()
            if str(row[4])[:10] == year_start.isoformat() and str(row[3])[:10] < period_start.isoformat()]
    first = [int(row[0]) for row in closes if int(row[5]) == 1]
    ahead = Ahead(read=set(year))
    for close_id, content in _contents(cursor, "ledger_books", year):
        ahead.books[close_id] = unpack(content, threads=False)
    wanted = pa.array(list(kinds), pa.string())
    for close_id, content in _contents(cursor, "ledger_line_sets", year):
        table = unpack(content, threads=False)
        ahead.sums[close_id] = payout_sums(table.filter(pc.is_in(table["kind"], value_set=wanted)))
    for close_id, content in _contents(cursor, "ledger_csm_period_sets", sorted(set(year) | set(first))):
        ahead.csm_tables[close_id] = unpack(content, threads=False)
    return ahead


def _contents(cursor: Any, table: str, ids: Sequence[int]) -> list[tuple[int, bytes]]:
    if not ids:
        return []
    cursor.execute(f"SELECT close_id, content FROM {table} WHERE close_id IN ({', '.join(str(int(i)) for i in ids)})")
    return [(int(close_id), bytes(content)) for close_id, content in cursor.fetchall()]
