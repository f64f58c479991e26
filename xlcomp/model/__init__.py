"""Frozen, validated records: the plan, the period, the CSMs and their book."""

from xlcomp.model.metrics import METRICS, MetricDef, Source, Unit, metric_def
from xlcomp.model.people import SEGMENTS, Account, Book, Csm, Locator, Roster, column_letter
from xlcomp.model.period import Period, PeriodKind, parse_period
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

__all__ = [
    "ARCHETYPES", "METRICS", "SEGMENTS", "Account", "Band", "Book", "Component", "Csm", "Curve", "CurveMode",
    "Gate", "Kind", "Locator", "MetricDef", "Multiplier", "Period", "PeriodKind", "Plan", "RiskAdjust",
    "Roster", "Source", "Target", "Tier", "Unit", "column_letter", "metric_def", "parse_period",
]
