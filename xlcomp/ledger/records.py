"""A close's lines and per-CSM records, and how they are stored: one compressed Arrow table per close
for each (``ledger_line_sets``, ``ledger_csm_period_sets``, schema revision 0003), not a row per line.

Every value is kept as the rows of revision 0002 held it on SQLite: a payout or a balance number as
its decimal text (``f"{Decimal:f}"``, read back exactly), a line's number texts as they are; the
roster values a text column each (JSON when the CSMs' roster columns differ). Lines keep the close's
order; per-CSM records are stored sorted by csm_id (the order the rows were read back in).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

import pyarrow as pa

__all__ = ["CSM_PERIOD_FIELDS", "LINE_FIELDS", "LINE_SCHEMA", "CsmPeriod", "Line", "LineColumns",
           "balances_from", "csm_periods_from", "csm_periods_table", "dates_from", "decimal_text", "lines_from",
           "lines_table", "pack", "roster_values_from", "unpack"]

CSM_PERIOD_FIELDS = ("csm_id", "name", "gross", "draw", "payable", "balance_in", "balance_out", "target_variable",
                     "start_date", "end_date", "roster_values")
LINE_FIELDS = ("csm_id", "component", "kind", "metric", "actual", "target", "attainment", "share", "target_incentive",
               "multiplier", "payout", "note", "account_id", "source_period", "source_version")
_MONEY = ("gross", "draw", "payable", "balance_in", "balance_out")

LINE_SCHEMA = pa.schema([(name, pa.int32() if name == "source_version" else pa.string()) for name in LINE_FIELDS])
_ROSTER = "roster:"   # a roster value's column in a stored table of per-CSM records: roster:quota, …


class Line(NamedTuple):
    """One ledger line (a payouts.csv row of a close). A named tuple: a close makes tens of thousands (a frozen
    dataclass costs four times as much to make)."""

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


class CsmPeriod(NamedTuple):
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


class LineColumns:
    """A close's lines as columns: a list per field of :data:`LINE_FIELDS`, in the lines' order. A close makes tens
    of thousands of lines; its stored table and payouts.csv are written from the columns, the :class:`Line`
    tuples made only when asked for (:meth:`lines`)."""

    __slots__ = ("columns",)

    def __init__(self, columns: dict[str, list[Any]]) -> None:
        self.columns = columns

    @classmethod
    def of(cls, lines: Sequence[Line]) -> LineColumns:
        """The columns of ``lines``."""
        return cls({name: list(map(attrgetter(name), lines)) for name in LINE_FIELDS})

    def __len__(self) -> int:
        return len(self.columns["csm_id"])

    def column(self, name: str) -> list[Any]:
        """One field's values, line by line."""
        return self.columns[name]

    def lines(self) -> list[Line]:
        """The lines as :class:`Line` tuples."""
        return list(map(Line, *(self.columns[name] for name in Line._fields)))


def lines_table(lines: Sequence[Line] | LineColumns) -> pa.Table:
    """A close's lines, in their order, as an Arrow table of :data:`LINE_SCHEMA`."""
    found = lines if isinstance(lines, LineColumns) else LineColumns.of(lines)
    columns = []
    for field in LINE_SCHEMA:
        values = found.columns[field.name]
        if field.name == "payout":
            values = list(map(decimal_text, values))
        columns.append(pa.array(values, field.type))
    return pa.Table.from_arrays(columns, schema=LINE_SCHEMA)


def decimal_text(value: Decimal) -> str:
    """``f"{value:f}"``, faster: ``str`` gives the same text unless it writes an exponent."""
    text = str(value)
    return text if "E" not in text else f"{value:f}"


def lines_from(table: pa.Table) -> list[Line]:
    """The lines of a stored table, in their order."""
    data = table.to_pydict()
    return list(map(Line, data["csm_id"], data["component"], data["kind"], map(Decimal, data["payout"]),
                    data["metric"], data["actual"], data["target"], data["attainment"], data["share"],
                    data["target_incentive"], data["multiplier"], data["note"], data["account_id"],
                    data["source_period"], data["source_version"]))


