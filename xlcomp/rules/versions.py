"""Plan versions (SPEC section 10): a period crossing a version's ``effective`` date is split at it, and each part
pays its version's components.

- A part runs from ``part_first`` to ``part_last`` (both included): :func:`part_days` calendar days.
- A bonus pays on the whole period's attainment with the part's days in TI: the ordinary rules of
  :mod:`xlcomp.rules.payout`, ``days`` being the CSM's days employed inside the part
  (:func:`xlcomp.rules.payout.days_employed` with the part's first and last day for the period's).
- A commission pays on the amounts of the accounts booked (``booked_on``) inside the part; an account without a
  booking date is day-weighted: :func:`part_amount` of its amounts, added by :func:`part_commission_amount`. Its
  quota is the part's share of the version's: :func:`part_quota` (a cap_amount is the version's, for each part).
"""

from __future__ import annotations

from xlcomp.rules.expr import ROUND, Expr, Input
from xlcomp.rules.payout import PERIOD_DAYS
from xlcomp.rules.payout import Inputs as K

__all__ = ["BOOKED", "PART_DAYS", "PART_FIRST", "PART_LAST", "UNDATED_SHARE", "part_amount",
           "part_commission_amount", "part_days", "part_quota"]

PART_DAYS = "part_days"     # calendar days of the part
PART_FIRST = "part_first"   # the part's first day (a day number; a defined name per component on the Plan sheet)
PART_LAST = "part_last"     # the part's last day
BOOKED = "booked"           # the amount of the accounts booked inside the part
UNDATED_SHARE = "undated_share"  # the part's day-weighted share of the accounts with no booking date


def part_days() -> Expr:
    """The part's calendar days: ``part_last - part_first + 1``."""
    return Input(PART_LAST) - Input(PART_FIRST) + 1


def part_amount() -> Expr:
    """Amounts with no booking date, day-weighted into a part: ``ROUND(value x part days / days in period, 6)``."""
    return ROUND(Input(K.VALUE) * PART_DAYS / PERIOD_DAYS, 6)


def part_commission_amount() -> Expr:
    """A commission's amount in a part: booked inside it plus the undated amounts' share."""
    return Input(BOOKED) + Input(UNDATED_SHARE)


def part_quota() -> Expr:
    """A commission quota in a part: ``ROUND(quota x part days / days in period, 6)``."""
    return ROUND(Input(K.QUOTA) * PART_DAYS / PERIOD_DAYS, 6)
