"""The plan fields the ledger reads (SPEC section 9): plan ``year_start``, component ``measure: ytd``
and commission ``clawback: {days: N}``.

Read from the composed YAML nodes after the rest of the plan, so every problem still names
``plan.yaml:LINE field``; :func:`with_ledger_fields` returns the plan with them set.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import yaml

from xlcomp.errors import Problem
from xlcomp.model.metrics import Source, metric_def
from xlcomp.model.period import PeriodKind
from xlcomp.model.plan import Component, Kind, Plan

__all__ = ["LEDGER_COMPONENT_KEYS", "LEDGER_PLAN_KEYS", "MEASURES", "with_ledger_fields"]

LEDGER_PLAN_KEYS = {"year_start"}
LEDGER_COMPONENT_KEYS = {"measure", "clawback"}
MEASURES = ("period", "ytd")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PERIOD_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}


def _fields(node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def _where(filename: str, node: yaml.Node) -> str:
    return f"{filename}:{node.start_mark.line + 1}"


def with_ledger_fields(plan: Plan | None, root: yaml.Node, filename: str, problems: list[Problem]) -> Plan | None:
    """``plan`` with ``year_start`` and each component's ``measure`` and ``clawback_days`` read from ``root``;
    problems are appended to ``problems`` (the plan is returned as given when there are any)."""
    before = len(problems)
    fields = _fields(root)
    year_start = None
    if (node := fields.get("year_start")) is not None:
        year_start = _year_start(node, filename, plan, problems)
    components: dict[str, dict[str, object]] = {}
    items = fields.get("components")
    for index, item in enumerate(items.value if isinstance(items, yaml.SequenceNode) else []):
        item_fields = _fields(item)
        path = f"components[{index}]"
        cid = item_fields.get("id")
        kind = item_fields.get("kind")
        metric = item_fields.get("metric")
        changes: dict[str, object] = {}
        if (node := item_fields.get("measure")) is not None:
            value = node.value if isinstance(node, yaml.ScalarNode) else None
            if value is None:
                problems.append(Problem(_where(filename, node), f'write one of {", ".join(MEASURES)} (a single word)',
                                        f"{path}.measure"))
            elif value not in MEASURES:
                problems.append(Problem(_where(filename, node), f'"{value}" is not one of {", ".join(MEASURES)}',
                                        f"{path}.measure"))
            else:
                changes["measure"] = value
        if (node := item_fields.get("clawback")) is not None:
            days = _clawback_days(node, filename, path, problems)
            kind_text = kind.value if isinstance(kind, yaml.ScalarNode) else ""
            metric_text = metric.value if isinstance(metric, yaml.ScalarNode) else ""
            definition = metric_def(str(metric_text), set(plan.inputs) if plan else set())
            if kind_text != Kind.COMMISSION.value:
                problems.append(Problem(_where(filename, node), "a clawback takes back commission: it applies to "
                                                                "commission components only", f"{path}.clawback"))
            elif definition is not None and definition.source is not Source.BOOK:
                problems.append(Problem(_where(filename, node), f'"{metric_text}" does not come from accounts: '
                                        "a clawback needs account amounts to share the payout", f"{path}.clawback"))
            elif days is not None:
                changes["clawback_days"] = days
        if changes and isinstance(cid, yaml.ScalarNode):
            components[str(cid.value)] = changes
    if plan is None or len(problems) > before:
        return plan
    updated: list[Component] = [dataclasses.replace(c, **components[c.id]) if c.id in components else c  # type: ignore[arg-type]
                                for c in plan.components]
    return dataclasses.replace(plan, components=tuple(updated), year_start=year_start)


def _clawback_days(node: yaml.Node, filename: str, path: str, problems: list[Problem]) -> int | None:
    fields = _fields(node)
    days = fields.get("days")
    unknown = set(fields) - {"days"}
    if not isinstance(node, yaml.MappingNode) or days is None or unknown:
        problems.append(Problem(_where(filename, node), "write it as {days: N}, N the days after the paying "
                                                        "period's end", f"{path}.clawback"))
        return None
    text = str(days.value) if isinstance(days, yaml.ScalarNode) else ""
    if not text.isdigit():
        problems.append(Problem(_where(filename, days), f'"{text}" is not a whole number of days',
                                f"{path}.clawback.days"))
        return None
    return int(text)


def _year_start(node: yaml.Node, filename: str, plan: Plan | None, problems: list[Problem]) -> date | None:
    text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
    match = _DATE.fullmatch(text.strip())
    try:
        value = date(int(match.group(1)), int(match.group(2)), int(match.group(3))) if match else None
    except ValueError:
        value = None
    if value is None:
        problems.append(Problem(_where(filename, node), f'"{text}" is not a date (use YYYY-MM-DD)', "year_start"))
        return None
    months = _PERIOD_MONTHS[plan.period] if plan is not None else 1
    if value.day != 1 or (value.month - 1) % months:
        problems.append(Problem(_where(filename, node), f"{value.isoformat()} is not the first day of a "
                                f"{plan.period.value if plan else 'month'}: a plan year starts where a period starts",
                                "year_start"))
        return None
    return value
