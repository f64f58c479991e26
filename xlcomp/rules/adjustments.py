"""Adjustments as rules (SPEC section 8): each row pays ``ROUND(amount, 2)``; a CSM's adjustments
line is the sum of its rows' rounded amounts.

The engine evaluates :func:`adjustment_total` on one CSM's rows (the table bound to a mapping of
column name to values); the CSM tab renders it over the workbook's Adjustments table:
``SUMPRODUCT((Adjustments[csm_id]=$B$5)*ROUND(Adjustments[amount],2))``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from xlcomp.rules.expr import ROUND, Cells, Env, Expr, Input
from xlcomp.rules.tables import Column

__all__ = ["ADJUSTMENTS", "AMOUNT", "CSM_ID", "SumProduct", "adjustment_payout", "adjustment_total"]

ADJUSTMENTS = "adjustments"   # the table of adjustments (columns csm_id, amount)
AMOUNT = "amount"             # one row's amount
CSM_ID = "csm_id"             # the CSM whose line it is
ZERO = Decimal(0)


@dataclass(frozen=True, eq=False)
class SumProduct(Expr):
    """``SUMPRODUCT(a*b*…)``: the sum over rows of the product of the factors (booleans count 1/0)."""

    factors: tuple[Expr, ...]

    def evaluate(self, env: Env) -> Any:
        product: Any = None
        for factor in self.factors:
            value = factor.evaluate(env)
            product = value if product is None else product * value
        if isinstance(product, np.ndarray):
            return sum((Decimal(int(v)) if isinstance(v, (bool, np.bool_)) else v for v in product.tolist()), ZERO)
        return ZERO if product is None else Decimal(product)

    def render(self, cells: Cells) -> str:
        parts = [f.render(cells) if f.precedence >= 4 else f"({f.render(cells)})" for f in self.factors]
        return f"SUMPRODUCT({'*'.join(parts)})"

    def children(self) -> tuple[Expr, ...]:
        return self.factors


def adjustment_payout() -> Expr:
    """What one adjustment row pays: ``ROUND(amount, 2)``."""
    return ROUND(Input(AMOUNT), 2)


def adjustment_total() -> Expr:
    """A CSM's adjustments line: ``SUMPRODUCT((table[csm_id]=csm_id)*ROUND(table[amount],2))``."""
    return SumProduct((Column(ADJUSTMENTS, "csm_id").eq(Input(CSM_ID)), ROUND(Column(ADJUSTMENTS, "amount"), 2)))
