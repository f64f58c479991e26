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
    """payouts.csv rows as lists in the order of PAYOUT_COLUMNS (what :func:`_csv` writes of a row's dict: the
    texts escaped, None blank), each CSM's and component's escaped id worked out once."""
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


def _summary_rows(closed: Closed) -> Iterator[dict[str, object]]:
    roster = closed.run.roster.by_id()
    days = {r.csm.csm_id: r.proration for r in closed.run.csms}
    for row in closed.csms:
        csm = roster.get(row.csm_id)
        yield {"csm_id": row.csm_id, "name": row.name,
               "base_salary": fmt_decimal(csm.base_salary, 2) if csm else None,
               "target_variable": fmt_decimal(csm.target_variable, 2) if csm else None,
               "proration": fmt_decimal(days[row.csm_id], 6) if row.csm_id in days else None,
               "payout_total": fmt_decimal(row.gross, 2), "balance_in": fmt_decimal(row.balance_in, 2),
               "draw": fmt_decimal(row.draw, 2), "payable": fmt_decimal(row.payable, 2),
               "balance_out": fmt_decimal(row.balance_out, 2)}


_TEXT = {"csm_id", "name", "component", "note"}


def _csv(columns: tuple[str, ...], rows: Iterator[dict[str, object]]) -> str:
    """CSV with the text columns escaped against formulas (numbers, negative ones too, are written as they are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([escape_text(str(row[c])) if c in _TEXT and row[c] is not None
                         else "" if row[c] is None else row[c] for c in columns])
    return buffer.getvalue()


def close_payouts_csv(closed: Closed) -> str:
    """payouts.csv of a close: every line, in the ledger's order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(PAYOUT_COLUMNS)
    writer.writerows(_payout_rows(closed))
    return buffer.getvalue()


def close_summary_csv(closed: Closed) -> str:
    """summary.csv of a close: the calc columns plus balance_in, draw, payable and balance_out."""
    return _csv(CLOSE_SUMMARY_COLUMNS, _summary_rows(closed))
