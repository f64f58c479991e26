"""The Python API for pandas users: ``xlcomp.calculate(plan, roster, accounts, period)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlcomp.engine.run import RunResult, run
from xlcomp.load.adjustments import load_adjustments
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import load_plan, parse_plan
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.period import Period, parse_period
from xlcomp.model.plan import Plan
from xlcomp.money import exactly

__all__ = ["as_plan", "calculate"]


def as_plan(plan: Plan | str | Path) -> Plan:
    """A plan from a :class:`Plan`, a path to a YAML file, or YAML text."""
    if isinstance(plan, Plan):
        return plan
    if isinstance(plan, str) and "\n" in plan:
        return parse_plan(plan)
    return load_plan(plan)


@exactly
def calculate(plan: Plan | str | Path, roster: Any, accounts: Any, period: str | Period, *,
              adjustments: Any = None, decimal_comma: bool = False) -> RunResult:
    """Compute a period's payouts.

    ``plan``: a path, YAML text or :class:`~xlcomp.model.Plan`; ``roster`` and ``accounts``: paths
    (CSV or .xlsx) or pandas DataFrames; ``period``: ``"2027-Q1"`` etc. Returns a
    :class:`~xlcomp.engine.RunResult` whose ``.payouts`` and ``.summary`` are DataFrames of exact
    Decimals. Raises :class:`~xlcomp.errors.PlanError` or :class:`~xlcomp.errors.InputError` listing
    every problem. ``adjustments`` (a path or DataFrame with csm_id, amount, reason and optional
    component, approved_by; or a sequence of :class:`~xlcomp.model.Adjustment`) are paid as lines of
    kind ``adjustment``; ``decimal_comma`` reads their amounts written ``1.234,50``.

    >>> result = calculate("plan.yaml", "roster.csv", "accounts.csv", "2027-Q1")  # doctest: +SKIP
    >>> result.summary[["csm_id", "payout_total"]]  # doctest: +SKIP
    """
    plan_model = as_plan(plan)
    period_model = period if isinstance(period, Period) else parse_period(period)
    roster_model, book = load_inputs(plan_model, roster, accounts)
    if adjustments is None:
        rows: tuple[Adjustment, ...] = ()
    elif isinstance(adjustments, (list, tuple)) and all(isinstance(a, Adjustment) for a in adjustments):
        rows = tuple(adjustments)
    else:
        rows = load_adjustments(adjustments, roster_model, currency=plan_model.currency, decimal_comma=decimal_comma)
    return run(plan_model, roster_model, book, period_model, adjustments=rows)
