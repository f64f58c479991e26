"""Small inline SVG charts of pay curves for plan letters (no plotting library needed).

The points come from the engine (see :mod:`xlcomp.statements.letters`); this module only draws
them: a polyline of payout against attainment, dashed guides at the tier bounds, and dots at the
worked examples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

from markupsafe import Markup

__all__ = ["curve_svg", "nice_step"]

WIDTH, HEIGHT = 330, 150
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 10, 30


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 × 10^k) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** _floor_log10(raw)
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if factor * power >= raw:
            return factor * power
    return 10.0 * power


def _floor_log10(value: float) -> int:
    exponent = 0
    while value >= 10:
        value /= 10
        exponent += 1
    while value < 1:
        value *= 10
        exponent -= 1
    return exponent


def _percent_tick(value: float) -> str:
    return f"{round(value * 100)}%"


def curve_svg(points: Sequence[tuple[Decimal, Decimal]], marks: Sequence[tuple[Decimal, Decimal, str]],
              guides: Sequence[Decimal], x_max: Decimal, y_label: Callable[[float], str], title: str, *,
              x_label: Callable[[float], str] = _percent_tick, x_title: str = "attainment") -> Markup:
    """An SVG chart: ``points`` (x, payout) as a line, ``marks`` as labelled dots.

    ``x`` is attainment by default (ticks as percentages); ``guides`` are x values drawn as dashed
    verticals (tier bounds, threshold); ``y_label`` and ``x_label`` format ticks; ``title`` is the
    chart's accessible name.
    """
    top_y = max([float(y) for _, y in points] + [float(y) for _, y, _ in marks] + [0.0])
    step = nice_step(top_y if top_y > 0 else 1.0)
    y_top = step * max(1, -(-top_y // step)) if top_y > 0 else step * 4
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    xmax = float(x_max)

    def px(x: float) -> float:
        return LEFT + plot_w * min(max(x, 0.0), xmax) / xmax

    def py(y: float) -> float:
        return TOP + plot_h * (1 - min(max(y, 0.0), y_top) / y_top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="curve" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]
    tick = 0.0
    while tick <= y_top + 1e-9:
        y = py(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#e5e7eb" '
                     'stroke-width="0.6"/>')
        parts.append(f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end" font-size="8" fill="#6b7280">'
                     f"{escape(y_label(tick))}</text>")
        tick += step
    if x_label is _percent_tick:
        x_step = 0.25 if xmax <= 1.5 else 0.5
    else:
        x_step = nice_step(xmax)
    x = 0.0
    while x <= xmax + 1e-9:
        parts.append(f'<text x="{px(x):.1f}" y="{HEIGHT - BOTTOM + 11}" text-anchor="middle" font-size="8" '
                     f'fill="#6b7280">{escape(x_label(x))}</text>')
        x += x_step
    for guide in guides:
        if 0 < guide < x_max:
            gx = px(float(guide))
            parts.append(f'<line x1="{gx:.1f}" y1="{TOP}" x2="{gx:.1f}" y2="{TOP + plot_h}" stroke="#94a3b8" '
                         'stroke-width="0.6" stroke-dasharray="2,2"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
                 'stroke="#475569" stroke-width="0.8"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#475569" '
                 'stroke-width="0.8"/>')
    path = " ".join(f"{px(float(a)):.1f},{py(float(b)):.1f}" for a, b in points)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#1e3a5f" stroke-width="1.6" '
                 'stroke-linejoin="round"/>')
    for a, b, label in marks:
        mx, my = px(float(a)), py(float(b))
        anchor = "end" if mx > WIDTH - RIGHT - 24 else ("start" if mx < LEFT + 24 else "middle")
        ty = my - 5 if my - 5 > TOP + 6 else my + 11
        parts.append(f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="2.6" fill="#c2410c"/>')
        parts.append(f'<text x="{mx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" font-size="7.5" '
                     f'fill="#9a3412">{escape(label)}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 4}" text-anchor="middle" font-size="8" '
                 f'fill="#4b5563">{escape(x_title)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
