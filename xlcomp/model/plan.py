"""The plan: frozen, validated records made by :mod:`xlcomp.load.plan` (SPEC section 1)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from xlcomp.model.period import PeriodKind

__all__ = [
    "ARCHETYPES",
    "Band",
    "Component",
    "Curve",
    "CurveMode",
    "Gate",
    "Kind",
    "Multiplier",
    "Plan",
    "RampStep",
    "RiskAdjust",
    "Target",
    "Tier",
]

ARCHETYPES = ("adoption", "adoption_renewal", "full_service", "retention_referral")


class Kind(StrEnum):
    """bonus: a share of a target incentive; commission: rates on an amount."""

    BONUS = "bonus"
    COMMISSION = "commission"


class CurveMode(StrEnum):
    """How tiers turn attainment into pay (SPEC section 3)."""

    MARGINAL = "marginal"   # each tier pays its rate on the part of attainment inside it
    WHOLE = "whole"         # the tier holding attainment pays its rate on all of it
    STEPS = "steps"         # the tier holding attainment pays its rate as the share


@dataclass(frozen=True)
class Tier:
    """A tier: up to ``upto`` (attainment; ``None`` = no end) pays ``rate``."""

    upto: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class Curve:
    """Ascending tiers and the mode that reads them."""

    mode: CurveMode
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        lower = Decimal(0)
        bounds = []
        for tier in self.tiers:
            bounds.append((lower, tier.upto, tier.rate))
            if tier.upto is not None:
                lower = tier.upto
        object.__setattr__(self, "_bounds", tuple(bounds))
        object.__setattr__(self, "_lows", tuple(b[0] for b in bounds))
        object.__setattr__(self, "_rates", tuple(t.rate for t in self.tiers))

    def bounds(self) -> tuple[tuple[Decimal, Decimal | None, Decimal], ...]:
        """Each tier as ``(lower, upper, rate)``; the first lower bound is 0."""
        return self._bounds  # type: ignore[attr-defined, no-any-return]

    @property
    def lows(self) -> tuple[Decimal, ...]:
        """Each tier's lower bound (0, upto_1, upto_2, …)."""
        return self._lows  # type: ignore[attr-defined, no-any-return]

    @property
    def rates(self) -> tuple[Decimal, ...]:
        """Each tier's rate."""
        return self._rates  # type: ignore[attr-defined, no-any-return]


@dataclass(frozen=True)
class RiskAdjust:
    """Moves a retention target down as the book's ARR-weighted risk_score rises.

    target = clamp(base - per_point x (risk - reference), floor, ceiling), rounded to 6 places.
    """

    per_point: Decimal
    reference: Decimal
    floor: Decimal
    ceiling: Decimal


@dataclass(frozen=True)
class Target:
    """A target or quota: a number, a per-CSM roster column, or a risk-adjusted base."""

    value: Decimal | None = None
    column: str | None = None
    risk_adjust: RiskAdjust | None = None

    def describe(self) -> str:
        """Short words for people: ``0.92``, ``roster column quota_upsell``."""
        if self.column:
            return f"roster column {self.column}"
        text = f"{self.value}"
        if self.risk_adjust:
            ra = self.risk_adjust
            text += (f" adjusted by {ra.per_point} per risk point from {ra.reference}, "
                     f"between {ra.floor} and {ra.ceiling}")
        return text


@dataclass(frozen=True)
class Gate:
    """The component pays 0 when ``metric`` is below ``min`` or undefined."""

    metric: str
    min: Decimal


@dataclass(frozen=True)
class Band:
    """A multiplier band: from ``min`` on, the factor is ``factor``."""

    min: Decimal
    factor: Decimal


@dataclass(frozen=True)
class Multiplier:
    """Multiplies the named components (all when ``applies_to`` is None) by a band's factor."""

    metric: str
    bands: tuple[Band, ...]
    applies_to: tuple[str, ...] | None = None

    def applies(self, component_id: str) -> bool:
        """Does this multiplier apply to the component?"""
        return self.applies_to is None or component_id in self.applies_to

    def factor(self, value: Decimal | None) -> tuple[Decimal, Band | None]:
        """The factor of the highest band whose min is at most ``value`` (1 when none)."""
        if value is None:
            return Decimal(1), None
        best: Band | None = None
        for band in self.bands:
            if band.min <= value and (best is None or band.min > best.min):
                best = band
        return (best.factor, best) if best else (Decimal(1), None)


@dataclass(frozen=True)
class RampStep:
    """A ramp step (SPEC section 10): a CSM fewer than ``months`` whole months in post at the period's start
    has quotas and amount targets multiplied by ``factor`` (the first step that matches)."""

    months: int
    factor: Decimal


@dataclass(frozen=True)
class Component:
    """One pay component of a plan.

    A bonus has ``weight``, ``target`` and ``curve`` (plus optional ``threshold`` and ``cap``);
    a commission has ``quota`` and ``curve``, or a flat ``rate`` (plus optional ``cap_amount``).
    """

    id: str
    kind: Kind
    metric: str
    name: str = ""
    weight: Decimal | None = None
    target: Target | None = None
    threshold: Decimal | None = None
    curve: Curve | None = None
    cap: Decimal | None = None
    quota: Target | None = None
    rate: Decimal | None = None
    cap_amount: Decimal | None = None
    gate: Gate | None = None
    line: int = 0
    measure: str = "period"             # "ytd": paid on the plan year to date (SPEC section 9)
    clawback_days: int | None = None    # commission: clawback window after the paying period's end
    window: tuple[date, date] | None = None     # a SPIF: pays on accounts booked (booked_on) in [from, to]
    segments: tuple[str, ...] | None = None     # a SPIF's eligible segments (None: every segment)
    window_line: int = 0                        # the plan file's line of ``window``

    @property
    def is_spif(self) -> bool:
        """A SPIF: a component with a booking window."""
        return self.window is not None

    @property
    def label(self) -> str:
        """The component's display name."""
        return self.name or self.id.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Plan:
    """A validated plan. ``digest`` is the SHA-256 of its canonical content."""

    id: str
    name: str
    currency: str
    period: PeriodKind
    components: tuple[Component, ...]
    archetype: str | None = None
    inputs: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    multipliers: tuple[Multiplier, ...] = ()
    source: str = ""
    digest: str = ""
    year_start: date | None = None      # first day of a fiscal plan year (None: calendar year)
    ramp: tuple[RampStep, ...] = ()     # new hires' quotas and amount targets ramp up (SPEC section 10)
    effective: date | None = None       # a plan version: the first day it pays (SPEC section 10)

    def component(self, component_id: str) -> Component:
        """The component with this id."""
        for component in self.components:
            if component.id == component_id:
                return component
        raise KeyError(component_id)

    def multipliers_for(self, component_id: str) -> tuple[Multiplier, ...]:
        """The multipliers that apply to a component, in plan order."""
        return tuple(m for m in self.multipliers if m.applies(component_id))

    def input(self, name: str, default: Decimal = Decimal(0)) -> Decimal:
        """A plan-level input (``overhead_rate``, ``support_team_cost`` …) or ``default``."""
        return self.inputs.get(name, default)

    @property
    def short_digest(self) -> str:
        """The first 12 hex digits of the digest, for people."""
        return self.digest[:12]
