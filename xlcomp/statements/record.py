"""What a statement carries so it can be recomputed: the plan, the CSM's roster row and accounts.

A statement embeds its inputs as JSON (inside the HTML, attached to the PDF) together with their
hashes. The plan hash is the plan's own digest (:attr:`xlcomp.model.Plan.digest`); the input hash
is the SHA-256 of the CSM's roster row and accounts in a canonical form: every value as exact text
(numbers without trailing zeros, dates as ISO, blanks as ``""``), accounts sorted by ``account_id``.
So reloading the embedded rows through the ordinary loaders gives the same model, the same hash and
the same payouts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from xlcomp.model.adjustments import ADJUSTMENT_COLUMNS, Adjustment
from xlcomp.model.dating import Changes
from xlcomp.model.metrics import SCORE_FIELDS, SUM_FIELDS
from xlcomp.model.people import Book, Csm
from xlcomp.statements.credit import CREDIT_FIELDS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ACCOUNT_COLUMNS", "ROSTER_COLUMNS", "InputRecord", "book_rows", "csm_row", "input_record"]

ROSTER_COLUMNS = ("csm_id", "name", "segment", "role", "base_salary", "target_variable", "start_date",
                  "end_date", "manager")
ACCOUNT_COLUMNS = ("account_id", "csm_id", "segment", *SUM_FIELDS, *SCORE_FIELDS)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value.normalize():f}"
        return "0" if text == "-0" else text
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csm_row(csm: Csm) -> dict[str, str]:
    """A CSM's roster row as canonical text: the standard columns, then the plan's per-CSM columns."""
    row = {
        "csm_id": csm.csm_id, "name": csm.name, "segment": csm.segment, "role": csm.role,
        "base_salary": _text(csm.base_salary), "target_variable": _text(csm.target_variable),
        "start_date": _text(csm.start_date), "end_date": _text(csm.end_date), "manager": csm.manager,
    }
    for column in sorted(csm.values):
        row[column] = _text(csm.values[column])
    return row


def book_rows(book: Book, csm_ids: Iterable[str] | None = None) -> dict[str, list[tuple[str, ...]]]:
    """Every account of the book as canonical text rows (:data:`ACCOUNT_COLUMNS`), grouped by CSM.

    One pass over the table, so a statement run over many CSMs does not filter the book once per CSM.
    """
    wanted = set(csm_ids) if csm_ids is not None else None
    table = book.table
    if wanted is not None and table.num_rows:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = table.filter(pc.is_in(table["csm_id"], value_set=pa.array(sorted(wanted), pa.string())))
    data = table.select(list(ACCOUNT_COLUMNS)).to_pydict()
    grouped: dict[str, list[tuple[str, ...]]] = {}
    columns = [data[name] for name in ACCOUNT_COLUMNS]
    for values in zip(*columns, strict=True):
        grouped.setdefault(values[1], []).append(tuple(_text(v) for v in values))
    for rows in grouped.values():
        rows.sort(key=lambda r: r[0])
    return grouped


@dataclass(frozen=True)
class InputRecord:
    """One CSM's inputs as text: the roster row and the accounts (rows of :data:`ACCOUNT_COLUMNS`)."""

    roster: Mapping[str, str]
    accounts: tuple[tuple[str, ...], ...]
    account_columns: tuple[str, ...] = ACCOUNT_COLUMNS
    adjustments: tuple[tuple[str, ...], ...] = ()   # rows of ADJUSTMENT_COLUMNS, in the run's order
    changes: tuple[tuple[str, str, str, str], ...] = ()   # roster changes: csm_id, field, value, effective
    credits: tuple[tuple[str, ...], ...] = ()   # credited shares: the account's row, then CREDIT_FIELDS

    def canonical(self) -> dict[str, Any]:
        """The record as plain JSON data (``adjustments`` and ``changes`` only when there are some: older hashes
        hold)."""
        data: dict[str, Any] = {"roster": dict(self.roster),
                                "accounts": {"columns": list(self.account_columns),
                                             "rows": [list(row) for row in sorted(self.accounts, key=lambda r: r[0])]}}
        if self.adjustments:
            data["adjustments"] = {"columns": list(ADJUSTMENT_COLUMNS), "rows": [list(r) for r in self.adjustments]}
        if self.changes:
            data["changes"] = [list(row) for row in self.changes]
        if self.credits:
            data["credits"] = {"columns": [*self.account_columns, *CREDIT_FIELDS],
                               "rows": [list(row) for row in self.credits]}
        return data

    def adjustment_models(self) -> tuple[Adjustment, ...]:
        """The adjustments as records, for a run."""
        return tuple(Adjustment(csm_id, Decimal(amount), reason, component, approved_by)
                     for csm_id, amount, reason, component, approved_by in self.adjustments)

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON: the statement's input hash."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, data: object) -> InputRecord:
        """Rebuild a record from :meth:`canonical` data; raises ``ValueError`` when it is malformed."""
        if not isinstance(data, dict):
            raise ValueError("the inputs are not an object")
        roster = data.get("roster")
        accounts = data.get("accounts")
        if not isinstance(roster, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                   for k, v in roster.items()):
            raise ValueError("the roster row is not an object of texts")
        if not isinstance(accounts, dict):
            raise ValueError("the accounts are not an object")
        columns, rows = accounts.get("columns"), accounts.get("rows")
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise ValueError("the account columns are not a list of names")
        if not isinstance(rows, list) or not all(
                isinstance(r, list) and len(r) == len(columns) and all(isinstance(v, str) for v in r) for r in rows):
            raise ValueError(f"the account rows are not lists of {len(columns)} texts")
        adjustments = data.get("adjustments", {"rows": []})
        adjustment_rows = adjustments.get("rows") if isinstance(adjustments, dict) else None
        if not isinstance(adjustment_rows, list) or not all(
                isinstance(r, list) and len(r) == len(ADJUSTMENT_COLUMNS) and all(isinstance(v, str) for v in r)
                for r in adjustment_rows):
            raise ValueError(f"the adjustment rows are not lists of {len(ADJUSTMENT_COLUMNS)} texts")
        try:
            for row in adjustment_rows:
                if not Decimal(row[1]).is_finite():
                    raise ValueError
        except (ArithmeticError, ValueError):
            raise ValueError("an adjustment amount is not a number") from None
        changes = data.get("changes", [])
        if not isinstance(changes, list) or not all(
                isinstance(r, list) and len(r) == 4 and all(isinstance(v, str) for v in r) for r in changes):
            raise ValueError("the roster changes are not lists of 4 texts")
        credits = data.get("credits", {"rows": []})
        credit_rows = credits.get("rows") if isinstance(credits, dict) else None
        width = len(columns) + len(CREDIT_FIELDS)
        if not isinstance(credit_rows, list) or not all(
                isinstance(r, list) and len(r) == width and all(isinstance(v, str) for v in r) for r in credit_rows):
            raise ValueError(f"the credited shares are not lists of {width} texts")
        return cls(roster=dict(roster), accounts=tuple(tuple(r) for r in rows), account_columns=tuple(columns),
                   adjustments=tuple(tuple(r) for r in adjustment_rows),
                   changes=tuple((r[0], r[1], r[2], r[3]) for r in changes),
                   credits=tuple(tuple(r) for r in credit_rows))

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The roster row and accounts as DataFrames of text, ready for :func:`xlcomp.load_inputs`."""
        import pandas as pd

        roster = pd.DataFrame([list(self.roster.values())], columns=list(self.roster), dtype=object)
        accounts = pd.DataFrame([list(r) for r in self.accounts], columns=list(self.account_columns),
                                dtype=object)
        return roster, accounts

    def credits_frame(self) -> pd.DataFrame | None:
        """The credited accounts as account rows of text, each listed as this CSM's (so they load against the
        statement's one-CSM roster); None without credited shares."""
        import pandas as pd

        if not self.credits:
            return None
        width = len(self.account_columns)
        rows = [list(r) for r in dict.fromkeys(r[:width] for r in self.credits)]
        at = self.account_columns.index("csm_id")
        for row in rows:
            row[at] = self.roster.get("csm_id", "")
        return pd.DataFrame(rows, columns=list(self.account_columns), dtype=object)

    def changes_frame(self) -> pd.DataFrame | None:
        """The roster changes as a DataFrame of text for :func:`xlcomp.load.changes.load_changes` (None: none)."""
        import pandas as pd

        if not self.changes:
            return None
        return pd.DataFrame([list(r) for r in self.changes], columns=["csm_id", "field", "value", "effective"],
                            dtype=object)


def input_record(csm: Csm, accounts: Sequence[tuple[str, ...]], adjustments: Iterable[Adjustment] = (),
                 changes: Changes | None = None, credits: Sequence[tuple[str, ...]] = ()) -> InputRecord:
    """The record of one CSM's inputs, from the loaded model and :func:`book_rows` (and the CSM's
    adjustments and roster changes)."""
    rows: tuple[tuple[str, str, str, str], ...] = ()
    if changes is not None:
        rows = tuple((c.csm_id, c.field, c.value if isinstance(c.value, str) else f"{c.value:f}",
                      c.effective.isoformat()) for c in changes.rows if c.csm_id == csm.csm_id)
    return InputRecord(roster=csm_row(csm), accounts=tuple(sorted(accounts, key=lambda r: r[0])),
                       adjustments=tuple((a.csm_id, f"{a.amount:f}", a.reason, a.component, a.approved_by)
                                         for a in adjustments),
                       changes=rows, credits=tuple(credits))
