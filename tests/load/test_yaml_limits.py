"""Plan YAML nested deeper than a plan could be is a plan problem with its line, never a RecursionError."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xlcomp.errors import PlanError
from xlcomp.load.plan import parse_plan

FLOW = "id: deep\ncomponents: " + "[" * 1000 + "]" * 1000 + "\n"
BLOCK = "id: deep\n" + "".join(f"{'  ' * level}k{level}:\n" for level in range(900)) + "  " * 900 + "x: 1\n"


@pytest.mark.parametrize("text", [FLOW, BLOCK], ids=["flow", "block"])
def test_deep_nesting_is_a_plan_problem_with_its_line(text: str) -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(text, filename="deep.yaml")
    problem = caught.value.problems[0]
    assert problem.where.startswith("deep.yaml:") and "nests more than 64 levels deep" in problem.message


def test_xlcomp_check_reports_it_and_exits_1(tmp_path: Path) -> None:
    plan = tmp_path / "deep.yaml"
    plan.write_text(FLOW, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "xlcomp", "check", str(plan)], capture_output=True, text=True,
                            timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "deep.yaml:2" in output and "nests more than 64 levels deep" in output
    assert "internal error" not in output and "RecursionError" not in output
