"""The engine: metrics, curves, payouts and runs. Pure functions on the model, no I/O."""

from xlcomp.engine.curves import Segment, commission_value, holding_tier, tier_share
from xlcomp.engine.metrics import BookSums, MetricValue, metric_value
from xlcomp.engine.payouts import ComponentResult, GateCheck, MultiplierCheck, Trace
from xlcomp.engine.run import PAYOUT_COLUMNS, SUMMARY_COLUMNS, CsmResult, RunResult, resolve_target, run

__all__ = [
    "PAYOUT_COLUMNS", "SUMMARY_COLUMNS", "BookSums", "ComponentResult", "CsmResult", "GateCheck", "MetricValue",
    "MultiplierCheck", "RunResult", "Segment", "Trace", "commission_value", "holding_tier",
    "metric_value", "resolve_target", "run", "tier_share",
]
