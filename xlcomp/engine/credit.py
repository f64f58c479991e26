"""Account moves and credit splits in the engine (SPEC section 10). Pure: no I/O.

The book is not rewritten: each moved or split account adds **credit rows** (:func:`credit_rows`),
one of -1 for the csm_id the accounts file lists and one per credited CSM with its share, and
:class:`CreditedAggregates` adds the credit rows' sums (``value x share``) to the book's plain
per-CSM sums. Counts (accounts, logos churned, NPS responses) and the arr_start weights of the means
become Decimal sums of shares. The credit rows are summed (``value x numerator``, exact decimals: in int64
with NumPy where that is exact, else with Arrow) per CSM and denominator, then divided once (the rule
:func:`xlcomp.rules.credit.credited_sum`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.engine.curves import decimals
from xlcomp.engine.metrics import Aggregates
from xlcomp.engine.sums import PairSums
from xlcomp.model.columns import unscaled_decimals
from xlcomp.model.credit import Credits, CreditTable, account_positions
from xlcomp.model.metrics import SCORE_FIELDS, SUM_FIELDS
from xlcomp.model.people import Book
from xlcomp.model.period import Period
from xlcomp.rules import credit as rules
from xlcomp.rules.payout import Inputs as K

__all__ = ["CreditBasis", "CreditedAggregates", "credit_basis", "credit_rows", "credited_aggregates", "credited_run",
           "subset_credit", "undated_shares"]

ZERO = Decimal(0)
ONE = Decimal(1)
SHARE_TYPE = pa.decimal128(13, 8)
_WHOLE_LIMIT = 10 ** (SHARE_TYPE.precision - SHARE_TYPE.scale)   # a whole share numerator is under this
_KINDS = np.array(["owner", "move"], object)
_DAY_KEY = 1 << 20   # a stretch's (first, last) day ordinals as one number
_VALUE_COLUMNS = frozenset((*SUM_FIELDS, *SCORE_FIELDS))
_OWNED_DAYS = rules.owned_days()
_CREDITED_SUM = rules.credited_sum()


def _booked_days(book: Book, positions: list[int]) -> list[date | None]:
    """Each account's ``booked_on`` (None without one, or when the book has no such column)."""
    if "booked_on" not in book.table.column_names or not positions:
        return [None] * len(positions)
    found = pc.take(book.table["booked_on"], pa.array(positions, pa.int64())).to_pylist()
    return [d if isinstance(d, date) else None for d in found]


def _move_groups(credits: Credits, book: Book) -> tuple[np.ndarray, list[str], list[int]]:
    """Each move's account as a number, the accounts numbered in the order of their first move (Arrow's
    dictionary encoding keeps that order); the moved accounts in that order, and their table rows in ``book``."""
    if credits.moves is None or not credits.moves.rows:
        return np.zeros(0, np.int64), [], []
    encoded = pa.array([m.account_id for m in credits.moves.rows], pa.string()).dictionary_encode()
    group = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    first_rows = np.unique(group, return_index=True)[1]
    positions = np.array(credits.moves.positions_in(book), np.int64)[first_rows]
    return group, encoded.dictionary.to_pylist(), positions.tolist()


