"""A statement's effective-dating lines (SPEC section 10): a ramped quota or target says its ramp factor, a SPIF
says its booking window and, for a CSM outside its segments, why it pays nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xlcomp.engine.payouts import ComponentResult
from xlcomp.engine.run import CsmResult, RunResult
from xlcomp.errors import PlanError, Problem
from xlcomp.load.plan import parse_plan
from xlcomp.model.plan import Plan
from xlcomp.rules.ramp import ramped
from xlcomp.statements import fmt

__all__ = ["part_days", "part_lines", "ramp_text", "spif_lines", "version_records", "versions_of"]


def ramp_text(result: ComponentResult, csm_result: CsmResult, plan: Plan) -> str:
    """`` — ramped: 50% of the plan (1 whole month in post at the period start)`` ('' when not ramped)."""
    ramp = csm_result.ramp
    if ramp is None or ramp.factor == 1 or not ramped(result.component, plan):
        return ""
    months = f"{ramp.months} whole month{'' if ramp.months == 1 else 's'}"
    return f" — ramped: {fmt.plain_percent(ramp.factor)} of the plan ({months} in post at the period start)"


def spif_lines(result: ComponentResult) -> list[tuple[str, str, str]]:
    """A SPIF's lines as ``(label, text, tone)``: its window, and the eligibility of a CSM outside its segments."""
    component = result.component
    if component.window is None:
        return []
    first, last = component.window
    text = f"pays on accounts booked {first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if component.segments is not None:
        text += f", for {', '.join(component.segments)} only"
    lines = [("SPIF window", text, "")]
    if result.trace.excluded:
        lines.append(("Eligibility", result.trace.excluded, "warn"))
    return lines


def part_days(result: ComponentResult, csm_result: CsmResult) -> int:
    """The days employed a bonus line's TI counts: the whole period's, or its part's (plan versions)."""
    part = result.trace.part
    return csm_result.days if part is None else int(part.employed)


def part_lines(result: ComponentResult) -> list[tuple[str, str, str]]:
    """A plan version's line as ``(label, text, tone)``: which version pays which part of the period."""
    part = result.trace.part
    if part is None:
        return []
    since = f", effective {part.effective.day} {part.effective:%b %Y}" if part.effective else ""
    return [("Plan version", f"{part.source}{since}: pays {part.first.day} {part.first:%b %Y} – "
                             f"{part.last.day} {part.last:%b %Y} ({part.days} days; {part.employed} employed)", "")]


def version_records(run: RunResult) -> dict[str, Any]:
    """What a statement of a period split by plan versions carries to be verified: every version's file, hash
    and YAML (``{}`` for an ordinary run)."""
    if not run.parts:
        return {}
    plans = list({plan.digest: plan for plan, _, _ in run.parts}.values())
    return {"versions": [{"file": Path(plan.source).name, "hash": plan.digest, "yaml": _yaml(plan)} for plan in plans]}


def _yaml(plan: Plan) -> str:
    """The version's YAML text, from its file (a statement being verified re-renders from embedded versions,
    whose text it already holds: '' then)."""
    path = Path(plan.source)
    return path.read_text(encoding="utf-8-sig") if plan.source and path.is_file() else ""


def versions_of(record: dict[str, Any], where: str) -> tuple[Plan, ...] | None:
    """The plan versions a statement carries (None: an ordinary statement), oldest first."""
    entries = record.get("versions")
    if not isinstance(entries, list):
        return None
    plans = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("yaml"), str):
            raise PlanError([Problem(where, "its embedded plan versions are malformed")])
        plans.append(parse_plan(entry["yaml"], filename=f"{where} (embedded {entry.get('file', 'plan.yaml')})",
                                source=str(entry.get("file", "plan.yaml"))))
    return tuple(sorted(plans, key=lambda p: (p.effective is not None, p.effective.toordinal() if p.effective
                                              else 0)))
