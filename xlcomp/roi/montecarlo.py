"""Monte Carlo forecast of a plan's cost: per-CSM performance drawn at random, payouts vectorised.

A draw gives every CSM a *performance factor* ``f`` that multiplies all of that CSM's metrics, the
same scaling as a scenario (:func:`xlcomp.roi.scenarios.run_scenarios` with ``f`` for everyone;
plan ``inputs`` such as ``company_attainment`` are not a CSM's result and are not scaled). The
factor comes from one of:

``lognormal`` (default)
    ``f = exp(spread x (sqrt(rho) x Z_team + sqrt(1 - rho) x Z_csm))``: median 1 (each CSM's actual
    results), ``spread`` the standard deviation of ``log f``, ``rho`` the share of the variance the
    whole team shares (a good or bad quarter for everyone). ``Z`` are standard normal draws.
``normal``
    ``f = max(0, 1 + spread x (sqrt(rho) x Z_team + sqrt(1 - rho) x Z_csm))``.
``bootstrap`` (``history`` given)
    Past periods' ``payouts.csv`` files, one factor *per metric*: a past CSM's attainment on a
    metric over the mean attainment on that metric in all the files. Each draw picks one past
    period at random (keeping how good or bad that period was for everyone), then for each CSM one
    past CSM of that period, whose factors move this CSM's metrics together (renewal and upsell
    keep their own, very different, spreads and their correlation in one person). Metrics the
    history has no attainment for are not moved. The forecast is centred on this period's actual
    results, with the spread and the swings that history shows.

Every draw's payouts are computed from the run's exact inputs (targets, quotas, target incentives,
gates, multipliers) by :mod:`xlcomp.roi.vector`; at ``f = 1`` they are the engine's payouts to the
cent. The ARR returns of the magic number scale with the same factors, as in scenarios (renewed ARR
with the renewal metric's factor, upsell and cross-sell ARR with theirs, under the bootstrap).
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from xlcomp.engine.run import RunResult
from xlcomp.errors import InputError, Problem, UsageError
from xlcomp.model.plan import Component, Kind, Multiplier
from xlcomp.money import NumberParseError, exactly, parse_number
from xlcomp.roi.metrics import roi_metrics
from xlcomp.roi.vector import FloatArray, as_float, round_half_away, vector_commission, vector_multiplier, vector_share

__all__ = [
    "DISTRIBUTIONS",
    "CompiledComponent",
    "CompiledRun",
    "Factors",
    "History",
    "MonteCarloResult",
    "compile_run",
    "load_history",
    "simulate",
]

DISTRIBUTIONS = ("lognormal", "normal", "bootstrap")
PERCENTILES = (10, 50, 90)
MC_METRICS = ("variable_cost", "cs_team_cost", "cs_magic_number", "cost_per_retained_dollar")
CHUNK_CELLS = 400_000  # draws x CSMs evaluated at once (bounds memory to a few tens of MB)


@dataclass(frozen=True)
class Factors:
    """Performance factors of a batch of draws, shaped (draws, CSMs) or (CSMs,): one array for every
    metric (``common``), or per metric where ``by_metric`` has one."""

    common: FloatArray
    by_metric: Mapping[str, FloatArray] = field(default_factory=dict)

    def of(self, metric: str) -> FloatArray:
        """The factors that scale ``metric``."""
        return self.by_metric.get(metric, self.common)

    def first(self, *metrics: str) -> FloatArray:
        """The factors of the first metric that has its own, else the common ones."""
        return next((self.by_metric[m] for m in metrics if m in self.by_metric), self.common)


FactorsLike = FloatArray | Factors


def _factors_of(factor: FactorsLike) -> Factors:
    return factor if isinstance(factor, Factors) else Factors(np.asarray(factor, dtype=np.float64))


@dataclass(frozen=True)
class _Scaled:
    """A per-CSM metric value (NaN: no data) and whether a draw's factor scales it."""

    metric: str
    values: FloatArray
    scaled: bool

    def at(self, factors: Factors) -> FloatArray:
        factor = factors.of(self.metric)
        return self.values * factor if self.scaled else np.broadcast_to(self.values, factor.shape)