def csm_periods_table(csms: Sequence[CsmPeriod]) -> pa.Table:
    """Per-CSM records as an Arrow table of text columns, sorted by csm_id: the numbers as decimal text, the dates
    as ISO text, and the roster values one column each (``roster:quota``, …) when every CSM has the same roster
    columns (a roster's CSMs do), else one JSON column ``roster_values``."""
    ordered = sorted(csms, key=attrgetter("csm_id"))
    arrays: dict[str, pa.Array] = {}
    for name in CSM_PERIOD_FIELDS[:-1]:
        values: list[object] = list(map(attrgetter(name), ordered))
        if name in _MONEY or name == "target_variable":
            values = [None if value is None else decimal_text(value) for value in values]  # type: ignore[arg-type]
        elif name in ("start_date", "end_date"):
            values = [None if value is None else value.isoformat() for value in values]   # type: ignore[attr-defined]
        arrays[name] = pa.array(values, pa.string())
    rosters = [c.roster_values or {} for c in ordered]
    keys = list(rosters[0]) if rosters else []
    if all(list(roster) == keys for roster in rosters):
        for key in keys:
            arrays[_ROSTER + key] = pa.array([None if r[key] is None else f"{r[key]:f}" for r in rosters], pa.string())
    else:
        arrays["roster_values"] = pa.array(list(map(_roster_json, rosters)), pa.string())
    return pa.table(arrays)


def _roster_json(values: dict[str, Decimal | None] | None) -> str:
    return json.dumps({k: None if v is None else f"{v:f}" for k, v in (values or {}).items()})


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _date(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def roster_values_from(table: pa.Table, keys: Sequence[str] | None = None) -> list[dict[str, Decimal | None]]:
    """Each stored per-CSM record's roster values (``keys``: only these, where recorded)."""
    if "roster_values" in table.column_names:
        wanted = None if keys is None else set(keys)
        return [{k: _decimal(v) for k, v in json.loads(text).items() if wanted is None or k in wanted}
                for text in table["roster_values"].to_pylist()]
    stored = [name[len(_ROSTER):] for name in table.column_names if name.startswith(_ROSTER)]
    chosen = [key for key in stored if keys is None or key in keys]
    if not chosen:
        return [{} for _ in range(table.num_rows)]
    columns = [list(map(_decimal, table[_ROSTER + key].to_pylist())) for key in chosen]
    return [dict(zip(chosen, row, strict=True)) for row in zip(*columns, strict=True)]


def csm_periods_from(table: pa.Table) -> dict[str, CsmPeriod]:
    """The per-CSM records of a stored table, by csm_id (in csm_id order)."""
    data = table.select(list(CSM_PERIOD_FIELDS[:-1])).to_pydict()
    rosters = roster_values_from(table)
    money = [list(map(Decimal, data[name])) for name in _MONEY]
    return {csm_id: CsmPeriod(csm_id, name, gross, draw, payable, balance_in, balance_out, tv, start, end, roster)
            for csm_id, name, gross, draw, payable, balance_in, balance_out, tv, start, end, roster
            in zip(data["csm_id"], data["name"], *money, map(_decimal, data["target_variable"]),
                   map(_date, data["start_date"]), map(_date, data["end_date"]), rosters, strict=True)}


def balances_from(table: pa.Table) -> dict[str, tuple[str, Decimal]]:
    """csm_id -> (name, balance_out) of a stored table of per-CSM records (what the next close's balance rule
    reads of it, without making the whole records)."""
    data = table.select(["csm_id", "name", "balance_out"]).to_pydict()
    return dict(zip(data["csm_id"], zip(data["name"], map(Decimal, data["balance_out"]), strict=True), strict=True))


def dates_from(table: pa.Table) -> tuple[list[Decimal | None], list[date | None], list[date | None]]:
    """Each stored per-CSM record's target_variable, start_date and end_date (in the table's order)."""
    data = table.select(["target_variable", "start_date", "end_date"]).to_pydict()
    return (list(map(_decimal, data["target_variable"])), list(map(_date, data["start_date"])),
            list(map(_date, data["end_date"])))


def pack(table: pa.Table, threads: bool = True) -> bytes:
    """A table as zstd-compressed Arrow IPC (what the ledger stores; ``threads``: compressed on Arrow's thread
    pool, else on this thread)."""
    sink = io.BytesIO()
    options = pa.ipc.IpcWriteOptions(compression="zstd", use_threads=threads)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return sink.getvalue()


def unpack(content: bytes, threads: bool = True) -> pa.Table:
    """A stored table from its bytes (``threads``: decompressed on Arrow's thread pool; else on this thread)."""
    options = pa.ipc.IpcReadOptions(use_threads=threads)
    with pa.ipc.open_stream(pa.py_buffer(content), options=options) as reader:
        return reader.read_all()
