"""The xlwings UDF module: it imports on Linux, its wrappers compute what the registry computes, and
xlwings' own Windows decorators record the right metadata (arguments, 2-D ranges, descriptions) and
write the VBA that Excel's *Import Functions* would get.

xlwings' Windows decorator module (``xlwings.udfs``) imports pywin32's COM modules at its top, and
pywin32 does not exist on Linux; stand-ins for those three modules let the real decorator code and
VBA writer run here. Nothing of xlcomp is replaced.
"""

from __future__ import annotations

import importlib
import io
import sys
import types
from collections.abc import Iterator
from datetime import date

import pytest

import xlcomp.udfs as udfs
from xlcomp.functions import REGISTRY

# Words VBA reserves: a parameter named like one makes the imported module fail to compile.
VBA_RESERVED = {"and", "as", "boolean", "byref", "byte", "byval", "call", "case", "const", "currency", "date",
                "debug", "dim", "do", "double", "each", "else", "elseif", "empty", "end", "enum", "eqv", "erase",
                "error", "event", "exit", "false", "for", "friend", "function", "get", "global", "gosub", "goto",
                "if", "imp", "implements", "in", "integer", "is", "let", "lib", "like", "long", "loop", "lset",
                "me", "mod", "new", "next", "not", "nothing", "null", "on", "option", "optional", "or",
                "paramarray", "preserve", "private", "property", "public", "raiseevent", "redim", "rem", "resume",
                "return", "rset", "select", "set", "single", "static", "step", "stop", "string", "sub", "then",
                "to", "true", "type", "typeof", "until", "variant", "wend", "while", "with", "xor"}


@pytest.fixture(scope="module")
def xlwings_windows() -> Iterator[types.ModuleType]:
    """xlwings' Windows UDF module (decorators, VBA writer), importable with pywin32 stand-ins."""
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *args: None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    stand_ins = {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com, "win32com.client": client}
    saved = {name: sys.modules.get(name) for name in [*stand_ins, "xlwings.udfs"]}
    sys.modules.update(stand_ins)
    sys.modules.pop("xlwings.udfs", None)
    try:
        yield importlib.import_module("xlwings.udfs")
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_module_imports_and_lists_every_registry_function():
    assert set(REGISTRY) <= set(udfs.__all__)
    for name in REGISTRY:
        assert getattr(udfs, name).__name__ == name


def test_wrappers_compute_what_the_registry_computes():
    tiers = [[1.0, 1.0], [1.1, 3.0], [None, 1.0]]
    assert udfs.CSM_TIERED(1.032609, tiers, "marginal", 0.85, 1.5) == REGISTRY["CSM_TIERED"](
        1.032609, tiers, "marginal", 0.85, 1.5) == 1.097827
    assert udfs.CSM_COMMISSION(500000, 300000, [[1, 0.075], [1.5, 0.125], [None, 0.15]]) == 48750.0
    assert udfs.CSM_PRORATION(date(2027, 2, 15), None, date(2027, 1, 1), date(2027, 3, 31)) == 0.5
    assert udfs.CS_HEALTH(80, 60, 40, [[0.5, 0.3, 0.2]]) == 66
    # an Excel error reaches the cell as its code and message
    assert udfs.CS_GRR(0, 0) == "#DIV/0! gross renewal rate is undefined: no renewable ARR in the period"
    assert udfs.CSM_TIERED(1, [[2, 1], [1, 3]]).startswith("#NUM! tiers row 2")


def test_xlwings_metadata_arguments_dimensions_descriptions(xlwings_windows):
    built = udfs.build_udfs(xlwings_windows.xlfunc, xlwings_windows.xlarg)
    assert list(built) == list(REGISTRY)
    for name, spec in REGISTRY.items():
        meta = built[name].__xlfunc__
        assert meta["name"] == name and meta["sub"] is False and meta["category"] == "xlcomp"
        assert meta["ret"]["doc"] == spec.description
        assert [arg["name"] for arg in meta["args"]] == [p.name for p in spec.params]
        for arg, param in zip(meta["args"], spec.params, strict=True):
            assert arg["doc"] == param.description
            assert arg["options"].get("ndim") == (2 if param.kind == "range" else None), (name, param.name)
            assert ("optional" in arg) == param.optional and arg.get("optional") is None
            assert param.name.lower() not in VBA_RESERVED
    assert built["CSM_TIERED"].__xlfunc__["argmap"]["tiers"]["options"] == {"ndim": 2}
    assert built["CS_HEALTH"].__xlfunc__["argmap"]["weights"]["options"] == {"ndim": 2}
    assert built["CS_GRR"](100000, 95000) == 0.95


def test_import_functions_writes_vba_for_every_function(xlwings_windows):
    module = types.ModuleType("xlcomp_udfs_for_vba")
    module.__dict__.update(udfs.build_udfs(xlwings_windows.xlfunc, xlwings_windows.xlarg))
    workbook = types.SimpleNamespace(Name="finance.xlsm")
    vba = io.StringIO()
    xlwings_windows.generate_vba_wrapper("xlcomp.udfs", module, vba, workbook)
    text = vba.getvalue()
    assert "Function CSM_TIERED(attainment, tiers, Optional mode, Optional threshold, Optional cap)" in text
    assert "Function CSM_PRORATION(start_date, end_date, period_start, period_end)" in text
    assert ('CSM_COMMISSION = XLPy.CallUDF("xlcomp.udfs", "CSM_COMMISSION", Array(amount, quota, tiers, mode), '
            "ThisWorkbook, Application.Caller)") in text
    assert text.count("End Function") == len(REGISTRY)
