"""A plan as canonical YAML text: what the workbook embeds so a reader can rebuild the plan.

``parse_plan(plan_yaml(plan))`` gives a plan equal to ``plan`` in every field that decides pay
(components, curves, targets, gates, multipliers, inputs); only ``source``, ``digest`` and the
components' line numbers differ, which is why the workbook also stores the original digest.
Numbers are written as the exact decimals the plan holds (``0.92``, never a binary float).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml

from xlcomp.model.plan import Component, Curve, Kind, Plan, Target

__all__ = ["plan_data", "plan_yaml"]


class _Number(str):
    """A decimal written as a plain YAML scalar."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_number(dumper: yaml.SafeDumper, value: _Number) -> yaml.Node:
    tag = dumper.resolve(yaml.ScalarNode, str(value), (True, False))  # type: ignore[no-untyped-call]
    return dumper.represent_scalar(tag, str(value))


_Dumper.add_representer(_Number, _represent_number)


def _n(value: Decimal) -> _Number:
    text = f"{value:f}"
    return _Number("0" if text in ("-0", "") else text)


def _target(target: Target) -> Any:
    if target.column:
        return {"column": target.column}
    assert target.value is not None
    if target.risk_adjust is None:
        return _n(target.value)
    ra = target.risk_adjust
    return {"base": _n(target.value), "risk_adjust": {"per_point": _n(ra.per_point), "reference": _n(ra.reference),
                                                      "floor": _n(ra.floor), "ceiling": _n(ra.ceiling)}}


def _curve(curve: Curve) -> dict[str, Any]:
    tiers = []
    for tier in curve.tiers:
        entry: dict[str, Any] = {}
        if tier.upto is not None:
            entry["upto"] = _n(tier.upto)
        entry["rate"] = _n(tier.rate)
        tiers.append(entry)
    return {"mode": curve.mode.value, "tiers": tiers}


def _component(component: Component) -> dict[str, Any]:
    data: dict[str, Any] = {"id": component.id}
    if component.name:
        data["name"] = component.name
    data["kind"] = component.kind.value
    data["metric"] = component.metric
    if component.kind is Kind.BONUS:
        assert component.weight is not None and component.target is not None
        data["weight"] = _n(component.weight)
        data["target"] = _target(component.target)
    elif component.quota is not None:
        data["quota"] = _target(component.quota)
    if component.threshold is not None:
        data["threshold"] = _n(component.threshold)
    if component.curve is not None:
        data["curve"] = _curve(component.curve)
    if component.rate is not None:
        data["rate"] = _n(component.rate)
    if component.cap is not None:
        data["cap"] = _n(component.cap)
    if component.cap_amount is not None:
        data["cap_amount"] = _n(component.cap_amount)
    if component.gate is not None:
        data["gate"] = {"metric": component.gate.metric, "min": _n(component.gate.min)}
    if component.window is not None:
        data["window"] = {"from": _Number(component.window[0].isoformat()),
                          "to": _Number(component.window[1].isoformat())}
    if component.segments is not None:
        data["segments"] = list(component.segments)
    return data


def plan_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data in the plan file's shape (numbers as exact decimal text)."""
    data: dict[str, Any] = {"id": plan.id, "name": plan.name, "currency": plan.currency, "period": plan.period.value}
    if plan.archetype:
        data["archetype"] = plan.archetype
    if plan.effective is not None:
        data["effective"] = _Number(plan.effective.isoformat())
    if plan.ramp:
        data["ramp"] = [{"months": _Number(str(step.months)), "factor": _n(step.factor)} for step in plan.ramp]
    if plan.inputs:
        data["inputs"] = {name: _n(value) for name, value in plan.inputs.items()}
    data["components"] = [_component(c) for c in plan.components]
    if plan.multipliers:
        multipliers = []
        for multiplier in plan.multipliers:
            entry: dict[str, Any] = {"metric": multiplier.metric}
            if multiplier.applies_to is not None:
                entry["applies_to"] = list(multiplier.applies_to)
            entry["bands"] = [{"min": _n(b.min), "factor": _n(b.factor)} for b in multiplier.bands]
            multipliers.append(entry)
        data["multipliers"] = multipliers
    return data


def plan_yaml(plan: Plan) -> str:
    """The plan as canonical YAML text (UTF-8, keys in the plan file's order)."""
    header = f"# {plan.id}: canonical form written by xlcomp (original digest {plan.digest or 'unknown'})\n"
    body = yaml.dump(plan_data(plan), Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=100)
    return header + body
