"""SPIFs (SPEC section 10): a commission component with a booking ``window`` pays only on the amounts of the
accounts whose ``booked_on`` falls inside it (both days included), and only CSMs of its ``segments``.

The window counts inside the period only: ``MAX(period_start, window_from)`` to ``MIN(period_end, window_to)``
(a window partly outside the period is cut to it, with a warning; one wholly outside is a plan error). The
amount booked in the window is the metric's numerator (:func:`xlcomp.rules.metrics.metric_spec`) with each
account column summed by :func:`window_sum`; the engine sums the same accounts with Arrow
(:mod:`xlcomp.engine.spifs`). A CSM of another segment is paid on an amount of 0 (a 0 line with a note).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from xlcomp.model.plan import Component, Plan
from xlcomp.rules.expr import BLANK, MAX, MIN, NOT, OR, Expr, If, Input, Num, Text
from xlcomp.rules.metrics import acc, metric_spec
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.tables import excel_column

__all__ = ["BOOKED_ON", "CREDIT_TABLE", "ELIGIBLE", "SEGMENT", "WINDOW_FROM", "WINDOW_TO", "credit_ref",
           "credited_window_sum", "eligible", "metric_amount", "spif_amount", "window_amount", "window_from",
           "window_sum", "window_to"]

BOOKED_ON = "booked_on"
SEGMENT = "segment"             # the CSM's segment (the Roster's)
ELIGIBLE = "eligible"           # TRUE when the CSM's segment is one of the SPIF's
WINDOW_FROM = "window_from"     # the plan's window (defined names on the Plan sheet)
WINDOW_TO = "window_to"
CREDIT_TABLE = "Credit"        # the workbook's Credit table (moves and splits)
ZERO = Decimal(0)


def window_from() -> Expr:
    """The window's first day inside the period: ``MAX(period_start, window_from)``."""
    return MAX(K.PERIOD_START, WINDOW_FROM)


def window_to() -> Expr:
    """The window's last day inside the period: ``MIN(period_end, window_to)``."""
    return MIN(K.PERIOD_END, WINDOW_TO)


def eligible(segments: tuple[str, ...]) -> Expr:
    """Is the CSM's segment one of the SPIF's? ``OR(segment="Enterprise", …)``."""
    return OR(*(Input(SEGMENT).eq(Text(name)) for name in segments))


def spif_amount(component: Component) -> Expr:
    """The amount the SPIF pays on: the amount booked in the window (``value``; 0 with no data), 0 for a CSM
    outside the SPIF's segments."""
    value = Input(K.VALUE)
    booked: Expr = If(value.eq(BLANK), Num(ZERO), value)
    if component.segments is None:
        return booked
    return If(NOT(ELIGIBLE), Num(ZERO), booked)


def window_sum(column: str, key_cell: str, first_cell: str, last_cell: str) -> str:
    """``SUMIFS`` of an account column over the CSM's accounts booked from ``first_cell`` to ``last_cell``."""
    return (f'SUMIFS({acc(column)},{acc("csm_id")},"="&{key_cell},{acc(BOOKED_ON)},">="&{first_cell},'
            f'{acc(BOOKED_ON)},"<="&{last_cell})')


def credited_window_sum(column: str, key_cell: str, first_cell: str, last_cell: str) -> str:
    """With moves and splits: ``SUMIFS`` of the Credit table's line of an account column (the account's value x
    the row's share of amounts: a moved account's wholly to its owner on its booked_on day, a split's by share)
    over the CSM's credit rows whose account was booked from ``first_cell`` to ``last_cell``; added to
    :func:`window_sum` (the -1 row of the listed owner takes the account back from it)."""
    return (f'SUMIFS({credit_ref("sum_" + column)},{credit_ref("credited_csm")},"="&{key_cell},'
            f'{credit_ref(BOOKED_ON)},">="&{first_cell},{credit_ref(BOOKED_ON)},"<="&{last_cell})')


def credit_ref(column: str) -> str:
    """A column of the Credit table."""
    return excel_column(CREDIT_TABLE, column)


def metric_amount(component: Component, plan: Plan, sum_of: Callable[[str], str]) -> str:
    """The formula of a commission's amount with each account column ``c`` summed by ``sum_of(c)``: the metric's
    numerator (``upsell_arr + cross_sell_arr`` for expansion_arr)."""
    spec = metric_spec(component.metric, plan)
    assert spec.num is not None and spec.den is None
    return spec.num.formula({f"book:{key}": f"({sum_of(key.partition(':')[2])})" for key in spec.items()})


def window_amount(component: Component, plan: Plan, key_cell: str, first_cell: str, last_cell: str,
                  credited: bool = False) -> str:
    """The formula of the amount booked in the window: the metric's numerator with each account column summed
    by :func:`window_sum` (plus :func:`credited_window_sum` when ``credited``: moves and splits)."""
    def sum_of(column: str) -> str:
        found = window_sum(column, key_cell, first_cell, last_cell)
        return found + "+" + credited_window_sum(column, key_cell, first_cell, last_cell) if credited else found

    return metric_amount(component, plan, sum_of)
