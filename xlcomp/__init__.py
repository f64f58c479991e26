"""xlcomp: Customer Success Manager compensation, right to the cent, in workbooks finance can recompute.

>>> import xlcomp
>>> result = xlcomp.calculate("plan.yaml", "roster.csv", "accounts.csv", "2027-Q1")  # doctest: +SKIP
>>> result.summary  # doctest: +SKIP
>>> xlcomp.assign("roster.csv", "accounts.csv", "rules.yaml").frame()  # book assignment  # doctest: +SKIP
"""

from typing import Any

from xlcomp._version import __version__
from xlcomp.api import calculate
from xlcomp.engine.run import CsmResult, RunResult, run
from xlcomp.errors import (
    InputError,
    MissingExtraError,
    PlanError,
    Problem,
    ProblemsError,
    UploadError,
    UsageError,
    XlcompError,
)
from xlcomp.load.accounts import load_accounts
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import load_plan, parse_plan
from xlcomp.load.roster import load_roster
from xlcomp.model.period import Period, parse_period
from xlcomp.model.plan import Plan

__all__ = [
    "CsmResult", "InputError", "MissingExtraError", "Period", "Plan", "PlanError", "Problem", "ProblemsError",
    "RunResult", "UploadError", "UsageError", "XlcompError", "__version__", "calculate", "load_accounts",
    "load_inputs", "load_plan", "load_roster", "parse_period", "parse_plan", "run",
]


def __getattr__(name: str) -> Any:
    # xlcomp.assign (book assignment) is imported on first use: it needs the assign extra (SciPy) to solve
    if name == "assign":
        import importlib

        return importlib.import_module("xlcomp.assign")
    raise AttributeError(f"module 'xlcomp' has no attribute {name!r}")
