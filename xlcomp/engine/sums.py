"""A book's per-CSM sums and counts in exact int64 with NumPy, for :class:`xlcomp.engine.metrics.Aggregates`
(which gives Arrow's grouped aggregation whatever this cannot do)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from xlcomp.engine.metrics import Aggregates

__all__ = ["IntegerSums", "PairSums", "decimal_words"]


def decimal_words(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int] | None:
    """A decimal128 column without blanks as its values' 64-bit words (two a value, little-endian: low then high)
    and its scale; None for another type, a blank or no value."""
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    if not pa.types.is_decimal128(column.type) or column.null_count or not len(column):
        return None
    words = np.frombuffer(column.buffers()[1], dtype=np.uint64)[2 * column.offset:][:2 * len(column)]
    return words, column.type.scale


class IntegerSums:
    """Grouped sums and counts of a book with NumPy: a decimal column without blanks or negative values is
    its unscaled integers (``value x 10^scale``), summed per CSM exactly in int64 when no sum can overflow, and
    made the Decimals Arrow's grouped sum gives (at the column's scale: ``n x 1E-scale``).
    The keys it cannot do (weighted scores, NPS, a column with blanks or too large) go to Arrow."""

    def __init__(self, aggregates: Aggregates, starts: np.ndarray, order: np.ndarray | None) -> None:
        self.table = aggregates.table
        self.starts = starts       # where each CSM's rows begin, in code order
        self.order = order         # None: the rows are already grouped by code
        self.sizes = np.diff(np.append(starts, aggregates.table.num_rows))

    @staticmethod
    def of(aggregates: Aggregates) -> IntegerSums | None:
        """The grouping of ``aggregates``' rows (None for an empty book)."""
        codes = aggregates._codes
        if aggregates.table.num_rows == 0 or codes.null_count:
            return None
        if aggregates._int_sums is None:
            numbers = codes.to_numpy()
            order = None if bool((numbers[1:] >= numbers[:-1]).all()) else np.argsort(numbers, kind="stable")
            grouped = numbers if order is None else numbers[order]
            starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
            aggregates._int_sums = IntegerSums(aggregates, starts, order)
        return aggregates._int_sums

    def _grouped(self, values: np.ndarray) -> list[int]:
        ordered = values if self.order is None else values[self.order]
        return np.add.reduceat(ordered, self.starts).tolist()  # type: ignore[no-any-return]

    def _unscaled(self, name: str) -> tuple[np.ndarray, int] | None:
        found = decimal_words(self.table[name])
        if found is None:
            return None
        words, scale = found
        if words[1::2].max() != 0:
            return None  # a negative value, or one beyond 64 bits (amounts are neither)
        # every high word is 0, so the largest word (one contiguous pass) is the largest value
        if int(words.max()) * int(self.sizes.max()) >= 2 ** 63:
            return None  # a value of 63 bits or more, or a CSM's sum that could overflow
        return words[0::2].view(np.int64), scale  # the low words: the values

    def column(self, key: str) -> list[Any] | None:
        """The result column of ``key`` as :meth:`Aggregates.ensure` keeps it, or None."""
        kind, _, name = key.partition(":")
        if kind == "count":  # accounts with arr_start: every row, as it has no blanks
            return self.sizes.tolist() if self.table["arr_start"].null_count == 0 else None
        if kind == "logo":
            zero = pa.scalar(Decimal(0), self.table.schema.field("arr_start").type)
            churned = pc.and_(pc.greater(self.table["renewable_arr"], zero), pc.equal(self.table["renewed_arr"], zero))
            if churned.null_count:
                return None
            return self._grouped(np.asarray(churned).astype(np.int64))
        if kind != "sum":
            return None
        unscaled = self._unscaled(name)
        if unscaled is None:
            return None
        values, scale = unscaled
        unit = Decimal(1).scaleb(-scale)  # n x 1E-4 is Decimal(n).scaleb(-4), exactly: the coefficient n, exponent -4
        return list(map(unit.__rmul__, self._grouped(values)))


class PairSums:
    """Exact sums of decimal columns per pair of small whole numbers (the credit rows' CSM and share denominator),
    with NumPy: each column's unscaled values (``value x 10^scale``, negative ones too) summed in int64 when
    every value fits in 63 bits and no group's sum can overflow, made the Decimals Arrow's grouped sum gives.
    The groups are in the order of their pairs; a column NumPy cannot sum exactly gives None (Arrow sums it)."""

    def __init__(self, first: np.ndarray, second: np.ndarray) -> None:
        first, second = first.astype(np.int64), second.astype(np.int64)
        span = int(second.max()) + 1 if len(second) else 1
        key = first * span + second
        self.order = np.argsort(key, kind="stable")
        ordered = key[self.order]
        self.starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(key) else \
            np.zeros(0, np.int64)
        self.sizes = np.diff(np.append(self.starts, len(key)))
        self.first, self.second = first[self.order[self.starts]], second[self.order[self.starts]]

    @staticmethod
    def of(first: np.ndarray, second: np.ndarray) -> PairSums | None:
        """The grouping of the rows by ``(first, second)``; None when a number is negative or too large to pair
        (each under 2^31)."""
        if not len(first):
            return None
        for numbers in (first, second):
            if int(numbers.min()) < 0 or int(numbers.max()) >= 2 ** 31:
                return None
        return PairSums(first, second)

    def _unscaled(self, column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, int] | None:
        """A decimal128 column of the rows without blanks as int64 (its unscaled values) and its scale, or None."""
        found = decimal_words(column)
        if found is None or len(found[0]) != 2 * len(self.order):
            return None
        words, scale = found
        low, high = words[0::2].view(np.int64), words[1::2].view(np.int64)
        if not np.array_equal(high, low >> 63):
            return None  # a value beyond 64 bits: its high word is not the low word's sign
        return low, scale

    def _summed(self, values: np.ndarray, bound: int, scale: int, shift: int = 0) -> list[Decimal] | None:
        """Each group's sum of ``values`` (each at most ``bound`` in size) as Decimals of ``scale``, the sums
        times ``10^shift``; None when a sum could overflow."""
        if bound * int(self.sizes.max()) >= 2 ** 63:
            return None
        unit, factor = Decimal(1).scaleb(-scale), 10 ** shift
        sums = np.add.reduceat(values[self.order], self.starts).tolist()
        return [unit * (total * factor) for total in sums] if shift else list(map(unit.__rmul__, sums))

    def sums(self, column: pa.Array | pa.ChunkedArray) -> list[Decimal] | None:
        """Each group's sum of ``column`` (a decimal column of the rows, in their order), or None."""
        found = self._unscaled(column)
        if found is None:
            return None
        values, scale = found
        return self._summed(values, max(int(values.max()), -int(values.min())), scale)

    def product_sums(self, column: pa.Array | pa.ChunkedArray, numerators: pa.Array | pa.ChunkedArray
                     ) -> list[Decimal] | None:
        """Each group's sum of ``column x numerators`` (Arrow's product: its scale the sum of the two), when every
        numerator is whole (a move's days, -1 for the listed owner), or None."""
        found, whole = self._unscaled(column), self._unscaled(numerators)
        if found is None or whole is None:
            return None
        (values, scale), (shares, share_scale) = found, whole
        factor = 10 ** share_scale
        if share_scale > 18 or (shares % factor).any():
            return None   # a fraction of a share (a split's)
        shares = shares // factor
        largest = max(int(values.max()), -int(values.min())) * max(int(shares.max()), -int(shares.min()))
        if largest >= 2 ** 63:
            return None
        return self._summed(values * shares, largest, scale + share_scale, share_scale)
