"""Plan versions (SPEC section 10): a period crossing a version's ``effective`` date is split at it, and each part
pays its version's components.

- A bonus pays on the whole period's attainment with the part's days in TI: the ordinary rules of
  :mod:`xlcomp.rules.payout`, ``days`` being the CSM's days employed inside the part.
- A commission pays on the amounts of the accounts booked (``booked_on``) inside the part; an account without a
  booking date is day-weighted: :func:`part_amount` of its amounts. Its quota is the part's share of the
  version's: :func:`part_quota` (a cap_amount is the version's, for each part).
"""

from __future__ import annotations

from xlcomp.rules.expr import ROUND, Expr, Input
from xlcomp.rules.payout import PERIOD_DAYS
from xlcomp.rules.payout import Inputs as K

__all__ = ["PART_DAYS", "part_amount", "part_quota"]

PART_DAYS = "part_days"     # calendar days of the part


def part_amount() -> Expr:
    """Amounts with no booking date, day-weighted into a part: ``ROUND(value x part days / days in period, 6)``."""
    return ROUND(Input(K.VALUE) * PART_DAYS / PERIOD_DAYS, 6)


def part_quota() -> Expr:
    """A commission quota in a part: ``ROUND(quota x part days / days in period, 6)``."""
    return ROUND(Input(K.QUOTA) * PART_DAYS / PERIOD_DAYS, 6)
