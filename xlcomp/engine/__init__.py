"""The engine: metrics, curves, payouts and runs. Pure functions on the model, no I/O."""

from .curves import Segment, commission_value, holding_tier, tier_share
from .metrics import BookSums, MetricValue, metric_value
from .payouts import ComponentResult, GateCheck, MultiplierCheck, Trace
from .run import PAYOUT_COLUMNS, SUMMARY_COLUMNS, CsmResult, RunResult, resolve_target, run

__all__ = [
    "PAYOUT_COLUMNS", "SUMMARY_COLUMNS", "BookSums", "ComponentResult", "CsmResult", "GateCheck", "MetricValue",
    "MultiplierCheck", "RunResult", "Segment", "Trace", "commission_value", "holding_tier",
    "metric_value", "resolve_target", "run", "tier_share",
]