@dataclass(frozen=True)
class CompiledComponent:
    """One component's exact inputs for every CSM, as float arrays (CSM order of the run).

    Bonus: ``ratio`` = metric / target before rounding (NaN when undefined), ``ti_num``/``ti_den``
    the target incentive's numerator (target_variable x weight x days) and denominator.
    Commission: ``amount`` (0 when undefined) and ``quota`` (None for a flat rate).
    """

    component: Component
    ratio: _Scaled | None = None
    ti_num: FloatArray | None = None
    ti_den: float = 1.0
    amount: _Scaled | None = None
    quota: FloatArray | None = None
    gate: _Scaled | None = None
    multipliers: tuple[tuple[Multiplier, _Scaled], ...] = ()

    def payouts(self, factor: FactorsLike) -> FloatArray:
        """Rounded payouts for factors shaped (draws, CSMs) or (CSMs,)."""
        factor = _factors_of(factor)
        c = self.component
        if c.kind is Kind.BONUS:
            assert self.ratio is not None and self.ti_num is not None and c.curve is not None
            raw = self.ratio.at(factor)
            defined = ~np.isnan(raw)
            attainment = np.maximum(round_half_away(np.nan_to_num(raw), 6), 0.0)
            share = vector_share(attainment, c.curve)
            if c.cap is not None:
                share = np.minimum(share, float(c.cap))
            paying = defined
            if c.threshold is not None:
                paying = paying & (attainment >= float(c.threshold))
            value = self.ti_num * share / self.ti_den
        else:
            assert self.amount is not None
            amount = np.nan_to_num(self.amount.at(factor))
            paying = np.ones(amount.shape, dtype=bool)
            if self.quota is not None:
                assert c.curve is not None
                attainment = np.maximum(round_half_away(amount / self.quota, 6), 0.0)
                value = vector_commission(amount, self.quota, attainment, c.curve)
                if c.threshold is not None:
                    paying = attainment >= float(c.threshold)
            else:
                assert c.rate is not None
                value = np.maximum(amount, 0.0) * float(c.rate)
            value = np.maximum(value, 0.0)
            if c.cap_amount is not None:
                value = np.minimum(value, float(c.cap_amount))
        if self.gate is not None:
            assert c.gate is not None
            gate_value = self.gate.at(factor)
            paying = paying & (gate_value >= float(c.gate.min))  # NaN (no data) fails
        multiplier = np.ones(np.shape(paying))
        for definition, values in self.multipliers:
            multiplier = multiplier * vector_multiplier(definition, values.at(factor))
        payout = round_half_away(value * multiplier, 2)
        out: FloatArray = np.where(paying, payout, 0.0)
        return out


@dataclass(frozen=True)
class CompiledRun:
    """A run's payout inputs as arrays, plus the fixed parts of its ROI."""

    result: RunResult
    components: tuple[CompiledComponent, ...]
    renewed: FloatArray          # the magic number's returns per CSM: renewed, upsell, cross-sell ARR
    upsell: FloatArray
    cross_sell: FloatArray
    base_cost: float
    overhead_rate: float
    support_team_cost: float

    @property
    def csms(self) -> int:
        """Number of CSMs."""
        return len(self.renewed)

    @property
    def metrics(self) -> set[str]:
        """The metrics the plan reads (components, gates, multipliers)."""
        plan = self.result.plan
        return ({c.metric for c in plan.components} | {c.gate.metric for c in plan.components if c.gate}
                | {m.metric for m in plan.multipliers})

    def payouts(self, factor: FactorsLike) -> FloatArray:
        """Σ of the rounded component payouts per CSM, for factors shaped (draws, CSMs) or (CSMs,)."""
        factors = _factors_of(factor)
        total = np.zeros(np.shape(factors.common))
        for component in self.components:
            total = total + component.payouts(factors)
        return total

    def component_payouts(self, factor: FactorsLike) -> dict[str, FloatArray]:
        """Each component's rounded payouts per CSM."""
        factors = _factors_of(factor)
        return {c.component.id: c.payouts(factors) for c in self.components}

    def returns(self, factor: FactorsLike) -> FloatArray:
        """Renewed + expansion ARR per draw (summed over CSMs), each part scaled by its metric's factor."""
        factors = _factors_of(factor)
        parts = (self.renewed * factors.first("renewed_arr", "gross_renewal_rate")
                 + self.upsell * factors.first("upsell_arr", "expansion_arr")
                 + self.cross_sell * factors.first("cross_sell_arr", "expansion_arr"))
        out: FloatArray = parts.sum(axis=-1)  # per row: the same sums however the draws are chunked
        return out


