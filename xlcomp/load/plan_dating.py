"""The plan fields of effective dating (SPEC section 10): plan ``ramp`` and ``effective`` (a plan version),
component ``window`` and ``segments`` (a SPIF).

Read from the composed YAML nodes after the rest of the plan, so every problem still names
``plan.yaml:LINE field``; :func:`with_dating_fields` returns the plan with them set. A SPIF window is checked
against the period when the plan is run (:func:`xlcomp.engine.spifs.check_windows`): the plan has no period.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from decimal import Decimal

import yaml

from xlcomp.load.plan_yaml import YamlWalker
from xlcomp.model.metrics import Source, metric_def
from xlcomp.model.people import SEGMENTS
from xlcomp.model.plan import Kind, Plan, RampStep

__all__ = ["DATING_COMPONENT_KEYS", "DATING_PLAN_KEYS", "parse_date", "with_dating_fields"]

DATING_PLAN_KEYS = {"ramp", "effective"}
DATING_COMPONENT_KEYS = {"window", "segments"}
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WHOLE = re.compile(r"[0-9]+")


def parse_date(text: str) -> date | None:
    """``YYYY-MM-DD`` as a date (None when it is not one)."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _fields(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _date(w: YamlWalker, node: yaml.Node, path: str) -> date | None:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    value = parse_date(text)
    if value is None:
        w.problem(node, path, f'"{text}" is not a date (use YYYY-MM-DD)' if text else
                  f"{w.show(node)} is not a date (use YYYY-MM-DD)")
    return value


def with_dating_fields(plan: Plan | None, root: yaml.Node, w: YamlWalker) -> Plan | None:
    """``plan`` with ``ramp``, ``effective`` and each component's ``window`` and ``segments`` read from ``root``;
    problems go to the walker (the plan is returned as given when there are any)."""
    before = len(w.problems)
    fields = _fields(root)
    ramp: tuple[RampStep, ...] = ()
    effective = None
    if "ramp" in fields:
        ramp = _ramp(w, fields["ramp"][1])
    if "effective" in fields:
        effective = _date(w, fields["effective"][1], "effective")
    changes: dict[str, dict[str, object]] = {}
    items = fields["components"][1] if "components" in fields else None
    inputs = set(plan.inputs) if plan is not None else set()
    for index, item in enumerate(items.value if isinstance(items, yaml.SequenceNode) else []):
        item_fields = _fields(item)
        cid = item_fields.get("id", (None, None))[1]
        if not isinstance(cid, yaml.ScalarNode):
            continue
        found = _component_fields(w, item_fields, f"components[{index}]", inputs)
        if found:
            changes[str(cid.value)] = found
    if plan is None or len(w.problems) > before:
        return plan
    updated = [dataclasses.replace(c, **changes[c.id]) if c.id in changes else c  # type: ignore[arg-type]
               for c in plan.components]
    return dataclasses.replace(plan, components=tuple(updated), ramp=ramp, effective=effective)


def _ramp(w: YamlWalker, node: yaml.Node) -> tuple[RampStep, ...]:
    items = w.sequence(node, "ramp")
    if items is None:
        return ()
    if not items:
        w.problem(node, "ramp", "needs at least one step ({months: N, factor: F})")
    steps: list[RampStep] = []
    previous: int | None = None
    for index, item in enumerate(items):
        path = f"ramp[{index}]"
        fields = w.mapping(item, path, {"months", "factor"})
        if fields is None:
            continue
        for key in ("months", "factor"):
            if key not in fields:
                w.problem(item, f"{path}.{key}", "is required")
        months = factor = None
        if "months" in fields:
            value_node = fields["months"][1]
            text = str(value_node.value) if isinstance(value_node, yaml.ScalarNode) else ""
            if not _WHOLE.fullmatch(text) or int(text) == 0:
                w.problem(value_node, f"{path}.months", f'"{text}" is not a whole number of months above 0')
            else:
                months = int(text)
                if previous is not None and months <= previous:
                    w.problem(value_node, f"{path}.months", f"{months} is not above the previous step's months "
                                                            f"{previous}: ramp steps must be sorted by months, "
                                                            "ascending")
                previous = max(months, previous or 0)
        if "factor" in fields:
            factor = w.number(fields["factor"][1], f"{path}.factor", positive=True, high=Decimal(1))
        if months is not None and factor is not None:
            steps.append(RampStep(months, factor))
    return tuple(steps)


def _component_fields(w: YamlWalker, fields: dict[str, tuple[yaml.Node, yaml.Node]], path: str,
                      inputs: set[str]) -> dict[str, object]:
    found: dict[str, object] = {}
    if "window" in fields:
        key_node, node = fields["window"]
        kind = fields.get("kind", (None, None))[1]
        metric = fields.get("metric", (None, None))[1]
        kind_text = str(kind.value) if isinstance(kind, yaml.ScalarNode) else ""
        metric_text = str(metric.value) if isinstance(metric, yaml.ScalarNode) else ""
        definition = metric_def(metric_text, inputs)
        if kind_text and kind_text != Kind.COMMISSION.value:
            w.problem(key_node, f"{path}.window", "a SPIF pays on booked amounts: only a commission component takes "
                                                  "a window")
        elif definition is not None and (definition.source is not Source.BOOK or not definition.is_amount):
            w.problem(key_node, f"{path}.window", f'"{metric_text}" is not an amount of the accounts: a SPIF pays '
                                                  "on amounts booked in its window")
        window = w.mapping(node, f"{path}.window", {"from", "to"})
        if window is not None:
            bounds = []
            for key in ("from", "to"):
                if key not in window:
                    w.problem(node, f"{path}.window.{key}", "is required (YYYY-MM-DD)")
                    continue
                bounds.append(_date(w, window[key][1], f"{path}.window.{key}"))
            if len(bounds) == 2 and bounds[0] is not None and bounds[1] is not None:
                if bounds[1] < bounds[0]:
                    w.problem(window["to"][1], f"{path}.window.to",
                              f"{bounds[1].isoformat()} is before from {bounds[0].isoformat()}")
                else:
                    found["window"] = (bounds[0], bounds[1])
                    found["window_line"] = key_node.start_mark.line + 1
    if "segments" in fields:
        key_node, node = fields["segments"]
        if "window" not in fields:
            w.problem(key_node, f"{path}.segments", "only a SPIF (a component with a window) takes segments")
        names: list[str] = []
        for index, item in enumerate(w.sequence(node, f"{path}.segments") or []):
            name = w.text(item, f"{path}.segments[{index}]", choices=SEGMENTS)
            if name is not None and name not in names:
                names.append(name)
        if isinstance(node, yaml.SequenceNode) and not node.value:
            w.problem(node, f"{path}.segments", "needs at least one segment")
        found["segments"] = tuple(names)
    return found

