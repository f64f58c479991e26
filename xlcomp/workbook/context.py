"""What every sheet writer shares: the run, the workbook, its styles and where things were put."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xlcomp.engine.run import RunResult
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan
from xlcomp.workbook.styles import Styles

__all__ = ["EXCEL_EPOCH", "Context", "excel_date", "num"]

EXCEL_EPOCH = date(1899, 12, 30)


def num(value: Decimal | int | None) -> float | str:
    """A value for a cell or a formula's cached result: a float, or ``""`` for blank."""
    if value is None:
        return ""
    return float(value)


def excel_date(value: date | None) -> float | str:
    """A date as Excel's serial day number (1900 system), ``""`` for none."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return float((value - EXCEL_EPOCH).days)


@dataclass
class Context:
    """The run being written and the workbook it goes to.

    ``mode`` is ``"calc"`` (a computed period) or ``"template"`` (actuals left blank to fill).
    ``protect_password`` is "" for protection without a password.
    """

    result: RunResult
    workbook: Workbook
    styles: Styles
    mode: str = "calc"
    protect_password: str = ""
    sheets: dict[str, Worksheet] = field(default_factory=dict)
    csm_sheets: list[str] = field(default_factory=list)
    # filled while writing: where each CSM's row is on the Summary table (0-based sheet row)
    summary_rows: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def plan(self) -> Plan:
        """The run's plan."""
        return self.result.plan

    @property
    def period(self) -> Period:
        """The run's period."""
        return self.result.period

    def protect(self, sheet: Worksheet) -> None:
        """Protect a computed sheet: locked cells cannot be edited; filters, sorting and column widths can."""
        sheet.protect(self.protect_password, {
            "select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
            "format_rows": True, "autofilter": True, "sort": True,
        })
