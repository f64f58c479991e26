"""One CSM's payouts from plain rows: the engine's path for xlwings Lite's task-pane scripts.

xlwings Lite (Pyodide) has no pyarrow, and :func:`xlcomp.engine.run` reads the book as an Arrow
table. The scripts of the generated ``main.py`` read the Roster, Accounts and Adjustments tables as
rows of cells, so this module gives them the engine on plain records, CSM by CSM, with the engine's
own functions:

- the book sums of a CSM (:func:`book_sums`): the sums, counts and weighted-score parts that
  :class:`xlcomp.engine.metrics.Aggregates` computes with Arrow, here as plain Decimal sums over the
  CSM's rows, into the engine's :class:`~xlcomp.engine.metrics.BookSums`;
- then everything else is the engine's: :func:`~xlcomp.engine.metrics.metric_value`,
  :func:`~xlcomp.engine.run.resolve_target`, the days employed (:func:`xlcomp.engine.run.days_employed`),
  each component's :func:`~xlcomp.engine.payouts.bonus` or :func:`~xlcomp.engine.payouts.commission`
  (the rules of :mod:`xlcomp.rules`) and the adjustments line
  (:func:`~xlcomp.engine.adjustments.adjustments_sum`).

:mod:`xlcomp.functions.bundle` embeds this module and what it uses in ``main.py`` (NumPy bound to
:mod:`xlcomp.functions.lite_numpy`); ``tests/functions/test_lite_book.py`` checks it against
:func:`xlcomp.engine.run` to the cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.engine.adjustments import AdjustmentLine, adjustments_sum
from xlcomp.engine.metrics import WEIGHTED_SCORES, BookSums, MetricValue, metric_value
from xlcomp.engine.payouts import bonus, commission
from xlcomp.engine.run import days_employed, resolve_target
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.metrics import SUM_FIELDS
from xlcomp.model.people import Csm
from xlcomp.model.period import Period
from xlcomp.model.plan import Kind, Plan
from xlcomp.money import exactly
from xlcomp.rules.adjustments import AMOUNT, adjustment_payout

__all__ = ["AccountRow", "CsmPayouts", "book_sums", "csm_payouts"]

ZERO = Decimal(0)
_ADJUSTMENT_PAYOUT = adjustment_payout()
AccountRow = Mapping[str, "Decimal | str | None"]


@dataclass(frozen=True)
class CsmPayouts:
    """One CSM's period as the CSM tab shows it: each component's rounded payout, the adjustments
    line and the total (their sum)."""

    csm_id: str
    days: int
    payouts: dict[str, Decimal]
    adjustments: Decimal
    total: Decimal


def _number(row: AccountRow, column: str) -> Decimal | None:
    value = row.get(column)
    return value if isinstance(value, Decimal) else None


@exactly
def book_sums(rows: Iterable[AccountRow]) -> BookSums:
    """What the metrics need of one CSM's accounts (the keys of the engine's ``Aggregates``): Σ of
    each summed column (blank = 0), the number of accounts, the logos churned (renewable ARR above
    0 and nothing renewed), per weighted score Σ arr_start x score and Σ arr_start over the accounts
    with the score, and Σ nps with the number of accounts that have one."""
    sums = dict.fromkeys(SUM_FIELDS, ZERO)
    weighted = {name: (ZERO, ZERO) for name in WEIGHTED_SCORES}
    accounts = logos = nps_count = 0
    nps_sum = ZERO
    for row in rows:
        accounts += 1
        for column in SUM_FIELDS:
            value = _number(row, column)
            if value is not None:
                sums[column] += value
        renewable, renewed = _number(row, "renewable_arr") or ZERO, _number(row, "renewed_arr") or ZERO
        if renewable > ZERO and renewed == ZERO:
            logos += 1
        arr_start = _number(row, "arr_start") or ZERO
        for name in WEIGHTED_SCORES:
            score = _number(row, name)
            if score is not None:
                num, den = weighted[name]
                weighted[name] = (num + arr_start * score, den + arr_start)
        nps = _number(row, "nps")
        if nps is not None:
            nps_sum += nps
            nps_count += 1
    return BookSums(sums, accounts, logos, weighted, (nps_sum, nps_count))


def _needed(plan: Plan) -> list[str]:
    names = [c.metric for c in plan.components] + [c.gate.metric for c in plan.components if c.gate]
    names += [m.metric for m in plan.multipliers]
    if any(c.target and c.target.risk_adjust for c in plan.components):
        names.append("risk_score")
    return list(dict.fromkeys(names))


@exactly
def csm_payouts(plan: Plan, period: Period, csm: Csm, accounts: Sequence[AccountRow],
                adjustments: Sequence[Adjustment] = ()) -> CsmPayouts:
    """One CSM's payouts from their account rows (SPEC sections 2, 3 and 8), computed by the engine's
    per-CSM functions. A target or quota that is missing or not above 0 raises ``ValueError`` naming
    the roster column (the run reports it as an input problem)."""
    sums = book_sums(accounts)
    values: dict[str, MetricValue] = {name: metric_value(name, sums, csm, plan) for name in _needed(plan)}
    days = int(days_employed(period, [csm])[0])
    payouts: dict[str, Decimal] = {}
    for component in plan.components:
        multipliers = plan.multipliers_for(component.id)
        metric = values[component.metric]
        if component.kind is Kind.BONUS:
            assert component.target is not None
            target = _positive(resolve_target(component.target, csm, sums, plan), component.id, "target",
                               component.target.column)
            result = bonus(component, csm.csm_id, metric, target, csm.target_variable, days, period.days,
                           period.per_year, values, multipliers)
        else:
            quota = None
            if component.quota is not None:
                quota = _positive(resolve_target(component.quota, csm, sums, plan), component.id, "quota",
                                  component.quota.column)
            result = commission(component, csm.csm_id, metric, quota, values, multipliers)
        payouts[component.id] = result.payout
    lines = [AdjustmentLine(a, _ADJUSTMENT_PAYOUT.evaluate({AMOUNT: a.amount}))
             for a in adjustments if a.csm_id == csm.csm_id]
    adjusted = adjustments_sum(csm.csm_id, lines)
    return CsmPayouts(csm.csm_id, days, payouts, adjusted, sum(payouts.values(), ZERO) + adjusted)


def _positive(value: Decimal | None, component: str, what: str, column: str | None) -> Decimal:
    if value is None or value <= ZERO:
        raise ValueError(f"{column or what}: the {component} {what} is missing or not above 0")
    return value
