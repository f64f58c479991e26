"""Year-to-date components (``measure: ytd``, SPEC section 9), computed by the ordinary engine on
year-to-date inputs:

- the book: the accounts of the plan year's closed periods plus this period's, amounts and counts
  summed by account_id; an account's owner, segment and scores are those of its latest period;
- the roster: each CSM as now, with a quota (or an amount target) summed over the periods' rosters
  and a rate target as now;
- the target incentive: the sum of the periods' TIs, each ``target_variable x weight x days employed
  / (days in period x periods per year)`` of that period's roster; the payout is
  ``ROUND(TI_ytd x share x multiplier, 2)``, exact (fractions, rounded once).

A line this period is the year-to-date payout less what the ledger paid on the component so far.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.engine.run import run
from xlcomp.ledger.records import dates_from, roster_values_from
from xlcomp.model.metrics import SCORE_FIELDS, SUM_FIELDS, metric_def
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Kind, Plan

__all__ = ["CsmFacts", "PriorPeriod", "YtdResult", "facts_from", "round_fraction", "summed_columns",
           "ytd_columns", "ytd_results"]

ZERO = Decimal(0)


class CsmFacts(NamedTuple):
    """What the year to date needs of one CSM's roster row in one period (named tuples: one per CSM and period)."""

    target_variable: Decimal
    start_date: date | None
    end_date: date | None
    values: Mapping[str, Decimal | None]


@dataclass(frozen=True)
class PriorPeriod:
    """A closed period of the plan year (its latest version): accounts, roster facts, what it paid."""

    period: Period
    book: pa.Table
    csms: Mapping[str, CsmFacts]
    paid: Mapping[tuple[str, str], Decimal]   # (csm_id, component) -> Σ of its component lines


class YtdResult(NamedTuple):
    """One CSM's year-to-date component: the SPEC's row fields and the line (YTD payout less paid)."""

    csm_id: str
    component: Component
    actual: Decimal | None
    target: Decimal | None
    attainment: Decimal | None
    share: Decimal | None
    target_incentive: Decimal | None
    multiplier: Decimal
    ytd_payout: Decimal
    paid_before: Decimal
    note: str

    @property
    def payout(self) -> Decimal:
        """This period's line."""
        return self.ytd_payout - self.paid_before


def round_fraction(value: Fraction, places: int) -> Decimal:
    """Excel's ROUND of an exact fraction: half away from zero."""
    return round_ratio(value.numerator, value.denominator, places)


def round_ratio(numerator: int, denominator: int, places: int) -> Decimal:
    """Excel's ROUND of ``numerator / denominator`` (integers, not necessarily reduced): half away from zero."""
    negative = numerator != 0 and (numerator < 0) != (denominator < 0)
    whole, rest = divmod(abs(numerator) * 10 ** places, abs(denominator))
    if 2 * rest >= abs(denominator):
        whole += 1
    result = Decimal(whole).scaleb(-places)
    return -result if negative else result


def ytd_columns(plan: Plan) -> list[str]:
    """The account columns the year to date reads: ids, owner, segment and what the ``measure: ytd``
    components' metrics, gates and multipliers read (the part of a period's book the ledger keeps)."""
    from xlcomp.load.accounts import ACCOUNTS_REQUIRED, plan_account_columns

    components = tuple(c for c in plan.components if c.measure == "ytd")
    if not components:
        return []
    needed = plan_account_columns(dataclasses.replace(plan, components=components))
    first = [*ACCOUNTS_REQUIRED, "segment"]   # arr_start too: the engine counts accounts on it
    return [*first, *sorted(needed - set(first))]


def summed_columns(plan: Plan) -> list[str]:
    """The roster columns the year to date sums over the year's rosters: the quotas and amount targets of the
    plan's ``measure: ytd`` components."""
    return sorted({column for c in plan.components if c.measure == "ytd" and (column := _summed_column(c, plan))})


def _summed_column(component: Component, plan: Plan) -> str | None:
    """The roster column of a component's quota or amount target, summed over the year; None otherwise."""
    target = component.quota if component.kind is Kind.COMMISSION else component.target
    if target is None or not target.column:
        return None
    definition = metric_def(component.metric, set(plan.inputs))
    if component.kind is Kind.COMMISSION or (definition is not None and definition.is_amount):
        return target.column
    return None


