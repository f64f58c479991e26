"""Quotas from the book of business: per-CSM renewal, upsell and cross-sell quotas (``xlcomp quotas``).

For each CSM, over the accounts assigned to them (an account's segment is its own ``segment``, or
the CSM's when blank; ``d`` are that segment's :data:`SEGMENT_DEFAULTS`):

- ``quota_renewal = ROUND(Σ renewable_arr x d.renewal_rate, 0)``: the renewable ARR a CSM of the
  segment is expected to keep.
- white space per account: ``upsell_potential`` (optional account column) or, when the column is
  absent or the cell blank, ``arr_start x d.upsell_white_space``; the same for
  ``cross_sell_potential`` with ``d.cross_sell_white_space``.
- ``quota_upsell = ROUND(Σ white space x d.capture_rate x period fraction x coverage x proration, 0)``,
  and the same for ``quota_cross_sell``. ``capture_rate`` is the share of white space a CSM closes
  in a year; the period fraction (1/4 for a quarter, 1 without ``--period``) turns it into the pay
  period's; ``proration`` is the share of the period the CSM is employed (1 without a period).
- account complexity, ``coverage = min(1, capacity / effective accounts)``: ``capacity`` is how
  many accounts a CSM of the CSM's segment can work actively; *effective accounts* is
  ``(Σ arr_start)² / Σ arr_start²`` (1 / the Herfindahl index of the book's ARR): ten equal
  accounts count 10, one account holding 90% of the ARR plus nine small ones about 1.2. A large,
  flat book cannot be worked as deeply as a concentrated one, so its white space is discounted.
- every quota is at least ``min_quota`` (default 1,000), so ``calc`` never meets a zero quota.

ROUND is Excel's (half away from zero). All arithmetic is exact (Decimal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pyarrow.compute as pc

from xlcomp.errors import InputError, Problem
from xlcomp.load.decimals import AMOUNT_TYPE, decimal_column
from xlcomp.load.inputs import load_inputs
from xlcomp.load.sources import RawTable, TableSource, read_table
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period
from xlcomp.money import exactly, excel_round
from xlcomp.outputs import csv_text

__all__ = [
    "POTENTIAL_COLUMNS",
    "QUOTA_COLUMNS",
    "SEGMENT_DEFAULTS",
    "QuotaRow",
    "SegmentDefaults",
    "load_potentials",
    "propose_quotas",
    "quotas_csv",
]

ZERO, ONE = Decimal(0), Decimal(1)
QUOTA_COLUMNS = ("quota_renewal", "quota_upsell", "quota_cross_sell")
POTENTIAL_COLUMNS = ("upsell_potential", "cross_sell_potential")
MIN_QUOTA = Decimal(1000)


@dataclass(frozen=True)
class SegmentDefaults:
    """A segment's quota assumptions.

    ``renewal_rate``: share of renewable ARR expected to renew; ``upsell_white_space`` and
    ``cross_sell_white_space``: an account's potential as a share of its arr_start when the book
    gives none; ``capture_rate``: share of white space closed per year; ``capacity``: accounts
    one CSM can work actively.
    """

    renewal_rate: Decimal
    upsell_white_space: Decimal
    cross_sell_white_space: Decimal
    capture_rate: Decimal
    capacity: int


def _defaults(renewal: str, upsell: str, cross: str, capture: str, capacity: int) -> SegmentDefaults:
    return SegmentDefaults(Decimal(renewal), Decimal(upsell), Decimal(cross), Decimal(capture), capacity)


# Enterprise: few large accounts, high retention, deep white space; SMB: pooled books, lower
# retention, shallow white space; Startup: one CSM doing everything, young accounts that grow.
SEGMENT_DEFAULTS: Mapping[str, SegmentDefaults] = MappingProxyType({
    "Enterprise": _defaults("0.95", "0.30", "0.20", "0.40", 15),
    "Mid-Market": _defaults("0.92", "0.25", "0.15", "0.35", 50),
    "SMB": _defaults("0.88", "0.20", "0.10", "0.30", 150),
    "Startup": _defaults("0.85", "0.40", "0.25", "0.30", 40),
})


@dataclass(frozen=True)
class QuotaRow:
    """One CSM's proposed quotas and what they come from."""

    csm_id: str
    segment: str
    accounts: int
    book_arr: Decimal
    effective_accounts: Decimal
    coverage: Decimal
    proration: Decimal
    renewable_arr: Decimal
    upsell_white_space: Decimal
    cross_sell_white_space: Decimal
    quota_renewal: Decimal
    quota_upsell: Decimal
    quota_cross_sell: Decimal

    def quotas(self) -> dict[str, Decimal]:
        """The three roster columns."""
        return {"quota_renewal": self.quota_renewal, "quota_upsell": self.quota_upsell,
                "quota_cross_sell": self.quota_cross_sell}


