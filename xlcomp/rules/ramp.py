"""Ramps (SPEC section 10): a new hire's quotas and amount targets are a fraction of the plan's.

The plan's ``ramp: [{months: 1, factor: 0.25}, {months: 2, factor: 0.5}, {months: 3, factor: 0.75}]`` gives a
CSM fewer than ``months`` **whole months** in post at the period's start the first matching factor. Whole months
from the start date to the period's first day count the calendar months between them, less one when the start
date's day of the month is after the period start's: ``(YEAR(ps) - YEAR(s)) x 12 + MONTH(ps) - MONTH(s) -
(DAY(s) > DAY(ps))``; a CSM who starts on or after the period's first day has 0 (at least 0). So a start on
2027-01-01 is 3 whole months before 2027-04-01, a start on 2027-01-02 only 2.

The steps are a table with ``months_from`` (0, then each step's months) and ``factor`` (the steps' factors, then
1: the full quota), and the factor is the row of the last ``months_from`` at most the whole months
(:class:`~xlcomp.rules.tables.Lookup`, as the multiplier bands). The ramped target is
``ROUND(target x factor, 6)``. Dates are Excel serial day numbers on both sides: the engine binds serials too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from xlcomp.model.metrics import metric_def
from xlcomp.model.plan import Component, Kind, Plan, RampStep
from xlcomp.rules.expr import MAX, ROUND, Cells, Env, Expr, If, Input, Num, decimals
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.tables import Lookup

__all__ = ["EXCEL_EPOCH", "MONTHS", "RAMP", "RAMP_COLUMNS", "RAMP_FACTOR", "DatePart", "ramp_factor", "ramp_table",
           "ramped", "ramped_target", "serial", "whole_months"]

RAMP = "ramp"                       # the table input: months_from, factor
RAMP_COLUMNS = ("months_from", "factor")
MONTHS = "months_in_post"           # whole months from the start date to the period's first day
RAMP_FACTOR = "ramp_factor"
EXCEL_EPOCH = date(1899, 12, 30)
_EPOCH = EXCEL_EPOCH.toordinal()
ONE = Decimal(1)


def serial(value: date | None) -> Decimal | None:
    """A date as Excel's serial day number (1900 system); None for none."""
    return None if value is None else Decimal(value.toordinal() - _EPOCH)


def _part(name: str, value: Decimal) -> Decimal:
    day = date.fromordinal(_EPOCH + int(value))
    return Decimal(day.year if name == "YEAR" else day.month if name == "MONTH" else day.day)


@dataclass(frozen=True, eq=False)
class DatePart(Expr):
    """``YEAR(d)``, ``MONTH(d)`` or ``DAY(d)`` of a serial day number (blank stays blank)."""

    name: str
    arg: Expr

    def evaluate(self, env: Env) -> Any:
        value = self.arg.evaluate(env)
        if isinstance(value, np.ndarray):
            return decimals([None if v is None else _part(self.name, v) for v in value.tolist()])
        return None if value is None else _part(self.name, value)

    def render(self, cells: Cells) -> str:
        return f"{self.name}({self.arg.render(cells)})"

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


def whole_months() -> Expr:
    """Whole months in post at the period's start (``start`` and ``period_start`` serials), at least 0."""
    start, first = Input(K.START), Input(K.PERIOD_START)

    def year(d: Expr) -> DatePart:
        return DatePart("YEAR", d)

    def month(d: Expr) -> DatePart:
        return DatePart("MONTH", d)

    def day(d: Expr) -> DatePart:
        return DatePart("DAY", d)

    months = (year(first) - year(start)) * 12 + month(first) - month(start) \
        - If(day(start) > day(first), Num(ONE), Num(Decimal(0)))
    return MAX(0, months)


def ramp_factor() -> Expr:
    """The ramp factor at ``months_in_post``: the row of the ramp table with the last ``months_from`` at most it."""
    return Lookup(Input(MONTHS), RAMP, "months_from", "factor")


def ramped_target() -> Expr:
    """A quota or amount target on a ramp: ``ROUND(target x ramp_factor, 6)``."""
    return ROUND(Input(K.TARGET) * RAMP_FACTOR, 6)


def ramp_table(steps: tuple[RampStep, ...]) -> dict[str, tuple[Decimal, ...]]:
    """The steps as the table the rule reads: ``months_from`` 0, m1, m2, …; ``factor`` f1, f2, …, 1."""
    return {"months_from": (Decimal(0), *(Decimal(s.months) for s in steps)),
            "factor": (*(s.factor for s in steps), ONE)}


def ramped(component: Component, plan: Plan) -> bool:
    """Does the plan's ramp move this component's target? Commission quotas, and bonus targets of amounts
    (money or counts: a rate target such as 92% GRR is not ramped)."""
    if not plan.ramp:
        return False
    if component.kind is Kind.COMMISSION:
        return component.quota is not None
    definition = metric_def(component.metric, set(plan.inputs))
    return component.target is not None and definition is not None and definition.is_amount