def _move_columns(credits: Credits, period: Period, group: np.ndarray, count: int) -> dict[str, np.ndarray]:
    """The move rows as NumPy columns, account by account in the order of their first move in the file:
    a -1 row for the owner the accounts file lists, then one row per stretch of ownership.

    With an account's moves by effective day ``e1 < … < en``, stretch ``k`` belongs to the ``k``-th move's
    ``to_csm`` (stretch 0 to the listed owner) and runs from ``MAX(period start, ek)`` to ``MIN(period end,
    e(k+1) - 1)``: a stretch ended before the period (a move before it) has no days (the rule
    :func:`xlcomp.rules.credit.owned_days`).
    """
    rows = credits.moves.rows if credits.moves is not None else ()
    effective = np.fromiter(map(date.toordinal, [m.effective for m in rows]), np.int64, len(rows))
    sort = np.lexsort((effective, group))
    group, effective, to_index = group[sort], effective[sort], sort
    start, end = period.start.toordinal(), period.end.toordinal()
    same_next = np.zeros(len(group), bool)
    same_next[:-1] = group[1:] == group[:-1]
    following = np.where(same_next, np.roll(effective, -1), end + 1)
    first_move = np.full(count, end + 1, np.int64)
    np.minimum.at(first_move, group, effective)
    rank = np.arange(len(group)) - np.searchsorted(group, group)        # 0-based rank of a move in its account
    width = int(rank.max()) + 3 if len(rank) else 2
    groups = np.arange(count, dtype=np.int64)
    return {
        "key": np.concatenate([groups * width, groups * width + 1, group * width + 2 + rank]),
        "group": np.concatenate([groups, groups, group]),
        "kind": np.concatenate([np.zeros(count, np.int8), np.ones(count, np.int8),
                                np.full(len(group), 2, np.int8)]),
        "move": np.concatenate([np.full(2 * count, -1, np.int64), to_index]),
        "since": np.concatenate([np.zeros(2 * count, np.int64), effective]),
        "first": np.concatenate([np.zeros(count, np.int64), np.full(count, start, np.int64),
                                 np.maximum(start, effective)]),
        "last": np.concatenate([np.zeros(count, np.int64), np.minimum(end, first_move - 1),
                                np.minimum(end, following - 1)]),
    }


