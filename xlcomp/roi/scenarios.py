"""What-if scenarios: the plan re-run with every CSM's metrics scaled (80%, 100%, 120% of actual)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.engine.run import RunResult, run
from xlcomp.money import exactly
from xlcomp.roi.metrics import book_totals, roi_metrics

__all__ = ["ScenarioRow", "run_scenarios"]


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario: the scale factor, what the plan pays and the ROI at that level.

    ``cs_magic_number`` and ``cost_per_retained_dollar`` use the ARR returns scaled like the metrics.
    """

    scenario: Decimal
    payout_total: Decimal
    cs_team_cost: Decimal
    cs_magic_number: Decimal | None
    cost_per_retained_dollar: Decimal | None


@exactly
def run_scenarios(result: RunResult, factors: Sequence[Decimal]) -> list[ScenarioRow]:
    """Re-run ``result``'s plan with every CSM's metrics multiplied by each factor."""
    book = book_totals(result)
    returns = book.sum("renewed_arr") + book.sum("upsell_arr") + book.sum("cross_sell_arr")
    rows = []
    for factor in factors:
        scaled = run(result.plan, result.roster, result.book, result.period, scale=factor, changes=result.changes)
        roi = roi_metrics(scaled)
        cost = roi["cs_team_cost"]
        assert cost is not None
        support = roi["support_team_cost"] or Decimal(0)
        scaled_returns = returns * factor
        magic = scaled_returns / (cost + support) if cost + support else None
        per_dollar = scaled.total / scaled_returns if scaled_returns else None
        rows.append(ScenarioRow(factor, scaled.total, cost, magic, per_dollar))
    return rows