@exactly
def load_potentials(accounts: TableSource, book: Book) -> dict[str, list[Decimal | None]]:
    """The optional ``upsell_potential``/``cross_sell_potential`` account columns (None: blank).

    Raises :class:`InputError` naming the cell of a value that is not a number or is negative.
    """
    raw = read_table(accounts, "Accounts")
    problems: list[Problem] = []
    out: dict[str, list[Decimal | None]] = {}
    for column in POTENTIAL_COLUMNS:
        if column not in raw.columns:
            continue
        values = decimal_column(raw, column, AMOUNT_TYPE, problems)
        negative = pc.fill_null(pc.less(values, Decimal(0)), False).to_pylist()
        listed = values.to_pylist()
        for row, is_negative in enumerate(negative):
            if is_negative:
                problems.append(raw.locator.problem(row, column, f"{listed[row]:f} is negative"))
        out[column] = listed
    if problems:
        raise InputError(problems)
    assert raw.nrows == len(book), "the accounts changed while being read"
    return out


@exactly
def propose_quotas(roster: Roster, book: Book, potentials: Mapping[str, Sequence[Decimal | None]] | None = None,
                   period: Period | None = None, *, defaults: Mapping[str, SegmentDefaults] = SEGMENT_DEFAULTS,
                   min_quota: Decimal = MIN_QUOTA) -> list[QuotaRow]:
    """Each CSM's renewal, upsell and cross-sell quota from their book (see the module's docstring)."""
    potentials = potentials or {}
    data = book.table.select(["csm_id", "segment", "arr_start", "renewable_arr"]).to_pydict()
    n = len(book)
    upsell_given = potentials.get("upsell_potential") or [None] * n
    cross_given = potentials.get("cross_sell_potential") or [None] * n
    csm_segment = {c.csm_id: c.segment for c in roster.csms}
    totals: dict[str, list[Decimal]] = {}  # renewal, upsell, cross, arr, arr², renewable, upsell ws, cross ws
    counts: dict[str, int] = {}
    for i in range(n):
        csm_id = data["csm_id"][i]
        segment = data["segment"][i] or csm_segment.get(csm_id, "")
        d = defaults[segment]
        arr, renewable = data["arr_start"][i], data["renewable_arr"][i]
        given_upsell, given_cross = upsell_given[i], cross_given[i]
        upsell = given_upsell if given_upsell is not None else arr * d.upsell_white_space
        cross = given_cross if given_cross is not None else arr * d.cross_sell_white_space
        t = totals.setdefault(csm_id, [ZERO] * 8)
        t[0] += renewable * d.renewal_rate
        t[1] += upsell * d.capture_rate
        t[2] += cross * d.capture_rate
        t[3] += arr
        t[4] += arr * arr
        t[5] += renewable
        t[6] += upsell
        t[7] += cross
        counts[csm_id] = counts.get(csm_id, 0) + 1
    fraction = ONE / period.per_year if period is not None else ONE
    rows = []
    for csm in roster.csms:
        renewal, upsell, cross, arr, arr_sq, renewable, upsell_ws, cross_ws = totals.get(csm.csm_id, [ZERO] * 8)
        accounts = counts.get(csm.csm_id, 0)
        effective = arr * arr / arr_sq if arr_sq > 0 else Decimal(accounts)
        capacity = Decimal(defaults[csm.segment].capacity)
        if arr_sq > 0:  # capacity / effective accounts, in one division
            coverage = min(ONE, capacity * arr_sq / (arr * arr))
        else:
            coverage = min(ONE, capacity / effective) if effective > 0 else ONE
        proration = ONE
        if period is not None:
            proration = Decimal(period.days_employed(csm.start_date, csm.end_date)) / Decimal(period.days)
        scale = fraction * coverage * proration

        def quota(value: Decimal) -> Decimal:
            return max(min_quota, excel_round(value, 0))

        rows.append(QuotaRow(csm.csm_id, csm.segment, accounts, arr, effective, coverage, proration, renewable,
                             upsell_ws, cross_ws, quota(renewal), quota(upsell * scale), quota(cross * scale)))
    return rows


def _text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    return str(value)


def quotas_csv(raw_roster: RawTable, roster: Roster, rows: Sequence[QuotaRow]) -> str:
    """The roster as read, every column kept, with the quota columns set (added or replaced)."""
    by_id = {row.csm_id: row for row in rows}
    columns = [c for c in raw_roster.columns if c]
    columns += [c for c in QUOTA_COLUMNS if c not in columns]
    values = {c: raw_roster.values(c) for c in columns if c in raw_roster.columns}
    csm_of_row = {csm.row: csm.csm_id for csm in roster.csms}
    records = []
    for row in range(raw_roster.nrows):
        record = {c: _text(values[c][row]) if c in values else "" for c in columns}
        quota_row = by_id.get(csm_of_row.get(row, ""))
        if quota_row is not None:
            record.update({c: f"{v:f}" for c, v in quota_row.quotas().items()})
        records.append(record)
    return csv_text(columns, records)


@exactly
def load_quota_inputs(roster: TableSource, accounts: TableSource
                      ) -> tuple[RawTable, Roster, Book, dict[str, list[Decimal | None]]]:
    """Read and validate the roster and accounts for :func:`propose_quotas`."""
    roster_model, book = load_inputs(None, roster, accounts)
    potentials = load_potentials(accounts, book)
    return read_table(roster, "Roster"), roster_model, book, potentials
