"""A small expression tree: each payout rule is described once and rendered two ways.

``evaluate(env)`` computes the rule on exact Decimals, where every named input is bound to a Decimal
or to a NumPy object array of Decimals (one per CSM, so a run computes every CSM at once);
``render(cells)`` writes the same rule as Excel formula text, every named input bound to a cell
reference or a defined name. Nothing else writes the formula text of a payout rule.

Semantics, as Excel computes them:

- a blank is ``None`` (``""`` in a formula); ``x = ""`` tests for it, and :class:`If`, :func:`OR`
  and :func:`AND` evaluate a branch only on the rows that reach it (``IF(x="",0,x*2)`` never
  multiplies a blank);
- comparisons give booleans (``TRUE``/``FALSE``), which count as 1/0 in arithmetic;
- ``MIN(a, b)`` and ``MAX(a, b)`` keep the *last* argument on a tie (equal Decimals can differ in
  exponent: the tie goes to the computed value, not the constant, so ``MAX(0, x)`` keeps ``x``);
- ``ROUND`` is half away from zero on the decimal value (:func:`xlcomp.money.excel_round`);
- a table (tier table, multiplier bands, the Accounts table) is bound to a mapping of column name to
  values at evaluation and to its table name at rendering (``Tiers_renewal[rate]``): its nodes are
  in :mod:`xlcomp.rules.tables`.

Parentheses are the fewest Excel needs (operands of ``-`` and ``/`` on the right are grouped on a
tie); :class:`Group` keeps parentheses a formula wants for reading.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

import numpy as np

__all__ = ["AND", "BLANK", "FALSE", "MAX", "MIN", "NOT", "OR", "ROUND", "Array", "Binary", "Blank", "Cells", "Env",
           "Expr", "Func", "Group", "If", "Input", "IsBlank", "Literal", "N", "Num", "Operand", "Table", "Text",
           "as_expr", "decimals", "is_blank", "take"]

Array = np.ndarray[Any, Any]
Env = Mapping[str, Any]
Cells = Mapping[str, str]
Table = Mapping[str, Sequence[Decimal | None]]

ZERO = Decimal(0)
_WHERE: Any = np.where  # object arrays: typed loosely
# Operator precedence in Excel formulas (higher binds tighter).
_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, ">": 1, "<=": 1, ">=": 1, "&": 2, "+": 3, "-": 3, "*": 4, "/": 4}
_ATOM = 9
_ROUNDERS = {digits: np.frompyfunc(lambda x, q=Decimal(1).scaleb(-digits): x.quantize(q, ROUND_HALF_UP), 1, 1)
             for digits in range(0, 13)}


def decimals(values: Any) -> Array:
    """An object array of the given Decimals (or None)."""
    return np.fromiter(values, dtype=object, count=len(values))


def take(env: Env, rows: Array, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The environment of some rows: every array input (of ``names``, default all) cut to ``rows``."""
    wanted = env.keys() if names is None else names
    return {name: value[rows] if isinstance(value := env[name], np.ndarray) else value for name in wanted}


def is_blank(value: Any) -> Any:
    """Which values are blank (None): a bool array for an array, a bool for one value."""
    if isinstance(value, np.ndarray):
        if value.dtype != object:
            return np.zeros(len(value), dtype=bool)
        return np.array([v is None for v in value.tolist()], dtype=bool)
    return value is None


def _length(env: Env) -> int | None:
    for value in env.values():
        if isinstance(value, np.ndarray):
            return len(value)
    return None


class Expr:
    """A node of a rule. Operators build trees: ``a * b``, ``a - 1``, ``a < b``."""

    precedence = _ATOM

    def evaluate(self, env: Env) -> Any:
        """The value: a Decimal, bool or None, or an array of them when an input is an array."""
        raise NotImplementedError

    def render(self, cells: Cells) -> str:
        """Excel formula text (without the leading ``=``)."""
        raise NotImplementedError

    def formula(self, cells: Cells) -> str:
        """The formula of a cell: ``=`` and the text."""
        return "=" + self.render(cells)

    def inputs(self) -> set[str]:
        """The named inputs the rule reads."""
        found: set[str] = set()
        for child in self.children():
            found |= child.inputs()
        return found

    def children(self) -> tuple[Expr, ...]:
        """The nodes under this one."""
        return ()

    @cached_property
    def names(self) -> frozenset[str]:
        """:meth:`inputs`, worked out once (what a branch's rows are cut to)."""
        return frozenset(self.inputs())

    def __add__(self, other: Operand) -> Binary:
        return Binary("+", self, as_expr(other))

    def __sub__(self, other: Operand) -> Binary:
        return Binary("-", self, as_expr(other))

    def __mul__(self, other: Operand) -> Binary:
        return Binary("*", self, as_expr(other))

    def __truediv__(self, other: Operand) -> Binary:
        return Binary("/", self, as_expr(other))

    def __lt__(self, other: Operand) -> Binary:
        return Binary("<", self, as_expr(other))

    def __le__(self, other: Operand) -> Binary:
        return Binary("<=", self, as_expr(other))

    def __gt__(self, other: Operand) -> Binary:
        return Binary(">", self, as_expr(other))

    def __ge__(self, other: Operand) -> Binary:
        return Binary(">=", self, as_expr(other))

    def eq(self, other: Operand) -> Expr:
        """``self = other``; against :data:`BLANK` it tests for a blank."""
        right = as_expr(other)
        if isinstance(right, Blank):
            return IsBlank(self)
        return Binary("=", self, right)


