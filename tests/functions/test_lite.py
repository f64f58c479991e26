"""``xlcomp lite``: the xlwings Lite main.py bundles xlcomp's own source (standard library only) and
agrees with the registry, run here in CPython (tests/lite runs it in Pyodide)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests.lite.cases import lite_cases, registry_results
from tests.lite.harness import run_cpython
from xlcomp.cli import main as cli_main
from xlcomp.functions import REGISTRY
from xlcomp.functions.bundle import BUNDLE_PREFIX, BundleError, bundle_modules
from xlcomp.functions.lite import LITE_REQUIREMENTS, lite_main, write_lite


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_cli_writes_main_and_requirements(tmp_path: Path) -> None:
    assert cli_main(["lite", "--out", str(tmp_path / "lite")]) == 0
    assert (tmp_path / "lite" / "requirements.txt").read_text() == LITE_REQUIREMENTS
    assert [line for line in LITE_REQUIREMENTS.splitlines() if not line.startswith("#")] == []
    assert "def CS_HEALTH(usage, activity, engagement, weights=None):" in (tmp_path / "lite" / "main.py").read_text()


def test_cli_refuses_a_file_as_out(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text("")
    assert cli_main(["lite", "--out", str(tmp_path / "main.py")]) == 2


def test_main_imports_only_the_standard_library_and_xlwings() -> None:
    tree = ast.parse(lite_main())
    assert _imports(tree) == {"sys", "types", "xlwings"}
    for module in bundle_modules(["xlcomp.functions.registry"]).ordered():
        for imported in _imports(ast.parse(module.source)):
            top = imported.split(".")[0]
            assert top == BUNDLE_PREFIX or top in sys.stdlib_module_names, (module.name, imported)


def test_the_bundle_is_the_engines_own_source() -> None:
    """Every statement kept is the text of xlcomp's module, character for character."""
    bundle = bundle_modules(["xlcomp.functions.registry"])
    curves = bundle.modules["xlcomp.engine.curves"]
    original = Path(curves.path).read_text(encoding="utf-8")
    for name in ("attainment_of", "bonus_shares", "commissions", "shares"):
        start = original.index(f"def {name}(")
        definition = original[start:original.index("\n\n\n", start)]
        assert definition in curves.source
    # Only what the functions use: no Arrow aggregation, no statement walk.
    assert "class Aggregates" not in bundle.modules["xlcomp.engine.metrics"].source
    assert "def commission_walk" not in curves.source
    assert "CONTEXT = decimal.Context(prec=40" in bundle.modules["xlcomp.money"].source  # the context the registry uses


def test_the_bundle_refuses_a_package_outside_the_standard_library() -> None:
    with pytest.raises(BundleError, match=r"pyarrow.*not in the standard library"):
        bundle_modules(["xlcomp.engine.metrics"])


def test_every_function_has_the_registry_signature(tmp_path: Path) -> None:
    write_lite(tmp_path)
    report = run_cpython(tmp_path, [], tmp_path)
    assert set(report["functions"]) == set(REGISTRY)
    for name, spec in REGISTRY.items():
        function = report["functions"][name]
        assert function["params"] == [p.name for p in spec.params]
        assert function["optional"] == [p.name for p in spec.params if p.optional]
        assert function["defaults"] == [None] * len(function["optional"])
        assert function["doc"].startswith(spec.description)
        for param in spec.params:
            assert function["args"][param.name]["doc"] == param.description
            assert function["args"][param.name].get("ndim") == (2 if param.kind == "range" else None)


def test_cpython_run_agrees_with_the_registry(tmp_path: Path) -> None:
    write_lite(tmp_path)
    cases = lite_cases(seed=7, count=600)
    report = run_cpython(tmp_path, cases, tmp_path)
    expected = registry_results(cases)
    mismatches = [(case, got, want) for case, got, want in zip(cases, report["results"], expected, strict=True)
                  if got != want]
    assert not mismatches, mismatches[:5]
    assert "numpy" not in report["modules"]


def test_docs_examples_through_the_lite_functions(tmp_path: Path) -> None:
    write_lite(tmp_path)
    tiers = [[1, 0.075], [1.5, 0.125], [None, 0.15]]
    report = run_cpython(tmp_path, [("CSM_COMMISSION", [500000, 300000, tiers]),
                                    ("CS_GRR", [0, 0]), ("CS_HEALTH", [80, 60, 40, [[0.5, 0.3, 0.2]]])], tmp_path)
    assert report["results"][0] == {"value": 48750.0}
    assert report["results"][1]["error"] == "#DIV/0!"
    assert report["results"][1]["message"] == "gross renewal rate is undefined: no renewable ARR in the period"
    assert report["results"][2] == {"value": 66.0}
