"""Walking composed YAML nodes with their line numbers: the plan loader's reader of values.

:class:`YamlWalker` converts scalars (text, exact numbers), mappings and lists, and collects every
problem with ``file:line`` and field path; :func:`plain_data` gives the nodes as plain data for the
plan's digest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import yaml

from xlcomp.errors import Problem
from xlcomp.money import NumberParseError, parse_number

__all__ = ["YamlWalker", "line_of", "plain_data"]


class YamlWalker:
    """Walks composed YAML nodes, converting values and collecting problems with positions."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def where(self, node: yaml.Node | None) -> str:
        """``plan.yaml:14``: the file and the line of ``node`` (the file alone without one)."""
        if node is None:
            return self.filename
        return f"{self.filename}:{node.start_mark.line + 1}"

    def problem(self, node: yaml.Node | None, path: str, message: str) -> None:
        """Note a problem at ``node`` (its line) and field ``path``."""
        self.problems.append(Problem(self.where(node), message, path))

    def mapping(self, node: yaml.Node, path: str, allowed: set[str] | None = None
                ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """A mapping node's fields by name (key node, value node); None (and a problem) when it is not one.

        Fields given twice or not in ``allowed`` are problems and left out."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path, f"{self.show(node)} is not a mapping of field: value")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, path, "field names must be text")
                continue
            sub = f"{path}.{key}" if path else key
            if key in out:
                self.problem(key_node, sub, "is given twice")
                continue
            if allowed is not None and key not in allowed:
                self.problem(key_node, sub, f"unknown field (known: {', '.join(sorted(allowed))})")
                continue
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node] | None:
        """A list node's items; None (and a problem) when it is not a list."""
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, path, f"{self.show(node)} is not a list")
            return None
        return list(node.value)

    @staticmethod
    def show(node: yaml.Node) -> str:
        """A node as a problem quotes it: ``"12k"``, ``an empty value``, ``a mapping``, ``a list``."""
        if isinstance(node, yaml.ScalarNode):
            return f'"{node.value}"' if node.value else "an empty value"
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        return "a list"

    def text(self, node: yaml.Node, path: str, *, pattern: re.Pattern[str] | None = None,
             choices: Iterable[str] | None = None, hint: str = "") -> str | None:
        """A text scalar, checked against ``pattern`` or ``choices``; None (and a problem) when it is not one."""
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null" or node.value == "":
            self.problem(node, path, f"{self.show(node)} is not a text value")
            return None
        value = str(node.value)
        if pattern is not None and not pattern.fullmatch(value):
            self.problem(node, path, f'"{value}" is not valid{hint}')
            return None
        options = tuple(choices) if choices is not None else None
        if options is not None and value not in options:
            self.problem(node, path, f'"{value}" is not one of {", ".join(options)}')
            return None
        return value

    def number(self, node: yaml.Node, path: str, *, low: Decimal | None = None, high: Decimal | None = None,
               positive: bool = False) -> Decimal | None:
        """A number scalar as an exact Decimal (``92%`` is 0.92), within its bounds; None (and a problem)
        when it is not one."""
        if not isinstance(node, yaml.ScalarNode) or node.tag in ("tag:yaml.org,2002:null",
                                                                 "tag:yaml.org,2002:bool"):
            self.problem(node, path, f"{self.show(node)} is not a number")
            return None
        try:
            value = parse_number(str(node.value).replace("_", ""), percent=True)
        except NumberParseError:
            self.problem(node, path, f'"{node.value}" is not a number')
            return None
        shown = node.value
        if positive and value <= 0:
            self.problem(node, path, f"{shown} must be above 0")
            return None
        if low is not None and value < low:
            self.problem(node, path, f"{shown} is below {low}")
            return None
        if high is not None and value > high:
            self.problem(node, path, f"{shown} is above {high}")
            return None
        return value


def plain_data(node: yaml.Node, budget: list[int]) -> Any:
    """The node as plain data with scalars kept as text (for the canonical digest)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("too many YAML nodes")
    if isinstance(node, yaml.MappingNode):
        return {str(k.value): plain_data(v, budget) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [plain_data(v, budget) for v in node.value]
    return None if node.tag == "tag:yaml.org,2002:null" else str(node.value)


def line_of(problem: Problem) -> int:
    """The line number a problem's place names (0 when none), to sort problems by."""
    _, _, line = problem.where.rpartition(":")
    return int(line) if line.isdigit() else 0
