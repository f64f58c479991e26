"""xlwings UDFs: the worksheet functions of :data:`xlcomp.functions.REGISTRY` for Excel desktop on Windows.

Set-up (free xlwings, no licence key): ``pip install "xlcomp[excel]"``, ``xlwings addin install``,
then in Excel's xlwings ribbon tab set *UDF Modules* to ``xlcomp.udfs`` and click *Import Functions*.
Each wrapper below is generated from the registry: same name, same parameters (ranges declared
2-D), the registry's description as the function's help. A result is a number; a bad argument
gives the text of the Excel error with its message (``#DIV/0! target is 0``), because a VBA-based
UDF cannot hand a message back with a real error value.

On Linux and macOS xlwings has no UDF server and its decorators leave functions as they are; the
wrappers still import and compute, which is what the tests check, with xlwings' own Windows
decorators applied through :func:`build_udfs`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from xlcomp.extras import require
from xlcomp.functions import REGISTRY, ExcelError, FunctionSpec

xw = require("xlwings", "excel", "The xlwings worksheet functions")

__all__ = ["CSM_ATTAINMENT", "CSM_COMMISSION", "CSM_PRORATION", "CSM_TIERED", "CS_CHURN_RATE", "CS_COVERAGE",
           "CS_GRR", "CS_HEALTH", "CS_MAGIC_NUMBER", "CS_NRR", "UDF_CATEGORY", "build_udfs", "make_udf"]

UDF_CATEGORY = "xlcomp"
Decorator = Callable[..., Any]


def _to_cell(result: float | ExcelError) -> float | str:
    """What goes back to the cell: the number, or the error's code and message as text."""
    return result.describe() if isinstance(result, ExcelError) else result


def make_udf(spec: FunctionSpec, func: Decorator, arg: Decorator) -> Callable[..., float | str]:
    """One xlwings UDF for ``spec``, decorated with xlwings' ``func`` and ``arg`` decorators."""

    def udf(*args: Any) -> float | str:
        return _to_cell(spec.func(*args))

    udf.__name__ = udf.__qualname__ = spec.name
    udf.__doc__ = spec.description
    udf.__module__ = __name__
    udf.__annotations__ = {}
    # xlwings reads the parameters (names, which are optional) from the signature.
    udf.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                          default=None if p.optional else inspect.Parameter.empty)
        for p in spec.params])
    decorated: Callable[..., float | str] = udf
    for param in reversed(spec.params):
        options: dict[str, Any] = {"doc": param.description}
        if param.kind == "range":
            options["ndim"] = 2
        decorated = arg(param.name, **options)(decorated)
    result: Callable[..., float | str] = func(category=UDF_CATEGORY)(decorated)
    return result


def build_udfs(func: Decorator | None = None, arg: Decorator | None = None) -> dict[str, Callable[..., float | str]]:
    """Every registry function as an xlwings UDF (by default with ``xlwings.func`` and ``xlwings.arg``)."""
    return {name: make_udf(spec, func or xw.func, arg or xw.arg) for name, spec in REGISTRY.items()}


# Module-level names are what xlwings' Import Functions looks for.
_UDFS = build_udfs()
CSM_ATTAINMENT = _UDFS["CSM_ATTAINMENT"]
CSM_TIERED = _UDFS["CSM_TIERED"]
CSM_COMMISSION = _UDFS["CSM_COMMISSION"]
CSM_PRORATION = _UDFS["CSM_PRORATION"]
CS_GRR = _UDFS["CS_GRR"]
CS_NRR = _UDFS["CS_NRR"]
CS_CHURN_RATE = _UDFS["CS_CHURN_RATE"]
CS_MAGIC_NUMBER = _UDFS["CS_MAGIC_NUMBER"]
CS_COVERAGE = _UDFS["CS_COVERAGE"]
CS_HEALTH = _UDFS["CS_HEALTH"]
