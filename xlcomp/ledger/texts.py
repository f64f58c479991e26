"""The texts of a close's line numbers (actual, target, attainment, share, target incentive, multiplier):
:func:`~xlcomp.money.fmt_decimal` of each, worked out once per distinct value."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, getcontext

from xlcomp.money import fmt_decimal

__all__ = ["Texts"]


class Texts:
    """:func:`fmt_decimal` of a close's line numbers, each distinct value formatted once per number of places
    (targets, target incentives and multipliers repeat across CSMs). Zero is not kept: 0 and -0 are the
    same key but "0.00" and "-0.00" are different texts."""

    def __init__(self) -> None:
        self.cache: dict[int | None, dict[Decimal, str]] = {None: {}, 2: {}, 6: {}}

    def __call__(self, value: Decimal | None, places: int | None = None) -> str | None:
        if value is None:
            return None
        cache = self.cache[places]
        found = cache.get(value)
        if found is None:
            found = fmt_decimal(value, places)
            if value:
                cache[value] = found
        return found

    def column(self, values: list[Decimal | None], places: int | None = None) -> list[str | None]:
        """The texts of a column of numbers, as :meth:`__call__` of each, each distinct ``str`` formatted once
        (a value's ``str`` is its sign, digits and exponent: all its text depends on; and a fresh string hashes
        faster than a Decimal, whose hash is modular arithmetic over its digits).

        With ``places``, the ``str`` is the text when it is in fixed point with ``places`` decimals exactly,
        within the context's precision (the rounding would not change it: attainments are rounded to six places
        by the rules); other values go the long way.
        """
        cache: dict[str, str] = {}
        out: list[str | None] = []
        append = out.append
        quantum = None if places is None else Decimal(1).scaleb(-places)   # fmt_decimal's, inlined: excel_round
        longest = getcontext().prec
        for value in values:
            if value is None:
                append(None)
                continue
            text = str(value)
            found = cache.get(text)
            if found is None:
                if quantum is not None:
                    dot = text.find(".")
                    if dot >= 0 and len(text) - dot - 1 == places and "E" not in text and len(text) <= longest:
                        found = text
                    else:
                        found = f"{value.quantize(quantum, rounding=ROUND_HALF_UP):f}"
                else:
                    found = f"{value.normalize():f}"
                    if found in ("-0", ""):
                        found = "0"
                cache[text] = found
            append(found)
        return out
