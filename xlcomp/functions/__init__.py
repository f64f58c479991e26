"""Worksheet functions: the engine inside Excel (SPEC section 6).

:data:`REGISTRY` maps each function's name (``CSM_TIERED``, ``CS_GRR``, …) to a
:class:`FunctionSpec`: the plain callable (``spec.func``, or call the spec itself), its description
and parameter help. The callables take what Excel passes (numbers, texts, ``None`` for empty cells,
ranges as lists of rows, dates as datetimes or serial numbers) and return a float, or an
:class:`ExcelError` (``#VALUE!``, ``#DIV/0!``, ``#NUM!``) carrying a message; they never raise.

>>> from xlcomp.functions import REGISTRY
>>> REGISTRY["CSM_COMMISSION"](500000, 300000, [[1, 0.075], [1.5, 0.125], [None, 0.15]])
48750.0
>>> REGISTRY["CS_GRR"](0, 0)
ExcelError('#DIV/0!', 'gross renewal rate is undefined: no renewable ARR in the period')

:mod:`xlcomp.udfs` exposes them to Excel desktop through xlwings, :mod:`xlcomp.server` to Office.js.
"""

from xlcomp.functions.registry import REGISTRY, ExcelResult, FunctionSpec, Param
from xlcomp.functions.values import DIV0, ERROR_CODES, NAME, NUM, VALUE, ExcelError

__all__ = ["DIV0", "ERROR_CODES", "NAME", "NUM", "REGISTRY", "VALUE", "ExcelError", "ExcelResult", "FunctionSpec",
           "Param"]
