"""Account moves and credit splits in the engine (SPEC section 10). Pure: no I/O.

The book is not rewritten: each moved or split account adds **credit rows** (:func:`credit_rows`),
one of -1 for the csm_id the accounts file lists and one per credited CSM with its share, and
:class:`CreditedAggregates` adds the credit rows' sums (``value x share``) to the book's plain
per-CSM sums. Counts (accounts, logos churned, NPS responses) and the arr_start weights of the means
become Decimal sums of shares. The credit rows are summed with Arrow (``value x numerator``, exact
decimals) per CSM and denominator, then divided once (the rule :func:`xlcomp.rules.credit.credited_sum`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.engine.curves import decimals
from xlcomp.engine.metrics import Aggregates
from xlcomp.model.credit import CreditRow, Credits, Move
from xlcomp.model.people import Book
from xlcomp.model.period import Period
from xlcomp.rules import credit as rules
from xlcomp.rules.payout import Inputs as K

__all__ = ["CreditedAggregates", "credit_rows", "credited_aggregates", "credited_run"]

ZERO = Decimal(0)
ONE = Decimal(1)
SHARE_TYPE = pa.decimal128(12, 8)
_OWNED_DAYS = rules.owned_days()
_CREDITED_SUM = rules.credited_sum()


def _ordinal(day: date) -> Decimal:
    return Decimal(day.toordinal())


def _booked_days(book: Book, positions: list[int]) -> list[date | None]:
    """Each account's ``booked_on`` (None without one, or when the book has no such column)."""
    if "booked_on" not in book.table.column_names or not positions:
        return [None] * len(positions)
    found = pc.take(book.table["booked_on"], pa.array(positions, pa.int64())).to_pylist()
    return [d if isinstance(d, date) else None for d in found]


def _move_rows(account_id: str, owner: str, moves: list[Move], period: Period, booked: date | None
               ) -> list[CreditRow]:
    """The credit rows of one moved account: -1 for ``owner``, then each owner's days of the period."""
    moves = sorted(moves, key=lambda m: m.effective)
    holder = owner
    for move in moves:
        if move.effective <= period.start:
            holder = move.to_csm
    stretches: list[tuple[str, date, date]] = []
    first = period.start
    for move in moves:
        if period.start < move.effective <= period.end:
            stretches.append((holder, first, move.effective - timedelta(days=1)))
            holder, first = move.to_csm, move.effective
    stretches.append((holder, first, period.end))
    days = _OWNED_DAYS.evaluate({K.PERIOD_START: decimals([_ordinal(s) for _, s, _ in stretches]),
                                 K.PERIOD_END: decimals([_ordinal(e) for _, _, e in stretches])}).tolist()
    if booked is not None:
        booked = min(max(booked, period.start), period.end)
    rows = [CreditRow(account_id, owner, "owner", -ONE, -ONE)]
    by_owner: dict[str, list[int]] = {}
    for i, (csm_id, _, _) in enumerate(stretches):
        by_owner.setdefault(csm_id, []).append(i)
    for csm_id, parts in by_owner.items():
        owned = sum((days[i] for i in parts), ZERO)
        if booked is None:
            amount = owned
        else:
            amount = Decimal(period.days) if any(stretches[i][1] <= booked <= stretches[i][2] for i in parts) \
                else ZERO
        rows.append(CreditRow(account_id, csm_id, "move", amount, owned, period.days,
                              stretches[parts[0]][1], stretches[parts[-1]][2]))
    return rows


def credit_rows(book: Book, credits: Credits, period: Period) -> tuple[list[CreditRow], list[int]]:
    """Every credit row, and the book's table row of each one's account (moves first, then splits, in the
    order of their first row in the file)."""
    moved: dict[str, list[Move]] = {}
    for move in credits.moves.rows if credits.moves is not None else ():
        moved.setdefault(move.account_id, []).append(move)
    split: dict[str, list[CreditRow]] = {}
    for s in credits.splits.rows if credits.splits is not None else ():
        split.setdefault(s.account_id, []).append(CreditRow(s.account_id, s.csm_id, "split", s.share, s.share))
    ids = [*moved, *split]
    if not ids:
        return [], []
    found = pc.index_in(pa.array(ids, pa.string()), value_set=book.table["account_id"])
    positions = [int(p) for p in found.to_pylist()]
    owners = pc.take(book.table["csm_id"], pa.array(positions, pa.int64())).to_pylist()
    booked = _booked_days(book, positions[:len(moved)])
    rows: list[CreditRow] = []
    row_positions: list[int] = []
    for i, account_id in enumerate(ids):
        if i < len(moved):
            made = _move_rows(account_id, owners[i], moved[account_id], period, booked[i])
        else:
            made = [CreditRow(account_id, owners[i], "owner", -ONE, -ONE), *split[account_id]]
        rows.extend(made)
        row_positions.extend([positions[i]] * len(made))
    return rows, row_positions


