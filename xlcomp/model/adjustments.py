"""Adjustments: the one sanctioned way to pay a manual change (SPEC section 8).

Each row pays ``ROUND(amount, 2)`` (may be negative) to one CSM with a reason, and shows as a
payouts.csv line of kind ``adjustment`` that counts in the CSM's total, the statement and the
workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

__all__ = ["ADJUSTMENT_COLUMNS", "DEFAULT_COMPONENT", "Adjustment"]

ADJUSTMENT_COLUMNS = ("csm_id", "amount", "reason", "component", "approved_by")
DEFAULT_COMPONENT = "adjustment"


@dataclass(frozen=True)
class Adjustment:
    """One adjustment row: who, how much, why, on which component line, approved by whom.

    ``where`` is the row's place (``adjustments.csv:3``, ``Adjustments!A5``) for messages.
    """

    csm_id: str
    amount: Decimal
    reason: str
    component: str = DEFAULT_COMPONENT
    approved_by: str = ""
    where: str = ""
