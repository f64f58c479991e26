"""A metric for every CSM at once, kept as columns (SPEC section 2).

A run reads each metric as arrays (the rules' inputs: ``num``, ``den``, the value) and needs one
:class:`~xlcomp.engine.metrics.MetricValue` per CSM only for the records its results show (statements,
the workbook's traces). :class:`MetricColumn` holds the arrays and makes the records when first read,
so a run that writes payouts.csv never makes 10,000 records per metric it only computes with.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from functools import cached_property
from typing import Any, overload

import numpy as np

from xlcomp.engine.curves import Array, decimals
from xlcomp.engine.metrics import CsmColumns, MetricValue, SumsColumns, metric_value
from xlcomp.model.plan import Plan

__all__ = ["MetricColumn", "metric_columns", "values_of"]

ONE = Decimal(1)


class MetricColumn(Sequence[MetricValue]):
    """One metric of every CSM: ``nums`` (None where undefined) and ``dens`` (1 where undefined) as object arrays,
    the reason of each undefined one; read as a sequence, the :class:`MetricValue` of each CSM (made once)."""

    def __init__(self, name: str, nums: Array, den: Array | Decimal, reasons: Array | str) -> None:
        self.name = name
        self.nums = nums
        self._den = den            # an array, or one value for every CSM
        self._reasons = reasons    # an array, or one reason for every undefined CSM
        self._records: list[MetricValue] | None = None

    @classmethod
    def of(cls, values: Sequence[MetricValue]) -> MetricColumn:
        """The column of some records (one CSM's, a test's)."""
        if isinstance(values, MetricColumn):
            return values
        column = cls(values[0].name if values else "", decimals([m.num for m in values]),
                     decimals([m.den for m in values]), decimals([m.reason for m in values]))
        column._records = list(values)
        return column

    @cached_property
    def dens(self) -> Array:
        """Each CSM's denominator (1 where undefined)."""
        den = self._den
        return den if isinstance(den, np.ndarray) else decimals([den] * len(self.nums))

    def value_array(self) -> Array:
        """Each CSM's value (:attr:`MetricValue.value`: ``num`` when ``den`` is 1, else one division), None where
        undefined."""
        nums, den = self.nums, self._den
        if not isinstance(den, np.ndarray) and den == ONE:
            return decimals(nums.tolist())
        dens = self.dens.tolist()
        return decimals([num if num is None or d == ONE else num / d
                         for num, d in zip(nums.tolist(), dens, strict=True)])

    def take(self, rows: list[int]) -> MetricColumn:
        """The column of some CSMs (their positions, in order), without making the others' records."""
        def some(values: Any) -> Any:
            return values[rows] if isinstance(values, np.ndarray) else values

        return MetricColumn(self.name, self.nums[rows], some(self._den), some(self._reasons))

    def scaled(self, scale: Decimal) -> MetricColumn:
        """Every defined value times ``scale`` (a what-if scenario), the denominators as they are."""
        nums = decimals([None if num is None else num * scale for num in self.nums.tolist()])
        return MetricColumn(self.name, nums, self._den, self._reasons)

    def records(self) -> list[MetricValue]:
        """The :class:`MetricValue` of every CSM, in order."""
        if self._records is None:
            name, den, reasons = self.name, self._den, self._reasons
            each_den = den.tolist() if isinstance(den, np.ndarray) else [den] * len(self.nums)
            make = tuple.__new__  # MetricValue(name, num, den) without its Python-level __new__
            self._records = [make(MetricValue, (name, num, d, "")) if num is not None else
                             MetricValue(name, None, ONE, reasons if isinstance(reasons, str) else str(reasons[i]))
                             for i, (num, d) in enumerate(zip(self.nums.tolist(), each_den, strict=True))]
        return self._records

    def __len__(self) -> int:
        return len(self.nums)

    @overload
    def __getitem__(self, index: int) -> MetricValue: ...

    @overload
    def __getitem__(self, index: slice) -> list[MetricValue]: ...

    def __getitem__(self, index: int | slice) -> MetricValue | list[MetricValue]:
        return self.records()[index]

    def __iter__(self) -> Iterator[MetricValue]:
        return iter(self.records())


def values_of(metrics: Sequence[MetricValue]) -> Array:
    """Each metric's value, None where undefined."""
    return MetricColumn.of(metrics).value_array() if metrics else decimals([])


def metric_columns(name: str, sums: SumsColumns, csms: CsmColumns, plan: Plan) -> MetricColumn:
    """A metric for every CSM at once, in order (the formula :func:`~xlcomp.engine.metrics.metric_value` reads
    for one CSM, on columns)."""
    value = metric_value(name, sums, csms, plan)  # type: ignore[arg-type]
    n = len(sums)
    nums: Any = value.num if isinstance(value.num, np.ndarray) else decimals([value.num] * n)
    return MetricColumn(name, nums, value.den, value.reason)