Operand = Expr | Decimal | int | str


def as_expr(value: Operand) -> Expr:
    """A node for a value: a number becomes :class:`Num`, a name becomes :class:`Input`."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, str):
        return Input(value)
    return Num(Decimal(value))


@dataclass(frozen=True, eq=False)
class Num(Expr):
    """A number; ``text`` is how the formula writes it (default: the plain decimal)."""

    value: Decimal
    text: str = ""

    def evaluate(self, env: Env) -> Any:
        return self.value

    def render(self, cells: Cells) -> str:
        return self.text or f"{self.value:f}"


@dataclass(frozen=True, eq=False)
class Literal(Expr):
    """A constant written as-is: ``FALSE``, ``TRUE``."""

    value: Any
    text: str

    def evaluate(self, env: Env) -> Any:
        return self.value

    def render(self, cells: Cells) -> str:
        return self.text


@dataclass(frozen=True, eq=False)
class Text(Expr):
    """A text constant (``"capped"``)."""

    value: str

    def evaluate(self, env: Env) -> Any:
        return self.value

    def render(self, cells: Cells) -> str:
        return '"' + self.value.replace('"', '""') + '"'


@dataclass(frozen=True, eq=False)
class Blank(Expr):
    """No value: ``""`` in a formula, None in the engine."""

    def evaluate(self, env: Env) -> Any:
        return None

    def render(self, cells: Cells) -> str:
        return '""'


BLANK = Blank()
FALSE = Literal(False, "FALSE")


@dataclass(frozen=True, eq=False)
class Input(Expr):
    """A named input: a value (or array) at evaluation, a cell reference or defined name at rendering."""

    name: str

    def evaluate(self, env: Env) -> Any:
        return env[self.name]

    def render(self, cells: Cells) -> str:
        return cells[self.name]

    def inputs(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True, eq=False)
class Group(Expr):
    """Parentheses kept for reading: ``(upto+(upto="")*1E+100)``."""

    inner: Expr

    def evaluate(self, env: Env) -> Any:
        return self.inner.evaluate(env)

    def render(self, cells: Cells) -> str:
        return f"({self.inner.render(cells)})"

    def children(self) -> tuple[Expr, ...]:
        return (self.inner,)


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
    "=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
}


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    """``left op right`` for + - * / and the comparisons (which give booleans)."""

    op: str
    left: Expr
    right: Expr

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return _PRECEDENCE[self.op]

    def evaluate(self, env: Env) -> Any:
        result = _OPS[self.op](self.left.evaluate(env), self.right.evaluate(env))
        if self.precedence == 1 and isinstance(result, np.ndarray):
            return np.asarray(result, dtype=bool)
        return result

    def render(self, cells: Cells) -> str:
        own = self.precedence
        left = self.left.render(cells)
        if self.left.precedence < own:
            left = f"({left})"
        right = self.right.render(cells)
        grouped_on_tie = self.op in ("-", "/") or own == 1
        if self.right.precedence < own or (grouped_on_tie and self.right.precedence == own):
            right = f"({right})"
        return f"{left}{self.op}{right}"

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class IsBlank(Expr):
    """``x=""``: is the value blank?"""

    inner: Expr

    precedence = 1

    def evaluate(self, env: Env) -> Any:
        return is_blank(self.inner.evaluate(env))

    def render(self, cells: Cells) -> str:
        inner = self.inner.render(cells)
        if self.inner.precedence <= 1:
            inner = f"({inner})"
        return f'{inner}=""'

    def children(self) -> tuple[Expr, ...]:
        return (self.inner,)


def _pick(condition: Any, yes: Callable[[Env], Any], no: Callable[[Env], Any], env: Env,
          names: Iterable[str] | None = None) -> Any:
    """``yes`` where ``condition`` holds, else ``no``, each evaluated only on its own rows."""
    if not isinstance(condition, np.ndarray):
        return yes(env) if condition else no(env)
    condition = np.asarray(condition, dtype=bool)
    if condition.all() or not condition.any():
        value = yes(env) if condition.all() else no(env)
        if isinstance(value, np.ndarray):
            return value
        out = np.empty(len(condition), dtype=object)
        out[:] = [value] * len(condition)
        return out
    out = np.empty(len(condition), dtype=object)
    out[condition] = yes(take(env, condition, names))
    out[~condition] = no(take(env, ~condition, names))
    return out


@dataclass(frozen=True, eq=False)
class If(Expr):
    """``IF(condition, yes, no)``; each branch is evaluated only on the rows that take it."""

    condition: Expr
    yes: Expr
    no: Expr

    def evaluate(self, env: Env) -> Any:
        return _pick(self.condition.evaluate(env), self.yes.evaluate, self.no.evaluate, env,
                     self.yes.names | self.no.names)

    def render(self, cells: Cells) -> str:
        return f"IF({self.condition.render(cells)},{self.yes.render(cells)},{self.no.render(cells)})"

    def children(self) -> tuple[Expr, ...]:
        return (self.condition, self.yes, self.no)


def _broadcast(value: Any, n: int | None) -> Any:
    if n is None or isinstance(value, np.ndarray):
        return value
    return np.full(n, bool(value), dtype=bool)


@dataclass(frozen=True, eq=False)
class Func(Expr):
    """A worksheet function: MIN, MAX, ROUND, N, NOT, OR, AND (see the module's semantics)."""

    name: str
    args: tuple[Expr, ...]

    def evaluate(self, env: Env) -> Any:
        name = self.name
        if name in ("OR", "AND"):
            return self._logical(env, name == "OR")
        values = [arg.evaluate(env) for arg in self.args]
        if name == "MIN":
            return _fold(values, lambda a, b: a < b)
        if name == "MAX":
            return _fold(values, lambda a, b: a > b)
        if name == "ROUND":
            value, digits = values[0], int(values[1])
            if isinstance(value, np.ndarray):
                return _ROUNDERS[digits](value) if len(value) else value
            return value.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)
        if name == "N":
            value = values[0]
            if isinstance(value, np.ndarray):
                blank = is_blank(value)
                return _WHERE(blank, ZERO, value) if blank.any() else value
            return ZERO if value is None else value
        if name == "NOT":
            value = values[0]
            return ~np.asarray(value, dtype=bool) if isinstance(value, np.ndarray) else not value
        raise ValueError(f"no evaluation for {name}")

    def _logical(self, env: Env, any_of: bool) -> Any:
        """OR/AND, each argument evaluated only on the rows still undecided."""
        n = _length(env)
        first = _broadcast(self.args[0].evaluate(env), n)
        if len(self.args) == 1:
            return first
        rest = Func(self.name, self.args[1:])
        if any_of:
            result = _pick(first, lambda e: True, lambda e: _broadcast(rest.evaluate(e), _length(e)), env, rest.names)
        else:
            result = _pick(first, lambda e: _broadcast(rest.evaluate(e), _length(e)), lambda e: False, env,
                           rest.names)
        return np.asarray(result, dtype=bool) if isinstance(result, np.ndarray) else result

    def render(self, cells: Cells) -> str:
        return f"{self.name}({','.join(arg.render(cells) for arg in self.args)})"

    def children(self) -> tuple[Expr, ...]:
        return self.args


