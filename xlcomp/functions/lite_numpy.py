"""The few NumPy calls the worksheet functions' engine code makes, in plain Python, for xlwings Lite.

The engine's curves and metrics run on NumPy object arrays of Decimals (``np.empty``, ``np.where``,
``np.maximum``, ``np.searchsorted``, …). In xlwings Lite (Pyodide) NumPy is a package to download;
the worksheet functions must import only the standard library, so :mod:`xlcomp.functions.lite`
bundles the engine's own source with ``np`` bound to this module instead. Only what the bundled
code uses is here (the bundler refuses any other ``np.`` name), on one-dimensional arrays: the
arithmetic is the elements' own (Decimal's), element by element, as NumPy does it on objects.

xlcomp never computes with this module; it is source for the generated ``main.py``.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator
from typing import Any

__all__ = ["array", "asarray", "bool_", "empty", "flatnonzero", "fromiter", "frompyfunc", "full", "maximum", "minimum",
           "ndarray",
           "searchsorted", "where", "zeros"]


class ndarray:  # noqa: N801 - NumPy's name, which the bundled engine code tests with isinstance
    """A one-dimensional array of Python objects with NumPy's element-wise operators."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = list(items)

    def __class_getitem__(cls, _: Any) -> type[ndarray]:
        return cls

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)

    def __repr__(self) -> str:
        return f"ndarray({self.items!r})"

    @property
    def dtype(self) -> type:
        """``bool`` for an array of booleans, else ``object`` (what the engine code tests)."""
        return bool if self.items and all(isinstance(item, bool) for item in self.items) else object

    def tolist(self) -> list[Any]:
        """The elements as a list."""
        return list(self.items)

    def any(self) -> bool:
        """Is any element true?"""
        return any(self.items)

    def all(self) -> bool:
        """Is every element true?"""
        return all(self.items)

    def __invert__(self) -> ndarray:
        return ndarray(not item for item in self.items)

    def __and__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: bool(a) and bool(b))

    def __or__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: bool(a) or bool(b))

    def __neg__(self) -> ndarray:
        return ndarray(-item for item in self.items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, ndarray):
            if index.items and all(isinstance(flag, bool) for flag in index.items):
                return ndarray(item for item, flag in zip(self.items, index.items, strict=True) if flag)
            return ndarray(self.items[int(i)] for i in index.items)
        if isinstance(index, slice):
            return ndarray(self.items[index])
        return self.items[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            values = list(value) if isinstance(value, (list, tuple, ndarray)) else [value] * len(self.items[index])
            self.items[index] = values
        elif isinstance(index, ndarray):
            positions = [i for i, flag in enumerate(index.items) if flag] \
                if index.items and all(isinstance(flag, bool) for flag in index.items) \
                else [int(position) for position in index.items]
            values = _broadcast(value, len(positions))
            for position, item in zip(positions, values, strict=True):
                self.items[position] = item
        else:
            self.items[index] = value

    def _apply(self, other: Any, operation: Callable[[Any, Any], Any]) -> ndarray:
        return ndarray(operation(a, b) for a, b in zip(self.items, _broadcast(other, len(self.items)), strict=True))

    def _apply_reflected(self, other: Any, operation: Callable[[Any, Any], Any]) -> ndarray:
        return ndarray(operation(b, a) for a, b in zip(self.items, _broadcast(other, len(self.items)), strict=True))

    def __add__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: a + b)

    def __radd__(self, other: Any) -> ndarray:
        return self._apply_reflected(other, lambda a, b: a + b)

    def __sub__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: a - b)

    def __rsub__(self, other: Any) -> ndarray:
        return self._apply_reflected(other, lambda a, b: a - b)

    def __mul__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: a * b)

    def __rmul__(self, other: Any) -> ndarray:
        return self._apply_reflected(other, lambda a, b: a * b)

    def __truediv__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: a / b)

    def __rtruediv__(self, other: Any) -> ndarray:
        return self._apply_reflected(other, lambda a, b: a / b)

    def __lt__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: bool(a < b))

    def __le__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: bool(a <= b))

    def __gt__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: bool(a > b))

    def __ge__(self, other: Any) -> ndarray:
        return self._apply(other, lambda a, b: bool(a >= b))

    def __eq__(self, other: Any) -> ndarray:  # type: ignore[override]
        return self._apply(other, lambda a, b: bool(a == b))

    def __ne__(self, other: Any) -> ndarray:  # type: ignore[override]
        return self._apply(other, lambda a, b: bool(a != b))

    __hash__ = None  # type: ignore[assignment]


