"""The files of ``xlcomp close``: payouts.csv with every ledger line, summary.csv with the balance
columns after ``payout_total`` (= gross)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from operator import attrgetter

from xlcomp.engine.run import PAYOUT_COLUMNS, SUMMARY_COLUMNS, proration_of
from xlcomp.ledger.close import Closed
from xlcomp.ledger.texts import column_texts
from xlcomp.money import fmt_decimal
from xlcomp.outputs import escape_text

__all__ = ["CLOSE_SUMMARY_COLUMNS", "close_payouts_csv", "close_summary_csv"]

CLOSE_SUMMARY_COLUMNS = (*SUMMARY_COLUMNS, "balance_in", "draw", "payable", "balance_out")


def _payout_columns(closed: Closed) -> list[list[str | None]]:
    """payouts.csv's columns in the order of PAYOUT_COLUMNS (the texts escaped against formulas; None for a
    blank): each CSM's and component's escaped id once, the payouts with two decimals."""
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
    columns[10] = column_texts(columns[10], 2)
    columns[11] = list(map(note, columns[11]))
    return columns


def _summary_columns(closed: Closed) -> list[Sequence[str | None]]:
    """summary.csv's columns in the order of CLOSE_SUMMARY_COLUMNS: the texts escaped against formulas, a blank for
    what a CSM no longer on the roster lacks; worked out column by column (each distinct salary and proration
    formatted once)."""
    csms = closed.csms
    roster = closed.run.roster.by_id()
    days = {csm_id: (employed, total) for csm_id, employed, total in closed.run.days_employed()}
    ids = [row.csm_id for row in csms]
    found = list(map(roster.get, ids))
    prorations: dict[tuple[int, int], str] = {}

    def proration(csm_id: str) -> str:
        employed = days.get(csm_id)
        if employed is None:
            return ""
        if employed not in prorations:
            prorations[employed] = fmt_decimal(proration_of(*employed), 6)
        return prorations[employed]

    def texts(name: str) -> list[str]:   # a roster amount at two places; blank off the roster
        return [t or "" for t in column_texts([getattr(csm, name) if csm else None for csm in found], 2)]

    return [[escape_text(str(i)) for i in ids], [escape_text(str(row.name)) for row in csms],
            texts("base_salary"), texts("target_variable"), list(map(proration, ids)),
            *(column_texts(list(map(attrgetter(name), csms)), 2)
              for name in ("gross", "balance_in", "draw", "payable", "balance_out"))]


def close_payouts_csv(closed: Closed) -> str:
    """payouts.csv of a close: every line, in the ledger's order."""
    return csv_text(PAYOUT_COLUMNS, _payout_columns(closed))


def csv_text(header: Sequence[str], columns: Sequence[Sequence[str | None]]) -> str:
    """What ``csv.writer(lineterminator="\\n")`` writes of the header and the rows of ``columns`` (None blank),
    joined a column at a time: a column none of whose texts holds a comma, a quote or a line break is written
    as it is (one search over the column), the others field by field, quoted where the csv module quotes."""
    if len(header) < 2:   # a row of one blank field is written "": the csv module's rules
        return _csv_module(header, columns)
    texts = []
    for given in columns:
        column = ["" if value is None else value for value in given] if None in given else given
        try:
            joined = "\0".join(column)   # type: ignore[arg-type]
        except TypeError:   # not texts: the csv module writes them
            return _csv_module(header, columns)
        if joined.count("\0") != max(len(column) - 1, 0):   # a NUL in a text: the csv module decides
            return _csv_module(header, columns)
        if _SPECIAL.search(joined) is not None:
            column = [_quoted(value) if _SPECIAL.search(value) else value for value in column]   # type: ignore[arg-type]
        texts.append(column)
    head = ",".join(_quoted(name) if _SPECIAL.search(name) else name for name in header)
    return "\n".join([head, *map(",".join, zip(*texts, strict=True))]) + "\n"


def _special() -> re.Pattern[str]:
    """The characters that make the csv module quote a field (a comma, a quote, the line terminator's; which
    ones has varied between Python versions, so the module is asked)."""
    quoted = []
    for code in range(1, 128):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow([f"a{chr(code)}b", "x"])
        if buffer.getvalue().startswith('"'):
            quoted.append(re.escape(chr(code)))
    return re.compile("[" + "".join(quoted) + "]")


_SPECIAL = _special()


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _csv_module(header: Sequence[str], columns: Sequence[Sequence[str | None]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def close_summary_csv(closed: Closed) -> str:
    """summary.csv of a close: the calc columns plus balance_in, draw, payable and balance_out."""
    return csv_text(CLOSE_SUMMARY_COLUMNS, _summary_columns(closed))
