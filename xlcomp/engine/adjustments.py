"""Adjustments in a run (SPEC section 8): each row is a payout line of kind ``adjustment`` paying
``ROUND(amount, 2)`` (:func:`xlcomp.rules.adjustments.adjustment_payout`), counted in its CSM's total
and the run's total. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from xlcomp.errors import InputError, Problem
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.people import Roster
from xlcomp.money import exactly
from xlcomp.rules.adjustments import ADJUSTMENTS, AMOUNT, CSM_ID, adjustment_payout, adjustment_total

if TYPE_CHECKING:
    pass

__all__ = ["ADJUSTMENT_KIND", "AdjustmentLine", "adjustment_lines", "adjustments_sum"]

ADJUSTMENT_KIND = "adjustment"
ZERO = Decimal(0)
_PAYOUT = adjustment_payout()
_TOTAL = adjustment_total()


class AdjustmentLine(NamedTuple):
    """One adjustment as paid: the row and ``ROUND(amount, 2)``."""

    adjustment: Adjustment
    payout: Decimal

    @property
    def component(self) -> str:
        """The payout line's component (``adjustment`` unless the row names one)."""
        return self.adjustment.component

    @property
    def note(self) -> str:
        """The reason, and who approved it when known: ``Q4 true-up; approved by Dana Ruiz``."""
        adjustment = self.adjustment
        return f"{adjustment.reason}; approved by {adjustment.approved_by}" if adjustment.approved_by \
            else adjustment.reason


@exactly
def adjustment_lines(adjustments: Iterable[Adjustment], roster: Roster) -> dict[str, tuple[AdjustmentLine, ...]]:
    """Each CSM's adjustment lines, in the rows' order; an adjustment for a csm_id the roster lacks
    is a problem at its row (raised as :class:`InputError`)."""
    known = {csm.csm_id for csm in roster.csms}
    problems: list[Problem] = []
    out: dict[str, list[AdjustmentLine]] = {}
    for adjustment in adjustments:
        if adjustment.csm_id not in known:
            problems.append(Problem(adjustment.where or "adjustments", f'csm_id "{adjustment.csm_id}" is not a CSM '
                                                                       "of the roster", "csm_id"))
            continue
        payout = _PAYOUT.evaluate({AMOUNT: adjustment.amount})
        out.setdefault(adjustment.csm_id, []).append(AdjustmentLine(adjustment, payout))
    if problems:
        raise InputError(problems)
    return {csm_id: tuple(lines) for csm_id, lines in out.items()}


@exactly
def adjustments_sum(csm_id: str, lines: Sequence[AdjustmentLine]) -> Decimal:
    """A CSM's adjustments line as the workbook computes it
    (:func:`xlcomp.rules.adjustments.adjustment_total` over the CSM's rows)."""
    if not lines:
        return ZERO
    table = {"csm_id": [line.adjustment.csm_id for line in lines],
             "amount": [line.adjustment.amount for line in lines]}
    value: Decimal = _TOTAL.evaluate({ADJUSTMENTS: table, CSM_ID: csm_id})
    return value
