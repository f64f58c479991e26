"""The files of ``xlcomp close``: payouts.csv with every ledger line, summary.csv with the balance
columns after ``payout_total`` (= gross)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, getcontext

from xlcomp.engine.run import PAYOUT_COLUMNS, SUMMARY_COLUMNS, proration_of
from xlcomp.ledger.close import Closed
from xlcomp.ledger.texts import Texts
from xlcomp.money import fmt_decimal
from xlcomp.outputs import escape_text

__all__ = ["CLOSE_SUMMARY_COLUMNS", "close_payouts_csv", "close_summary_csv"]

CLOSE_SUMMARY_COLUMNS = (*SUMMARY_COLUMNS, "balance_in", "draw", "payable", "balance_out")
_CENT = Decimal("0.01")


def _cents(value: Decimal) -> str:
    """``fmt_decimal(value, 2)`` of an amount (never None), without its two calls: ROUND half away, as text. An
    amount already in cents (a ledger's are) is its own ``str``, within the context's precision (where the
    rounding would not change it)."""
    text = str(value)
    dot = text.find(".")
    if dot >= 0 and len(text) - dot == 3 and "E" not in text and len(text) <= getcontext().prec:
        return text
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):f}"


def _payout_rows(closed: Closed) -> Iterator[tuple[object, ...]]:
    """payouts.csv rows in the order of PAYOUT_COLUMNS (the texts escaped against formulas; None, which the csv
    module writes blank, for a blank), worked out column by column: each CSM's and component's escaped id
    once, the payouts with two decimals."""
    lines = closed.line_columns
    ids: dict[str, str] = {}

    def escaped(value: str) -> str:
        found = ids.get(value)
        if found is None:
            found = ids[value] = escape_text(str(value))
        return found

    def note(value: str | None) -> str:
        return "" if value is None else escape_text(str(value))

    columns = [lines.column(name) for name in PAYOUT_COLUMNS]
    columns[0] = list(map(escaped, columns[0]))
    columns[1] = list(map(escaped, columns[1]))
    columns[10] = list(map(_cents, columns[10]))
    columns[11] = list(map(note, columns[11]))
    return zip(*columns, strict=True)


def _summary_rows(closed: Closed) -> Iterator[list[str]]:
    """summary.csv rows as lists in the order of CLOSE_SUMMARY_COLUMNS: the texts escaped against formulas, a
    blank for what a CSM no longer on the roster lacks (each distinct salary and proration formatted once)."""
    roster = closed.run.roster.by_id()
    days = {csm_id: (employed, total) for csm_id, employed, total in closed.run.days_employed()}
    text = Texts()
    prorations: dict[tuple[int, int], str] = {}
    for row in closed.csms:
        csm = roster.get(row.csm_id)
        found = days.get(row.csm_id)
        proration = ""
        if found is not None:
            proration = prorations.get(found) or prorations.setdefault(found, fmt_decimal(proration_of(*found), 6))
        yield [escape_text(str(row.csm_id)), escape_text(str(row.name)),
               text(csm.base_salary, 2) or "" if csm else "", text(csm.target_variable, 2) or "" if csm else "",
               proration, _cents(row.gross), _cents(row.balance_in), _cents(row.draw), _cents(row.payable),
               _cents(row.balance_out)]


def close_payouts_csv(closed: Closed) -> str:
    """payouts.csv of a close: every line, in the ledger's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PAYOUT_COLUMNS)
    writer.writerows(_payout_rows(closed))
    return buffer.getvalue()


def close_summary_csv(closed: Closed) -> str:
    """summary.csv of a close: the calc columns plus balance_in, draw, payable and balance_out."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CLOSE_SUMMARY_COLUMNS)
    writer.writerows(_summary_rows(closed))
    return buffer.getvalue()
