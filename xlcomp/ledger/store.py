"""Reading the ledger back: closes, lines and per-CSM periods as plain records."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from xlcomp.ledger.records import (
    CSM_PERIOD_FIELDS,
    LINE_FIELDS,
    CsmPeriod,
    Line,
    csm_periods_from,
    lines_from,
    pack,
    unpack,
)
from xlcomp.ledger.schema import BOOKS, CARRIES, CLOSES, CSM_PERIOD_SETS, LINE_SETS, SHARE_SETS, SHARES
from xlcomp.ledger.shares import WINDOW_KEY

__all__ = ["CSM_PERIOD_FIELDS", "LINE_FIELDS", "CloseRecord", "CsmPeriod", "Line", "book_bytes", "book_content",
           "book_of", "carried_ids", "clawed_accounts", "closes_of", "component_totals", "csm_period_tables",
           "csm_periods_of", "lines_of", "payout_sums", "read_book", "share_table", "shares_for",
           "totals_from"]   # Line, CsmPeriod: from records

ZERO = Decimal(0)


@dataclass(frozen=True)
class CloseRecord:
    """One closed period version."""

    id: int
    plan_id: str
    period: str
    period_start: date
    period_end: date
    year_start: date
    version: int
    reason: str | None
    closed_by: str
    closed_at: datetime
    plan_sha256: str
    roster_sha256: str
    accounts_sha256: str
    adjustments_sha256: str | None
    churn_sha256: str | None

    @property
    def ref(self) -> str:
        """``2027-Q1@2``."""
        return f"{self.period}@{self.version}"


def closes_of(connection: Any, plan_id: str | None = None) -> list[CloseRecord]:
    """Every close (of a plan), in the order they were made."""
    query = select(*(CLOSES.c[name] for name in CloseRecord.__dataclass_fields__)).order_by(CLOSES.c.id)
    if plan_id is not None:
        query = query.where(CLOSES.c.plan_id == plan_id)
    return [CloseRecord(**row._mapping) for row in connection.execute(query)]


def _sets(connection: Any, table: Any, close_ids: Sequence[int]) -> dict[int, pa.Table]:
    """The stored Arrow tables (lines or per-CSM records) of these closes, by close id (a close without one: absent)."""
    if not close_ids:
        return {}
    query = select(table.c.close_id, table.c.content).where(table.c.close_id.in_(list(close_ids)))
    return {close_id: unpack(bytes(content)) for close_id, content in connection.execute(query)}


def lines_of(connection: Any, close_ids: Iterable[int]) -> dict[int, list[Line]]:
    """The lines of each close, in their order."""
    ids = list(close_ids)
    tables = _sets(connection, LINE_SETS, ids)
    return {i: lines_from(tables[i]) if i in tables else [] for i in ids}


def _lines_where(connection: Any, close_ids: Sequence[int], kinds: Sequence[str], columns: Sequence[str]
                 ) -> dict[int, dict[str, list[Any]]]:
    """Per close, these columns of its lines of these kinds (as Python lists)."""
    wanted = pa.array(list(kinds), pa.string())
    return {close_id: table.filter(pc.is_in(table["kind"], value_set=wanted)).select(list(columns)).to_pydict()
            for close_id, table in _sets(connection, LINE_SETS, close_ids).items()}


def component_totals(connection: Any, close_ids: Sequence[int], kinds: Sequence[str],
                     components: Collection[str] | None = None) -> dict[int, dict[tuple[str, str], Decimal]]:
    """Per close, Σ payout of its lines of these kinds by (csm_id, component), exact (``components``: of these
    components only)."""
    out: dict[int, dict[tuple[str, str], Decimal]] = {i: {} for i in close_ids}
    wanted = pa.array(list(kinds), pa.string())
    for close_id, table in _sets(connection, LINE_SETS, close_ids).items():
        out[close_id] = totals_from(payout_sums(table.filter(pc.is_in(table["kind"], value_set=wanted))), components)
    return out


def payout_sums(lines: pa.Table) -> pa.Table | dict[tuple[str, str], Decimal]:
    """Σ payout by (csm_id, component) of stored lines, exact: summed as cents in Arrow (which lets go of the
    GIL) when every payout has at most two decimals (a ledger's amounts do), as a table of their texts; else
    the totals themselves, as Decimals (:func:`totals_from` makes either a dict)."""
    try:
        cents = pc.cast(lines["payout"], pa.decimal128(38, 2))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):   # more places than cents: Decimals, one by one
        totals: dict[tuple[str, str], Decimal] = {}
        for key, payout in zip(zip(lines["csm_id"].to_pylist(), lines["component"].to_pylist(), strict=True),
                               lines["payout"].to_pylist(), strict=True):
            totals[key] = totals.get(key, ZERO) + Decimal(payout)
        return totals
    grouped = pa.table({"csm_id": lines["csm_id"], "component": lines["component"], "payout": cents}) \
        .group_by(["csm_id", "component"], use_threads=False).aggregate([("payout", "sum")])
    # each sum as its text: Decimal("12.30") from text is exact and far faster than from Arrow's decimal128
    return grouped.set_column(2, "payout_sum", pc.cast(grouped["payout_sum"], pa.string()))


def totals_from(sums: pa.Table | dict[tuple[str, str], Decimal], components: Collection[str] | None = None
                ) -> dict[tuple[str, str], Decimal]:
    """The totals of :func:`payout_sums`, by (csm_id, component) (``components``: of these components only)."""
    if isinstance(sums, dict):
        return sums if components is None else {k: v for k, v in sums.items() if k[1] in components}
    if components is not None:
        sums = sums.filter(pc.is_in(sums["component"], value_set=pa.array(sorted(components), pa.string())))
    summed = sums.to_pydict()
    return dict(zip(zip(summed["csm_id"], summed["component"], strict=True), map(Decimal, summed["payout_sum"]),
                    strict=True))


def clawed_accounts(connection: Any, close_ids: Sequence[int]) -> set[tuple[str, str, str]]:
    """(account_id, source period, component) of every clawback line of these closes."""
    out: set[tuple[str, str, str]] = set()
    for found in _lines_where(connection, close_ids, ("clawback",),
                              ("account_id", "source_period", "component")).values():
        out.update((account or "", source or "", component) for account, source, component
                   in zip(found["account_id"], found["source_period"], found["component"], strict=True))
    return out


def csm_period_tables(connection: Any, close_ids: Sequence[int]) -> dict[int, pa.Table]:
    """Each close's stored table of per-CSM records (a close without one: absent)."""
    return _sets(connection, CSM_PERIOD_SETS, close_ids)


def csm_periods_of(connection: Any, close_ids: Iterable[int]) -> dict[int, dict[str, CsmPeriod]]:
    """Each close's per-CSM records, by csm_id (in csm_id order)."""
    ids = list(close_ids)
    tables = _sets(connection, CSM_PERIOD_SETS, ids)
    return {i: csm_periods_from(tables[i]) if i in tables else {} for i in ids}


def carried_ids(connection: Any, close_ids: Sequence[int]) -> set[int]:
    """The reopened versions whose differences were already carried into a later close."""
    if not close_ids:
        return set()
    query = select(CARRIES.c.from_close_id).where(CARRIES.c.from_close_id.in_(list(close_ids)))
    return {row[0] for row in connection.execute(query)}


def shares_for(connection: Any, close_ids: Sequence[int], account_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Recorded clawback shares of these accounts in these closes: dicts of close_id, component, account_id,
    csm_id, amount (text) and share (Decimal)."""
    if not close_ids or not account_ids:
        return []
    out: list[dict[str, Any]] = []
    for start in range(0, len(account_ids), 500):   # closes of schema revision 0001: a row per account
        chunk = list(account_ids[start:start + 500])
        query = select(SHARES).where(SHARES.c.close_id.in_(list(close_ids)), SHARES.c.account_id.in_(chunk))
        out.extend(dict(row._mapping) for row in connection.execute(query))
    wanted = pa.array(list(account_ids), pa.string())
    query = select(SHARE_SETS.c.close_id, SHARE_SETS.c.component, SHARE_SETS.c.content) \
        .where(SHARE_SETS.c.close_id.in_(list(close_ids))).order_by(SHARE_SETS.c.close_id, SHARE_SETS.c.component)
    for close_id, component, content in connection.execute(query):
        table = _read_ipc(content)
        recorded = (table.schema.metadata or {}).get(WINDOW_KEY)
        days = int(recorded) if recorded is not None else None
        found = table.filter(pc.is_in(table["account_id"], value_set=wanted)).to_pydict()
        out.extend({"close_id": close_id, "component": component, "account_id": account, "csm_id": csm,
                    "amount": f"{amount:f}", "share": share, "days": days}
                   for account, csm, amount, share in zip(found["account_id"], found["csm_id"], found["amount"],
                                                          found["share"], strict=True))
    return out


def share_table(connection: Any, close_id: int) -> pa.Table:
    """Every clawback share recorded by a close (component, account_id, csm_id, amount, share), whichever
    revision stored it."""
    parts = []
    query = select(SHARE_SETS.c.component, SHARE_SETS.c.content).where(SHARE_SETS.c.close_id == close_id) \
        .order_by(SHARE_SETS.c.component)
    for component, content in connection.execute(query):
        table = _read_ipc(content)
        parts.append(table.add_column(0, "component", pa.array([component] * table.num_rows, pa.string())))
    rows = [dict(row._mapping) for row in connection.execute(
        select(SHARES).where(SHARES.c.close_id == close_id).order_by(SHARES.c.component, SHARES.c.account_id))]
    if rows:
        parts.append(pa.table({"component": [r["component"] for r in rows],
                               "account_id": [r["account_id"] for r in rows], "csm_id": [r["csm_id"] for r in rows],
                               "amount": pa.array([Decimal(r["amount"]) for r in rows], pa.decimal128(38, 12)),
                               "share": pa.array([r["share"] for r in rows], pa.decimal128(38, 2))}))
    if not parts:
        return pa.table({"component": pa.array([], pa.string()), "account_id": pa.array([], pa.string()),
                         "csm_id": pa.array([], pa.string()), "amount": pa.array([], pa.decimal128(38, 4)),
                         "share": pa.array([], pa.decimal128(38, 2))})
    return pa.concat_tables(parts, promote_options="permissive")


def _read_ipc(content: bytes) -> pa.Table:
    return unpack(content)


def book_bytes(table: pa.Table, columns: Sequence[str] | None = None, threads: bool = True) -> bytes:
    """A book's accounts (``columns`` of them, those present; default all) as compressed Arrow IPC (``threads``:
    as :func:`~xlcomp.ledger.records.pack`)."""
    kept = [name for name in (columns or table.column_names) if name != "_row" and name in table.column_names]
    return pack(table.select(kept), threads)


def book_of(connection: Any, close_id: int) -> pa.Table | None:
    """The accounts kept with a close (None: not kept)."""
    content = book_content(connection, close_id)
    return None if content is None else read_book(content)


def book_content(connection: Any, close_id: int) -> bytes | None:
    """The compressed accounts kept with a close, as stored (None: not kept); :func:`read_book` reads them."""
    row = connection.execute(select(BOOKS.c.content).where(BOOKS.c.close_id == close_id)).first()
    return None if row is None else bytes(row[0])


def read_book(content: bytes) -> pa.Table:
    """A kept book's accounts from its stored bytes."""
    return _read_ipc(content)
