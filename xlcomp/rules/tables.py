"""Table nodes of the expression tree: a table input is a mapping of column name to values when a rule
is evaluated and a table name when it is rendered (``Tiers_renewal[rate]``, ``Accounts[arr_start]``).

Lookups (:class:`Lookup`, :class:`Match`, :class:`Index`, :class:`ColumnMin`) read tier tables and
multiplier bands; :class:`Column` is a whole column inside an array formula, and :func:`SUM`,
:func:`COUNTA` and :func:`SUMPRODUCT` add a table's columns up (the ROI sheet's totals): blanks are
skipped, booleans count as 1 and 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from xlcomp.rules.expr import Cells, Env, Expr, decimals

ZERO = Decimal(0)

__all__ = ["COUNTA", "SUM", "SUMPRODUCT", "Aggregate", "Column", "ColumnMin", "Index", "Lookup", "Match",
           "excel_column", "held_rows"]


def excel_column(table: str, column: str) -> str:
    """A structured reference to a table column: ``Accounts[renewed_arr]`` (special characters escaped)."""
    escaped = re.sub(r"(['#\[\]@])", r"'\1", column)
    return f"{table}[{escaped}]"


@dataclass(frozen=True, eq=False)
class Column(Expr):
    """A column of a table input, rendered ``Table[column]`` (used inside array formulas)."""

    table: str
    column: str

    def evaluate(self, env: Env) -> Any:
        return decimals(env[self.table][self.column])

    def render(self, cells: Cells) -> str:
        return excel_column(cells[self.table], self.column)

    def inputs(self) -> set[str]:
        return {self.table}


@dataclass(frozen=True, eq=False)
class ColumnMin(Expr):
    """``MIN(Table[column])``: the smallest value of a table column."""

    table: str
    column: str

    def evaluate(self, env: Env) -> Any:
        return min(v for v in env[self.table][self.column] if v is not None)

    def render(self, cells: Cells) -> str:
        return f"MIN({excel_column(cells[self.table], self.column)})"

    def inputs(self) -> set[str]:
        return {self.table}


def held_rows(lows: Sequence[Decimal | None], values: Any) -> Any:
    """``MATCH(value, lows, 1) - 1``: the row of the last lower bound at most each value (0 below all)."""
    index = np.searchsorted(decimals(lows), values, side="right") - 1
    return np.maximum(index, 0)


@dataclass(frozen=True, eq=False)
class Lookup(Expr):
    """``INDEX(Table[result], MATCH(x, Table[key], 1))``: the row of the last key at most ``x`` (keys ascending)."""

    x: Expr
    table: str
    key: str
    result: str

    def evaluate(self, env: Env) -> Any:
        table = env[self.table]
        x = self.x.evaluate(env)
        picked = decimals(table[self.result])[held_rows(table[self.key], x)]
        return picked

    def render(self, cells: Cells) -> str:
        name = cells[self.table]
        return (f"INDEX({excel_column(name, self.result)},MATCH({self.x.render(cells)},"
                f"{excel_column(name, self.key)},1))")

    def children(self) -> tuple[Expr, ...]:
        return (self.x,)

    def inputs(self) -> set[str]:
        return self.x.inputs() | {self.table}


@dataclass(frozen=True, eq=False)
class Index(Expr):
    """``INDEX(Table[column], row)``: one cell of a table column (``row`` from 1)."""

    table: str
    column: str
    row: int

    def evaluate(self, env: Env) -> Any:
        return env[self.table][self.column][self.row - 1]

    def render(self, cells: Cells) -> str:
        return f"INDEX({excel_column(cells[self.table], self.column)},{self.row})"

    def inputs(self) -> set[str]:
        return {self.table}


@dataclass(frozen=True, eq=False)
class Match(Expr):
    """``MATCH(x, Table[column], 1)``: the row (from 1) of the last value at most ``x`` (values ascending)."""

    x: Expr
    table: str
    column: str

    def evaluate(self, env: Env) -> Any:
        return held_rows(env[self.table][self.column], self.x.evaluate(env)) + 1

    def render(self, cells: Cells) -> str:
        return f"MATCH({self.x.render(cells)},{excel_column(cells[self.table], self.column)},1)"

    def children(self) -> tuple[Expr, ...]:
        return (self.x,)

    def inputs(self) -> set[str]:
        return self.x.inputs() | {self.table}


def _cells(value: Any) -> list[Any]:
    """The values of a column (or one value) as a list of Python values (NumPy booleans become bools)."""
    return value.tolist() if isinstance(value, np.ndarray) else [value]


def _number(value: Any) -> Decimal:
    return Decimal(int(value)) if isinstance(value, bool) else value


@dataclass(frozen=True, eq=False)
class Aggregate(Expr):
    """``SUM(x)``, ``COUNTA(x)`` or ``SUMPRODUCT(a, b, …)`` over table columns (blanks skipped)."""

    name: str
    args: tuple[Expr, ...]

    def evaluate(self, env: Env) -> Any:
        columns = [_cells(arg.evaluate(env)) for arg in self.args]
        if self.name == "SUM":
            return sum((_number(v) for v in columns[0] if v is not None), ZERO)
        if self.name == "COUNTA":
            return Decimal(sum(1 for v in columns[0] if v is not None))
        if self.name == "SUMPRODUCT":
            total = ZERO
            for row in zip(*columns, strict=True):
                if all(v is not None for v in row):
                    product = _number(row[0])
                    for value in row[1:]:
                        product = product * _number(value)
                    total += product
            return total
        raise ValueError(f"no evaluation for {self.name}")

    def render(self, cells: Cells) -> str:
        return f"{self.name}({','.join(arg.render(cells) for arg in self.args)})"

    def children(self) -> tuple[Expr, ...]:
        return self.args


def SUM(column: Expr) -> Aggregate:  # noqa: N802 - named as the worksheet function
    """``SUM(Table[column])``: the column's total."""
    return Aggregate("SUM", (column,))


def COUNTA(column: Expr) -> Aggregate:  # noqa: N802
    """``COUNTA(Table[column])``: how many of the column's cells are not blank."""
    return Aggregate("COUNTA", (column,))


def SUMPRODUCT(*arrays: Expr) -> Aggregate:  # noqa: N802
    """``SUMPRODUCT(a, b, …)``: Σ of the row-by-row products (a condition counts 1 or 0)."""
    return Aggregate("SUMPRODUCT", arrays)
