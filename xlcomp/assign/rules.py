"""The rules of a book assignment (``--rules RULES.yaml``), every problem with its line.

```yaml
tolerance: 0.15            # ARR per CSM within ±15% of the segment mean
count_tolerance: 0.15      # accounts per CSM within ±15% of the segment mean (default: tolerance)
move_cost: 0.1             # objective points an account must gain to move (see docs/assign.md)
weights: {arr: 1, risk: 1, white_space: 1}
neighbours: [[SMB, Startup]]   # an account of either segment may go to a CSM of the other
pinned: {ACC-000123: CSM-0007}  # besides the accounts table's `pinned` column
period: 2027-Q2            # the period the new books are for: CSMs leaving by its end get no accounts
time_limit: 60             # seconds for the solver (also --time-limit)
gap: 0.01                  # stop when the proven gap is at most 1%
risk_target: {base: 0.92, per_point: 0.001, reference: 50, floor: 0.8, ceiling: 0.97}
```
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import yaml

from xlcomp.errors import InputError, Problem
from xlcomp.load.plan_yaml import YamlWalker
from xlcomp.model.people import SEGMENTS
from xlcomp.model.plan import RiskAdjust

__all__ = ["DEFAULT_RISK_TARGET", "Rules", "load_rules", "parse_rules"]

DEFAULT_RISK_TARGET = RiskAdjust(per_point=Decimal("0.001"), reference=Decimal(50), floor=Decimal("0.8"),
                                 ceiling=Decimal("0.97"))
_FIELDS = {"tolerance", "count_tolerance", "move_cost", "weights", "neighbours", "pinned", "period", "time_limit",
           "gap", "risk_target"}
_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2])|-Q[1-4]|-H[12])?")


@dataclass(frozen=True)
class Rules:
    """What an assignment must respect and how it weighs importance against stability."""

    tolerance: Decimal = Decimal("0.15")
    count_tolerance: Decimal | None = None
    move_cost: Decimal = Decimal("0.1")
    weight_arr: Decimal = Decimal(1)
    weight_risk: Decimal = Decimal(1)
    weight_white_space: Decimal = Decimal(1)
    neighbours: frozenset[tuple[str, str]] = frozenset()
    pinned: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    pinned_where: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    period: str | None = None
    time_limit: float = 60.0
    gap: Decimal = Decimal("0.01")
    risk_base: Decimal = Decimal("0.92")
    risk_adjust: RiskAdjust = DEFAULT_RISK_TARGET
    source: str = "rules"

    @property
    def accounts_tolerance(self) -> Decimal:
        """The account-count tolerance (the ARR tolerance unless given)."""
        return self.tolerance if self.count_tolerance is None else self.count_tolerance

    def allows(self, account_segment: str, csm_segment: str) -> bool:
        """May an account of ``account_segment`` go to a CSM of ``csm_segment``?"""
        return account_segment == csm_segment or (account_segment, csm_segment) in self.neighbours


def load_rules(path: str | Path | None) -> Rules:
    """The rules of a YAML file (defaults without one); raises :class:`InputError` with every problem."""
    if path is None:
        return Rules()
    target = Path(path)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(target.name, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(target.name, f"cannot be read: {exc}")]) from None
    return parse_rules(text, target.name)


def parse_rules(text: str, filename: str = "rules.yaml") -> Rules:
    """The rules of YAML text; raises :class:`InputError` with every problem (``rules.yaml:3 tolerance: …``)."""
    walker = YamlWalker(filename)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{filename}:{mark.line + 1}" if mark is not None else filename
        raise InputError([Problem(place, f"is not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if root is None:
        return Rules(source=filename)
    fields = walker.mapping(root, "", _FIELDS)
    values: dict[str, object] = {"source": filename}
    if fields is None:
        raise InputError(walker.problems)
    for name in ("tolerance", "count_tolerance", "gap"):
        if name in fields:
            number = walker.number(fields[name][1], name, low=Decimal(0), high=Decimal(1))
            if number is not None:
                values[name] = number
    if "move_cost" in fields:
        number = walker.number(fields["move_cost"][1], "move_cost", low=Decimal(0))
        if number is not None:
            values["move_cost"] = number
    if "time_limit" in fields:
        number = walker.number(fields["time_limit"][1], "time_limit", positive=True)
        if number is not None:
            values["time_limit"] = float(number)
    if "period" in fields:
        period = walker.text(fields["period"][1], "period", pattern=_PERIOD, hint=" (write 2027-Q2, 2027-H1, "
                                                                                  "2027-05 or 2027)")
        if period is not None:
            values["period"] = period
    if "weights" in fields:
        weights = walker.mapping(fields["weights"][1], "weights", {"arr", "risk", "white_space"})
        for name, (_, node) in (weights or {}).items():
            number = walker.number(node, f"weights.{name}", low=Decimal(0))
            if number is not None:
                values[f"weight_{name}"] = number
    if "neighbours" in fields:
        pairs: set[tuple[str, str]] = set()
        for i, item in enumerate(walker.sequence(fields["neighbours"][1], "neighbours") or []):
            members = walker.sequence(item, f"neighbours[{i}]") or []
            names = [walker.text(m, f"neighbours[{i}]", choices=SEGMENTS) for m in members]
            if len(members) != 2:
                walker.problem(item, f"neighbours[{i}]", "give two segments, e.g. [SMB, Startup]")
            elif names[0] and names[1]:
                pairs |= {(names[0], names[1]), (names[1], names[0])}
        values["neighbours"] = frozenset(pairs)
    if "pinned" in fields:
        pinned = walker.mapping(fields["pinned"][1], "pinned")
        found: dict[str, str] = {}
        where: dict[str, str] = {}
        for account_id, (key_node, node) in (pinned or {}).items():
            csm_id = walker.text(node, f"pinned.{account_id}")
            if csm_id is not None:
                found[account_id] = csm_id
                where[account_id] = walker.where(key_node)
        values["pinned"] = MappingProxyType(found)
        values["pinned_where"] = MappingProxyType(where)
    if "risk_target" in fields:
        risk = walker.mapping(fields["risk_target"][1], "risk_target",
                              {"base", "per_point", "reference", "floor", "ceiling"})
        parts: dict[str, Decimal] = {}
        for name, (_, node) in (risk or {}).items():
            number = walker.number(node, f"risk_target.{name}", low=Decimal(0))
            if number is not None:
                parts[name] = number
        base = parts.pop("base", Decimal("0.92"))
        defaults = DEFAULT_RISK_TARGET
        adjust = RiskAdjust(per_point=parts.get("per_point", defaults.per_point),
                            reference=parts.get("reference", defaults.reference),
                            floor=parts.get("floor", defaults.floor), ceiling=parts.get("ceiling", defaults.ceiling))
        if not adjust.floor <= base <= adjust.ceiling:
            walker.problem(fields["risk_target"][1], "risk_target.base",
                           f"{base} is not between floor {adjust.floor} and ceiling {adjust.ceiling}")
        values["risk_base"] = base
        values["risk_adjust"] = adjust
    if walker.problems:
        raise InputError(walker.problems)
    return Rules(**values)  # type: ignore[arg-type]
