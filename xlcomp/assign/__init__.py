"""Book assignment (SPEC section 11): the best CSMs on the most important accounts, books balanced.

The pipeline: :mod:`.rules` (the YAML) and :mod:`.inputs` (roster, accounts and their extra columns)
-> :mod:`.model` (bounds, the checks that explain an impossible assignment, blocks) -> :mod:`.solve`
(the MILP on arrays, HiGHS) -> :mod:`.report` (moves and reasons, balance, quotas and targets) ->
:mod:`.workbook`. The model is written down in docs/assign.md.
"""

from xlcomp.assign.api import AssignmentResult, assign
from xlcomp.assign.rules import Rules, load_rules, parse_rules

__all__ = ["AssignmentResult", "Rules", "assign", "load_rules", "parse_rules"]
