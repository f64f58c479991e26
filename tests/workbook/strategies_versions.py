"""Plan versions for the random parity test (SPEC section 10): a second version of a case's plan, effective on a
day inside the period, so the period is split in two parts, each paid by its version.

The second version is the first one changed: weights, rates, fixed targets and quotas, caps and thresholds
re-drawn, curves re-drawn (tiers and mode), multiplier bands re-drawn, a SPIF's rate; it keeps the components'
ids, metrics and roster columns (the roster and accounts are read with every version's columns); its plan inputs
are re-drawn too (:data:`VERSIONS_VARY_INPUTS`). Versions are drawn together with roster changes, moves and splits
(:data:`VERSIONS_WITH_DATING`), which the engine computes part by part.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import yaml
from hypothesis import strategies as st

from xlcomp.model.period import parse_period

__all__ = ["VERSIONS_VARY_INPUTS", "VERSIONS_WITH_DATING", "second_version"]

Draw = Any

# Draw plan versions in cases that also have roster changes, moves or splits (the engine computes them part by
# part: xlcomp/engine/versions.py).
VERSIONS_WITH_DATING = True
# Draw the second version's plan inputs (company_attainment, team_attainment) anew: each part of the workbook then
# reads its version's value from its own Plan-sheet cell (input_company_attainment_at_<day>, docs/dating.md).
VERSIONS_VARY_INPUTS = True


def _number(value: Any) -> Any:
    return int(value) if float(value).is_integer() else float(value)


def _scaled(draw: Draw, value: Any, low: str, high: str) -> Any:
    """``value`` times a factor drawn from ``low`` to ``high`` (two places), rounded to what the plan allows."""
    factor = draw(st.decimals(min_value=low, max_value=high, places=2))
    return _number(round(float(value) * float(factor), 3 if float(value) < 10 else 2))


def _tiers(draw: Draw, tiers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tiers with re-drawn rates, and one bound moved (kept ascending)."""
    out = [dict(t) for t in tiers]
    for tier in out:
        if draw(st.booleans()):
            tier["rate"] = _scaled(draw, tier["rate"], "0", "2")
    bounds = [t["upto"] for t in out if "upto" in t]
    if bounds and draw(st.booleans()):
        position = draw(st.integers(0, len(bounds) - 1))
        low = float(bounds[position - 1]) if position > 0 else 0.0
        high = float(bounds[position + 1]) if position + 1 < len(bounds) else float(bounds[position]) * 1.5 + 0.1
        moved = round(low + (high - low) * draw(st.integers(10, 90)) / 100, 2)
        if low < moved < high:
            out[position]["upto"] = _number(moved)
    return out


def _component(draw: Draw, component: dict[str, Any]) -> dict[str, Any]:
    comp = copy.deepcopy(component)
    for key, low, high in (("weight", "0.3", "1"), ("rate", "0", "2"), ("cap_amount", "0.5", "2"),
                           ("cap", "0.8", "1.5"), ("threshold", "0.5", "1.2")):
        if key in comp and draw(st.booleans()):
            comp[key] = _scaled(draw, comp[key], low, high)
    for key in ("target", "quota"):
        if isinstance(comp.get(key), (int, float)) and draw(st.booleans()):
            comp[key] = max(_scaled(draw, comp[key], "0.5", "1.5"), 0.01)
    if "weight" in comp:
        comp["weight"] = min(max(comp["weight"], 0.01), 1)
    curve = comp.get("curve")
    if isinstance(curve, dict) and draw(st.booleans()):
        curve["tiers"] = _tiers(draw, curve["tiers"])
        modes = ["marginal", "whole", "steps"] if comp.get("kind") == "bonus" else ["marginal", "whole"]
        curve["mode"] = draw(st.sampled_from(modes))
    return comp


@st.composite
def second_version(draw: Draw, plan_yaml: str, period: str) -> str:
    """The plan's second version, effective on a day after the period's first (the first version's text is
    ``plan_yaml``): its YAML."""
    plan = yaml.safe_load(plan_yaml)
    the_period = parse_period(period)
    days = (the_period.end - the_period.start).days + 1
    effective = the_period.start + timedelta(days=draw(st.integers(1, days - 1)))
    version: dict[str, Any] = {}
    for key, value in plan.items():
        version[key] = value
        if key == "period":
            version["effective"] = effective
    version["components"] = [_component(draw, c) for c in plan["components"]]
    if VERSIONS_VARY_INPUTS and isinstance(version.get("inputs"), dict):
        version["inputs"] = {name: _scaled(draw, value, "0.8", "1.2") for name, value in version["inputs"].items()}
    for multiplier in version.get("multipliers") or []:
        for band in multiplier["bands"]:
            if draw(st.booleans()):
                band["factor"] = _scaled(draw, band["factor"], "0", "1.5")
    return yaml.safe_dump(version, sort_keys=False)
