"""Plan YAML -> :class:`xlcomp.model.Plan`, every problem with ``file:line`` and field path.

The YAML is composed into nodes (which keep their line numbers) and walked by hand, so a problem
reads ``plan.yaml:14 components[1].weight: 1.4 is above 1``. Numbers are taken from the text of
the scalar (``0.92`` is exactly Decimal("0.92")), never through a binary float. All problems of a
file are collected before :class:`PlanError` is raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

import yaml

from xlcomp.errors import PlanError, Problem
from xlcomp.load.plan_dating import DATING_COMPONENT_KEYS, DATING_PLAN_KEYS, with_dating_fields
from xlcomp.load.plan_ledger import LEDGER_COMPONENT_KEYS, LEDGER_PLAN_KEYS, with_ledger_fields
from xlcomp.load.plan_yaml import YamlWalker, line_of, plain_data
from xlcomp.load.yaml_limits import check_nesting
from xlcomp.model.metrics import metric_def
from xlcomp.model.period import PeriodKind
from xlcomp.model.plan import (
    ARCHETYPES,
    Band,
    Component,
    Curve,
    CurveMode,
    Gate,
    Kind,
    Multiplier,
    Plan,
    RiskAdjust,
    Target,
    Tier,
)
from xlcomp.money import exactly

__all__ = ["load_plan", "parse_plan"]

_PLAN_ID = re.compile(r"[a-z0-9-]+")
_COMPONENT_ID = re.compile(r"[a-z0-9_]+")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CURRENCY = re.compile(r"[A-Z]{3}")
_MAX_NODES = 100_000

_PLAN_KEYS = {"id", "name", "currency", "period", "archetype", "inputs", "components", "multipliers",
              "description", "version"} | LEDGER_PLAN_KEYS | DATING_PLAN_KEYS
_COMPONENT_KEYS = {"id", "name", "kind", "metric", "weight", "target", "threshold", "curve", "cap", "quota",
                   "rate", "cap_amount", "gate", "description"} | LEDGER_COMPONENT_KEYS | DATING_COMPONENT_KEYS
_BONUS_ONLY = {"weight", "target", "cap"}
_COMMISSION_ONLY = {"quota", "rate", "cap_amount"}


@exactly
def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; raises :class:`PlanError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanError([Problem(str(path), "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanError([Problem(str(path), f"cannot be read: {exc}")]) from None
    return parse_plan(text, filename=path.name, source=str(path))


@exactly
def parse_plan(text: str, filename: str = "plan.yaml", source: str = "") -> Plan:
    """Validate plan YAML text; ``filename`` names the file in problems."""
    walker = YamlWalker(filename)
    check_nesting(text, filename)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{filename}:{mark.line + 1}" if mark else filename
        raise PlanError([Problem(where, f"not valid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise PlanError([Problem(filename, f"not valid YAML: {exc}")]) from None
    if root is None:
        raise PlanError([Problem(filename, "the plan is empty")])
    try:
        canonical = plain_data(root, [_MAX_NODES])
    except ValueError:
        raise PlanError([Problem(filename, f"the plan has more than {_MAX_NODES} values")]) from None
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
    plan = _read_plan(walker, root, source or filename, digest)
    plan = with_ledger_fields(plan, root, filename, walker.problems)
    plan = with_dating_fields(plan, root, walker)
    if walker.problems or plan is None:
        raise PlanError(sorted(walker.problems, key=line_of) or [Problem(filename, "the plan is invalid")])
    return plan


def _read_plan(w: YamlWalker, root: yaml.Node, source: str, digest: str) -> Plan | None:
    fields = w.mapping(root, "", _PLAN_KEYS)
    if fields is None:
        return None

    def get(key: str) -> yaml.Node | None:
        return fields[key][1] if key in fields else None

    def required(key: str) -> yaml.Node | None:
        node = get(key)
        if node is None:
            w.problem(root, key, "is required")
        return node

    plan_id = name = None
    node = required("id")
    if node is not None:
        plan_id = w.text(node, "id", pattern=_PLAN_ID, hint=": use lowercase letters, digits and -")
    name = w.text(get("name"), "name") if get("name") is not None else plan_id  # type: ignore[arg-type]
    currency = "USD"
    if (node := get("currency")) is not None:
        currency = w.text(node, "currency", pattern=_CURRENCY, hint=": use a 3-letter code such as USD") or "USD"
    period = None
    if (node := required("period")) is not None:
        value = w.text(node, "period", choices=[k.value for k in PeriodKind])
        period = PeriodKind(value) if value else None
    archetype = None
    if (node := get("archetype")) is not None:
        archetype = w.text(node, "archetype", choices=ARCHETYPES)

    inputs: dict[str, Decimal] = {}
    node = get("inputs")
    if node is not None and not (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
        entries = w.mapping(node, "inputs")
        for key, (key_node, value_node) in (entries or {}).items():
            if not _COLUMN.fullmatch(key):
                w.problem(key_node, f"inputs.{key}", "is not a valid name")
                continue
            number = w.number(value_node, f"inputs.{key}")
            if number is not None:
                inputs[key] = number
    for key in ("overhead_rate", "support_team_cost"):
        if key in inputs and inputs[key] < 0:
            w.problem(get("inputs"), f"inputs.{key}", f"{inputs[key]} must not be negative")

    components: list[Component] = []
    if (node := required("components")) is not None:
        items = w.sequence(node, "components") or []
        if not items and isinstance(node, yaml.SequenceNode):
            w.problem(node, "components", "the plan has no components")
        seen: set[str] = set()
        for index, item in enumerate(items):
            component = _read_component(w, item, f"components[{index}]", set(inputs))
            if component is None:
                continue
            if component.id in seen:
                w.problem(item, f"components[{index}].id", f'"{component.id}" is used by another component')
                continue
            seen.add(component.id)
            components.append(component)

    multipliers: list[Multiplier] = []
    if (node := get("multipliers")) is not None:
        known_ids = _component_ids(get("components"))
        for index, item in enumerate(w.sequence(node, "multipliers") or []):
            multiplier = _read_multiplier(w, item, f"multipliers[{index}]", known_ids, set(inputs))
            if multiplier is not None:
                multipliers.append(multiplier)

    if plan_id is None or period is None or w.problems:
        return None
    return Plan(id=plan_id, name=name or plan_id, currency=currency, period=period, archetype=archetype,
                inputs=MappingProxyType(inputs), components=tuple(components), multipliers=tuple(multipliers),
                source=source, digest=digest)


def _component_ids(node: yaml.Node | None) -> set[str]:
    """Every component id written in the plan, valid component or not (no cascading problems)."""
    ids: set[str] = set()
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            if isinstance(item, yaml.MappingNode):
                ids.update(str(v.value) for k, v in item.value
                           if isinstance(k, yaml.ScalarNode) and k.value == "id" and isinstance(v, yaml.ScalarNode))
    return ids


def _metric(w: YamlWalker, node: yaml.Node, path: str, inputs: set[str]) -> str | None:
    name = w.text(node, path)
    if name is None:
        return None
    if metric_def(name, inputs) is None:
        from xlcomp.model.metrics import METRICS

        w.problem(node, path, f'"{name}" is not a known metric (known: {", ".join(METRICS)}, '
                              f"or a name under inputs)")
        return None
    return name


def _read_target(w: YamlWalker, node: yaml.Node, path: str, *, allow_risk: bool) -> Target | None:
    if isinstance(node, yaml.ScalarNode):
        value = w.number(node, path, positive=True)
        return Target(value=value) if value is not None else None
    fields = w.mapping(node, path, {"column", "base", "risk_adjust"})
    if fields is None:
        return None
    if "column" in fields:
        if len(fields) > 1:
            w.problem(node, path, "a column target takes no other fields")
        column = w.text(fields["column"][1], f"{path}.column", pattern=_COLUMN,
                        hint=": use a roster column name")
        return Target(column=column) if column else None
    if "base" not in fields:
        w.problem(node, path, "needs a number, {column: <roster column>} or {base: …, risk_adjust: …}")
        return None
    base = w.number(fields["base"][1], f"{path}.base", positive=True)
    risk = None
    if "risk_adjust" in fields:
        if not allow_risk:
            w.problem(fields["risk_adjust"][0], f"{path}.risk_adjust", "only bonus targets can be risk-adjusted")
            return None
        risk = _read_risk(w, fields["risk_adjust"][1], f"{path}.risk_adjust")
        if risk is None:
            return None
    if base is None:
        return None
    if risk is not None and not risk.floor <= base <= risk.ceiling:
        w.problem(fields["base"][1], f"{path}.base", f"{base} is outside floor {risk.floor} and ceiling {risk.ceiling}")
    return Target(value=base, risk_adjust=risk)


def _read_risk(w: YamlWalker, node: yaml.Node, path: str) -> RiskAdjust | None:
    fields = w.mapping(node, path, {"per_point", "reference", "floor", "ceiling"})
    if fields is None:
        return None
    values: dict[str, Decimal | None] = {}
    for key in ("per_point", "reference", "floor", "ceiling"):
        if key not in fields:
            w.problem(node, f"{path}.{key}", "is required")
            values[key] = None
            continue
        if key == "reference":
            values[key] = w.number(fields[key][1], f"{path}.{key}", low=Decimal(0), high=Decimal(100))
        elif key == "per_point":
            values[key] = w.number(fields[key][1], f"{path}.{key}", low=Decimal(0))
        else:
            values[key] = w.number(fields[key][1], f"{path}.{key}", positive=True)
    per_point, reference, floor, ceiling = (values[k] for k in ("per_point", "reference", "floor", "ceiling"))
    if per_point is None or reference is None or floor is None or ceiling is None:
        return None
    if floor > ceiling:
        w.problem(fields["floor"][1], f"{path}.floor", f"{floor} is above the ceiling {ceiling}")
        return None
    return RiskAdjust(per_point=per_point, reference=reference, floor=floor, ceiling=ceiling)


def _read_curve(w: YamlWalker, node: yaml.Node, path: str, kind: Kind) -> Curve | None:
    fields = w.mapping(node, path, {"mode", "tiers"})
    if fields is None:
        return None
    modes = [m.value for m in CurveMode] if kind is Kind.BONUS else ["marginal", "whole"]
    mode = None
    if "mode" in fields:
        value = w.text(fields["mode"][1], f"{path}.mode", choices=modes)
        mode = CurveMode(value) if value else None
    else:
        w.problem(node, f"{path}.mode", f"is required ({' | '.join(modes)})")
    if "tiers" not in fields:
        w.problem(node, f"{path}.tiers", "is required")
        return None
    tier_nodes = w.sequence(fields["tiers"][1], f"{path}.tiers")
    if tier_nodes is None:
        return None
    if not tier_nodes:
        w.problem(fields["tiers"][1], f"{path}.tiers", "needs at least one tier")
        return None
    tiers: list[Tier] = []
    previous: Decimal | None = None
    ok = True
    for index, tier_node in enumerate(tier_nodes):
        tpath = f"{path}.tiers[{index}]"
        tier_fields = w.mapping(tier_node, tpath, {"upto", "rate"})
        if tier_fields is None:
            ok = False
            continue
        last = index == len(tier_nodes) - 1
        upto = None
        if "upto" in tier_fields and not (isinstance(tier_fields["upto"][1], yaml.ScalarNode)
                                          and tier_fields["upto"][1].tag == "tag:yaml.org,2002:null"):
            upto = w.number(tier_fields["upto"][1], f"{tpath}.upto", positive=True)
            if upto is None:
                ok = False
            elif previous is not None and upto <= previous:
                w.problem(tier_fields["upto"][1], f"{tpath}.upto",
                          f"{upto} is not above the previous tier's upto {previous}: tiers must ascend")
                ok = False
            else:
                previous = upto
        elif not last:
            w.problem(tier_node, f"{tpath}.upto", "is required (only the last tier may omit it)")
            ok = False
        if "rate" not in tier_fields:
            w.problem(tier_node, f"{tpath}.rate", "is required")
            ok = False
            continue
        rate = w.number(tier_fields["rate"][1], f"{tpath}.rate", low=Decimal(0))
        if rate is None:
            ok = False
            continue
        tiers.append(Tier(upto=upto, rate=rate))
    if not ok or mode is None:
        return None
    return Curve(mode=mode, tiers=tuple(tiers))


def _read_component(w: YamlWalker, node: yaml.Node, path: str, inputs: set[str]) -> Component | None:
    fields = w.mapping(node, path, _COMPONENT_KEYS)
    if fields is None:
        return None
    before = len(w.problems)

    def get(key: str) -> yaml.Node | None:
        return fields[key][1] if key in fields else None

    def required(key: str) -> yaml.Node | None:
        value = get(key)
        if value is None:
            w.problem(node, f"{path}.{key}", "is required")
        return value

    cid = w.text(n, f"{path}.id", pattern=_COMPONENT_ID, hint=": use lowercase letters, digits and _") \
        if (n := required("id")) is not None else None
    kind = None
    if (n := required("kind")) is not None:
        value = w.text(n, f"{path}.kind", choices=[k.value for k in Kind])
        kind = Kind(value) if value else None
    metric = _metric(w, n, f"{path}.metric", inputs) if (n := required("metric")) is not None else None
    name = w.text(n, f"{path}.name") if (n := get("name")) is not None else None
    if kind is None:
        return None
    wrong = (_COMMISSION_ONLY if kind is Kind.BONUS else _BONUS_ONLY) & set(fields)
    for key in sorted(wrong):
        w.problem(fields[key][0], f"{path}.{key}", f"does not apply to a {kind.value} component")

    weight = target = threshold = curve = cap = quota = rate = cap_amount = gate = None
    if (n := get("threshold")) is not None:
        threshold = w.number(n, f"{path}.threshold", low=Decimal(0))
    if (n := get("gate")) is not None:
        gfields = w.mapping(n, f"{path}.gate", {"metric", "min"})
        if gfields is not None:
            gmetric = gmin = None
            for key in ("metric", "min"):
                if key not in gfields:
                    w.problem(n, f"{path}.gate.{key}", "is required")
            if "metric" in gfields:
                gmetric = _metric(w, gfields["metric"][1], f"{path}.gate.metric", inputs)
            if "min" in gfields:
                gmin = w.number(gfields["min"][1], f"{path}.gate.min")
            if gmetric and gmin is not None:
                gate = Gate(metric=gmetric, min=gmin)

    if kind is Kind.BONUS:
        if (n := required("weight")) is not None:
            weight = w.number(n, f"{path}.weight", low=Decimal(0), high=Decimal(1))
        if (n := required("target")) is not None:
            target = _read_target(w, n, f"{path}.target", allow_risk=True)
        if (n := required("curve")) is not None:
            curve = _read_curve(w, n, f"{path}.curve", kind)
        if (n := get("cap")) is not None:
            cap = w.number(n, f"{path}.cap", positive=True)
        if metric is not None and (d := metric_def(metric, inputs)) is not None and d.unit.value == "money" \
                and target is not None and target.risk_adjust is not None:
            w.problem(get("target"), f"{path}.target.risk_adjust", "risk adjustment is for rate targets")
    else:
        if metric is not None and (d := metric_def(metric, inputs)) is not None and not d.is_amount:
            w.problem(get("metric"), f"{path}.metric",
                      f'"{metric}" is a {d.unit.value}, not an amount: a commission pays on money or counts '
                      f"(pay a rate metric as a bonus)")
        if (n := get("quota")) is not None:
            quota = _read_target(w, n, f"{path}.quota", allow_risk=False)
            if (n := required("curve")) is not None:
                curve = _read_curve(w, n, f"{path}.curve", kind)
            if "rate" in fields:
                w.problem(fields["rate"][0], f"{path}.rate", "a commission with a quota pays its curve's rates; "
                                                             "remove rate or the quota")
        else:
            if "curve" in fields:
                w.problem(fields["curve"][0], f"{path}.curve",
                          "tiers need a quota to cut the amount at (add quota:, or use a flat rate:)")
            if (n := required("rate")) is not None:
                rate = w.number(n, f"{path}.rate", low=Decimal(0))
            if threshold is not None:
                w.problem(get("threshold"), f"{path}.threshold", "a threshold needs a quota to measure attainment")
        if (n := get("cap_amount")) is not None:
            cap_amount = w.number(n, f"{path}.cap_amount", low=Decimal(0))

    if len(w.problems) > before or cid is None or metric is None:
        return None
    line = node.start_mark.line + 1
    return Component(id=cid, kind=kind, metric=metric, name=name or "", weight=weight, target=target,
                     threshold=threshold, curve=curve, cap=cap, quota=quota, rate=rate, cap_amount=cap_amount,
                     gate=gate, line=line)


def _read_multiplier(w: YamlWalker, node: yaml.Node, path: str, component_ids: set[str],
                     inputs: set[str]) -> Multiplier | None:
    fields = w.mapping(node, path, {"metric", "applies_to", "bands"})
    if fields is None:
        return None
    before = len(w.problems)
    metric = _metric(w, fields["metric"][1], f"{path}.metric", inputs) if "metric" in fields else None
    if "metric" not in fields:
        w.problem(node, f"{path}.metric", "is required")
    applies_to: tuple[str, ...] | None = None
    if "applies_to" in fields:
        names = []
        for index, item in enumerate(w.sequence(fields["applies_to"][1], f"{path}.applies_to") or []):
            cid = w.text(item, f"{path}.applies_to[{index}]")
            if cid is not None and cid not in component_ids:
                w.problem(item, f"{path}.applies_to[{index}]", f'"{cid}" is not a component of this plan')
            elif cid is not None:
                names.append(cid)
        applies_to = tuple(names)
    bands: list[Band] = []
    if "bands" not in fields:
        w.problem(node, f"{path}.bands", "is required")
    else:
        for index, item in enumerate(w.sequence(fields["bands"][1], f"{path}.bands") or []):
            bpath = f"{path}.bands[{index}]"
            bfields = w.mapping(item, bpath, {"min", "factor"})
            if bfields is None:
                continue
            if "min" not in bfields or "factor" not in bfields:
                w.problem(item, bpath, "needs min and factor")
                continue
            bmin = w.number(bfields["min"][1], f"{bpath}.min")
            factor = w.number(bfields["factor"][1], f"{bpath}.factor", low=Decimal(0))
            if bmin is not None and factor is not None:
                if any(b.min == bmin for b in bands):
                    w.problem(bfields["min"][1], f"{bpath}.min", f"{bmin} is the min of another band")
                bands.append(Band(min=bmin, factor=factor))
        if not bands and len(w.problems) == before:
            w.problem(fields["bands"][1], f"{path}.bands", "needs at least one band")
    if len(w.problems) > before or metric is None:
        return None
    return Multiplier(metric=metric, bands=tuple(bands), applies_to=applies_to)
