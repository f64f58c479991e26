"""Running the generated main.py: in a CPython subprocess or in Pyodide under Node.js, on the same cases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.lite.cases import Case

__all__ = ["LITE_DIR", "run_cpython", "run_pyodide", "run_scripts"]

LITE_DIR = Path(__file__).resolve().parent
STANDIN = LITE_DIR / "xlwings_standin"


def _write_cases(tmp: Path, cases: list[Case]) -> Path:
    path = tmp / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    return path


def run_cpython(main_dir: Path, cases: list[Case], tmp: Path) -> dict[str, Any]:
    """Import main.py (with the stand-in xlwings) in a fresh CPython and evaluate ``cases``."""
    cases_path = _write_cases(tmp, cases)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(main_dir), str(STANDIN), str(LITE_DIR)]))
    completed = subprocess.run(
        [sys.executable, "-c", f"import evaluate; print(evaluate.run({str(cases_path)!r}))"],
        capture_output=True, text=True, env=env, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)  # type: ignore[no-any-return]


def run_pyodide(main_dir: Path, cases: list[Case], tmp: Path) -> dict[str, Any]:
    """Run main.py in Pyodide (tests/lite/node_modules/pyodide, installed by ``make test``) under Node.js."""
    node = shutil.which("node")
    assert node, "Node.js is missing: `make test` installs it (apt-get install nodejs npm)"
    assert (LITE_DIR / "node_modules" / "pyodide" / "pyodide.asm.wasm").exists(), (
        "Pyodide is not installed: run `make test`, or `npm ci --prefix tests/lite`")
    cases_path = _write_cases(tmp, cases)
    completed = subprocess.run([node, str(LITE_DIR / "run_pyodide.mjs"), str(main_dir / "main.py"), str(cases_path)],
                               capture_output=True, text=True, timeout=300, check=False, cwd=LITE_DIR)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout)  # type: ignore[no-any-return]


def run_scripts(main_dir: Path, job: dict[str, Any], tmp: Path, *, pyodide: bool) -> dict[str, Any]:
    """Run the task-pane scripts ``job["scripts"]`` of main.py on the stand-in book ``job["model"]``
    (:mod:`tests.lite.scripts`), in Pyodide under Node.js or in a CPython subprocess."""
    job_path = tmp / "job.json"
    job_path.write_text(json.dumps(job), encoding="utf-8")
    if pyodide:
        node = shutil.which("node")
        assert node, "Node.js is missing: `make test` installs it (apt-get install nodejs npm)"
        command = [node, str(LITE_DIR / "run_pyodide.mjs"), str(main_dir / "main.py"), str(job_path), "scripts"]
        env = None
    else:
        command = [sys.executable, "-c", f"import scripts; print(scripts.run({str(job_path)!r}))"]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(main_dir), str(STANDIN), str(LITE_DIR)]))
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=LITE_DIR,
                               env=env)
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(completed.stdout)  # type: ignore[no-any-return]
