"""One component of a plan for every CSM at once: its payouts, computed as one block, and what is read of
them later, made only then: the records (:class:`~xlcomp.engine.payouts.ComponentResult`, with the
metrics', gates' and multipliers' records), for every CSM or for some, and payouts.csv's columns, which
need no record but for the lines that have a note to write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np

from xlcomp.engine.curves import Array, decimals
from xlcomp.engine.metric_columns import MetricColumn, values_of
from xlcomp.engine.metrics import MetricValue
from xlcomp.engine.parts import PartInputs
from xlcomp.engine.payouts import (
    BonusBlock,
    CommissionBlock,
    ComponentResult,
    GateCheck,
    MultiplierCheck,
    bonus_block,
    bonus_results,
    commission_block,
    commission_results,
    gate_checks,
    gate_open,
    may_note,
    multiplier_columns,
)
from xlcomp.engine.ramps import Ramp, ramped_targets
from xlcomp.engine.spifs import SpifColumn
from xlcomp.errors import Problem
from xlcomp.model.people import Roster
from xlcomp.model.plan import Component, Kind, Plan, Target
from xlcomp.rules.expr import is_blank
from xlcomp.rules.payout import Inputs, commission_amount, risk_adjusted_target

__all__ = ["ComponentColumn", "component_column", "risk_adjusted_values"]

ONE = Decimal(1)
Rows = list[int] | None   # some CSMs' positions, in order (None: every CSM)


class ComponentColumn(NamedTuple):
    """A component for every CSM: its payouts, how to make its records (of every CSM, or of ``rows``), and
    payouts.csv's columns of it (None when the component's lines pay a part of a period: plan versions)."""

    payouts: list[Decimal]
    records: Callable[[Rows], list[ComponentResult]]
    columns: Callable[[], dict[str, list[Any]]] | None


def _pick(values: Sequence[Any], rows: Rows) -> list[Any]:
    """The values of ``rows`` (a metric's records of those CSMs only)."""
    if rows is None:
        return list(values)
    return list(values.take(rows)) if isinstance(values, MetricColumn) else [values[i] for i in rows]


def component_column(component: Component, plan: Plan, roster: Roster, by_metric: Mapping[str, MetricColumn],
                     book_risk: MetricColumn | None, days: Array, target_variable: Array,
                     period: tuple[int, int], problems: list[Problem], target_variable_days: Array | None = None,
                     ramp: Ramp | None = None, spif: SpifColumn | None = None, part: PartInputs | None = None
                     ) -> ComponentColumn:
    """One component for every CSM, computed as one block (the rules of :mod:`xlcomp.engine.payouts`)."""
    csms = roster.csms
    n = len(csms)
    column = by_metric[component.metric]
    metrics: Sequence[MetricValue] = column   # a SPIF's commission pays on its window's own
    multipliers = plan.multipliers_for(component.id)
    multiplier, walks = multiplier_columns(multipliers, by_metric, n)
    gate_metric = by_metric[component.gate.metric] if component.gate else None
    gate_ok = gate_open(component, metrics if gate_metric is None else gate_metric)

    def gates(rows: Rows) -> list[GateCheck | None]:
        if gate_metric is None:
            return [None] * (n if rows is None else len(rows))
        return gate_checks(component, _pick(gate_metric, rows), gate_ok if rows is None else gate_ok[rows])

    def checks(rows: Rows) -> list[tuple[MultiplierCheck, ...]]:
        if rows is None:
            return walks()
        some = {m.metric: _pick(by_metric[m.metric], rows) for m in multipliers}
        return multiplier_columns(multipliers, some, len(rows))[1]()

    csm_ids = [csm.csm_id for csm in csms]
    if component.kind is Kind.BONUS:
        assert component.target is not None
        targets = ramped_targets(component, plan, _targets(component, component.target, "target", roster, book_risk,
                                                           problems), ramp)
        block = bonus_block(component, column.nums, column.dens, decimals(targets), target_variable, days, *period,
                            gate_ok, multiplier, target_variable_days=target_variable_days)

        def bonus_records(rows: Rows) -> list[ComponentResult]:
            some = block if rows is None else BonusBlock._make(values[rows] for values in block)
            return bonus_results(component, _pick(csm_ids, rows), _pick(metrics, rows), _pick(targets, rows), some,
                                 gates(rows), checks(rows), _pick(multiplier.tolist(), rows))

        def bonus_shown() -> tuple[tuple[Array, Array, Array | None], dict[str, list[Any]]]:
            return (block.below_threshold, block.capped, None), {
                "target": targets, "attainment": block.attainment.tolist(), "share": block.share.tolist(),
                "target_incentive": block.target_incentive.tolist()}

        payouts = block.payout.tolist()
        records: Callable[[Rows], list[ComponentResult]] = bonus_records
        shown: Callable[[], tuple[tuple[Array, Array, Array | None], dict[str, list[Any]]]] = bonus_shown
    else:
        quotas = None
        if component.quota is not None:
            quotas = ramped_targets(component, plan, _targets(component, component.quota, "quota", roster, book_risk,
                                                              problems), ramp)
            if part is not None:
                quotas = part.quotas(quotas)
        if spif is not None:
            metrics, amount_array = spif.metrics, decimals(spif.amounts)
        else:
            amount_array = commission_amount().evaluate({Inputs.VALUE: values_of(metrics)})
        cblock = commission_block(component, amount_array, None if quotas is None else decimals(quotas), gate_ok,
                                  multiplier)
        excluded = list(spif.notes) if spif is not None else [""] * n

        def commission_records(rows: Rows) -> list[ComponentResult]:
            some = cblock if rows is None else CommissionBlock._make(values[rows] for values in cblock)
            results = commission_results(component, _pick(csm_ids, rows), _pick(metrics, rows),
                                         None if quotas is None else _pick(quotas, rows),
                                         _pick(amount_array.tolist(), rows), some, gates(rows), checks(rows),
                                         _pick(multiplier.tolist(), rows))
            return [r._replace(trace=r.trace._replace(excluded=note)) if note else r
                    for r, note in zip(results, _pick(excluded, rows), strict=True)]

        def commission_shown() -> tuple[tuple[Array, Array, Array | None], dict[str, list[Any]]]:
            outside = None if spif is None else np.array([bool(note) for note in excluded], dtype=bool)
            return (cblock.below_threshold, cblock.capped, outside), {
                "target": quotas if quotas is not None else [None] * n, "attainment": cblock.attainment.tolist(),
                "share": [None] * n, "target_incentive": [None] * n}

        payouts = cblock.payout.tolist()
        records = commission_records
        shown = commission_shown

    def columns() -> dict[str, list[Any]]:
        """payouts.csv's columns of the component, in CSM order: its note made from the records of only the
        lines that may have one to write (:func:`~xlcomp.engine.payouts.may_note`)."""
        values = MetricColumn.of(metrics)
        (below, capped, outside), known = shown()
        noted = may_note(below, capped, gate_ok, multiplier, is_blank(values.nums), outside)
        notes = [""] * n
        rows = np.flatnonzero(noted).tolist()
        for row, record in zip(rows, records(rows) if rows else [], strict=True):
            notes[row] = record.note
        return {"csm_id": csm_ids, "actual": values.value_array().tolist(), **known,
                "multiplier": multiplier.tolist(), "payout": payouts, "note": notes}

    return ComponentColumn(payouts, records, columns if part is None else None)


def _targets(component: Component, target: Target, what: str, roster: Roster, book_risk: MetricColumn | None,
             problems: list[Problem]) -> list[Decimal]:
    """Each CSM's target or quota; a missing or non-positive one is a problem (and 1 in its place)."""
    csms = roster.csms
    if target.column:
        values = [csm.value(target.column) for csm in csms]
    elif target.risk_adjust is not None:
        assert book_risk is not None
        values = risk_adjusted_values(target, book_risk.value_array()).tolist()
    else:
        values = [target.value] * len(csms)
    out = []
    for csm, value in zip(csms, values, strict=True):
        if value is None or value <= 0:
            problems.append(roster.locator.problem(csm.row, target.column or what,
                                                   f"the {component.id} {what} is missing or not above 0"))
        out.append(value if value is not None and value > 0 else ONE)
    return out


_RISK_ADJUSTED = risk_adjusted_target()


def risk_adjusted_values(target: Target, risk: Any) -> Any:
    """The rule :func:`xlcomp.rules.payout.risk_adjusted_target` on one risk score or a column of them."""
    adjust = target.risk_adjust
    assert target.value is not None and adjust is not None
    env = {Inputs.TARGET: target.value, Inputs.RISK: risk, "risk_floor": adjust.floor,
           "risk_ceiling": adjust.ceiling, "risk_per_point": adjust.per_point, "risk_reference": adjust.reference}
    return _RISK_ADJUSTED.evaluate(env)
