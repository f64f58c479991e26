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
    Past periods' ``payouts.csv`` files. A CSM's *performance index* in a period is the mean of
    their components' attainments. Each draw picks one past period at random (keeping how good
    or bad that period was for everyone), then for each CSM one past CSM of that period; the
    CSM's factor is that past index over the CSM's own current index (1 when the current index
    is 0 or undefined: scaling cannot move it).

Every draw's payouts are computed from the run's exact inputs (targets, quotas, target incentives,
gates, multipliers) by :mod:`xlcomp.roi.vector`; at ``f = 1`` they are the engine's payouts to the
cent. The ARR returns of the magic number scale with the same factor, as in scenarios.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..engine.run import RunResult
from ..errors import InputError, Problem, UsageError
from ..model.plan import Component, Kind, Multiplier
from ..money import NumberParseError, parse_number
from .metrics import book_totals, roi_metrics
from .vector import (
    FloatArray,
    as_float,
    round_half_away,
    vector_commission,
    vector_multiplier,
    vector_share,
)

__all__ = [
    "DISTRIBUTIONS",
    "CompiledComponent",
    "CompiledRun",
    "MonteCarloResult",
    "compile_run",
    "load_history",
    "simulate",
]

DISTRIBUTIONS = ("lognormal", "normal", "bootstrap")
PERCENTILES = (10, 50, 90)
MC_METRICS = ("variable_cost", "cs_team_cost", "cs_magic_number", "cost_per_retained_dollar")
_CHUNK_CELLS = 400_000  # draws x CSMs evaluated at once (bounds memory to a few tens of MB)


@dataclass(frozen=True)
class _Scaled:
    """A per-CSM metric value (NaN: no data) and whether a draw's factor scales it."""

    values: FloatArray
    scaled: bool

    def at(self, factor: FloatArray) -> FloatArray:
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

    def payouts(self, factor: FloatArray) -> FloatArray:
        """Rounded payouts for factor arrays shaped (draws, CSMs) or (CSMs,)."""
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
        multiplier = np.ones(np.shape(value))
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
    returns: FloatArray          # renewed + expansion ARR per CSM
    base_cost: float
    overhead_rate: float
    support_team_cost: float
    performance: FloatArray      # each CSM's performance index (mean attainment; NaN when none)

    @property
    def csms(self) -> int:
        """Number of CSMs."""
        return len(self.returns)

    def payouts(self, factor: FloatArray) -> FloatArray:
        """Σ of the rounded component payouts per CSM, for factors shaped (draws, CSMs) or (CSMs,)."""
        total = np.zeros(np.shape(factor))
        for component in self.components:
            total = total + component.payouts(factor)
        return total

    def component_payouts(self, factor: FloatArray) -> dict[str, FloatArray]:
        """Each component's rounded payouts per CSM."""
        return {c.component.id: c.payouts(factor) for c in self.components}


def _scaled(values: list[Decimal | None], name: str, inputs: frozenset[str]) -> _Scaled:
    return _Scaled(np.array([as_float(v) for v in values]), name not in inputs)


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
            ti_num = np.array([float(csm.csm.target_variable * component.weight * csm.days) for csm in result.csms])
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
    returns = np.array([float(c.sums.sum("renewed_arr") + c.sums.sum("upsell_arr") + c.sums.sum("cross_sell_arr"))
                        for c in result.csms])
    roi = roi_metrics(result)
    base_cost = roi["base_cost"]
    assert base_cost is not None
    performance = np.array([_index([r.attainment for r in csm.components]) for csm in result.csms])
    return CompiledRun(result, tuple(compiled), returns, float(base_cost), float(plan.input("overhead_rate")),
                       float(plan.input("support_team_cost")), performance)


def _index(attainments: Sequence[Decimal | None]) -> float:
    defined = [float(a) for a in attainments if a is not None]
    return sum(defined) / len(defined) if defined else float("nan")


# ---------------------------------------------------------------------------------------------
# history (bootstrap)


@dataclass(frozen=True)
class History:
    """Past periods' performance indices: one array per past payouts.csv file."""

    periods: tuple[FloatArray, ...]
    sources: tuple[str, ...]


def load_history(paths: Sequence[str | Path]) -> History:
    """Read past periods' payouts.csv files: each CSM's performance index per file.

    A file needs the columns ``csm_id`` and ``attainment``; rows with a blank attainment (flat
    commissions, undefined metrics) are left out. Raises :class:`InputError` naming file and line.
    """
    problems: list[Problem] = []
    periods: list[FloatArray] = []
    sources: list[str] = []
    for raw in paths:
        path = Path(raw)
        label = path.name
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                header = [(h or "").strip() for h in reader.fieldnames or []]
                missing = [c for c in ("csm_id", "attainment") if c not in header]
                if missing:
                    problems.append(Problem(f"{label}:1", f"is not a payouts.csv: the column "
                                                          f"{' and '.join(missing)} is missing"))
                    continue
                by_csm: dict[str, list[float]] = {}
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
                    by_csm.setdefault((row.get("csm_id") or "").strip(), []).append(float(value))
        except FileNotFoundError:
            problems.append(Problem(label, "file not found"))
            continue
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            problems.append(Problem(label, f"cannot be read: {exc}"))
            continue
        if not by_csm:
            problems.append(Problem(label, "has no row with an attainment to learn from"))
            continue
        periods.append(np.array([sum(v) / len(v) for v in by_csm.values()]))
        sources.append(str(path))
    if problems:
        raise InputError(problems)
    if not periods:
        raise UsageError("--history needs at least one past payouts.csv")
    return History(tuple(periods), tuple(sources))


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


def _bootstrap(rng_team: np.random.Generator, rng_csm: np.random.Generator, draws: int, history: History,
               current: FloatArray) -> FloatArray:
    period_of = rng_team.integers(0, len(history.periods), size=draws)
    picks = rng_csm.random((draws, len(current)))
    index = np.empty((draws, len(current)))
    for p, indices in enumerate(history.periods):
        rows = period_of == p
        if rows.any():
            chosen = np.minimum((picks[rows] * len(indices)).astype(np.intp), len(indices) - 1)
            index[rows] = indices[chosen]
    movable = np.isfinite(current) & (current > 0)
    safe = np.where(movable, current, 1.0)
    out: FloatArray = np.where(movable, index / safe, 1.0)
    return out


def simulate(compiled: CompiledRun, draws: int, seed: int, *, spread: float = 0.15, correlation: float = 0.3,
             distribution: str = "lognormal", history: History | None = None,
             progress: Callable[[int], None] | None = None) -> MonteCarloResult:
    """Draw ``draws`` periods and total each one's cost and returns.

    Seeded: the same compiled run, seed and options give the same draws, whatever the chunking.
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
    chunk = max(1, _CHUNK_CELLS // csms)
    variable = np.empty(draws)
    returns = np.empty(draws)
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        if history is not None:
            factor = _bootstrap(rng_team, rng_csm, size, history, compiled.performance)
        else:
            factor = _factors(rng_team, rng_csm, size, compiled.csms, distribution, spread, correlation)
        variable[done:done + size] = compiled.payouts(factor).sum(axis=1)
        returns[done:done + size] = factor @ compiled.returns
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


def book_returns(result: RunResult) -> Decimal:
    """Renewed + expansion ARR of the whole book (the magic number's numerator)."""
    book = book_totals(result)
    return book.sum("renewed_arr") + book.sum("upsell_arr") + book.sum("cross_sell_arr")
