"""Charts of ``xlcomp roi --simulate``: the cost distribution and every component's payout curve (PNG).

Matplotlib is an optional part (``pip install "xlcomp[report]"``); figures are drawn without pyplot
(no global state, no display) and saved by the caller's function, so they go through
:class:`~xlcomp.outputs.OutputSet` like every output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xlcomp.engine.run import RunResult
from xlcomp.extras import require
from xlcomp.model.plan import Component, Kind
from xlcomp.roi.montecarlo import MonteCarloResult
from xlcomp.roi.vector import vector_commission, vector_share

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["cost_distribution_png", "curve_png", "curve_points"]

_BLUE, _GREY, _ORANGE, _GREEN = "#1f4e79", "#7f7f7f", "#c55a11", "#548235"


def _figure(width: float, height: float) -> Figure:
    require("matplotlib", "report", "Monte Carlo charts")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _saver(figure: Figure) -> Callable[[Path], None]:
    def save(path: Path) -> None:
        figure.savefig(path, format="png")
    return save


def _money(value: float, _position: Any = None) -> str:
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.2f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


def cost_distribution_png(simulation: MonteCarloResult, currency: str, title: str) -> Callable[[Path], None]:
    """Histograms of the plan's cost (CS team cost) and of the CS magic number over the draws."""
    from matplotlib.ticker import FuncFormatter

    figure = _figure(11, 4.4)
    cost_axes, magic_axes = figure.subplots(1, 2)
    panels = ((cost_axes, "cs_team_cost", f"CS team cost per period ({currency})"),
              (magic_axes, "cs_magic_number", "CS magic number"))
    for axes, metric, label in panels:
        values = simulation.series(metric)
        values = values[np.isfinite(values)]
        if len(values):
            axes.hist(values, bins=60, color=_BLUE, alpha=0.75)
        points = simulation.percentiles(metric)
        show = _money if metric == "cs_team_cost" else (lambda v, _p=None: f"{v:.2f}")
        for p, style in zip((10, 50, 90), (":", "-", "--"), strict=True):
            value = points[p]
            if value is not None:
                axes.axvline(value, color=_ORANGE, linestyle=style, linewidth=1.6, label=f"P{p} {show(value)}")
        actual = simulation.actual[metric]
        if actual is not None:
            axes.axvline(float(actual), color=_GREEN, linewidth=1.6, label=f"actual {show(float(actual))}")
        axes.set_xlabel(label)
        axes.set_ylabel("draws")
        if metric == "cs_team_cost":
            axes.xaxis.set_major_formatter(FuncFormatter(_money))
        else:
            axes.axvline(5, color=_GREY, linestyle="--", linewidth=1, label="healthy above 5")
        axes.legend(loc="best", fontsize=8, frameon=False)
        axes.spines[["top", "right"]].set_visible(False)
    how = (f"bootstrap from {len(simulation.history)} past period(s)" if simulation.distribution == "bootstrap"
           else f"{simulation.distribution}, spread {simulation.spread:g}, correlation {simulation.correlation:g}")
    figure.suptitle(f"{title}: {simulation.draws:,} draws of {simulation.csms:,} CSMs ({how}, seed {simulation.seed})",
                    fontsize=11)
    return _saver(figure)


def curve_points(component: Component, top: float, quota: float = 1.0, points: int = 1201
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The component's curve as (x, y) arrays: a bonus's share (threshold and cap applied) by
    attainment; a commission with a quota, its value per unit of quota by attainment; a flat
    commission, its value by amount (cap_amount applied)."""
    x = np.linspace(0.0, top, points)
    if component.kind is Kind.BONUS:
        assert component.curve is not None
        y = vector_share(x, component.curve)
        if component.cap is not None:
            y = np.minimum(y, float(component.cap))
        if component.threshold is not None:
            y = np.where(x >= float(component.threshold), y, 0.0)
        return x, y
    if component.quota is not None:
        assert component.curve is not None
        y = vector_commission(x * quota, np.full_like(x, quota), x, component.curve)
        if component.cap_amount is not None:
            y = np.minimum(y, float(component.cap_amount))
        if component.threshold is not None:
            y = np.where(x >= float(component.threshold), y, 0.0)
        return x, y / quota
    assert component.rate is not None
    y = x * float(component.rate)
    if component.cap_amount is not None:
        y = np.minimum(y, float(component.cap_amount))
    return x, y


def curve_png(result: RunResult, component: Component) -> Callable[[Path], None]:
    """One component's payout curve, with each CSM's actual result as a dot."""
    figure = _figure(7.5, 4.6)
    axes = figure.subplots()
    rows = [csm.component(component.id) for csm in result.csms]
    note = ""
    if component.kind is Kind.COMMISSION and component.quota is None:
        amounts = [float(r.actual or 0) for r in rows]
        top = max([*amounts, 1.0]) * 1.15
        x, y = curve_points(component, top)
        dots_x, dots_y = amounts, [float(r.value) for r in rows]
        axes.set_xlabel(f"{component.metric} ({result.plan.currency})")
        axes.set_ylabel(f"commission ({result.plan.currency})")
        axes.xaxis.set_major_formatter(_formatter())
        axes.yaxis.set_major_formatter(_formatter())
    else:
        attained = [float(r.attainment) for r in rows if r.attainment is not None]
        bounds = [float(t.upto) for t in component.curve.tiers if t.upto is not None] if component.curve else []
        top = max([1.5, *(b * 1.25 for b in bounds), *(a * 1.05 for a in attained)])
        if component.kind is Kind.BONUS:
            x, y = curve_points(component, top)
            dots = [(float(r.attainment), float(r.share or 0)) for r in rows if r.attainment is not None]
            axes.set_ylabel("share of target incentive")
            axes.set_xlabel(f"attainment ({component.metric} / target)")
        else:
            quotas = sorted(float(r.target) for r in rows if r.target is not None)
            quota = quotas[len(quotas) // 2] if quotas else 1.0
            x, y = curve_points(component, top, quota)
            dots = [(float(r.attainment), float(r.value) / float(r.target)) for r in rows
                    if r.attainment is not None and r.target]
            axes.set_ylabel("commission per unit of quota")
            axes.set_xlabel(f"attainment ({component.metric} / quota)")
            if component.cap_amount is not None:
                note = f"cap_amount {component.cap_amount:,} drawn at the median quota {quota:,.0f}"
        dots_x = [d[0] for d in dots]
        dots_y = [d[1] for d in dots]
        axes.axvline(1.0, color=_GREY, linestyle="--", linewidth=1)
        if component.threshold is not None:
            axes.axvline(float(component.threshold), color=_GREY, linestyle=":", linewidth=1)
    axes.plot(x, y, color=_BLUE, linewidth=2, label="plan curve")
    axes.scatter(dots_x, dots_y, s=14, color=_ORANGE, alpha=0.7, zorder=3,
                 label=f"CSMs, {result.period.label} (after gates)")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.legend(loc="upper left", fontsize=9, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    mode = component.curve.mode.value if component.curve else f"flat rate {component.rate}"
    figure.suptitle(f"{component.label} ({component.kind.value}, {mode})", fontsize=12)
    if note:
        axes.set_title(note, fontsize=9, color=_GREY)
    return _saver(figure)


def _formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(_money)
