"""The CSV files of ``xlcomp roi``: roi.csv, scenarios.csv and montecarlo.csv.

Money has 2 decimals, rates and ratios 6; an undefined value (a zero denominator) is blank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from xlcomp.money import fmt_decimal, to_decimal
from xlcomp.outputs import csv_text
from xlcomp.roi.metrics import ROI_METRICS
from xlcomp.roi.montecarlo import MC_METRICS, PERCENTILES, MonteCarloResult
from xlcomp.roi.scenarios import ScenarioRow

__all__ = ["MONTECARLO_COLUMNS", "SCENARIO_COLUMNS", "montecarlo_csv", "places", "roi_csv", "scenarios_csv"]

SCENARIO_COLUMNS = ("scenario", "payout_total", "cs_team_cost", "cs_magic_number", "cost_per_retained_dollar")
MONTECARLO_COLUMNS = ("metric", "actual", "p10", "p50", "p90", "mean")
_UNITS = {m.name: m.unit for m in ROI_METRICS}


def places(metric: str) -> int:
    """Decimals a metric is written with: 2 for money, 6 for rates, ratios and counts."""
    return 2 if _UNITS.get(metric, "money") == "money" else 6


def roi_csv(metrics: Mapping[str, Decimal | None]) -> str:
    """roi.csv: ``metric,value`` in :data:`~xlcomp.roi.metrics.ROI_METRICS` order."""
    rows = [{"metric": m.name, "value": fmt_decimal(metrics[m.name], places(m.name))} for m in ROI_METRICS]
    return csv_text(("metric", "value"), rows)


def scenarios_csv(rows: Sequence[ScenarioRow]) -> str:
    """scenarios.csv: one row per scale factor."""
    records = [{
        "scenario": fmt_decimal(row.scenario),
        "payout_total": fmt_decimal(row.payout_total, 2),
        "cs_team_cost": fmt_decimal(row.cs_team_cost, 2),
        "cs_magic_number": fmt_decimal(row.cs_magic_number, 6),
        "cost_per_retained_dollar": fmt_decimal(row.cost_per_retained_dollar, 6),
    } for row in rows]
    return csv_text(SCENARIO_COLUMNS, records)


def _float(value: float | None, digits: int) -> str:
    return "" if value is None else fmt_decimal(to_decimal(value), digits)


def montecarlo_csv(result: MonteCarloResult) -> str:
    """montecarlo.csv: per metric the actual value and the P10, P50, P90 and mean over the draws."""
    records = []
    for metric in MC_METRICS:
        digits = places(metric)
        points = result.percentiles(metric)
        record = {"metric": metric, "actual": fmt_decimal(result.actual[metric], digits),
                  "mean": _float(result.mean(metric), digits)}
        record.update({f"p{p}": _float(points[p], digits) for p in PERCENTILES})
        records.append(record)
    return csv_text(MONTECARLO_COLUMNS, records)
