"""What-if scenarios: the plan re-run with every CSM's metrics scaled (80%, 100%, 120% of actual)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from xlcomp.engine.run import RunResult, run
from xlcomp.money import exactly
from xlcomp.roi.metrics import book_totals, roi_metrics
from xlcomp.rules.roi import METRIC_RULES
from xlcomp.rules.roi import Inputs as K

__all__ = ["ScenarioRow", "run_scenarios"]


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario: the scale factor, what the plan pays and the ROI at that level.

    ``cs_magic_number`` and ``cost_per_retained_dollar`` are the rules of :mod:`xlcomp.rules.roi` with the
    ARR returns (renewed, expansion) scaled like the metrics.
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
    renewed = book.sum("renewed_arr")
    expansion = book.sum("upsell_arr") + book.sum("cross_sell_arr")
    rows = []
    for factor in factors:
        scaled = run(result.plan, result.roster, result.book, result.period, scale=factor, changes=result.changes,
                     credits=result.credits)
        roi = roi_metrics(scaled)
        cost = roi["cs_team_cost"]
        assert cost is not None
        env = {K.RENEWED: renewed * factor, K.EXPANSION: expansion * factor, "cs_team_cost": cost,
               "support_team_cost": roi["support_team_cost"] or Decimal(0), "variable_cost": scaled.total}
        magic = METRIC_RULES["cs_magic_number"].evaluate(env)
        per_dollar = METRIC_RULES["cost_per_retained_dollar"].evaluate(env)
        rows.append(ScenarioRow(factor, scaled.total, cost, magic, per_dollar))
    return rows
