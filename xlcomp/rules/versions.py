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
from xlcomp.rules.metrics import acc
from xlcomp.rules.payout import PERIOD_DAYS
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.spif import credit_ref, window_sum

__all__ = ["BOOKED", "PART_DAYS", "PART_FIRST", "PART_LAST", "UNDATED_SHARE", "part_amount",
           "part_commission_amount", "part_days", "part_quota", "undated_sum"]

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


def undated_sum(column: str, key_cell: str, credit_column: str | None = None) -> str:
    """The amount of an account column over the CSM's accounts with no booking date: every account's ``SUMIFS``
    less the booked ones' (any date). With moves and splits (``credit_column``: the Credit table's part column
    of the account column, the value x the row's share of an undated account over the part's days), plus the
    CSM's credit rows of it."""
    every = f'SUMIFS({acc(column)},{acc("csm_id")},"="&{key_cell})'
    booked = window_sum(column, key_cell, "1", "2958465")
    found = f"{every}-{booked}"
    if credit_column is not None:
        found += f'+SUMIFS({credit_ref(credit_column)},{credit_ref("credited_csm")},"="&{key_cell})'
    return found
