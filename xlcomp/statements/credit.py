"""Credited shares of moved and split accounts on a statement (SPEC section 10).

A statement lists every row of the run's credit table that credits its CSM (:class:`CreditView`): an account
moved to or from them (days owned of the period), split with them (the listed share), or listed as theirs
in the accounts file and credited as the moves or splits say (-1: the account's own line is replaced).
The statement's embedded inputs carry those rows with the accounts' values (:func:`credit_record_rows`),
so ``xlcomp verify`` recomputes the CSM's credited sums without the other CSMs' books.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.engine.run import RunResult
from xlcomp.model.credit import CreditRow, CreditTable
from xlcomp.statements import fmt

__all__ = ["CREDIT_FIELDS", "CreditView", "credit_record_rows", "credit_table", "credit_views"]

# what a carried credit row adds to the account's own columns
CREDIT_FIELDS = ("kind", "amount_num", "count_num", "den", "first", "last")


@dataclass(frozen=True)
class CreditView:
    """One credited share as text: the account, how it is credited, the share of its counts and amounts."""

    account_id: str
    kind: str
    detail: str
    share: str
    amount_share: str


def _day(value: date | None) -> str:
    return "" if value is None else f"{value:%d %b %Y}".lstrip("0")


def _view(row: CreditRow) -> CreditView:
    share, amount = row.count_share, row.amount_share
    if row.kind == "owner":
        kind, detail = "listed owner", "its own line is replaced by the credited shares (moves, splits)"
    elif row.kind == "move":
        kind = "owned"
        detail = f"{_day(row.first)} – {_day(row.last)}: {row.count_num:f} of {row.den} days" if row.count_num \
            else "not in the period"
        if amount != share:
            detail += "; booked while owned" if amount else "; booked by another owner"
    else:
        kind, detail = "split", f"share {row.count_num.normalize():f}"
    return CreditView(row.account_id, kind, detail, fmt.percent(share), fmt.percent(amount))


def credit_views(run: RunResult, csm_id: str) -> tuple[CreditView, ...]:
    """The credited shares of ``csm_id`` in ``run`` (none without moves or splits)."""
    rows = run.credit_rows
    if not rows:
        return ()
    if isinstance(rows, CreditTable):
        return tuple(_view(rows[i]) for i in rows.of(csm_id))
    return tuple(_view(r) for r in rows if r.csm_id == csm_id)


def credit_record_rows(run: RunResult, csm_ids: Sequence[str], columns: Sequence[str],
                       text: object) -> dict[str, list[tuple[str, ...]]]:
    """Per CSM, its credit rows as texts: the account's ``columns`` (``text`` formats a value), then
    :data:`CREDIT_FIELDS`."""
    rows = run.credit_rows
    wanted = set(csm_ids)
    picked = [r for r in rows if r.csm_id in wanted] if rows else []
    if not picked:
        return {}
    table = run.book.table
    positions = pc.index_in(pa.array([r.account_id for r in picked], pa.string()), value_set=table["account_id"])
    data = table.take(positions).select([c for c in columns if c in table.column_names]).to_pydict()
    format_value = text if callable(text) else str
    out: dict[str, list[tuple[str, ...]]] = {}
    for i, row in enumerate(picked):
        values = tuple(format_value(data[c][i]) if c in data else "" for c in columns)
        extra = (row.kind, f"{row.amount_num:f}", f"{row.count_num:f}", str(row.den),
                 "" if row.first is None else row.first.isoformat(), "" if row.last is None else row.last.isoformat())
        out.setdefault(row.csm_id, []).append((*values, *extra))
    return out


def credit_table(csm_id: str, rows: Sequence[tuple[str, ...]]) -> CreditTable:
    """The carried credit rows of one CSM (their last :data:`CREDIT_FIELDS`) as a credit table."""
    n = len(CREDIT_FIELDS)

    def number(text: str) -> Decimal | int:
        value = Decimal(text)
        return int(value) if value == value.to_integral_value() else value

    def ordinal(text: str) -> int:
        return date.fromisoformat(text).toordinal() if text else 0

    fields = [row[-n:] for row in rows]
    return CreditTable([row[0] for row in rows], [csm_id] * len(rows), [f[0] for f in fields],
                       [number(f[1]) for f in fields], [number(f[2]) for f in fields], [int(f[3]) for f in fields],
                       [ordinal(f[4]) for f in fields], [ordinal(f[5]) for f in fields], [0] * len(rows))
