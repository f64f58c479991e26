"""The Credit table's dated columns (SPEC section 10): moves and splits with a SPIF or in a period split by plan
versions.

- ``booked_on``: the credit row's account's booking date (blank: none), so a CSM tab sums the credited amounts
  booked in a SPIF's window or a part (:func:`xlcomp.rules.spif.credited_window_sum`).
- In a split period, per part ``n`` (1, 2, … in the order of the parts): ``part<n>_share``, the row's share of
  an account with **no** booking date over the part's days (0 for a booked account): -1 for the listed owner, a
  split's share, and for a move the days it owns in the part over the part's days (the rules
  :func:`xlcomp.rules.credit.owned_days` on ``MAX(first, part_first)`` to ``MIN(last, part_last)`` and
  :func:`~xlcomp.rules.credit.credit_share`); then ``part<n>_sum_<column>`` for each amount line, the account's
  value x that share (:func:`~xlcomp.rules.credit.credited`). A part's commission adds its CSM's ``SUMIFS`` of
  them to the amounts with no booking date, whose part's share it takes (:mod:`.csm_versions`).

Written only with a SPIF or plan versions: otherwise the Credit table is what it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from xlsxwriter.worksheet import Worksheet

from xlcomp.engine.credit import undated_shares
from xlcomp.model.credit import CreditRow, CreditTable
from xlcomp.ooxml.refs import cell, column_ref
from xlcomp.rules import credit as rules
from xlcomp.rules import versions
from xlcomp.rules.metrics import BookItem
from xlcomp.rules.payout import PERIOD_DAYS
from xlcomp.rules.payout import Inputs as K
from xlcomp.rules.spif import BOOKED_ON
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context, excel_date, num

__all__ = ["BOOKED_ON", "amount_items", "dated_columns", "part_column", "part_index", "part_shares",
           "write_dated_cells"]

ZERO = Decimal(0)
_SHARE = 7      # the Credit table's share column
_FIRST, _LAST, _ROW = 4, 5, 9


def amount_items(items: Sequence[BookItem]) -> list[BookItem]:
    """The book lines that are amounts (summed columns): what a commission's amount reads."""
    return [i for i in items if i.key.startswith("sum:") and i.key != "sum:nps"]


def part_column(index: int, name: str) -> str:
    """A part's column of the Credit table: ``part1_share``, ``part2_sum_upsell_arr``."""
    return f"part{index}_{name}"


def part_index(ctx: Context, first: date) -> int:
    """The 1-based number of the part starting on ``first``."""
    return [p[1] for p in ctx.result.parts].index(first) + 1


def dated_columns(ctx: Context, items: Sequence[BookItem]) -> list[str]:
    """The dated columns' names (none without a SPIF or plan versions)."""
    if not ctx.result.parts and not any(c.window is not None for c in ctx.plan.components):
        return []
    names = [BOOKED_ON]
    for index in range(1, len(ctx.result.parts) + 1):
        names += [part_column(index, "share"),
                  *(part_column(index, i.key.replace(":", "_")) for i in amount_items(items))]
    return names


def part_shares(ctx: Context, rows: Sequence[CreditRow]) -> list[list[Decimal]]:
    """Per part, each row's share of an account with no booking date (the engine's
    :func:`xlcomp.engine.credit.undated_shares`)."""
    if not isinstance(rows, CreditTable):
        return []
    out = []
    for _, first, last in ctx.result.parts:
        nums, dens = undated_shares(rows, first, last)
        out.append([Decimal(n) / d for n, d in zip(nums, dens, strict=True)])
    return out


def write_dated_cells(ctx: Context, sheet: Worksheet, r: int, col: int,
                      found: tuple[CreditRow, int, dict[str, list[Any]], list[list[Decimal]]],
                      items: Sequence[BookItem]) -> None:
    """One credit row's dated cells from column ``col`` on (inside ``money.exact()``)."""
    row, i, values, shares = found
    calc = ctx.styles.calc
    position = cell(r, _ROW)

    def index(name: str) -> str:
        return f"INDEX({column_ref(layout.ACCOUNTS_TABLE, name)},{position})"

    booked_cell = cell(r, col)
    day = values.get(BOOKED_ON, [None] * (i + 1))[i]
    booked = isinstance(day, date)
    sheet.write_formula(r, col, f'=IF({index(BOOKED_ON)}="","",{index(BOOKED_ON)})', calc["date"],
                        excel_date(day) if booked else "")
    col += 1
    amounts = amount_items(items)
    for number, (plan, first, _) in enumerate(ctx.result.parts):
        name = f"{plan.components[0].id}@{first.isoformat()}"
        part_first, part_last = layout.param_name(name, "part_first"), layout.param_name(name, "part_last")
        if row.kind == "owner":
            undated = "-1"
        elif row.kind == "split":
            undated = cell(r, _SHARE)
        else:
            owned = rules.owned_days().formula({K.PERIOD_START: f"MAX({cell(r, _FIRST)},{part_first})",
                                                K.PERIOD_END: f"MIN({cell(r, _LAST)},{part_last})"})
            days = versions.part_days().formula({versions.PART_FIRST: part_first, versions.PART_LAST: part_last})
            undated = rules.credit_share().formula({rules.DAYS: f"({owned.removeprefix('=')})",
                                                    PERIOD_DAYS: f"({days.removeprefix('=')})"}).removeprefix("=")
        share = ZERO if booked else shares[number][i]
        share_cell = cell(r, col)
        sheet.write_formula(r, col, f'=IF({booked_cell}="",{undated},0)', calc["share"], num(share))
        col += 1
        for item in amounts:
            column = item.key.partition(":")[2]
            formula = rules.credited().formula({rules.VALUE: f"N({index(column)})", rules.SHARE: share_cell})
            sheet.write_formula(r, col, formula, calc["number"], num((values[column][i] or ZERO) * share))
            col += 1
