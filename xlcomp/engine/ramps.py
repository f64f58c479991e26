"""Ramps (SPEC section 10): each CSM's whole months in post and ramp factor, and the ramped quotas and amount
targets, by the rules of :mod:`xlcomp.rules.ramp`. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from xlcomp.engine.curves import Array, decimals
from xlcomp.model.people import Csm
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Plan
from xlcomp.rules import ramp as rules
from xlcomp.rules.payout import Inputs as K

__all__ = ["CsmRamp", "Ramp", "ramp_of", "ramped_targets"]

_MONTHS = rules.whole_months()
_FACTOR = rules.ramp_factor()
_TARGET = rules.ramped_target()


class CsmRamp(NamedTuple):
    """One CSM's ramp: whole months in post at the period's start, and the factor (1: past the ramp)."""

    months: int
    factor: Decimal


class Ramp(NamedTuple):
    """Every CSM's whole months in post at the period's start and ramp factor (1: past the ramp)."""

    months: Array
    factors: Array

    def of(self, index: int) -> CsmRamp:
        """The ramp of the CSM at ``index``."""
        return CsmRamp(int(self.months[index]), self.factors[index])


def ramp_of(plan: Plan, csms: Sequence[Csm], period: Period) -> Ramp | None:
    """The ramp of every CSM (None when the plan has no ramp), evaluated once per distinct start date."""
    if not plan.ramp:
        return None
    starts = [csm.start_date for csm in csms]
    distinct = list(dict.fromkeys(starts))
    env = {K.START: decimals([rules.serial(d) for d in distinct]), K.PERIOD_START: rules.serial(period.start)}
    months = _MONTHS.evaluate(env)
    factors = _FACTOR.evaluate({rules.MONTHS: months, rules.RAMP: rules.ramp_table(plan.ramp)})
    by_start = {start: (m, f) for start, m, f in zip(distinct, months.tolist(), factors.tolist(), strict=True)}
    return Ramp(decimals([by_start[s][0] for s in starts]), decimals([by_start[s][1] for s in starts]))


def ramped_targets(component: Component, plan: Plan, targets: list[Decimal], ramp: Ramp | None) -> list[Decimal]:
    """The component's targets or quotas on the ramp: ``ROUND(target x factor, 6)`` where the ramp applies."""
    if ramp is None or not rules.ramped(component, plan):
        return targets
    return _TARGET.evaluate({K.TARGET: decimals(targets), rules.RAMP_FACTOR: ramp.factors}).tolist()  # type: ignore[no-any-return]
