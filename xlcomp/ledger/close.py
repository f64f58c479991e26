"""Closing a period into the ledger (SPEC section 9): compute it like ``calc``, add the ledger's lines
(year-to-date true-ups, adjustments, prior-period differences, clawbacks, draws), apply the balance
rule, and record it all in one transaction.

Lines of a new close, per CSM: the components (a ``measure: ytd`` component's row pays the year to
date less what the ledger paid on it), the adjustments, the prior_period differences of reopened
versions not yet carried, the clawbacks of churned accounts, and the draw.

Balance rule, per CSM and period: gross = Σ lines (draw excluded); payable = max(0, gross − balance_in)
+ draw line; balance_out = max(0, balance_in − gross) + the draw line when the draw is recoverable.

A reopen (``--reopen --reason``) records version N+1 of a closed period with its lines recomputed;
what was paid and the balances stay those of the first close (its draw and carried-in lines are
kept as they were), and the difference of each CSM's and component's payout against the previous
version becomes a prior_period line of the next period closed.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from xlcomp.engine.collector import collector_paused
from xlcomp.engine.run import RunResult
from xlcomp.errors import InputError, Problem
from xlcomp.ledger.ahead import Ahead, read_ahead
from xlcomp.ledger.build import COMPONENT_KINDS, DIFF_KINDS, Builder, latest_versions
from xlcomp.ledger.clawbacks import ChurnRow, load_churn
from xlcomp.ledger.dated import Dated, check_dated, dated_names, load_dated, load_versions
from xlcomp.ledger.db import ledger_place, transaction
from xlcomp.ledger.periods import _check_order, plan_year_periods, plan_year_start
from xlcomp.ledger.records import LineColumns, csm_periods_table, lines_table, pack
from xlcomp.ledger.schema import BOOKS, CARRIES, CLOSES, CSM_PERIOD_SETS, LINE_SETS, SHARE_SETS
from xlcomp.ledger.store import CsmPeriod, Line, book_bytes, closes_of
from xlcomp.ledger.ytd import YtdResult, ytd_columns
from xlcomp.load.adjustments import load_adjustments
from xlcomp.load.inputs import load_inputs
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period, parse_period
from xlcomp.model.plan import Plan
from xlcomp.run_inputs import hashed_aside, inputs_record

__all__ = ["COMPONENT_KINDS", "DIFF_KINDS", "CloseInputs", "Closed", "close_period", "plan_year_periods",
           "plan_year_start"]

ZERO = Decimal(0)


@dataclass(frozen=True)
class CloseInputs:
    """What ``xlcomp close`` was given."""

    plan: Path
    roster: Path
    accounts: Path
    period: str
    adjustments: Path | None = None
    churn: Path | None = None
    by: str = ""
    reopen: bool = False
    reason: str | None = None
    changes: Path | None = None        # SPEC section 10, as calc's --changes, --moves, --splits
    moves: Path | None = None
    splits: Path | None = None
    plan_versions: tuple[Path, ...] = ()   # further plan versions (--plan more than once): plan_2, plan_3, …

    @property
    def plans(self) -> tuple[Path, ...]:
        """Every plan file, the first one first."""
        return (self.plan, *self.plan_versions)


@dataclass(frozen=True)
class Closed:
    """A recorded close: the version, the run, every line and every CSM's balance numbers."""

    plan: Plan
    period: Period
    version: int
    close_id: int
    run: RunResult
    line_columns: LineColumns   # every line, as columns (:attr:`lines` as tuples)
    csms: tuple[CsmPeriod, ...]
    closed_by: str
    closed_at: datetime
    carried: tuple[str, ...] = ()
    notices: tuple[str, ...] = field(default_factory=tuple)
    ytd: tuple[YtdResult, ...] = ()   # the measure: ytd components' derivations (YTD payout, paid before)
    inputs: str = ""                  # inputs.json of the close (paths and SHA-256 of its files)

    @cached_property
    def lines(self) -> tuple[Line, ...]:
        """Every line of the close, in order."""
        return tuple(self.line_columns.lines())

    @property
    def gross(self) -> Decimal:
        """Σ of every CSM's gross."""
        return sum((c.gross for c in self.csms), ZERO)

    @property
    def payable(self) -> Decimal:
        """Σ of every CSM's payable."""
        return sum((c.payable for c in self.csms), ZERO)


def _load(inputs: CloseInputs, read: Callable[[Plan, Period], Any]
          ) -> tuple[Plan, Period, Roster, Book, tuple[Adjustment, ...], list[ChurnRow], Dated]:
    period = parse_period(inputs.period)
    versions, plan = load_versions(inputs.plans)
    problems: list[Problem] = []
    try:
        roster, book = load_inputs(plan, inputs.roster, inputs.accounts)
    except InputError as exc:
        raise InputError(list(exc.problems)) from None
    adjustments: tuple[Adjustment, ...] = ()
    if inputs.adjustments is not None:
        try:
            adjustments = load_adjustments(inputs.adjustments, roster, currency=plan.currency)
        except InputError as exc:
            problems += exc.problems
    churn: list[ChurnRow] = []
    if inputs.churn is not None:
        churn, more = load_churn(inputs.churn)
        problems += more
    try:
        dated = load_dated(versions, plan, roster, book, period, inputs.changes, inputs.moves, inputs.splits)
    except InputError as exc:
        raise InputError([*problems, *exc.problems]) from None
    if problems:
        raise InputError(problems)
    read(plan, period)   # the earlier closes read ahead while the period is computed
    return plan, period, roster, book, adjustments, churn, dated


