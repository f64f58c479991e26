"""Book assignment (SPEC section 11): the best CSMs on the most important accounts, books balanced.

The pipeline: :mod:`.rules` (the YAML) and :mod:`.inputs` (roster, accounts and their extra columns)
-> :mod:`.model` (bounds, the checks that explain an impossible assignment, blocks) -> :mod:`.solve`
(the MILP on arrays, HiGHS) -> :mod:`.report` (moves and reasons, balance, quotas and targets) ->
:mod:`.workbook`. The model is written down in docs/assign.md.

The package itself is callable: ``xlcomp.assign(roster, accounts, rules)`` is :func:`assign`.
"""

import sys
from types import ModuleType
from typing import Any

from xlcomp.assign.api import AssignmentResult, apply_assignment, assign
from xlcomp.assign.rules import Rules, load_rules, parse_rules

__all__ = ["AssignmentResult", "Rules", "apply_assignment", "assign", "load_rules", "parse_rules"]


class _CallableModule(ModuleType):
    """``xlcomp.assign(...)`` calls :func:`assign`; ``xlcomp.assign.solve`` etc. stay modules."""

    def __call__(self, *args: Any, **kwargs: Any) -> AssignmentResult:
        return assign(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
