"""The texts of a close's numbers: :func:`~xlcomp.money.fmt_decimal` of each, the line numbers (actual, target,
attainment, share, target incentive, multiplier) and amounts a column at a time (with places: formatted in xlcomp's
context; without: each distinct value once); an actual and a target at their metric's places, as calc's
payouts.csv writes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from xlcomp.money import exact

__all__ = ["column_texts", "metric_texts"]


def _as_few(value: Decimal, cache: dict[str, str]) -> str:
    """``fmt_decimal(value)``: as few decimals as exact, each distinct ``str`` formatted once in ``cache`` (a
    value's ``str`` is its sign, digits and exponent: all its text depends on; and a fresh string hashes faster
    than a Decimal, whose hash is modular arithmetic over its digits)."""
    text = str(value)
    found = cache.get(text)
    if found is None:
        normal = f"{value.normalize():f}"
        found = cache[text] = "0" if normal in ("-0", "") else normal
    return found


def column_texts(values: list[Decimal | None], places: int | None = None) -> list[str | None]:
    """``fmt_decimal(value, places)`` of each value (None stays None): with ``places``, each formatted with them
    (in xlcomp's context, which rounds half away from zero, as ``fmt_decimal`` does); without, as few decimals as
    exact (:func:`_as_few`)."""
    if places is not None:
        spec = f".{places}f"
        with exact():
            return [None if value is None else format(value, spec) for value in values]
    cache: dict[str, str] = {}
    return [None if value is None else _as_few(value, cache) for value in values]


def metric_texts(values: Sequence[Decimal | None], metrics: Sequence[str | None],
                 places: Mapping[str | None, int | None]) -> list[str | None]:
    """:func:`column_texts` of each value at its row's metric's ``places`` (a metric not in them: as it is)."""
    specs = {metric: None if at is None else f".{at}f" for metric, at in places.items()}
    cache: dict[str, str] = {}
    out: list[str | None] = []
    append = out.append
    with exact():
        for value, metric in zip(values, metrics, strict=True):
            spec = specs.get(metric)
            append(None if value is None else format(value, spec) if spec is not None else _as_few(value, cache))
    return out