def _fold(values: list[Any], wins: Callable[[Any, Any], Any]) -> Any:
    """MIN/MAX of the arguments, the later one kept on a tie."""
    result = values[0]
    for value in values[1:]:
        better = wins(result, value)
        result = np.where(better, result, value) if isinstance(better, np.ndarray) else (result if better else value)
    return result


def MIN(*args: Operand) -> Func:  # noqa: N802 - named as the worksheet function
    """``MIN(a, b, …)``."""
    return Func("MIN", tuple(as_expr(a) for a in args))


def MAX(*args: Operand) -> Func:  # noqa: N802
    """``MAX(a, b, …)``."""
    return Func("MAX", tuple(as_expr(a) for a in args))


def ROUND(value: Operand, digits: int) -> Func:  # noqa: N802
    """``ROUND(value, digits)``, half away from zero."""
    return Func("ROUND", (as_expr(value), Num(Decimal(digits))))


def N(value: Operand) -> Func:  # noqa: N802
    """``N(value)``: a blank is 0."""
    return Func("N", (as_expr(value),))


def NOT(value: Operand) -> Func:  # noqa: N802
    """``NOT(value)``."""
    return Func("NOT", (as_expr(value),))


def OR(*args: Operand) -> Expr:  # noqa: N802
    """``OR(a, b, …)`` (one argument: itself)."""
    return as_expr(args[0]) if len(args) == 1 else Func("OR", tuple(as_expr(a) for a in args))


def AND(*args: Operand) -> Expr:  # noqa: N802
    """``AND(a, b, …)`` (one argument: itself)."""
    return as_expr(args[0]) if len(args) == 1 else Func("AND", tuple(as_expr(a) for a in args))
