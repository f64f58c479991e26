"""Limits on plan YAML that hold before it is composed into nodes.

PyYAML composes nested collections by recursion, so a plan nested a thousand levels deep (``[[[[…``)
ends in Python's ``RecursionError`` rather than in a problem with its place. Its event parser does not
recurse: :func:`check_nesting` walks the events first and refuses such a plan as a
:class:`~xlcomp.errors.PlanError` naming the line where the nesting goes too deep.
"""

from __future__ import annotations

import yaml

from xlcomp.errors import PlanError, Problem

__all__ = ["MAX_NESTING", "check_nesting"]

# A plan is a mapping of components, each a mapping of curves, tiers and quotas: some six levels deep.
MAX_NESTING = 64


def check_nesting(text: str, filename: str = "plan.yaml", max_depth: int = MAX_NESTING) -> None:
    """Raise :class:`PlanError` when collections in ``text`` nest deeper than ``max_depth``.

    Text that is not valid YAML passes: composing it reports the syntax error, with its place.

    >>> check_nesting("a: [[[1]]]", max_depth=3)
    Traceback (most recent call last):
    ...
    xlcomp.errors.PlanError: plan.yaml:1: the YAML nests more than 3 levels deep; a plan needs a few levels: refused
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > max_depth:
                    where = f"{filename}:{event.start_mark.line + 1}" if event.start_mark else filename
                    raise PlanError([Problem(where, f"the YAML nests more than {max_depth} levels deep; a plan "
                                                    "needs a few levels: refused")])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return
