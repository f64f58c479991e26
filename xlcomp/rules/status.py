"""Why a component paid what it paid: one decision tree, read by the CSM tab, the engine and statements.

The tree is a list of checks in order (no data, gate, threshold, cap); the first that holds decides.
The CSM tab renders it as nested IFs over its cells (``status_formula``); the engine and statements
decide it on a result's values (``decide``). Each :class:`Status` has the tab's words and the
statement's short words.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from xlcomp.model.plan import Component, Kind
from xlcomp.rules.expr import BLANK, NOT, Cells, Env, Expr, Input
from xlcomp.rules.payout import Inputs

__all__ = ["Status", "decide", "status_checks", "status_formula"]


class Status(Enum):
    """A component's status: ``text`` on the CSM tab, ``short`` on a statement ('' when paid normally)."""

    NO_DATA = ("no data: pays 0", "no data")
    GATE_CLOSED = ("gate not met: pays 0", "gate not met")
    BELOW_THRESHOLD = ("below threshold: pays 0", "below threshold")
    CAPPED = ("capped", "capped")
    ON_CURVE = ("on the curve", "")
    FLAT_RATE = ("pays the rate", "")

    @property
    def text(self) -> str:
        """The words on the CSM tab."""
        return self.value[0]

    @property
    def short(self) -> str:
        """The words on a statement."""
        return self.value[1]


def status_checks(component: Component) -> tuple[list[tuple[Expr, Status]], Status]:
    """The checks in order and the status when none holds.

    A bonus reads ``attainment``, ``gate``, ``threshold``, ``curve_share`` and ``cap``; a commission
    ``gate``, ``attainment``, ``threshold``, ``before_cap`` and ``cap_amount``.
    """
    x = Input(Inputs.ATTAINMENT)
    checks: list[tuple[Expr, Status]] = []
    if component.kind is Kind.BONUS:
        checks.append((x.eq(BLANK), Status.NO_DATA))
    if component.gate is not None:
        checks.append((NOT(Inputs.GATE), Status.GATE_CLOSED))
    if component.threshold is not None and (component.kind is Kind.BONUS or component.quota is not None):
        checks.append((x < Inputs.THRESHOLD, Status.BELOW_THRESHOLD))
    if component.kind is Kind.BONUS:
        if component.cap is not None:
            checks.append((Input(Inputs.CURVE_SHARE) > Inputs.CAP, Status.CAPPED))
        return checks, Status.ON_CURVE
    if component.cap_amount is not None:
        checks.append((Input(Inputs.BEFORE_CAP) > Inputs.CAP_AMOUNT, Status.CAPPED))
    return checks, Status.ON_CURVE if component.curve is not None else Status.FLAT_RATE


def status_formula(component: Component, cells: Cells) -> str:
    """The status cell: nested IFs over the checks, the tab's words."""
    checks, last = status_checks(component)
    text = f'"{last.text}"'
    for condition, status in reversed(checks):
        text = f'IF({condition.render(cells)},"{status.text}",{text})'
    return "=" + text


def decide(component: Component, env: Env) -> Status:
    """The status for one CSM's values (an environment of Decimals, None for blank, bools)."""
    checks, last = status_checks(component)
    for condition, status in checks:
        held: Any = condition.evaluate(env)
        if held:
            return status
    return last