def ytd_book(books: Sequence[pa.Table], template: Book, keep: Sequence[str] | None = None) -> Book:
    """The year's accounts summed by account_id (owner, segment and scores from the latest period).

    Only the columns in ``keep`` are read (default: all; the others are left blank). Rows come in no
    particular order (every sum is exact, so the order changes nothing). When every period's book
    lists the same accounts in the same order (one book all year), the sums are added column by
    column; otherwise one hash group-by over all periods' rows, the latest row of each account found
    as its largest row number.
    """
    wanted = set(keep or template.table.column_names) - {"_row"}
    tables = [table.select([name for name in table.column_names if name in wanted]) for table in books]
    last = tables[-1]
    sums = [name for name in SUM_FIELDS if name in last.column_names]
    lasts = [name for name in ("csm_id", "segment", *SCORE_FIELDS) if name in last.column_names]
    ids = last["account_id"]
    if all(t.num_rows == last.num_rows and t["account_id"].equals(ids) and all(n in t.column_names for n in sums)
           for t in tables[:-1]):
        columns: dict[str, Any] = {"account_id": ids, **{name: last[name] for name in lasts}}
        for name in sums:
            columns[name] = _added([t[name] for t in tables])
    else:
        combined = pa.concat_tables(tables, promote_options="permissive")
        combined = combined.append_column("_i", pa.array(np.arange(combined.num_rows, dtype=np.int64)))
        grouped = combined.group_by("account_id", use_threads=False).aggregate(
            [(name, "sum") for name in sums if name in combined.column_names] + [("_i", "max")])
        latest = combined.select(lasts).take(grouped["_i_max"])
        columns = {name.removesuffix("_sum"): grouped[name] for name in grouped.column_names if name != "_i_max"}
        columns.update({name: latest[name] for name in lasts})
    rows = len(columns["account_id"])
    arrays = []
    fields = []
    schema = template.table.schema
    blanks: dict[pa.DataType, pa.Array] = {}   # one blank column per type, shared by the columns not read
    for name in template.table.column_names:
        kind = schema.field(name).type
        if name == "_row":
            arrays.append(pa.array(np.arange(rows, dtype=np.int32)))
        elif name in columns:
            arrays.append(_as_type(columns[name], kind))
        else:
            if kind not in blanks:
                blanks[kind] = _blank(kind, rows)
            arrays.append(blanks[kind])
        fields.append(schema.field(name))
    return Book(pa.Table.from_arrays(arrays, schema=pa.schema(fields)), template.locator, template.columns)