def _scaled(values: list[Decimal | None], name: str, inputs: frozenset[str]) -> _Scaled:
    return _Scaled(name, np.array([as_float(v) for v in values]), name not in inputs)


@exactly
def _target_variable_days(result: RunResult) -> list[Decimal]:
    """Each CSM's target variable x days employed (with roster changes: summed over the stretches, as the engine's
    target incentives are)."""
    if result.dated is not None:
        return list(result.dated.target_variable_days)
    return [csm.csm.target_variable * csm.days for csm in result.csms]


def compile_run(result: RunResult) -> CompiledRun:
    """Collect, from the engine's results, every number a draw needs (nothing is recomputed)."""
    plan = result.plan
    inputs = frozenset(plan.inputs)
    compiled = []
    for index, component in enumerate(plan.components):
        rows = [csm.components[index] for csm in result.csms]
        assert all(r.component.id == component.id for r in rows)
        gate = multipliers = None
        if component.gate is not None:
            gate = _scaled([r.trace.gate.value if r.trace.gate else None for r in rows], component.gate.metric,
                           inputs)
        applying = plan.multipliers_for(component.id)
        multipliers = tuple(
            (m, _scaled([r.trace.multipliers[k].value for r in rows], m.metric, inputs))
            for k, m in enumerate(applying))
        if component.kind is Kind.BONUS:
            assert component.weight is not None
            ratios: list[Decimal | None] = []
            for r in rows:
                metric = r.metric
                assert r.target is not None
                ratios.append(None if metric.num is None else metric.num / (metric.den * r.target))
            ti_num = np.array([float(tv_days * component.weight) for tv_days in _target_variable_days(result)])
            ti_den = float(result.period.days * result.period.per_year)
            compiled.append(CompiledComponent(component, ratio=_scaled(ratios, component.metric, inputs),
                                              ti_num=ti_num, ti_den=ti_den, gate=gate, multipliers=multipliers))
        else:
            amounts = [r.metric.value if r.metric.defined else Decimal(0) for r in rows]
            quota = None
            if component.quota is not None:
                quota = np.array([float(r.target) for r in rows if r.target is not None])
            compiled.append(CompiledComponent(component, amount=_scaled(amounts, component.metric, inputs),
                                              quota=quota, gate=gate, multipliers=multipliers))
    def column(name: str) -> FloatArray:
        return np.array([float(c.sums.sum(name)) for c in result.csms])

    roi = roi_metrics(result)
    base_cost = roi["base_cost"]
    assert base_cost is not None
    return CompiledRun(result, tuple(compiled), column("renewed_arr"), column("upsell_arr"),
                       column("cross_sell_arr"), float(base_cost), float(plan.input("overhead_rate")),
                       float(plan.input("support_team_cost")))


# ---------------------------------------------------------------------------------------------
# history (bootstrap)


@dataclass(frozen=True)
class History:
    """Past periods' attainments: per file, one row per past CSM and one column per key (a metric,
    or a component id for files without a ``metric`` column), NaN where the CSM had none."""

    keys: tuple[str, ...]
    periods: tuple[FloatArray, ...]
    sources: tuple[str, ...]

    def factors(self, metric_of: Mapping[str, str]) -> tuple[tuple[str, ...], tuple[FloatArray, ...]]:
        """Metric names and, per period, each past CSM's factor per metric: attainment over the
        metric's mean attainment in all files (1 where the CSM had none). ``metric_of`` names the
        metric of a component id."""
        names = tuple(metric_of.get(key, key) for key in self.keys)
        pooled = np.concatenate(self.periods)
        with np.errstate(invalid="ignore"):
            means = np.array([np.nanmean(pooled[:, k]) if np.isfinite(pooled[:, k]).any() else np.nan
                              for k in range(len(self.keys))])
        out = []
        for period in self.periods:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(means > 0, period / np.where(means > 0, means, 1.0), np.nan)
            out.append(np.where(np.isfinite(ratio), ratio, 1.0))
        return names, tuple(out)


