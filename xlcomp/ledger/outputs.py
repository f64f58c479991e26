"""The files of ``xlcomp close``: payouts.csv with every ledger line, summary.csv with the balance
columns after ``payout_total`` (= gross)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from xlcomp.engine.run import PAYOUT_COLUMNS, SUMMARY_COLUMNS
from xlcomp.ledger.close import Closed
from xlcomp.money import fmt_decimal
from xlcomp.outputs import escape_text

__all__ = ["CLOSE_SUMMARY_COLUMNS", "close_payouts_csv", "close_summary_csv"]

CLOSE_SUMMARY_COLUMNS = (*SUMMARY_COLUMNS, "balance_in", "draw", "payable", "balance_out")


def _payout_rows(closed: Closed) -> Iterator[list[object]]:
    """payouts.csv rows as lists in the order of PAYOUT_COLUMNS (the texts escaped against formulas, None blank),
    each CSM's and component's escaped id worked out once."""
    ids: dict[str, str] = {}
    for line in closed.lines:
        csm_id, component = line.csm_id, line.component
        csm_text = ids.get(csm_id)
        if csm_text is None:
            csm_text = ids[csm_id] = escape_text(str(csm_id))
        component_text = ids.get(component)
        if component_text is None:
            component_text = ids[component] = escape_text(str(component))
        row: list[object] = [csm_text, component_text, line.kind, line.metric, line.actual, line.target,
                             line.attainment, line.share, line.target_incentive, line.multiplier,
                             fmt_decimal(line.payout, 2), "" if line.note is None else escape_text(str(line.note))]
        if None in row:
            row = ["" if value is None else value for value in row]
        yield row


def _summary_rows(closed: Closed) -> Iterator[list[str]]:
    """summary.csv rows as lists in the order of CLOSE_SUMMARY_COLUMNS: the texts escaped against formulas, a
    blank for what a CSM no longer on the roster lacks."""
    roster = closed.run.roster.by_id()
    days = {r.csm.csm_id: r.proration for r in closed.run.csms}
    for row in closed.csms:
        csm = roster.get(row.csm_id)
        proration = days.get(row.csm_id)
        yield [escape_text(str(row.csm_id)), escape_text(str(row.name)),
               fmt_decimal(csm.base_salary, 2) if csm else "", fmt_decimal(csm.target_variable, 2) if csm else "",
               "" if proration is None else fmt_decimal(proration, 6), fmt_decimal(row.gross, 2),
               fmt_decimal(row.balance_in, 2), fmt_decimal(row.draw, 2), fmt_decimal(row.payable, 2),
               fmt_decimal(row.balance_out, 2)]


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