def _as_type(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    """``column`` cast to ``kind``. A sum of decimals comes out of Arrow one digit wider than its terms; when every
    value fits the narrower type, its buffers are that type's as they are (a cast would copy them)."""
    if column.type == kind:
        return column
    if (pa.types.is_decimal128(column.type) and pa.types.is_decimal128(kind) and column.type.scale == kind.scale
            and column.type.precision > kind.precision):
        ends = [end.as_py() for end in pc.min_max(column).values()]   # fits: under 10 ** (precision - scale)
        if all(end is None or end.adjusted() < kind.precision - kind.scale for end in ends):
            return pa.chunked_array([pa.Array.from_buffers(kind, len(chunk), chunk.buffers(), chunk.null_count,
                                                           chunk.offset) for chunk in column.chunks], kind)
    return column.cast(kind)


def _blank(kind: pa.DataType, rows: int) -> pa.Array:
    """A column of ``rows`` blanks (zeroed buffers: faster than ``pa.nulls`` for decimals)."""
    validity = pa.py_buffer(np.zeros((rows + 7) // 8, dtype=np.uint8))
    if pa.types.is_decimal(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
        data = pa.py_buffer(np.zeros(rows * (kind.bit_width // 8), dtype=np.uint8))
        return pa.Array.from_buffers(kind, rows, [validity, data], null_count=rows)
    if kind == pa.string():
        offsets = pa.py_buffer(np.zeros(rows + 1, dtype=np.int32))
        return pa.Array.from_buffers(kind, rows, [validity, offsets, pa.py_buffer(b"")], null_count=rows)
    return pa.nulls(rows, kind)


def _added(columns: Sequence[pa.ChunkedArray]) -> pa.ChunkedArray:
    """Row by row sums of columns, as Arrow's grouped sum gives them: blanks skipped, all blank = blank."""
    total = columns[0]
    for column in columns[1:]:
        if total.null_count or column.null_count:
            either = pc.or_(pc.is_valid(total), pc.is_valid(column))
            added = pc.add(pc.fill_null(total, 0), pc.fill_null(column, 0))
            total = pc.if_else(either, added, pa.nulls(len(added), added.type))
        else:
            total = pc.add(total, column)
    return total


def ytd_results(plan: Plan, period: Period, roster: Roster, book: Book, prior: Sequence[PriorPeriod]
                ) -> list[YtdResult]:
    """Every CSM's year-to-date components this period, in roster then plan order."""
    components = tuple(c for c in plan.components if c.measure == "ytd")
    if not components:
        return []
    summed = summed_columns(plan)
    ytd_roster = roster
    if summed:   # quotas and amount targets summed over the year's rosters (a blank one counts 0)
        csms = []
        for csm in roster.csms:
            values = dict(csm.values)
            for column in summed:
                total = values.get(column) or ZERO
                for past in prior:
                    facts = past.csms.get(csm.csm_id)
                    total += (facts.values.get(column) or ZERO) if facts else ZERO
                values[column] = total
            csms.append(dataclasses.replace(csm, values=MappingProxyType(values)))
        ytd_roster = dataclasses.replace(roster, csms=tuple(csms))
    ytd_plan = dataclasses.replace(plan, components=components)
    combined = ytd_book([p.book for p in prior] + [book.table], book, ytd_columns(plan)) if prior else book
    result = run(ytd_plan, ytd_roster, combined, period)
    if not roster.csms:
        return []
    first = prior[0].period.label if prior else period.label
    span = f"{first} to {period.label}" if prior else period.label
    ids = [csm.csm_id for csm in roster.csms]
    held: list[list[CsmFacts | None]] = [[p.csms.get(csm_id) for csm_id in ids] for p in prior]   # per period, CSM
    held.append([CsmFacts(csm.target_variable, csm.start_date, csm.end_date, csm.values) for csm in roster.csms])
    periods = [*(p.period for p in prior), period]
    made = []
    for component, results in zip(components, result.component_columns(), strict=True):
        paid = [ZERO] * len(ids)   # what the ledger paid on the component so far, per CSM
        for past in prior:
            get = past.paid.get
            paid = [total + get((csm_id, component.id), ZERO) for total, csm_id in zip(paid, ids, strict=True)]
        if component.kind is Kind.BONUS:
            nums, den = _ti_ratios(component, periods, held)
            ytd_payouts: list[Decimal] = []
            target_incentives: list[Decimal | None] = []
            for share, multiplier, num in zip(results["share"], results["multiplier"], nums, strict=True):
                share_n, share_d = (share if share is not None else ZERO).as_integer_ratio()
                multiplier_n, multiplier_d = multiplier.as_integer_ratio()
                ytd_payouts.append(round_ratio(num * share_n * multiplier_n, den * share_d * multiplier_d, 2))
                target_incentives.append(round_ratio(num, den, 2))
        else:
            ytd_payouts = list(results["payout"])
            target_incentives = [None] * len(ids)
        rows = []
        for csm_id, actual, target, attainment, share, multiplier, noted, ytd_payout, before, target_incentive in zip(
                ids, results["actual"], results["target"], results["attainment"], results["share"],
                results["multiplier"], results["note"], ytd_payouts, paid, target_incentives, strict=True):
            note = f"year to date {span}: {ytd_payout:,.2f} less {before:,.2f} paid before"
            if noted:
                note += f"; {noted}"
            rows.append(YtdResult(csm_id, component, actual, target, attainment, share, target_incentive,
                                  multiplier, ytd_payout, before, note))
        made.append(rows)
    return [row for rows in zip(*made, strict=True) for row in rows]   # CSM by CSM, in plan order


def facts_from(table: pa.Table, plan: Plan) -> dict[str, CsmFacts]:
    """What the year to date needs of each of a close's stored per-CSM records, by csm_id, read from its table:
    target_variable (blank: 0), start and end dates, and the roster values the plan's year to date sums."""
    target_variables, starts, ends = dates_from(table)
    values = roster_values_from(table, summed_columns(plan))
    return {csm_id: CsmFacts(target_variable or ZERO, start, end, roster)
            for csm_id, target_variable, start, end, roster
            in zip(table["csm_id"].to_pylist(), target_variables, starts, ends, values, strict=True)}


def _ti_ratios(component: Component, periods: Sequence[Period], facts: Sequence[Sequence[CsmFacts | None]]
               ) -> tuple[list[int], int]:
    """Every CSM's TI for the year as an exact ratio ``num / den`` of integers (one ``den`` for all): Σ over the
    ``periods`` of target_variable x weight x days employed / (days x periods per year), each period's ``facts``
    of every CSM (None: not on that period's roster). The sum is kept over one common denominator: the least
    common multiple of the periods' days x periods per year and of the target variables' denominators."""
    assert component.weight is not None
    weight_n, weight_d = component.weight.as_integer_ratio()
    lengths = [when.days * when.per_year for when in periods]
    values = {f.target_variable for column in facts for f in column if f is not None}
    ratios = {value: value.as_integer_ratio() for value in values}
    scale = math.lcm(*(d for _, d in ratios.values())) if ratios else 1
    units = {value: n * (scale // d) for value, (n, d) in ratios.items()}   # target variables in 1/scale
    common = math.lcm(*lengths)
    nums = [0] * (len(facts[0]) if facts else 0)
    for when, length, column in zip(periods, lengths, facts, strict=True):
        factor = common // length
        days: dict[tuple[date | None, date | None], int] = {}   # days employed, by start and end date
        added = []
        for total, fact in zip(nums, column, strict=True):
            if fact is None:
                added.append(total)
                continue
            key = (fact.start_date, fact.end_date)
            employed = days.get(key)
            if employed is None:
                employed = days[key] = when.days_employed(fact.start_date, fact.end_date)
            added.append(total + units[fact.target_variable] * employed * factor if employed else total)
        nums = added
    return [weight_n * num for num in nums], weight_d * scale * common