def _source(table: pa.Table, key: str) -> tuple[pa.Array, str]:
    """A credit-row value of an aggregate key, times the row's share numerator (amounts or counts)."""
    kind, _, name = key.partition(":")
    amount_num, count_num = table["amount_num"], table["count_num"]
    zero = pa.scalar(Decimal(0), SHARE_TYPE)
    if kind == "sum":
        return pc.multiply(table[name], amount_num), "amount"
    if kind == "count":
        return count_num, "count"
    if kind == "logo":
        churned = pc.and_(pc.greater(table["renewable_arr"], pa.scalar(Decimal(0), table["renewable_arr"].type)),
                          pc.equal(table["renewed_arr"], pa.scalar(Decimal(0), table["renewed_arr"].type)))
        return pc.if_else(churned, count_num, zero), "count"
    if kind == "wnum":
        arr, score = table["arr_start"], table[name]
        product = pc.multiply(pc.cast(arr, pa.decimal256(arr.type.precision, arr.type.scale)),
                              pc.cast(score, pa.decimal256(score.type.precision, score.type.scale)))
        return pc.fill_null(pc.multiply(product, pc.cast(count_num, pa.decimal256(12, 8))), Decimal(0)), "count"
    if kind == "wden":
        weight = pc.multiply(table["arr_start"], count_num)
        return pc.if_else(pc.is_valid(table[name]), weight, pa.scalar(Decimal(0), weight.type)), "count"
    if kind == "nps_sum":
        return pc.fill_null(pc.multiply(table["nps"], count_num), Decimal(0)), "count"
    if kind == "nps_count":
        return pc.if_else(pc.is_valid(table["nps"]), count_num, zero), "count"
    raise KeyError(key)


class CreditedAggregates(Aggregates):
    """A book's per-CSM aggregates with the credit rows added: every column holds Decimals (counts too)."""

    fractional = True

    def __init__(self, table: pa.Table, credit: pa.Table) -> None:
        super().__init__(table)
        self._base = len(self.csm_ids)
        for csm_id in dict.fromkeys(credit["csm_id"].to_pylist()):
            if csm_id not in self.position:
                self.position[csm_id] = len(self.csm_ids)
                self.csm_ids.append(csm_id)
        self.credit = credit

    def ensure(self, keys: Iterable[str]) -> None:
        """The book's columns of ``keys`` plus the credit rows' sums, per CSM."""
        missing = [k for k in dict.fromkeys(keys) if k not in self.columns]
        if not missing:
            return
        base, self.csm_ids = self.csm_ids, self.csm_ids[:self._base]
        try:
            super().ensure(missing)
        finally:
            self.csm_ids = base
        extra = len(base) - self._base
        table = self.credit
        columns: dict[str, Any] = {"csm_id": table["csm_id"], "den": table["den"]}
        aggs = []
        for i, key in enumerate(missing):
            self.columns[key] = [Decimal(v) for v in self.columns[key]] + [ZERO] * extra
            columns[f"c{i}"] = _source(table, key)[0]
            aggs.append((f"c{i}", "sum"))
        if not table.num_rows:
            return
        grouped = pa.table(columns).group_by(["csm_id", "den"]).aggregate(aggs)
        csm_ids, dens = grouped["csm_id"].to_pylist(), grouped["den"].to_pylist()
        for i, key in enumerate(missing):
            sums = [ZERO if v is None else v for v in grouped[f"c{i}_sum"].to_pylist()]
            credited = _CREDITED_SUM.evaluate({rules.VALUE_NUM: decimals(sums),
                                               rules.SHARE_DEN: decimals([Decimal(d) for d in dens])}).tolist()
            column = self.columns[key]
            for csm_id, value in zip(csm_ids, credited, strict=True):
                column[self.position[csm_id]] += value


def credited_aggregates(book: Book, rows: list[CreditRow], positions: list[int]) -> CreditedAggregates:
    """The aggregates of ``book`` with ``rows`` (their accounts at table rows ``positions``) added."""
    taken = book.table.take(pa.array(positions, pa.int64())) if positions else book.table.slice(0, 0)
    taken = taken.set_column(taken.schema.get_field_index("csm_id"), "csm_id",
                             pa.array([r.csm_id for r in rows], pa.string()))
    taken = taken.append_column("amount_num", pa.array([r.amount_num for r in rows], SHARE_TYPE))
    taken = taken.append_column("count_num", pa.array([r.count_num for r in rows], SHARE_TYPE))
    taken = taken.append_column("den", pa.array([r.den for r in rows], pa.int64()))
    return CreditedAggregates(book.table, taken)



def credited_run(book: Book, credits: Credits, period: Period) -> tuple[CreditedAggregates, tuple[CreditRow, ...]]:
    """What a run with moves and splits reads: the credited aggregates and the credit rows."""
    rows, positions = credit_rows(book, credits, period)
    return credited_aggregates(book, rows, positions), tuple(rows)