def credit_rows(book: Book, credits: Credits, period: Period) -> tuple[CreditTable, np.ndarray]:
    """Every credit row, and the book's table row of each one's account: moved accounts first (a -1 row for
    the listed owner, then a row per stretch of ownership: :func:`_move_columns`), then split accounts (a -1
    row, then one per listed CSM), each in the order of its first row in its file."""
    moves = credits.moves.rows if credits.moves is not None else ()
    splits = credits.splits.rows if credits.splits is not None else ()
    move_group, moved, moved_rows = _move_groups(credits, book)
    by_split: dict[str, list[int]] = {}
    for i, s in enumerate(splits):
        by_split.setdefault(s.account_id, []).append(i)
    if not moved and not by_split:
        return CreditTable([], [], [], [], [], [], [], [], []), np.zeros(0, np.int64)
    positions = np.array([*moved_rows, *account_positions(book, list(by_split))], dtype=np.int64)
    owners = pc.take(book.table["csm_id"], pa.array(positions)).to_pylist()
    columns = _move_columns(credits, period, move_group, len(moved))
    order = np.argsort(columns["key"], kind="stable")
    c = {name: values[order] for name, values in columns.items()}
    kind, group = c["kind"], c["group"]
    stretch = kind > 0
    days = np.zeros(len(kind), np.int64)
    if stretch.any():   # the rule on day numbers (ints: only differences count), once per distinct stretch
        keys = c["first"][stretch] * _DAY_KEY + c["last"][stretch]   # day ordinals are below 2^20
        distinct, inverse = np.unique(keys, return_inverse=True)
        owned = _OWNED_DAYS.evaluate({K.PERIOD_START: distinct // _DAY_KEY, K.PERIOD_END: distinct % _DAY_KEY})
        days[stretch] = np.asarray(owned).astype(np.int64)[inverse]
    amount = np.where(stretch, days, -1)
    booked = _booked_days(book, positions[:len(moved)].tolist())
    if booked.count(None) != len(booked):
        on = np.array([0 if b is None else min(max(b, period.start), period.end).toordinal() for b in booked])
        at = on[group]
        holds = stretch & (at > 0) & (days > 0) & (c["first"] <= at) & (c["last"] >= at)
        amount = np.where(stretch & (at > 0), np.where(holds, period.days, 0), amount)
    count = np.where(stretch, days, -1)
    move_to = np.array([m.to_csm for m in moves] or [""], object)
    csm_ids = np.where(kind < 2, np.array(owners, object)[group], move_to[c["move"]]).tolist()
    table = {"account_ids": np.array(moved, object)[group].tolist(), "csm_ids": csm_ids,
             "kinds": _KINDS[(kind != 0).astype(np.intp)].tolist(),
             "amount_num": amount.tolist(), "count_num": count.tolist(),
             "den": np.where(stretch, period.days, 1).tolist(), "first": np.where(stretch, c["first"], 0).tolist(),
             "last": np.where(stretch, c["last"], 0).tolist(), "since": c["since"].tolist()}
    row_positions = [positions[group]]
    for i, (account_id, picks) in enumerate(by_split.items(), start=len(moved)):
        shares: list[Decimal | int] = [-1, *(splits[j].share for j in picks)]
        table["account_ids"] += [account_id] * len(shares)
        table["csm_ids"] += [owners[i], *(splits[j].csm_id for j in picks)]
        table["kinds"] += ["owner", *(["split"] * len(picks))]
        table["amount_num"] += shares
        table["count_num"] += shares
        for name in ("first", "last", "since"):
            table[name] += [0] * len(shares)
        table["den"] += [1] * len(shares)
        row_positions.append(np.full(len(shares), positions[i], np.int64))
    return CreditTable(**table), np.concatenate(row_positions)


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
        return pc.fill_null(pc.multiply(product, pc.cast(count_num, pa.decimal256(13, 8))), Decimal(0)), "count"
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
        ids = credit["csm_id"]
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        encoded = ids.dictionary_encode()   # the credited CSMs in the order of their first row
        for csm_id in encoded.dictionary.to_pylist():
            if csm_id not in self.position:
                self.position[csm_id] = len(self.csm_ids)
                self.csm_ids.append(csm_id)
        self._csm_index = encoded.indices   # the rows are grouped by these numbers, not by the ids' text
        self._csm_position = np.array([self.position[c] for c in encoded.dictionary.to_pylist()], np.int64)
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
        for key in missing:
            self.columns[key] = [v if type(v) is Decimal else Decimal(v) for v in self.columns[key]] + [ZERO] * extra
        if not table.num_rows:
            return
        csm_codes, den_numbers, summed = _pair_sums(self._csm_index, table, missing)
        at = self._csm_position[csm_codes]
        dens = decimals(list(map(Decimal, den_numbers.tolist())))
        # one pass per denominator: a CSM appears once in each, so the adds are elementwise
        passes = [den_numbers == d for d in np.unique(den_numbers).tolist()]
        for i, key in enumerate(missing):
            sums = decimals(summed[i])
            credited = _CREDITED_SUM.evaluate({rules.VALUE_NUM: sums, rules.SHARE_DEN: dens})
            column = np.array(self.columns[key], object)
            for picked in passes:
                where = at[picked]
                column[where] = column[where] + credited[picked]
            self.columns[key] = column.tolist()


def _pair_sums(csm: pa.Array, table: Any, keys: list[str]) -> tuple[np.ndarray, np.ndarray, list[list[Decimal]]]:
    """Σ of each key's value (:func:`_source`) over the credit rows ``table`` per (CSM, denominator): each group's
    CSM and denominator and sums. With NumPy in int64 where that is exact (:class:`~xlcomp.engine.sums.PairSums`:
    whole shares of amounts), else with Arrow's grouped sum (which loads its query engine, a quarter of a
    second)."""
    den = table["den"]
    dens = den.combine_chunks() if isinstance(den, pa.ChunkedArray) else den
    pairs = PairSums.of(csm.to_numpy(), dens.to_numpy()) if not csm.null_count and not dens.null_count else None
    if pairs is not None:
        found = [pairs.product_sums(table[name], table["amount_num"]) if kind == "sum" else
                 pairs.sums(_source(table, key)[0]) for key in keys for kind, _, name in [key.partition(":")]]
        summed = [sums for sums in found if sums is not None]
        if len(summed) == len(found):
            return pairs.first, pairs.second, summed
    columns: dict[str, Any] = {"csm": csm, "den": den}
    columns.update((f"c{i}", _source(table, key)[0]) for i, key in enumerate(keys))
    grouped = pa.table(columns).group_by(["csm", "den"]).aggregate([(f"c{i}", "sum") for i in range(len(keys))])
    return (grouped["csm"].to_numpy(), grouped["den"].to_numpy(),
            [_decimal_list(grouped[f"c{i}_sum"]) for i in range(len(keys))])


def _decimal_list(values: pa.ChunkedArray | pa.Array) -> list[Decimal]:
    """A decimal column's values as Decimals, blanks as 0: through their text, which is Decimal's own (the same
    digits and exponent), at a third of the cost of ``to_pylist``."""
    return [ZERO if text is None else Decimal(text) for text in pc.cast(values, pa.string()).to_pylist()]


def credited_aggregates(book: Book, rows: CreditTable, positions: np.ndarray, source: Book | None = None
                        ) -> CreditedAggregates:
    """The aggregates of ``book`` with ``rows`` (their accounts at table rows ``positions`` of ``source``,
    by default ``book``) added."""
    taken = _CreditColumns((source or book).table, pa.array(positions, pa.int64()), {
        "csm_id": pa.array(rows.csm_ids, pa.string()), "amount_num": _shares(rows.amount_num),
        "count_num": _shares(rows.count_num), "den": pa.array(rows.den, pa.int64())})
    return CreditedAggregates(book.table, taken)


class _CreditColumns:
    """The credit rows as a table: their own columns, and each account column the sums read taken from the book
    (at the rows' accounts) when first read, not all fourteen up front."""

    def __init__(self, book: pa.Table, positions: pa.Array, own: dict[str, pa.Array]) -> None:
        self._book, self._positions, self._columns = book, positions, own
        self.num_rows = len(positions)

    def __getitem__(self, name: str) -> pa.Array | pa.ChunkedArray:
        if name not in self._columns:
            if name not in _VALUE_COLUMNS or name not in self._book.column_names:
                raise KeyError(name)
            self._columns[name] = self._book[name].take(self._positions)
        return self._columns[name]


def _shares(values: list[Decimal | int]) -> pa.Array:
    """Share numerators as decimals: whole days (a move's) written straight into the decimals' buffers, split
    shares as Decimals."""
    if set(map(type, values)) <= {int}:
        whole = np.fromiter(values, np.int64, len(values))
        if not len(whole) or (int(whole.min()) > -_WHOLE_LIMIT and int(whole.max()) < _WHOLE_LIMIT):
            return _whole_decimals(whole, SHARE_TYPE)
    return pa.array([Decimal(v) for v in values], SHARE_TYPE)


def _whole_decimals(whole: np.ndarray, kind: pa.Decimal128Type) -> pa.Array:
    """Whole numbers (int64, each under 10 ** (precision - scale)) as decimals of ``kind``, written straight
    into the decimals' buffer (the value times 10 ** scale), where a cast from integers checks and multiplies
    value by value."""
    return unscaled_decimals(whole.astype(np.int64) * np.int64(10 ** kind.scale), kind)


@dataclass(frozen=True, eq=False)
class CreditBasis:
    """A run's credit rows, each one's account at table row ``positions`` of ``source``; ``memo`` keeps what
    :func:`subset_credit` found (the commissions of a part read the same accounts)."""

    rows: CreditTable
    positions: np.ndarray
    source: Book
    memo: dict[Any, Any] = field(default_factory=dict)


def credit_basis(book: Book, credits: Credits, period: Period) -> CreditBasis:
    """The credit rows of ``period`` (a statement's own rows under ``verify``) and where their accounts are."""
    if credits.carried is not None:   # a statement's own rows (verify): their accounts come with them
        rows, accounts = credits.carried
        found = pc.index_in(pa.array(rows.account_ids, pa.string()), value_set=accounts.table["account_id"])
        return CreditBasis(rows, found.to_numpy(zero_copy_only=False).astype(np.int64), accounts)
    rows, positions = credit_rows(book, credits, period)
    return CreditBasis(rows, positions, book)


def credited_run(book: Book, credits: Credits, period: Period) -> tuple[CreditedAggregates, CreditTable]:
    """What a run with moves and splits reads: the credited aggregates and the credit rows."""
    basis = credit_basis(book, credits, period)
    return credited_aggregates(book, basis.rows, basis.positions, basis.source), basis.rows


def _take(rows: CreditTable, keep: list[int]) -> CreditTable:
    return CreditTable([rows.account_ids[i] for i in keep], [rows.csm_ids[i] for i in keep],
                       [rows.kinds[i] for i in keep], [rows.amount_num[i] for i in keep],
                       [rows.count_num[i] for i in keep], [rows.den[i] for i in keep], [rows.first[i] for i in keep],
                       [rows.last[i] for i in keep], [rows.since[i] for i in keep])


def subset_credit(basis: CreditBasis, book: Book, first: date, last: date, *, booked: bool) -> CreditedAggregates:
    """The credited aggregates of ``book``, a part of the run's book: the accounts booked from ``first`` to
    ``last`` (``booked``) or the accounts with no booking date, with the credit rows of those accounts.

    Booked accounts keep their rows (a moved account's amounts are wholly its owner's on its booked_on day, a
    split's by share). Accounts with no booking date are credited for the days ``first`` to ``last`` (a part
    of a period split by plan versions): a move row's stretch is cut to those days and its share is the days
    owned in them over their days (the rules :func:`xlcomp.rules.credit.owned_days` and ``credited_sum``), so
    the part's day-weighted share of the sum credits each owner its days owned in the part over the period's.
    """
    rows, source = basis.rows, basis.source
    key = (first, last, booked, len(book))
    if key in basis.memo:
        found: CreditedAggregates = basis.memo[key]
        return found
    if "days" not in basis.memo:
        basis.memo["days"] = pc.take(source.table["booked_on"], pa.array(basis.positions, pa.int64())).to_pylist() \
            if "booked_on" in source.table.column_names and len(rows) else [None] * len(rows)
    days = basis.memo["days"]
    if booked:
        keep = [i for i, d in enumerate(days) if isinstance(d, date) and first <= d <= last]
    else:
        keep = [i for i, d in enumerate(days) if not isinstance(d, date)]
    taken = _take(rows, keep)
    if not booked:
        nums, dens = undated_shares(taken, first, last)
        taken.amount_num, taken.count_num, taken.den = nums, list(nums), dens
    found = basis.memo[key] = credited_aggregates(book, taken, basis.positions[keep] if keep
                                                  else np.zeros(0, np.int64), source)
    return found


def undated_shares(rows: CreditTable, first: date, last: date) -> tuple[list[Decimal | int], list[int]]:
    """Each credit row's share (numerator, denominator) of an account with no booking date over the days
    ``first`` to ``last`` (a part of the period): -1 for the listed owner, a split's share, and for a move row
    the days it owns inside them (:func:`xlcomp.rules.credit.owned_days` from ``MAX(first, its first day)`` to
    ``MIN(last, its last day)``) over their days (:func:`xlcomp.rules.credit.credit_share`)."""
    start, end = first.toordinal(), last.toordinal()
    moved = [i for i, kind in enumerate(rows.kinds) if kind == "move"]
    owned = _OWNED_DAYS.evaluate({
        K.PERIOD_START: np.array([max(start, rows.first[i]) for i in moved], np.int64),
        K.PERIOD_END: np.array([min(end, rows.last[i]) for i in moved], np.int64)}).astype(np.int64).tolist() \
        if moved else []
    nums, dens = list(rows.amount_num), list(rows.den)
    for i, days in zip(moved, owned, strict=True):
        nums[i], dens[i] = int(days), end - start + 1
    return nums, dens
