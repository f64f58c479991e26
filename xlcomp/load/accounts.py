"""The accounts: their columns (those every book has, those the plan's metrics read) and their
checks, column by column with Arrow compute (a million rows), into a :class:`~xlcomp.model.Book`
of exact decimal128 columns; every problem names its cell (``Accounts!F231 renewed_arr: …``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.errors import InputError, Problem
from xlcomp.load.decimals import AMOUNT_TYPE, SCORE_TYPE, decimal_columns, parse_cell_date, report_rows, rows_where
from xlcomp.load.roster import plan_metrics
from xlcomp.load.sources import RawTable, TableSource, cell_text, read_table
from xlcomp.model.metrics import SCORE_FIELDS, SUM_FIELDS, Source, metric_def
from xlcomp.model.people import SEGMENTS, Book, Roster
from xlcomp.model.plan import Plan
from xlcomp.money import exactly

__all__ = ["ACCOUNTS_REQUIRED", "BOOKED_ON", "SCORE_RANGES", "booked_on_column", "load_accounts",
           "plan_account_columns", "validate_accounts"]

ACCOUNTS_REQUIRED = ("account_id", "csm_id", "arr_start", "renewable_arr", "renewed_arr")
BOOKED_ON = "booked_on"   # optional: the day an account's amounts were booked (SPEC section 10)
SCORE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "health_score": (Decimal(0), Decimal(100)),
    "nps": (Decimal(-100), Decimal(100)),
    "adoption_rate": (Decimal(0), Decimal(1)),
    "risk_score": (Decimal(0), Decimal(100)),
}


def plan_account_columns(plan: Plan | None) -> set[str]:
    """Account columns the plan's metrics read."""
    columns: set[str] = set()
    if plan is None:
        return columns
    for name in plan_metrics(plan):
        definition = metric_def(name, set(plan.inputs))
        if definition is not None and definition.source is Source.BOOK:
            columns.update(definition.columns)
    if any(c.target and c.target.risk_adjust for c in plan.components):
        columns.update(("risk_score", "arr_start"))
    if any(c.window is not None for c in plan.components):
        columns.add(BOOKED_ON)
    return columns


@exactly
def load_accounts(source: TableSource, roster: Roster | None = None, plan: Plan | None = None, *,
                  decimal_comma: bool = False) -> Book:
    """Load and validate the accounts; raises :class:`InputError` with every problem."""
    known = {c.csm_id for c in roster.csms} if roster is not None else None
    raw = read_table(source, "Accounts", decimal_comma=decimal_comma, currency=plan.currency if plan else None)
    book, problems = validate_accounts(raw, known, plan)
    if problems:
        raise InputError(problems)
    assert book is not None
    return book


def _message(template: str, values: list[Any], normalize: bool = False) -> Callable[[int], str]:
    """A message for row ``r`` that shows ``values[r]`` through ``template``."""
    def message(row: int) -> str:
        value = values[row]
        return template.format(value.normalize() if normalize else value)
    return message


def _repeats(ids: pa.Array) -> bool:
    """Does a non-blank id appear twice? (Arrow sorts the ids; equal neighbours are repeats.)"""
    ordered = ids.take(pc.sort_indices(ids))
    later, earlier = ordered.slice(1), ordered.slice(0, len(ordered) - 1)
    return bool(pc.any(pc.and_(pc.equal(later, earlier), pc.not_equal(later, ""))).as_py())


