"""The texts of a close's numbers: :func:`~xlcomp.money.fmt_decimal` of each, the line numbers (actual, target,
attainment, share, target incentive, multiplier) a column at a time and each distinct value formatted once; an
actual and a target at their metric's places, as calc's payouts.csv writes them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal, getcontext

from xlcomp.money import exact

__all__ = ["at_places", "column_texts", "metric_texts"]


def at_places(value: Decimal, places: int, text: str | None = None) -> str:
    """``fmt_decimal(value, places)``: ROUND half away from zero, as fixed-point text. A value in fixed point with
    ``places`` decimals exactly (``text``: its ``str``, when at hand) is its own ``str``, within the context's
    precision (the rounding would not change it: a ledger's amounts are in cents, attainments rounded to six
    places by the rules)."""
    text = str(value) if text is None else text
    dot = text.find(".")
    if dot >= 0 and len(text) - dot - 1 == places and "E" not in text and len(text) <= getcontext().prec:
        return text
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


def _text(value: Decimal, places: int | None, text: str) -> str:
    """``fmt_decimal(value, places)`` (``text``: its ``str``)."""
    if places is not None:
        return at_places(value, places, text)
    found = f"{value.normalize():f}"
    return "0" if found in ("-0", "") else found


def column_texts(values: list[Decimal | None], places: int | None = None) -> list[str | None]:
    """``fmt_decimal(value, places)`` of each value (None stays None): with ``places``, each formatted with them
    (in xlcomp's context, which rounds half away from zero, as ``fmt_decimal`` does); without, each distinct ``str``
    formatted once (a value's ``str`` is its sign, digits and exponent: all its text depends on; and a fresh string
    hashes faster than a Decimal, whose hash is modular arithmetic over its digits)."""
    if places is not None:
        spec = f".{places}f"
        with exact():
            return [None if value is None else format(value, spec) for value in values]
    cache: dict[str, str] = {}
    out: list[str | None] = []
    append = out.append
    for value in values:
        if value is None:
            append(None)
            continue
        text = str(value)
        found = cache.get(text)
        if found is None:
            found = cache[text] = _text(value, places, text)
        append(found)
    return out


def metric_texts(values: Sequence[Decimal | None], metrics: Sequence[str | None],
                 places: Mapping[str | None, int | None]) -> list[str | None]:
    """:func:`column_texts` of each value at its row's metric's ``places`` (a metric not in them: as it is)."""
    specs = {metric: None if at is None else f".{at}f" for metric, at in places.items()}
    cache: dict[str, str] = {}
    out: list[str | None] = []
    append = out.append
    with exact():
        for value, metric in zip(values, metrics, strict=True):
            if value is None:
                append(None)
                continue
            spec = specs.get(metric)
            if spec is not None:
                append(format(value, spec))
                continue
            text = str(value)
            found = cache.get(text)
            if found is None:
                found = cache[text] = _text(value, None, text)
            append(found)
    return out
