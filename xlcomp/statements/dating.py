"""A statement's effective-dating lines (SPEC section 10): a ramped quota or target says its ramp factor, a SPIF
says its booking window and, for a CSM outside its segments, why it pays nothing."""

from __future__ import annotations

from xlcomp.engine.payouts import ComponentResult
from xlcomp.engine.run import CsmResult
from xlcomp.model.plan import Plan
from xlcomp.rules.ramp import ramped
from xlcomp.statements import fmt

__all__ = ["ramp_text", "spif_lines"]


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
