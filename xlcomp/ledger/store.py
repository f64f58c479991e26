"""Reading the ledger back: closes, lines and per-CSM periods as plain records."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select

from xlcomp.ledger.schema import BOOKS, CARRIES, CLOSES, CSM_PERIODS, LINES, SHARE_SETS, SHARES
from xlcomp.ledger.shares import WINDOW_KEY

__all__ = ["CSM_PERIOD_FIELDS", "LINE_FIELDS", "CloseRecord", "CsmPeriod", "Line", "book_bytes", "book_content",
           "book_of", "carried_ids", "clawed_accounts", "closes_of", "component_totals", "csm_periods_of", "lines_of",
           "read_book", "share_table", "shares_for"]

ZERO = Decimal(0)
CSM_PERIOD_FIELDS = ("csm_id", "name", "gross", "draw", "payable", "balance_in", "balance_out", "target_variable",
                     "start_date", "end_date", "roster_values")
LINE_FIELDS = ("csm_id", "component", "kind", "metric", "actual", "target", "attainment", "share", "target_incentive",
               "multiplier", "payout", "note", "account_id", "source_period", "source_version")


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


@dataclass(frozen=True)
class Line:
    """One ledger line (a payouts.csv row of a close)."""

    csm_id: str
    component: str
    kind: str
    payout: Decimal
    metric: str = ""
    actual: str | None = None
    target: str | None = None
    attainment: str | None = None
    share: str | None = None
    target_incentive: str | None = None
    multiplier: str | None = None
    note: str = ""
    account_id: str | None = None
    source_period: str | None = None
    source_version: int | None = None

    def row(self) -> dict[str, Any]:
        """The line as a database row (without close_id and seq)."""
        return {name: getattr(self, name) for name in LINE_FIELDS}

    def values(self) -> tuple[Any, ...]:
        """The line's LINE_FIELDS in storage form (the payout as its decimal text, as Money stores it)."""
        return (self.csm_id, self.component, self.kind, self.metric, self.actual, self.target, self.attainment,
                self.share, self.target_incentive, self.multiplier, f"{self.payout:f}", self.note, self.account_id,
                self.source_period, self.source_version)


@dataclass(frozen=True)
class CsmPeriod:
    """One CSM in one close: roster facts and the balance rule's numbers."""

    csm_id: str
    name: str
    gross: Decimal
    draw: Decimal
    payable: Decimal
    balance_in: Decimal
    balance_out: Decimal
    target_variable: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None
    roster_values: dict[str, Decimal | None] | None = None

    def row(self) -> dict[str, Any]:
        """The record as a database row (without close_id)."""
        values = {k: (None if v is None else f"{v:f}") for k, v in (self.roster_values or {}).items()}
        return {"csm_id": self.csm_id, "name": self.name, "gross": self.gross, "draw": self.draw,
                "payable": self.payable, "balance_in": self.balance_in, "balance_out": self.balance_out,
                "target_variable": None if self.target_variable is None else f"{self.target_variable:f}",
                "start_date": self.start_date, "end_date": self.end_date, "roster_values": json.dumps(values)}

    def values(self) -> tuple[Any, ...]:
        """The record's CSM_PERIOD_FIELDS in storage form: money and decimals as text, dates as ISO text (what
        :meth:`row` holds, without its dict)."""
        values = {k: (None if v is None else f"{v:f}") for k, v in (self.roster_values or {}).items()}
        tv, start, end = self.target_variable, self.start_date, self.end_date
        return (self.csm_id, self.name, f"{self.gross:f}", f"{self.draw:f}", f"{self.payable:f}",
                f"{self.balance_in:f}", f"{self.balance_out:f}", None if tv is None else f"{tv:f}",
                None if start is None else start.isoformat(), None if end is None else end.isoformat(),
                json.dumps(values))


def closes_of(connection: Any, plan_id: str | None = None) -> list[CloseRecord]:
    """Every close (of a plan), in the order they were made."""
    query = select(*(CLOSES.c[name] for name in CloseRecord.__dataclass_fields__)).order_by(CLOSES.c.id)
    if plan_id is not None:
        query = query.where(CLOSES.c.plan_id == plan_id)
    return [CloseRecord(**row._mapping) for row in connection.execute(query)]


def lines_of(connection: Any, close_ids: Iterable[int]) -> dict[int, list[Line]]:
    """The lines of each close, in their order."""
    ids = list(close_ids)
    out: dict[int, list[Line]] = {i: [] for i in ids}
    if not ids:
        return out
    query = (select(LINES.c.close_id, *(LINES.c[name] for name in LINE_FIELDS))
             .where(LINES.c.close_id.in_(ids)).order_by(LINES.c.close_id, LINES.c.seq))
    for row in connection.execute(query):
        data = dict(row._mapping)
        out[data.pop("close_id")].append(Line(**data))
    return out


def component_totals(connection: Any, close_ids: Sequence[int], kinds: Sequence[str]
                     ) -> dict[int, dict[tuple[str, str], Decimal]]:
    """Per close, Σ payout of its lines of these kinds by (csm_id, component), exact."""
    out: dict[int, dict[tuple[str, str], Decimal]] = {i: {} for i in close_ids}
    if not close_ids:
        return out
    query = (select(LINES.c.close_id, LINES.c.csm_id, LINES.c.component, LINES.c.payout)
             .where(LINES.c.close_id.in_(list(close_ids)), LINES.c.kind.in_(list(kinds))))
    for close_id, csm_id, component, payout in connection.execute(query):
        totals = out[close_id]
        key = (csm_id, component)
        totals[key] = totals.get(key, ZERO) + payout
    return out


def clawed_accounts(connection: Any, close_ids: Sequence[int]) -> set[tuple[str, str, str]]:
    """(account_id, source period, component) of every clawback line of these closes."""
    if not close_ids:
        return set()
    query = (select(LINES.c.account_id, LINES.c.source_period, LINES.c.component)
             .where(LINES.c.close_id.in_(list(close_ids)), LINES.c.kind == "clawback"))
    return {(account or "", source or "", component) for account, source, component in connection.execute(query)}


def csm_periods_of(connection: Any, close_ids: Iterable[int]) -> dict[int, dict[str, CsmPeriod]]:
    """Each close's per-CSM records, by csm_id."""
    ids = list(close_ids)
    out: dict[int, dict[str, CsmPeriod]] = {i: {} for i in ids}
    if not ids:
        return out
    query = select(CSM_PERIODS.c.close_id, *(CSM_PERIODS.c[name] for name in CSM_PERIOD_FIELDS)) \
        .where(CSM_PERIODS.c.close_id.in_(ids))
    for (close_id, csm_id, name, gross, draw, payable, balance_in, balance_out, tv, start, end,
         text) in connection.execute(query):
        values = {k: (None if v is None else Decimal(v)) for k, v in json.loads(text).items()}
        out[close_id][csm_id] = CsmPeriod(csm_id, name, gross, draw, payable, balance_in, balance_out,
                                          None if tv is None else Decimal(tv), start, end, values)
    return out


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
    with pa.ipc.open_stream(pa.py_buffer(content)) as reader:
        return reader.read_all()


def book_bytes(table: pa.Table, columns: Sequence[str] | None = None) -> bytes:
    """A book's accounts (``columns`` of them, those present; default all) as compressed Arrow IPC."""
    kept = [name for name in (columns or table.column_names) if name != "_row" and name in table.column_names]
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_stream(sink, table.select(kept).schema, options=options) as writer:
        writer.write_table(table.select(kept))
    return sink.getvalue()


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
