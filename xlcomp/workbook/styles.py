"""Cell styles of the workbook, created once per workbook.

Inputs have one look everywhere (blue text on pale yellow, unlocked); formulas are black on white
and locked; key results are bold on pale green. Every style exists for each number format kind
(:data:`KINDS`), so writers pick ``styles.input["money"]`` or ``styles.calc["percent"]`` without
creating formats per cell.
"""

from __future__ import annotations

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

__all__ = ["COLORS", "KINDS", "Styles", "money_format"]

COLORS = {
    "navy": "#1F3864",
    "header_fill": "#1F3864",
    "band": "#D9E1F2",
    "input_fill": "#FFF2CC",
    "input_font": "#1F4EA3",
    "input_border": "#BF9000",
    "key_fill": "#E2EFDA",
    "muted": "#595959",
    "grid": "#BFBFBF",
    "good_fill": "#C6EFCE", "good_font": "#006100",
    "watch_fill": "#FFEB9C", "watch_font": "#9C5700",
    "bad_fill": "#FFC7CE", "bad_font": "#9C0006",
}

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥", "KRW": "₩", "BRL": "R$",
            "AUD": "A$", "CAD": "CA$", "NZD": "NZ$", "MXN": "MX$", "CHF": "CHF ", "SEK": "SEK ", "NOK": "NOK ",
            "DKK": "DKK "}


def money_format(currency: str) -> str:
    """A number format for amounts in ``currency``: ``"$"#,##0.00``, or ``#,##0.00 "XYZ"``."""
    symbol = _SYMBOLS.get(currency)
    if symbol is None:
        return f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'
    return f'"{symbol}"#,##0.00;-"{symbol}"#,##0.00'


def _kinds(currency: str) -> dict[str, str]:
    return {
        "text": "@",
        "general": "General",
        "money": money_format(currency),
        "number": "#,##0.00##",
        "count": "#,##0",
        "percent": "0.00%",
        "attainment": "0.00%",
        "rate": "0.0###",
        "share": "0.0000",
        "factor": "0.00##",
        "score": "0.0#",
        "days": "0",
        "date": "yyyy-mm-dd",
        "bool": "General",
        "fte": '0.00 "FTE"',
    }


KINDS = tuple(_kinds("USD"))


class Styles:
    """Every format the writer uses, made once."""

    def __init__(self, workbook: Workbook, currency: str) -> None:
        self._workbook = workbook
        kinds = _kinds(currency)
        base: dict[str, Any] = {"font_name": "Calibri", "font_size": 10, "valign": "vcenter"}
        self.input: dict[str, Format] = {}
        self.calc: dict[str, Format] = {}
        self.key: dict[str, Format] = {}
        self.total: dict[str, Format] = {}
        self.fixed: dict[str, Format] = {}
        for kind, num_format in kinds.items():
            fmt = {**base, "num_format": num_format}
            self.input[kind] = self._add({**fmt, "font_color": COLORS["input_font"], "bg_color": COLORS["input_fill"],
                                          "border": 1, "border_color": COLORS["input_border"], "locked": False})
            self.calc[kind] = self._add({**fmt, "locked": True})
            self.fixed[kind] = self._add({**fmt, "locked": True, "font_color": COLORS["muted"]})
            self.key[kind] = self._add({**fmt, "bold": True, "bg_color": COLORS["key_fill"], "top": 1,
                                        "bottom": 1, "locked": True})
            self.total[kind] = self._add({**fmt, "bold": True, "top": 1, "bottom": 6, "locked": True})
        for kind in ("count", "money"):
            self.calc[f"{kind}_left"] = self._add({**base, "num_format": kinds[kind], "align": "left", "locked": True})
        self.title = self._add({**base, "font_size": 16, "bold": True, "font_color": COLORS["navy"]})
        self.subtitle = self._add({**base, "font_size": 10, "italic": True, "font_color": COLORS["muted"]})
        self.section = self._add({**base, "font_size": 12, "bold": True, "font_color": COLORS["navy"],
                                  "bottom": 2, "bottom_color": COLORS["navy"]})
        self.section_fill = self._add({**base, "bottom": 2, "bottom_color": COLORS["navy"]})
        self.section_note = self._add({**base, "italic": True, "font_color": COLORS["muted"], "bottom": 2,
                                       "bottom_color": COLORS["navy"]})
        self.header = self._add({**base, "bold": True, "font_color": "#FFFFFF", "bg_color": COLORS["header_fill"],
                                 "text_wrap": True, "border": 1, "border_color": COLORS["grid"]})
        self.label = self._add({**base})
        self.label_bold = self._add({**base, "bold": True})
        self.label_indent = self._add({**base, "indent": 1})
        self.note = self._add({**base, "italic": True, "font_color": COLORS["muted"], "text_wrap": False})
        self.wrap = self._add({**base, "text_wrap": True, "valign": "top"})
        self.link = self._add({**base, "font_color": "#0563C1", "underline": 1})
        self.link_input = self._add({**base, "font_color": "#0563C1", "underline": 1, "bg_color": COLORS["key_fill"]})
        self.good = self._add({"bg_color": COLORS["good_fill"], "font_color": COLORS["good_font"]})
        self.watch = self._add({"bg_color": COLORS["watch_fill"], "font_color": COLORS["watch_font"]})
        self.bad = self._add({"bg_color": COLORS["bad_fill"], "font_color": COLORS["bad_font"]})
        self.legend_input = self.input["text"]
        self.legend_calc = self._add({**base, "border": 1, "border_color": COLORS["grid"]})
        self.legend_key = self.key["text"]

    def _add(self, properties: dict[str, Any]) -> Format:
        return self._workbook.add_format(properties)
