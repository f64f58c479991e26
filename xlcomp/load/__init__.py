"""Reading inputs: plan YAML, roster and accounts tables, with every problem's place."""

from xlcomp.load.plan import load_plan, parse_plan
from xlcomp.load.tables import load_accounts, load_inputs, load_roster, read_table

__all__ = ["load_accounts", "load_inputs", "load_plan", "load_roster", "parse_plan", "read_table"]