@collector_paused()   # tens of thousands of line objects: no cyclic-garbage passes over the heap meanwhile
def close_period(engine: Any, inputs: CloseInputs, *, stage: Callable[[Closed], None] | None = None,
                 now: datetime | None = None) -> Closed:
    """Close (or reopen) a period into the ledger on ``engine``; one transaction.

    ``stage`` is called with the result inside the transaction, before it commits: it writes the
    outputs to temporary files, so the ledger and the files change together or not at all.
    """
    given = {"plan": inputs.plan, **dated_names(inputs.plans, None, None, None), "roster": inputs.roster,
             "accounts": inputs.accounts, "adjustments": inputs.adjustments, "churn": inputs.churn,
             **dated_names((), inputs.changes, inputs.moves, inputs.splits)}
    ahead: list[Future[Ahead | None]] = []
    # the files hashed on a thread while they are read (run_inputs.hashed_aside, as calc hashes its inputs), and a
    # worker that reads the earlier closes ahead (ledger.ahead) while the period is computed; inside the transaction
    # a hash that failed fails the close, with nothing recorded
    with hashed_aside(*(path for path in given.values() if path is not None)) as aside, \
            ThreadPoolExecutor(max_workers=1) as early:
        hashing = {name: aside[path] for name, path in given.items() if path is not None}

        def read(plan: Plan, period: Period) -> None:
            ahead.append(early.submit(read_ahead, engine, plan, period, COMPONENT_KINDS))

        plan, period, roster, book, adjustments, churn, dated = _load(inputs, read)
        result = dated.run(roster, book, period)
        earlier = ahead[0].result() if ahead else None
        if dated.given:   # the ledger's lines, shares and windows are those of the plan the run paid with
            plan = result.plan
        place = ledger_place(engine.url)
        closed_by = inputs.by or getpass.getuser()
        closed_at = now or datetime.now(UTC).replace(microsecond=0)
        with transaction(engine, plan.id) as connection, ThreadPoolExecutor(max_workers=1) as pool:
            closes = closes_of(connection, plan.id)
            version = _check_order(plan, period, closes, inputs, place)
            year_start = plan_year_start(plan, period)
            if dated.given or any(c.measure == "ytd" for c in plan.components):
                year_before = [c for c in latest_versions(closes)
                               if c.year_start == year_start and c.period_start < period.start]
                check_dated(connection, dated, result, year_before, inputs.plan.name)
            # one worker beside this thread (two cores): the clawback shares while the lines are worked out here
            # (the builder hands them to it), then the kept book and the stored tables compressed while the
            # outputs are staged (Arrow lets go of the GIL; the book compressed during the year to date, which
            # reads the same million accounts, slowed it by a sixth)
            builder = Builder(connection, plan, period, roster, book, result, closes, version, year_start, place,
                               earlier, pool)
            lines, csms, shares, carried = builder.build(adjustments, churn)
            kept = None
            if any(c.measure == "ytd" for c in plan.components):
                kept = pool.submit(book_bytes, book.table, ytd_columns(plan), False)
            files = {name: None if path is None else (path, hashing[name].result()) for name, path in given.items()}
            hashes = {f"{name}_sha256": None if found is None else found[1] for name, found in files.items()
                      if name in ("plan", "roster", "accounts", "adjustments", "churn")}   # the others: in inputs.json
            inputs_text = inputs_record("close", period.label, files)
            close_id = connection.execute(insert(CLOSES).values(
                plan_id=plan.id, period=period.label, period_start=period.start, period_end=period.end,
                year_start=year_start, version=version, reason=(inputs.reason or "").strip() or None,
                closed_by=closed_by, closed_at=closed_at, plan_text=inputs.plan.read_text(encoding="utf-8-sig"),
                inputs=inputs_text, **hashes)).inserted_primary_key[0]
            # the lines, per-CSM records and shares: one compressed Arrow table each, compressed on the worker (Arrow
            # lets go of the GIL) while the outputs are staged here
            packed = [pool.submit(pack, lines_table(lines)), pool.submit(pack, csm_periods_table(csms))]
            contents = [pool.submit(block.content) for block in shares]
            closed = Closed(plan, period, version, int(close_id), result, lines, tuple(csms), closed_by,
                            closed_at, tuple(c.ref for c in carried), tuple(builder.notices), tuple(builder.ytd),
                            inputs_text)
            if stage is not None:
                stage(closed)
            connection.execute(insert(LINE_SETS).values(close_id=close_id, rows=len(lines), content=packed[0].result()))
            connection.execute(insert(CSM_PERIOD_SETS).values(close_id=close_id, rows=len(csms),
                                                              content=packed[1].result()))
            if shares:   # a million accounts' shares in one row per component
                connection.execute(insert(SHARE_SETS), [{"close_id": close_id, "component": block.component,
                                                         "rows": len(block), "content": content.result()}
                                                        for block, content in zip(shares, contents, strict=True)])
            if carried:
                connection.execute(insert(CARRIES), [{"into_close_id": close_id, "from_close_id": c.id}
                                                     for c in carried])
            if kept is not None:
                connection.execute(insert(BOOKS).values(close_id=close_id, content=kept.result()))
    return closed
