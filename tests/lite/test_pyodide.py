"""The generated xlwings Lite main.py, run in Pyodide (WebAssembly Python, as in Excel) under Node.js:
every function agrees with xlcomp's registry on the same cases, error values and messages included,
with nothing loaded beyond Pyodide's own standard library."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lite.cases import lite_cases, registry_results
from tests.lite.harness import run_pyodide
from xlcomp.functions import REGISTRY
from xlcomp.functions.lite import write_lite


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, dict]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("lite")
    write_lite(out)
    cases = lite_cases()
    return cases, run_pyodide(out, cases, out)


def test_pyodide_agrees_with_the_registry(pyodide_run: tuple[list, dict]) -> None:  # type: ignore[type-arg]
    cases, report = pyodide_run
    assert report["platform"] == "emscripten"
    expected = registry_results(cases)
    mismatches = [(case, got, want) for case, got, want in zip(cases, report["results"], expected, strict=True)
                  if got != want]
    assert not mismatches, mismatches[:5]
    errors = {r["error"] for r in report["results"] if "error" in r}
    assert errors == {"#VALUE!", "#DIV/0!", "#NUM!"}


def test_pyodide_loads_no_package(pyodide_run: tuple[list, dict]) -> None:  # type: ignore[type-arg]
    _, report = pyodide_run
    assert "numpy" not in report["modules"]
    assert "xlcomp" not in report["modules"]          # only the bundle, under its own name
    assert "_xlcomp_lite" in report["modules"]


def test_pyodide_has_every_function(pyodide_run: tuple[list, dict]) -> None:  # type: ignore[type-arg]
    _, report = pyodide_run
    assert set(report["functions"]) == set(REGISTRY)
    tiered = report["functions"]["CSM_TIERED"]
    assert tiered["params"] == ["attainment", "tiers", "mode", "threshold", "cap"]
    assert tiered["optional"] == ["mode", "threshold", "cap"]
    assert tiered["args"]["tiers"]["ndim"] == 2


def test_main_py_is_generated_not_kept(tmp_path: Path) -> None:
    assert not (Path(__file__).parent / "main.py").exists()
