"""Account moves and credit splits (SPEC section 10): who is credited with an account's results.

A :class:`Move` hands an account to ``to_csm`` from its ``effective`` day on: each owner is credited
with the account's amounts and counts in proportion to the days it owned the account in the period
(a move effective before the period applies from its first day; one after its last day is ignored).
A :class:`Split` credits ``csm_id`` with ``share`` of an account; an account listed in the splits is
credited only as listed (its own csm_id credits no one unless listed).

Both become **credit rows** (:class:`CreditRow`): for each moved or split account, one row of -1 for
the owner the accounts file lists, and one row per credited CSM with its share. A CSM's sums are then
the book's plain sums plus its credit rows' (``share x`` the account's values).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple, overload

from xlcomp.model.people import Book, Locator

__all__ = ["CreditRow", "CreditTable", "Credits", "Move", "Moves", "Split", "Splits", "account_positions"]


class Move(NamedTuple):
    """One row of the moves file: ``account_id`` belongs to ``to_csm`` from ``effective`` on (a named tuple: a
    tenth of a million-account book moved is 100,000 of them)."""

    account_id: str
    to_csm: str
    effective: date
    row: int = 0


@dataclass(frozen=True)
class Split:
    """One row of the splits file: ``csm_id`` is credited with ``share`` of ``account_id``."""

    account_id: str
    csm_id: str
    share: Decimal
    row: int = 0


@dataclass(frozen=True)
class Moves:
    """The account moves of a run (inside or before the period), in file order; ``notes`` say which were
    applied from the period's start and which were ignored after its end."""

    rows: tuple[Move, ...]
    locator: Locator
    notes: tuple[str, ...] = ()
    # each row's account's table row in ``book`` (the book the moves were checked against): found once, at load
    positions: tuple[int, ...] | None = field(default=None, compare=False, repr=False)
    book: Book | None = field(default=None, compare=False, repr=False)

    def positions_in(self, book: Book) -> list[int]:
        """Each row's account's table row in ``book`` (found again unless the moves were checked against it)."""
        if self.book is book and self.positions is not None:
            return list(self.positions)
        return [-1 if p is None else p for p in account_positions(book, [m.account_id for m in self.rows])]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class Splits:
    """The credit splits of a run, in file order; ``notes`` are the overlay and uncredited warnings."""

    rows: tuple[Split, ...]
    locator: Locator
    notes: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class CreditRow:
    """A credited share of one account: ``csm_id`` gets ``amount_num / den`` of its amounts and
    ``count_num / den`` of its counts and of the weights of its means (the two differ only when a moved
    account has a ``booked_on`` date). ``kind``: ``owner`` (the -1 row of the csm_id the accounts file
    lists), ``move`` (an owner's ``count_num`` days of ``den`` days in the period) or ``split`` (den 1).
    ``first`` and ``last``: a move row's stretch of ownership inside the period (a stretch ended before the
    period has no days: ``last`` before ``first``); ``since``: the effective day of the move that starts it
    (None for the owner before the first move)."""

    account_id: str
    csm_id: str
    kind: str
    amount_num: Decimal
    count_num: Decimal
    den: int = 1
    first: date | None = None
    last: date | None = None
    since: date | None = None

    @property
    def amount_share(self) -> Decimal:
        """The share of the account's amounts (exact context: call inside ``money.exact()``)."""
        return self.amount_num if self.den == 1 else self.amount_num / self.den

    @property
    def count_share(self) -> Decimal:
        """The share of the account's counts and weights."""
        return self.count_num if self.den == 1 else self.count_num / self.den


@dataclass(frozen=True)
class Credits:
    """The moves and splits of a run (either may be absent)."""

    moves: Moves | None = None
    splits: Splits | None = None
    # credit rows carried by a statement (``xlcomp verify``): the rows, and a book holding their accounts
    carried: tuple[CreditTable, Book] | None = None

    @property
    def given(self) -> bool:
        """Was a moves or splits file given (even an empty one)?"""
        return self.moves is not None or self.splits is not None

    @property
    def notes(self) -> tuple[str, ...]:
        """What to say on stderr (moves before or after the period, splits not summing to 1)."""
        return (*(self.moves.notes if self.moves else ()), *(self.splits.notes if self.splits else ()))


def _day(ordinal: int) -> date | None:
    return None if ordinal <= 0 else date.fromordinal(ordinal)


class CreditTable(Sequence[CreditRow]):
    """A run's credit rows as columns (a tenth of a million-account book moved is 300,000 rows): each
    :class:`CreditRow` is made when read. Shares' numerators are ints (days) or Decimals (split shares);
    dates are day ordinals, 0 for none."""

    def __init__(self, account_ids: list[str], csm_ids: list[str], kinds: list[str],
                 amount_num: list[Decimal | int], count_num: list[Decimal | int], den: list[int], first: list[int],
                 last: list[int], since: list[int]) -> None:
        self.account_ids, self.csm_ids, self.kinds = account_ids, csm_ids, kinds
        self.amount_num, self.count_num, self.den = amount_num, count_num, den
        self.first, self.last, self.since = first, last, since

    def __len__(self) -> int:
        return len(self.account_ids)

    def _row(self, i: int) -> CreditRow:
        return CreditRow(self.account_ids[i], self.csm_ids[i], self.kinds[i], Decimal(self.amount_num[i]),
                         Decimal(self.count_num[i]), self.den[i], _day(self.first[i]), _day(self.last[i]),
                         _day(self.since[i]))

    @overload
    def __getitem__(self, index: int) -> CreditRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[CreditRow]: ...

    def __getitem__(self, index: int | slice) -> CreditRow | Sequence[CreditRow]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        return self._row(range(len(self))[index])

    def __iter__(self) -> Iterator[CreditRow]:
        return (self._row(i) for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CreditTable):
            return list(self) == list(other)
        if isinstance(other, (list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def of(self, csm_id: str) -> list[int]:
        """The indexes of the rows that credit ``csm_id``."""
        return [i for i, found in enumerate(self.csm_ids) if found == csm_id]


def account_positions(book: Book, account_ids: list[str]) -> list[int | None]:
    """The book's table row of each account id (None: not in the book).

    The book's ids are looked up in the (smaller) set of the ids asked for: one hash of the moved
    accounts, not of the million accounts of the book."""
    if not account_ids:
        return []
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    asked = pa.array(account_ids, pa.string())
    unique = pc.unique(asked)
    found = pc.fill_null(pc.index_in(book.table["account_id"], value_set=unique), -1)
    where = found.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(where >= 0)
    position = np.full(len(unique), -1, np.int64)
    position[where[rows]] = rows
    each = position[pc.index_in(asked, value_set=unique).to_numpy(zero_copy_only=False)].tolist()
    return each if min(each) >= 0 else [None if p < 0 else p for p in each]