@exactly
def load_history(paths: Sequence[str | Path]) -> History:
    """Read past periods' payouts.csv files: each past CSM's attainment per metric, per file.

    A file needs the columns ``csm_id`` and ``attainment``, and ``metric`` or ``component``; rows with
    a blank attainment (flat commissions, undefined metrics) are left out; a CSM's attainments on
    one metric are averaged. Raises :class:`InputError` naming file and line.
    """
    problems: list[Problem] = []
    tables: list[dict[str, dict[str, list[float]]]] = []
    sources: list[str] = []
    for raw in paths:
        path = Path(raw)
        label = path.name
        by_csm: dict[str, dict[str, list[float]]] = {}
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                header = [(h or "").strip() for h in reader.fieldnames or []]
                missing = [c for c in ("csm_id", "attainment") if c not in header]
                if not {"metric", "component"} & set(header):
                    missing.append("metric")
                if missing:
                    columns = " and ".join(missing)
                    verb = "is" if len(missing) == 1 else "are"
                    problems.append(Problem(f"{label}:1", f"not a payouts.csv: {columns} {verb} missing "
                                                          "(needs csm_id, metric or component, attainment)"))
                    continue
                key_column = "metric" if "metric" in header else "component"
                for line, row in enumerate(reader, start=2):
                    text = (row.get("attainment") or "").strip()
                    if not text:
                        continue
                    try:
                        value = parse_number(text)
                    except NumberParseError:
                        problems.append(Problem(f"{label}:{line}", f'"{text}" is not a number', "attainment"))
                        continue
                    if value < 0:
                        problems.append(Problem(f"{label}:{line}", f"{text} is negative", "attainment"))
                        continue
                    csm = by_csm.setdefault((row.get("csm_id") or "").strip(), {})
                    csm.setdefault((row.get(key_column) or "").strip(), []).append(float(value))
        except FileNotFoundError:
            problems.append(Problem(label, "file not found"))
            continue
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            problems.append(Problem(label, f"cannot be read: {exc}"))
            continue
        if not by_csm:
            problems.append(Problem(label, "has no row with an attainment to learn from"))
            continue
        tables.append(by_csm)
        sources.append(str(path))
    if problems:
        raise InputError(problems)
    if not tables:
        raise UsageError("--history needs at least one past payouts.csv")
    keys = tuple(sorted({key for table in tables for csm in table.values() for key in csm}))
    periods = tuple(
        np.array([[sum(csm[k]) / len(csm[k]) if k in csm else np.nan for k in keys] for csm in table.values()])
        for table in tables)
    return History(keys, periods, tuple(sources))


# ---------------------------------------------------------------------------------------------
# the simulation


@dataclass(frozen=True)
class MonteCarloResult:
    """Per-draw totals and their percentiles."""

    draws: int
    seed: int
    distribution: str
    spread: float
    correlation: float
    variable_cost: FloatArray
    cs_team_cost: FloatArray
    cs_magic_number: FloatArray
    cost_per_retained_dollar: FloatArray
    actual: dict[str, Decimal | None]
    seconds: float
    csms: int
    history: tuple[str, ...] = field(default=())

    def series(self, metric: str) -> FloatArray:
        """The per-draw values of a metric of :data:`MC_METRICS`."""
        values: FloatArray = getattr(self, metric)
        return values

    def percentiles(self, metric: str) -> dict[int, float | None]:
        """P10, P50, P90 of a metric (None when no draw defines it)."""
        values = self.series(metric)
        values = values[~np.isnan(values)]
        if not len(values):
            return dict.fromkeys(PERCENTILES)
        points = np.percentile(values, PERCENTILES)
        return {p: float(v) for p, v in zip(PERCENTILES, points, strict=True)}

    def mean(self, metric: str) -> float | None:
        """The mean over draws that define the metric."""
        values = self.series(metric)
        values = values[~np.isnan(values)]
        return float(values.mean()) if len(values) else None