@exactly
def validate_accounts(raw: RawTable, known_csms: set[str] | None, plan: Plan | None
                      ) -> tuple[Book | None, list[Problem]]:
    """The book of a table as read, checked against the roster's ids and the plan, and every problem found."""
    problems = list(raw.problems)
    if not raw.columns and problems:
        return None, problems
    loc = raw.locator
    header_where = loc.where(None) if loc.sheet else f"{loc.name}:{loc.header_row}"
    required = list(ACCOUNTS_REQUIRED) + sorted(plan_account_columns(plan) - set(ACCOUNTS_REQUIRED))
    for column in required:
        if column not in raw.columns:
            why = "" if column in ACCOUNTS_REQUIRED else " (the plan's metrics need it)" if column != BOOKED_ON \
                else " (the plan's SPIF pays on the accounts booked in its window: YYYY-MM-DD)"
            problems.append(Problem(header_where, f'the required column "{column}" is missing{why}'))
    if any("missing" in p.message for p in problems):
        return None, problems
    n = raw.nrows
    arrays: dict[str, pa.Array] = {}
    for column in ("account_id", "csm_id", "segment"):
        strings = pc.utf8_trim_whitespace(raw.strings(column))
        arrays[column] = pc.fill_null(strings, "")
    for column in ("account_id", "csm_id"):
        blank = rows_where(pc.equal(arrays[column], ""))
        report_rows(problems, loc, blank, column, lambda r: "is blank")
    if n and _repeats(arrays["account_id"]):  # which, and where first: with NumPy (rare: no hurry)
        ids = arrays["account_id"].to_numpy(zero_copy_only=False)
        order = np.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        dup = np.flatnonzero((sorted_ids[1:] == sorted_ids[:-1]) & (sorted_ids[1:] != ""))
        first_of: dict[str, int] = {}
        dup_rows = []
        for i in dup:
            first_of.setdefault(sorted_ids[i], int(order[i]))
            dup_rows.append(int(order[i + 1]))
        dup_rows.sort()
        report_rows(problems, loc, dup_rows, "account_id",
                lambda r: f'"{ids[r]}" is also on {loc.where(first_of[ids[r]], "account_id")}: '
                          f"account_id must be unique")
    if known_csms is not None:
        known = pa.array(sorted(known_csms), pa.string())
        unknown = rows_where(pc.and_(pc.invert(pc.is_in(arrays["csm_id"], value_set=known)),
                                pc.not_equal(arrays["csm_id"], "")))
        csm_values = arrays["csm_id"].to_pylist() if len(unknown) else []
        report_rows(problems, loc, unknown, "csm_id", lambda r: f'"{csm_values[r]}" is not a CSM of the roster')
    segments = pa.array([*SEGMENTS, ""], pa.string())
    if "segment" in raw.columns:
        odd = rows_where(pc.invert(pc.is_in(arrays["segment"], value_set=segments)))
        seg_values = arrays["segment"].to_pylist() if len(odd) else []
        report_rows(problems, loc, odd, "segment", lambda r: f'"{seg_values[r]}" is not one of {", ".join(SEGMENTS)}')
    parsed = decimal_columns(raw, [(c, AMOUNT_TYPE, False) for c in SUM_FIELDS if c in raw.columns]
                             + [(c, SCORE_TYPE, c == "adoption_rate") for c in SCORE_FIELDS if c in raw.columns])
    for column in SUM_FIELDS:
        if column in raw.columns:
            values, found = parsed[column]
            problems += found
            negative = rows_where(pc.less(values, pa.scalar(Decimal(0), AMOUNT_TYPE)))
            shown = values.to_pylist() if len(negative) else []
            report_rows(problems, loc, negative, column, _message("{:f} is negative", shown))
            arrays[column] = pc.fill_null(values, pa.scalar(Decimal(0), AMOUNT_TYPE)) if values.null_count else values
        else:
            arrays[column] = pa.array([Decimal(0)] * n, AMOUNT_TYPE)
    over = rows_where(pc.greater(arrays["renewed_arr"], arrays["renewable_arr"]))
    if len(over):
        renewed, renewable = arrays["renewed_arr"].to_pylist(), arrays["renewable_arr"].to_pylist()
        report_rows(problems, loc, over, "renewed_arr",
                lambda r: f"{renewed[r]:f} is above renewable_arr {renewable[r]:f}")
    for column in SCORE_FIELDS:
        if column in raw.columns:
            values, found = parsed[column]
            problems += found
            low, high = SCORE_RANGES[column]
            out = rows_where(pc.or_(pc.less(values, pa.scalar(low, SCORE_TYPE)),
                               pc.greater(values, pa.scalar(high, SCORE_TYPE))))
            shown = values.to_pylist() if len(out) else []
            report_rows(problems, loc, out, column, _message(f"{{:f}} is outside {low}–{high}", shown, normalize=True))
            arrays[column] = values
        else:
            arrays[column] = pa.nulls(n, SCORE_TYPE)
    if BOOKED_ON in raw.columns:
        arrays[BOOKED_ON] = booked_on_column(raw, problems)
    arrays["_row"] = pa.array(np.arange(n, dtype=np.int32))
    table = pa.table(arrays)
    return Book(table, loc, tuple(raw.columns)), problems


_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def booked_on_column(raw: RawTable, problems: list[Problem]) -> pa.Array:
    """The optional ``booked_on`` column as Arrow date32 (null: blank, no booking date); every value that
    is not a date is a problem at its cell. ISO texts (a CSV) are parsed by Arrow at once; anything else
    (an xlsx date cell, a serial, ``2027/02/15``) value by value."""
    loc = raw.locator
    data = raw.data.get(BOOKED_ON)
    if isinstance(data, (pa.Array, pa.ChunkedArray)):
        texts = pc.utf8_trim_whitespace(raw.strings(BOOKED_ON))
        texts = pc.if_else(pc.equal(texts, ""), pa.scalar(None, pa.string()), texts)
        iso = pc.fill_null(pc.match_substring_regex(texts, _ISO_DATE), True)
        if pc.all(iso).as_py() is not False:
            with contextlib.suppress(pa.ArrowInvalid):
                return texts.cast(pa.date32())   # strict: 2027-02-30 is no date (then value by value)
    values = raw.values(BOOKED_ON)
    out: list[date | None] = []
    bad_rows: list[int] = []
    for row, given in enumerate(values):
        day: date | None = None
        value = given.strip() if isinstance(given, str) else given
        if value not in (None, ""):
            with contextlib.suppress(ValueError, OverflowError):
                day = parse_cell_date(value)
            if day is None:
                bad_rows.append(row)
        out.append(day)
    report_rows(problems, loc, bad_rows, BOOKED_ON,
                lambda r: f'"{cell_text(values[r])}" is not a date (use YYYY-MM-DD)')
    return pa.array(out, pa.date32())
