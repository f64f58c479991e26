"""A close's lines and per-CSM records, and how they are stored: one compressed Arrow table per close
for each (``ledger_line_sets``, ``ledger_csm_period_sets``, schema revision 0003), not a row per line.

Every value is kept as the rows of revision 0002 held it on SQLite: a payout or a balance number as
its decimal text (``f"{Decimal:f}"``, read back exactly), a line's number texts as they are, the
roster values as JSON. Lines keep the close's order; per-CSM records are stored sorted by csm_id
(the order the rows were read back in).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter

import pyarrow as pa

__all__ = ["CSM_PERIOD_FIELDS", "CSM_PERIOD_SCHEMA", "LINE_FIELDS", "LINE_SCHEMA", "CsmPeriod", "Line",
           "csm_periods_from", "csm_periods_table", "lines_from", "lines_table", "pack", "unpack"]

CSM_PERIOD_FIELDS = ("csm_id", "name", "gross", "draw", "payable", "balance_in", "balance_out", "target_variable",
                     "start_date", "end_date", "roster_values")
LINE_FIELDS = ("csm_id", "component", "kind", "metric", "actual", "target", "attainment", "share", "target_incentive",
               "multiplier", "payout", "note", "account_id", "source_period", "source_version")
_MONEY = ("gross", "draw", "payable", "balance_in", "balance_out")

LINE_SCHEMA = pa.schema([(name, pa.int32() if name == "source_version" else pa.string()) for name in LINE_FIELDS])
CSM_PERIOD_SCHEMA = pa.schema([(name, pa.date32() if name in ("start_date", "end_date") else pa.string())
                               for name in CSM_PERIOD_FIELDS])


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


def lines_table(lines: Sequence[Line]) -> pa.Table:
    """A close's lines, in their order, as an Arrow table of :data:`LINE_SCHEMA`."""
    columns = []
    for field in LINE_SCHEMA:
        values = list(map(attrgetter(field.name), lines))
        if field.name == "payout":
            values = [f"{value:f}" for value in values]
        columns.append(pa.array(values, field.type))
    return pa.Table.from_arrays(columns, schema=LINE_SCHEMA)


def lines_from(table: pa.Table) -> list[Line]:
    """The lines of a stored table, in their order."""
    data = table.to_pydict()
    return list(map(Line, data["csm_id"], data["component"], data["kind"], map(Decimal, data["payout"]),
                    data["metric"], data["actual"], data["target"], data["attainment"], data["share"],
                    data["target_incentive"], data["multiplier"], data["note"], data["account_id"],
                    data["source_period"], data["source_version"]))


def csm_periods_table(csms: Sequence[CsmPeriod]) -> pa.Table:
    """Per-CSM records as an Arrow table of :data:`CSM_PERIOD_SCHEMA`, sorted by csm_id."""
    ordered = sorted(csms, key=attrgetter("csm_id"))
    columns = []
    for field in CSM_PERIOD_SCHEMA:
        values: list[object] = list(map(attrgetter(field.name), ordered))
        if field.name in _MONEY or field.name == "target_variable":
            values = [None if value is None else f"{value:f}" for value in values]
        elif field.name == "roster_values":
            values = [_roster_json(c.roster_values) for c in ordered]
        columns.append(pa.array(values, field.type))
    return pa.Table.from_arrays(columns, schema=CSM_PERIOD_SCHEMA)


def _roster_json(values: dict[str, Decimal | None] | None) -> str:
    return json.dumps({k: None if v is None else f"{v:f}" for k, v in (values or {}).items()})


def csm_periods_from(table: pa.Table) -> dict[str, CsmPeriod]:
    """The per-CSM records of a stored table, by csm_id (in csm_id order)."""
    data = table.to_pydict()
    out: dict[str, CsmPeriod] = {}
    for (csm_id, name, gross, draw, payable, balance_in, balance_out, tv, start, end,
         text) in zip(*(data[name] for name in CSM_PERIOD_FIELDS), strict=True):
        values = {k: (None if v is None else Decimal(v)) for k, v in json.loads(text).items()}
        out[csm_id] = CsmPeriod(csm_id, name, Decimal(gross), Decimal(draw), Decimal(payable), Decimal(balance_in),
                                Decimal(balance_out), None if tv is None else Decimal(tv), start, end, values)
    return out


def pack(table: pa.Table) -> bytes:
    """A table as zstd-compressed Arrow IPC (what the ledger stores)."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return sink.getvalue()


def unpack(content: bytes) -> pa.Table:
    """A stored table from its bytes."""
    with pa.ipc.open_stream(pa.py_buffer(content)) as reader:
        return reader.read_all()
