"""Working out a close's lines and balances from the period's run and the ledger as it stands (SPEC section 9;
the rules in :mod:`xlcomp.ledger.close`): the component lines (a ``measure: ytd`` component's row pays the year to
date less what the ledger paid on it), adjustments, prior_period differences of reopened versions, clawbacks of
churned accounts, draws and the balance rule, and the clawback components' account shares."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Context, Decimal, getcontext, localcontext
from itertools import groupby
from typing import Any, TypeVar

import pyarrow as pa

from xlcomp.engine.run import RunResult
from xlcomp.errors import Problem
from xlcomp.ledger.ahead import Ahead
from xlcomp.ledger.clawbacks import ChurnRow, clawback_windows, in_plan, window_days
from xlcomp.ledger.db import LedgerError
from xlcomp.ledger.records import LINE_FIELDS, LineColumns, balances_from, csm_periods_from
from xlcomp.ledger.shares import ShareBlock, shares_of
from xlcomp.ledger.store import (
    CloseRecord,
    CsmPeriod,
    Line,
    book_content,
    carried_ids,
    clawed_accounts,
    component_totals,
    csm_period_tables,
    lines_of,
    read_book,
    shares_for,
)
from xlcomp.ledger.texts import column_texts, metric_texts
from xlcomp.ledger.ytd import PriorPeriod, YtdResult, facts_from, ytd_columns, ytd_results
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.metrics import text_places
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period, parse_period
from xlcomp.model.plan import Plan
from xlcomp.money import excel_round, fmt_decimal

__all__ = ["COMPONENT_KINDS", "DIFF_KINDS", "Builder", "latest_versions"]

ZERO = Decimal(0)
_T = TypeVar("_T")
COMPONENT_KINDS = ("bonus", "commission")
DIFF_KINDS = ("bonus", "commission", "adjustment", "clawback")   # recomputed by a reopen, so compared
_YTD_FIELDS = ("actual", "target", "attainment", "share", "target_incentive", "multiplier", "payout", "note")


class Builder:
    """Works out a close's lines and balances from the run and the ledger as it stands."""

    def __init__(self, connection: Any, plan: Plan, period: Period, roster: Roster, book: Book, result: RunResult,
                 closes: Sequence[CloseRecord], version: int, year_start: date, place: str,
                 ahead: Ahead | None = None, pool: ThreadPoolExecutor | None = None) -> None:
        self.connection, self.plan, self.period, self.roster, self.book = connection, plan, period, roster, book
        self.result, self.closes, self.version, self.year_start, self.place = result, closes, version, year_start, place
        self.notices: list[str] = []
        self.ytd: list[YtdResult] = []
        self.ahead = ahead or Ahead()   # what was read of the earlier closes while the period was computed
        self._csm_tables: dict[int, pa.Table | None] = dict(self.ahead.csm_tables)
        self.column = result.payout_columns()
        self.early: Future[list[ShareBlock]] | None = None   # clawback shares worked out on a worker meanwhile
        early = {c.id for c in plan.components if c.clawback_days is not None and c.measure != "ytd"}
        if early and pool is not None:   # the shares of the clawback components whose lines are the run's payouts
            column = self.column          # (mostly NumPy and Arrow, which let go of the GIL) while the year to date
            payouts = {(csm_id, component): payout for csm_id, component, payout   # and the lines are made here
                       in zip(column["csm_id"], column["component"], column["payout"], strict=True)
                       if component in early}
            self.early = pool.submit(_in_context, getcontext().copy(), shares_of, plan, book, payouts, result, early)

    def csm_tables(self, close_ids: Sequence[int]) -> dict[int, pa.Table | None]:
        """Each close's stored table of per-CSM records (None: it has none), each read once per close."""
        wanted = [i for i in close_ids if i not in self._csm_tables]
        found = csm_period_tables(self.connection, wanted)
        self._csm_tables.update({i: found.get(i) for i in wanted})
        return {i: self._csm_tables[i] for i in close_ids}

    def csm_periods(self, close_ids: Sequence[int]) -> dict[int, dict[str, CsmPeriod]]:
        """Each close's per-CSM records, by csm_id (as :func:`csm_periods_of`)."""
        return {i: {} if table is None else csm_periods_from(table) for i, table in self.csm_tables(close_ids).items()}

    def latest_versions(self) -> list[CloseRecord]:
        """The latest version of every closed period of this plan, by period start."""
        return latest_versions(self.closes)

    def build(self, adjustments: Sequence[Adjustment], churn: Sequence[ChurnRow]
              ) -> tuple[LineColumns, list[CsmPeriod], list[ShareBlock], list[CloseRecord]]:
        """Every line of the close (in order: CSM by CSM, each CSM's component lines, adjustments, prior_period
        differences, clawbacks and draw), the per-CSM records, the clawback shares and the reopened versions
        carried."""
        latest = self.latest_versions()
        year_before = [c for c in latest if c.year_start == self.year_start and c.period_start < self.period.start]
        columns = self.component_lines(year_before)
        extras: dict[str, list[Line]] = defaultdict(list)   # each CSM's lines after its component lines
        for adjustment in adjustments:
            note = adjustment.reason + (f" (approved by {adjustment.approved_by})" if adjustment.approved_by else "")
            extras[adjustment.csm_id].append(Line(adjustment.csm_id, adjustment.component, "adjustment",
                                                  excel_round(adjustment.amount, 2), note=note))
        previous = [c for c in self.closes if c.period == self.period.label]
        carried: list[CloseRecord] = []
        if self.version == 1:
            carried = self.pending_reopens()
            for line in self.prior_period_lines(carried):
                extras[line.csm_id].append(line)
        for line in self.clawback_lines(churn, latest):
            extras[line.csm_id].append(line)
        if self.version == 1:
            lines, csms = self.balances(columns, extras)
        else:
            reopened, csms = self.reopen_balances(_by_csm(columns, extras), previous[-1])
            lines = LineColumns.of(reopened)
        return lines, csms, self.shares(columns), carried

    def shares(self, columns: LineColumns) -> list[ShareBlock]:
        """Every clawback component's account shares of its lines, in plan order (those worked out while the year
        to date was, kept)."""
        done = {block.component: block for block in (self.early.result() if self.early is not None else ())}
        rest = {c.id for c in self.plan.components if c.clawback_days is not None and c.id not in done}
        if rest:
            payouts = {(csm_id, component): payout for csm_id, component, kind, payout
                       in zip(columns.column("csm_id"), columns.column("component"), columns.column("kind"),
                              columns.column("payout"), strict=True)
                       if kind in COMPONENT_KINDS and component in rest}
            done.update((block.component, block) for block in shares_of(self.plan, self.book, payouts, self.result,
                                                                         rest))
        return [done[c.id] for c in self.plan.components if c.id in done]

    # -- component lines ---------------------------------------------------------------------------

    def component_lines(self, year_before: Sequence[CloseRecord]) -> LineColumns:
        column = self.column
        if any(c.measure == "ytd" for c in self.plan.components):
            found = ytd_results(self.plan, self.period, self.roster, self.book, self.prior_periods(year_before))
            self.ytd = found
            # a measure: ytd component's row pays the year to date less what was paid
            if not _put_ytd(column, found, [c.id for c in self.plan.components if c.measure == "ytd"]):
                ytd = {(r.csm_id, r.component.id): r for r in found}
                for i, key in enumerate(zip(column["csm_id"], column["component"], strict=True)):
                    r = ytd.get(key)
                    if r is not None:
                        for name in _YTD_FIELDS:
                            column[name][i] = getattr(r, name)
        blank = [None] * len(column["csm_id"])
        inputs = set(self.plan.inputs)   # an actual and its target at the metric's places, as calc writes them
        places: dict[str | None, int | None] = {c.metric: text_places(c.metric, inputs) for c in self.plan.components}
        metrics = column["metric"]
        return LineColumns({"csm_id": column["csm_id"], "component": column["component"], "kind": column["kind"],
                            "metric": metrics, "actual": metric_texts(column["actual"], metrics, places),
                            "target": metric_texts(column["target"], metrics, places),
                            "attainment": column_texts(column["attainment"], 6),
                            "share": column_texts(column["share"], 6),
                            "target_incentive": column_texts(column["target_incentive"], 2),
                            "multiplier": column_texts(column["multiplier"]), "payout": column["payout"],
                            "note": column["note"], "account_id": blank, "source_period": blank,
                            "source_version": blank})

    def prior_periods(self, year_before: Sequence[CloseRecord]) -> list[PriorPeriod]:
        ids = [c.id for c in year_before]
        ahead = self.ahead
        unread = [i for i in ids if i not in ahead.read]
        with ThreadPoolExecutor(max_workers=1) as pool:   # the kept books decompressed while the rest is read
            books = {i: None if raw is None else pool.submit(read_book, raw)
                     for i, raw in ((i, book_content(self.connection, i)) for i in unread)}
            ytd = {c.id for c in self.plan.components if c.measure == "ytd"}   # what the year to date reads
            paid = {**component_totals(self.connection, unread, COMPONENT_KINDS, ytd),
                    **{i: ahead.paid_of(i, ytd) for i in ids if i in ahead.read}}
            csms = self.csm_tables(ids)
            tables = {i: None if found is None else found.result() for i, found in books.items()}
        tables.update({i: ahead.books.get(i) for i in ids if i in ahead.read})
        out = []
        for close in year_before:
            table = tables[close.id]
            if table is None:
                raise LedgerError([Problem(self.place, f"{close.ref} was closed without its accounts (the plan had no "
                                                       "measure: ytd component then): the year to date cannot be "
                                                       "computed; reopen the plan year's periods with this plan")])
            missing = [name for name in ytd_columns(self.plan) if name not in table.column_names]
            if missing:
                raise LedgerError([Problem(self.place, f"{close.ref} kept the accounts its plan's year to date read, "
                                                       f"without {', '.join(missing)}, which this plan's measure: ytd "
                                                       "components read: reopen the plan year's periods with this "
                                                       "plan")])
            records = csms[close.id]
            out.append(PriorPeriod(parse_period(close.period), table,
                                   {} if records is None else facts_from(records, self.plan), paid[close.id]))
        return out

    # -- prior-period differences ------------------------------------------------------------------

    def pending_reopens(self) -> list[CloseRecord]:
        reopened = [c for c in self.closes if c.version > 1]
        done = carried_ids(self.connection, [c.id for c in reopened])
        return [c for c in reopened if c.id not in done]

    def prior_period_lines(self, pending: Sequence[CloseRecord]) -> list[Line]:
        out: list[Line] = []
        for close in pending:
            before = next(c for c in self.closes if c.period == close.period and c.version == close.version - 1)
            lines = lines_of(self.connection, [before.id, close.id])
            old, new = _totals(lines[before.id]), _totals(lines[close.id])
            for key in sorted(set(old) | set(new), key=lambda k: (k[0], k[1])):
                difference = new.get(key, ZERO) - old.get(key, ZERO)
                if difference:
                    csm_id, component = key
                    note = (f"{close.period} version {close.version} less version {before.version}"
                            f"{': ' + close.reason if close.reason else ''}")
                    out.append(Line(csm_id, component, "prior_period", difference, note=note,
                                    source_period=close.period, source_version=close.version))
        return out

    # -- clawbacks ------------------------------------------------------------------------------

    def clawback_lines(self, churn: Sequence[ChurnRow], latest: Sequence[CloseRecord]) -> list[Line]:
        if not churn:
            return []
        windows = clawback_windows(self.plan)
        paying = [c for c in latest if c.period_start < self.period.start]
        by_id = {c.id: c for c in paying}
        shares = shares_for(self.connection, list(by_id), [row.account_id for row in churn])
        clawed = self.already_clawed()
        book_ids: set[str] | None = None   # read only for an error message
        problems: list[Problem] = []
        out = []
        by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for share in shares:
            by_account[share["account_id"]].append(share)
        for row in churn:
            found = [s for s in by_account.get(row.account_id, []) if s["share"] != 0]
            if not found:
                if book_ids is None:
                    book_ids = set(self.book.table["account_id"].to_pylist())
                known = row.account_id in book_ids or row.account_id in {s["account_id"] for s in shares}
                if known:
                    problems.append(Problem(row.where, f'"{row.account_id}" was never paid by a clawback component '
                                                       f"of plan {self.plan.id}: there is nothing to claw back",
                                            "account_id"))
                else:
                    problems.append(Problem(row.where, f'"{row.account_id}" is not an account of this period or of '
                                                       f"any share recorded by plan {self.plan.id}", "account_id"))
                continue
            for share in sorted(found, key=lambda s: (by_id[s["close_id"]].period_start, s["component"])):
                close = by_id[share["close_id"]]
                days = window_days(windows, share["component"])
                if days is None and not in_plan(self.plan, share["component"]):
                    days = share.get("days")   # a component the closing plan no longer has: its window at payment
                if days is None:
                    continue
                if (row.account_id, close.period, share["component"]) in clawed:
                    self.notices.append(f"{row.where}: {row.account_id} was already clawed back for {close.period}")
                    continue
                if not close.period_start <= row.churn_date <= close.period_end + timedelta(days=days):
                    self.notices.append(f"{row.where}: {row.account_id} churned {row.churn_date.isoformat()}, outside "
                                        f"the {days}-day clawback window of {close.period}: nothing clawed back")
                    continue
                out.append(Line(share["csm_id"], share["component"], "clawback", -share["share"],
                                note=f"{row.account_id} churned {row.churn_date.isoformat()}, within {days} days of "
                                     f"the end of {close.period} (share {fmt_decimal(share['share'], 2)} of "
                                     f"{close.ref})",
                                account_id=row.account_id, source_period=close.period, source_version=close.version))
        if problems:
            raise LedgerError(problems)
        return out

    def already_clawed(self) -> set[tuple[str, str, str]]:
        ids = [c.id for c in self.closes if c.period != self.period.label]  # a reopen claws its period afresh
        return clawed_accounts(self.connection, ids)

    # -- balances and draws --------------------------------------------------------------------

    def balances(self, columns: LineColumns, extras: dict[str, list[Line]]) -> tuple[LineColumns, list[CsmPeriod]]:
        """The balance rule CSM by CSM (roster order, then any other CSM with lines or a balance, by csm_id), and
        the close's lines in that order: each CSM's component lines (``columns``), its ``extras``, its draw."""
        first_versions = [c for c in self.closes if c.version == 1]
        balance: dict[str, Decimal] = {}
        names: dict[str, str] = {}
        for table in self.csm_tables([c.id for c in first_versions]).values():
            for csm_id, (name, balance_out) in ({} if table is None else balances_from(table)).items():
                balance[csm_id] = balance_out
                names[csm_id] = name
        spans = _spans(columns.column("csm_id"))
        payouts = columns.column("payout")
        roster = self.roster.by_id()
        order = list(roster) + sorted((set(spans) | set(extras) | {k for k, v in balance.items() if v}) - set(roster))
        pieces: list[list[int]] = []   # the lines in order: [0, start, end] rows of the columns, [1, …] added lines
        added: list[Line] = []
        csms: list[CsmPeriod] = []
        for csm_id in order:
            csm = roster.get(csm_id)
            gross = ZERO
            for start, end in spans.get(csm_id, ()):
                gross = sum(payouts[start:end], gross)
                _put(pieces, 0, start, end)
            own = extras.get(csm_id, [])
            for line in own:
                gross += line.payout
            balance_in = balance.get(csm_id, ZERO)
            draw_line = ZERO
            draw = csm.draw if csm is not None else None
            if (draw is not None and (draw.until is None or self.period.start <= draw.until)
                    and self.period.days_employed(csm.start_date, csm.end_date) > 0  # type: ignore[union-attr]
                    and gross < draw.amount):
                draw_line = excel_round(draw.amount - gross, 2)
                kind = "recoverable" if draw.recoverable else "guarantee"
                own = [*own, Line(csm_id, "draw", "draw", draw_line,
                                  note=f"{kind} draw of {fmt_decimal(draw.amount, 2)}: gross {fmt_decimal(gross, 2)} "
                                       "is below it")]
            payable = max(ZERO, gross - balance_in) + draw_line
            balance_out = max(ZERO, balance_in - gross) + (draw_line if draw is not None and draw.recoverable else ZERO)
            if own:
                _put(pieces, 1, len(added), len(added) + len(own))
                added.extend(own)
            csms.append(self.csm_period(csm_id, csm, names, gross, draw_line, payable, balance_in, balance_out))
        return _in_order(columns, added, pieces), csms

    def reopen_balances(self, by_csm: dict[str, list[Line]], previous: CloseRecord
                        ) -> tuple[list[Line], list[CsmPeriod]]:
        old_lines = lines_of(self.connection, [previous.id])[previous.id]
        old = self.csm_periods([previous.id])[previous.id]
        kept: dict[str, list[Line]] = defaultdict(list)
        for line in old_lines:
            if line.kind in ("draw", "prior_period"):
                kept[line.csm_id].append(line)
        roster = self.roster.by_id()
        names = {k: v.name for k, v in old.items()}
        order = list(roster) + sorted((set(by_csm) | set(old)) - set(roster))
        lines: list[Line] = []
        csms: list[CsmPeriod] = []
        for csm_id in order:
            own = [*by_csm.get(csm_id, []), *(line for line in kept.get(csm_id, []) if line.kind == "prior_period")]
            draws = [line for line in kept.get(csm_id, []) if line.kind == "draw"]
            gross = sum((line.payout for line in own), ZERO)
            was = old.get(csm_id)
            lines.extend([*own, *draws])
            csms.append(self.csm_period(
                csm_id, roster.get(csm_id), names, gross, was.draw if was else ZERO, was.payable if was else ZERO,
                was.balance_in if was else ZERO, was.balance_out if was else ZERO))
        self.notices.append(f"version {self.version} of {self.period.label} records the corrected lines; what was "
                            "paid stays; the differences are paid as prior_period lines of the next period closed")
        return lines, csms

    def csm_period(self, csm_id: str, csm: Any, names: dict[str, str], gross: Decimal, draw: Decimal,
                   payable: Decimal, balance_in: Decimal, balance_out: Decimal) -> CsmPeriod:
        if csm is None:
            return CsmPeriod(csm_id, names.get(csm_id, ""), gross, draw, payable, balance_in, balance_out)
        return CsmPeriod(csm_id, csm.name, gross, draw, payable, balance_in, balance_out, csm.target_variable,
                         csm.start_date, csm.end_date, dict(csm.values))