def _factors(rng_team: np.random.Generator, rng_csm: np.random.Generator, draws: int, csms: int,
             distribution: str, spread: float, correlation: float) -> FloatArray:
    team = rng_team.standard_normal((draws, 1))
    own = rng_csm.standard_normal((draws, csms))
    z = math.sqrt(correlation) * team + math.sqrt(1 - correlation) * own
    if distribution == "lognormal":
        lognormal: FloatArray = np.exp(spread * z)
        return lognormal
    normal: FloatArray = np.maximum(0.0, 1.0 + spread * z)
    return normal


def _bootstrap(rng_team: np.random.Generator, rng_csm: np.random.Generator, draws: int, csms: int,
               names: tuple[str, ...], periods: tuple[FloatArray, ...]) -> Factors:
    period_of = rng_team.integers(0, len(periods), size=draws)
    picks = rng_csm.random((draws, csms))
    drawn = np.ones((draws, csms, len(names)))
    for p, factors in enumerate(periods):
        rows = period_of == p
        if rows.any():
            chosen = np.minimum((picks[rows] * len(factors)).astype(np.intp), len(factors) - 1)
            drawn[rows] = factors[chosen]
    return Factors(np.ones((draws, csms)), {name: drawn[:, :, k] for k, name in enumerate(names)})


@exactly
def simulate(compiled: CompiledRun, draws: int, seed: int, *, spread: float = 0.15, correlation: float = 0.3,
             distribution: str = "lognormal", history: History | None = None,
             progress: Callable[[int], None] | None = None, chunk_cells: int = CHUNK_CELLS) -> MonteCarloResult:
    """Draw ``draws`` periods and total each one's cost and returns.

    Draws are evaluated ``chunk_cells // CSMs`` at a time (bounded memory). Seeded: the same compiled
    run, seed and options give the same draws, whatever the chunking.
    """
    if draws < 1:
        raise UsageError("--simulate needs at least 1 draw")
    if history is not None:
        distribution = "bootstrap"
    elif distribution == "bootstrap":
        raise UsageError("the bootstrap distribution needs --history with past payouts.csv files")
    if distribution not in DISTRIBUTIONS:
        raise UsageError(f'distribution "{distribution}" is not one of {", ".join(DISTRIBUTIONS)}')
    if not spread >= 0:
        raise UsageError(f"--spread {spread} must be 0 or more")
    if not 0 <= correlation <= 1:
        raise UsageError(f"--correlation {correlation} must be between 0 and 1")
    started = time.perf_counter()
    team_seed, csm_seed = np.random.SeedSequence(seed).spawn(2)
    rng_team, rng_csm = np.random.default_rng(team_seed), np.random.default_rng(csm_seed)
    csms = max(compiled.csms, 1)
    chunk = max(1, chunk_cells // csms)
    variable = np.empty(draws)
    returns = np.empty(draws)
    if history is not None:
        names, periods = history.factors({c.id: c.metric for c in compiled.result.plan.components})
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        factor: FactorsLike
        if history is not None:
            factor = _bootstrap(rng_team, rng_csm, size, compiled.csms, names, periods)
        else:
            factor = _factors(rng_team, rng_csm, size, compiled.csms, distribution, spread, correlation)
        variable[done:done + size] = compiled.payouts(factor).sum(axis=1)
        returns[done:done + size] = compiled.returns(factor)
        done += size
        if progress is not None:
            progress(size)
    team_cost = (compiled.base_cost + variable) * (1 + compiled.overhead_rate)
    total_cost = team_cost + compiled.support_team_cost
    with np.errstate(divide="ignore", invalid="ignore"):
        magic = np.where(total_cost != 0, returns / np.where(total_cost != 0, total_cost, 1.0), np.nan)
        per_dollar = np.where(returns != 0, variable / np.where(returns != 0, returns, 1.0), np.nan)
    actual = dict(roi_metrics(compiled.result))
    return MonteCarloResult(draws, seed, distribution, spread if history is None else 0.0,
                            correlation if history is None else 0.0, variable, team_cost, magic, per_dollar,
                            {m: actual[m] for m in MC_METRICS}, time.perf_counter() - started, compiled.csms,
                            history.sources if history is not None else ())

