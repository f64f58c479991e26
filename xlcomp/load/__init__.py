"""Reading inputs: plan YAML, roster and accounts tables, with every problem's place.

The plan: :mod:`.plan` (walking the YAML with :mod:`.plan_yaml`). The tables: :mod:`.sources`
(CSV, .xlsx, DataFrames) -> :mod:`.roster` and :mod:`.accounts` (the checks, with exact decimals
from :mod:`.decimals`) -> :mod:`.inputs` (both together).
"""

from xlcomp.load.accounts import load_accounts
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import load_plan, parse_plan
from xlcomp.load.roster import load_roster
from xlcomp.load.sources import read_table

__all__ = ["load_accounts", "load_inputs", "load_plan", "load_roster", "parse_plan", "read_table"]
