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

__all__ = ["IntegerSums"]


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
        chunked = self.table[name]
        column = chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()
        if not pa.types.is_decimal128(column.type) or column.null_count or not len(column):
            return None
        # each value is two little-endian 64-bit words, low then high
        words = np.frombuffer(column.buffers()[1], dtype=np.uint64)[2 * column.offset:][:2 * len(column)]
        if words[1::2].max() != 0:
            return None  # a negative value, or one beyond 64 bits (amounts are neither)
        # every high word is 0, so the largest word (one contiguous pass) is the largest value
        if int(words.max()) * int(self.sizes.max()) >= 2 ** 63:
            return None  # a value of 63 bits or more, or a CSM's sum that could overflow
        return words[0::2].view(np.int64), column.type.scale  # the low words: the values

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