def _in_context(context: Context, function: Callable[..., _T], *args: Any) -> _T:
    """``function(*args)`` under ``context`` (a worker thread starts with Python's default decimal context: the
    caller's is handed over, so the work is done exactly as on the caller's thread)."""
    with localcontext(context):
        return function(*args)


def _spans(ids: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Each csm_id's runs of rows (start, end) in a column of them (the run's lines come CSM by CSM: one run each)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    start = 0
    for csm_id, rows in groupby(ids):
        end = start + sum(1 for _ in rows)
        spans.setdefault(csm_id, []).append((start, end))
        start = end
    return spans


def _put(pieces: list[list[int]], source: int, start: int, end: int) -> None:
    """Add rows ``start:end`` of ``source`` (0: the columns, 1: the added lines) to ``pieces``, joined to the last
    piece when they follow on from it."""
    if pieces and pieces[-1][0] == source and pieces[-1][2] == start:
        pieces[-1][2] = end
    else:
        pieces.append([source, start, end])


def _in_order(columns: LineColumns, added: list[Line], pieces: list[list[int]]) -> LineColumns:
    """The lines of ``columns`` and ``added`` taken piece by piece (see :func:`_put`)."""
    if not added and (not pieces or pieces == [[0, 0, len(columns)]]):
        return columns
    taken = {}
    for name in LINE_FIELDS:
        sources = (columns.column(name), [getattr(line, name) for line in added])
        values: list[Any] = []
        for source, start, end in pieces:
            values += sources[source][start:end]
        taken[name] = values
    return LineColumns(taken)