bool_ = bool  # NumPy's boolean scalar type: here the elements are Python's own booleans


def _broadcast(value: Any, length: int) -> list[Any]:
    if isinstance(value, ndarray):
        if len(value) == 1 and length != 1:
            return value.items * length
        if len(value) != length:
            raise ValueError(f"operands could not be broadcast together: {len(value)} and {length} elements")
        return value.items
    if isinstance(value, (list, tuple)):
        return _broadcast(ndarray(value), length)
    return [value] * length


def _length(*values: Any) -> int:
    lengths = [len(v) for v in values if isinstance(v, (ndarray, list, tuple))]
    return max(lengths) if lengths else 1


def empty(length: int, dtype: Any = None) -> ndarray:
    """``length`` empty slots (None)."""
    return ndarray([None] * length)


def full(length: int, value: Any, dtype: Any = None) -> ndarray:
    """``length`` copies of ``value``."""
    return ndarray([value] * length)


def zeros(length: int, dtype: Any = None) -> ndarray:
    """``length`` zeros (``False`` for ``dtype=bool``)."""
    return ndarray([False if dtype is bool else 0] * length)


def array(values: Any, dtype: Any = None) -> ndarray:
    """A new array of ``values`` (as booleans for ``dtype=bool``)."""
    return asarray(values, dtype)


def asarray(values: Any, dtype: Any = None) -> ndarray:
    """``values`` as an array (as booleans for ``dtype=bool``)."""
    items = values.items if isinstance(values, ndarray) else list(values) if isinstance(values, (list, tuple)) \
        else [values]
    return ndarray([bool(v) for v in items] if dtype is bool else items)


def fromiter(values: Iterable[Any], dtype: Any = None, count: int = -1) -> ndarray:
    """An array of what ``values`` yields."""
    return asarray(list(values), dtype)


def flatnonzero(values: Any) -> ndarray:
    """The positions of the true elements."""
    return ndarray([i for i, v in enumerate(asarray(values).items) if v])


def where(condition: Any, yes: Any, no: Any) -> ndarray:
    """``yes`` where ``condition`` holds, else ``no``, element by element."""
    length = _length(condition, yes, no)
    return ndarray(a if flag else b for flag, a, b in
                   zip(_broadcast(condition, length), _broadcast(yes, length), _broadcast(no, length), strict=True))


def maximum(a: Any, b: Any) -> ndarray:
    """The larger of each pair (the first where they are equal)."""
    length = _length(a, b)
    return ndarray(x if x >= y else y for x, y in zip(_broadcast(a, length), _broadcast(b, length), strict=True))


def minimum(a: Any, b: Any) -> ndarray:
    """The smaller of each pair (the first where they are equal)."""
    length = _length(a, b)
    return ndarray(x if x <= y else y for x, y in zip(_broadcast(a, length), _broadcast(b, length), strict=True))


def searchsorted(sorted_values: Any, values: Any, side: str = "left") -> ndarray:
    """Where each value would go in ``sorted_values`` (``side="right"``: after equal values)."""
    keys = list(sorted_values)
    find = bisect.bisect_right if side == "right" else bisect.bisect_left
    return ndarray(find(keys, v) for v in asarray(values).items)


def frompyfunc(function: Callable[[Any], Any], nin: int, nout: int) -> Callable[[Any], ndarray]:
    """``function`` applied element by element (one input, one output)."""
    if (nin, nout) != (1, 1):
        raise ValueError("only one input and one output are supported")

    def apply(values: Any) -> ndarray:
        return ndarray(function(v) for v in asarray(values).items)

    return apply
