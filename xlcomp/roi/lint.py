"""The plan linter: design warnings, each explained and citing its benchmark.

Warnings never stop a run (``xlcomp check --strict`` turns them into exit code 1). Each has a
stable ``code`` so teams can discuss or silence a specific one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..model.plan import Kind, Plan

__all__ = ["Finding", "lint_plan"]


@dataclass(frozen=True)
class Finding:
    """One design warning: a code, the place in the plan, what is wrong and the benchmark."""

    code: str
    where: str
    message: str
    benchmark: str = ""

    def __str__(self) -> str:
        tail = f" (benchmark: {self.benchmark})" if self.benchmark else ""
        return f"{self.where}: {self.message}{tail}"


def _where(plan: Plan, line: int, path: str) -> str:
    name = plan.source.rsplit("/", 1)[-1] if plan.source else "plan.yaml"
    return f"{name}:{line} {path}" if line else f"{name} {path}"


def lint_plan(plan: Plan) -> list[Finding]:
    """Warnings from the plan alone: weights, thresholds, accelerators."""
    findings: list[Finding] = []
    bonuses = [c for c in plan.components if c.kind is Kind.BONUS]
    if bonuses:
        total = sum((c.weight or Decimal(0) for c in bonuses), Decimal(0))
        if total != 1:
            findings.append(Finding(
                "weights", _where(plan, bonuses[0].line, "components[*].weight"),
                f"bonus weights sum to {total.normalize():f}, not 1: at 100% attainment the plan pays "
                f"{total * 100:.0f}% of target variable pay",
                "weights of the bonus components sum to 1"))
    for index, c in enumerate(plan.components):
        path = f"components[{index}]"
        if c.threshold is not None and c.threshold > 1:
            findings.append(Finding(
                "threshold-above-target", _where(plan, c.line, f"{path}.threshold"),
                f"threshold {c.threshold.normalize():f} is above target (1.0): the CSM must beat the target "
                f"before earning anything", "thresholds sit below target, typically 0.5-0.9"))
        if c.curve is None:
            continue
        rates = [t.rate for t in c.curve.tiers]
        if c.kind is Kind.BONUS:
            steep = max(rates) > 2
            if steep and c.cap is None:
                findings.append(Finding(
                    "accelerator-uncapped", _where(plan, c.line, f"{path}.curve"),
                    f"a tier pays {max(rates).normalize():f}x with no cap: over-attainment costs more than twice "
                    "target pay per point, without limit", "accelerators above 2x need a cap"))
        else:
            base = rates[0] if rates[0] > 0 else next((r for r in rates if r > 0), Decimal(0))
            if base and max(rates) > 2 * base and c.cap_amount is None:
                findings.append(Finding(
                    "accelerator-uncapped", _where(plan, c.line, f"{path}.curve"),
                    f"the top rate {max(rates).normalize():f} is more than twice the base rate "
                    f"{base.normalize():f} with no cap_amount", "accelerators above 2x need a cap"))
    return findings