def _by_csm(columns: LineColumns, extras: dict[str, list[Line]]) -> dict[str, list[Line]]:
    """Each CSM's lines: its component lines, then its ``extras``."""
    by_csm: dict[str, list[Line]] = defaultdict(list)
    for line in columns.lines():
        by_csm[line.csm_id].append(line)
    for csm_id, lines in extras.items():
        by_csm[csm_id].extend(lines)
    return by_csm


def _put_ytd(column: dict[str, list[Any]], found: Sequence[YtdResult], components: Sequence[str]) -> bool:
    """The ``measure: ytd`` results (CSM by CSM, each CSM's ``components`` in order) put into the run's payout
    columns a component at a time, where the columns hold every CSM's components in turn (as
    :meth:`~xlcomp.engine.run.RunResult.payout_columns` spreads them) and each component's rows are the results'
    CSMs in order; False (nothing put) when they do not."""
    ids, names, m = column["csm_id"], column["component"], len(components)
    n = len(found) // m if m else 0
    k = len(ids) // n if n else 0
    if not n or n * m != len(found) or k * n != len(ids):
        return False
    places = []
    for t, component in enumerate(components):
        rows = found[t::m]
        j = names.index(component) if component in names[:k] else -1
        if j < 0 or names[j::k] != [component] * n or ids[j::k] != [r.csm_id for r in rows]:
            return False
        places.append((j, rows))
    for j, rows in places:
        for name in _YTD_FIELDS:
            column[name][j::k] = [getattr(r, name) for r in rows]
    return True


def latest_versions(closes: Sequence[CloseRecord]) -> list[CloseRecord]:
    latest: dict[str, CloseRecord] = {}
    for close in closes:
        latest[close.period] = close
    return sorted(latest.values(), key=lambda c: c.period_start)


def _totals(lines: Sequence[Line]) -> dict[tuple[str, str], Decimal]:
    totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        if line.kind in DIFF_KINDS:
            totals[(line.csm_id, line.component)] += line.payout
    return dict(totals)
