"""Credit of moved and split accounts (SPEC section 10), each rule once.

A moved account's owner is credited ``days owned / days in the period`` of it (``credit_share``); its
days owned are the calendar days of its stretch of ownership (``owned_days``, the rule
:func:`xlcomp.rules.payout.calendar_days` on the stretch's first and last day). A split credits its
``share``. What a CSM is credited of a value (an amount, a count, a weight) is ``value x share``
(``credited``); the engine sums ``value x share numerator`` and divides once by the share's
denominator (``credited_sum``), which is the same number, exact where it can be.
"""

from __future__ import annotations

from xlcomp.rules.expr import Expr, Input
from xlcomp.rules.payout import PERIOD_DAYS, calendar_days

__all__ = ["DAYS", "SHARE", "SHARE_DEN", "VALUE", "VALUE_NUM", "credit_share", "credited", "credited_sum",
           "owned_days"]

DAYS = "days"             # days an owner owned the account in the period
SHARE = "share"           # a credited share (days / days in the period, or a split's share)
VALUE = "value"           # an account's value (amount, count 1, weight)
VALUE_NUM = "value_num"   # Σ value x the share's numerator (days, or the split's share)
SHARE_DEN = "share_den"   # the share's denominator (days in the period, or 1)


def owned_days() -> Expr:
    """Calendar days of a stretch of ownership inside the period (its first and last day bound as
    ``period_start`` and ``period_end``)."""
    return calendar_days()


def credit_share() -> Expr:
    """A moved account's share for one owner: days owned over days in the period."""
    return Input(DAYS) / PERIOD_DAYS


def credited() -> Expr:
    """What one credit row gives its CSM of a value: value x share."""
    return Input(VALUE) * SHARE


def credited_sum() -> Expr:
    """Credit rows with one denominator summed: Σ (value x share numerator) / the denominator."""
    return Input(VALUE_NUM) / SHARE_DEN
