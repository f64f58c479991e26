"""The CS leader's side: ROI metrics, scenarios, Monte Carlo, quotas and the plan linter."""
