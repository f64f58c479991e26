"""``xlcomp diff A B``: why each CSM's total changed between two results.

A and B are output folders of ``calc``/``close`` or ledger versions ``ledger:2027-Q1@2``.

**Folders** record their inputs (``inputs.json``: paths and SHA-256, :mod:`xlcomp.run_inputs`), so
the change is recomputed step by step with the engine, in the SPEC's order:

1. ``plan``: A's roster and accounts under B's plan, less A's computation;
2. ``roster``: then B's roster;
3. ``accounts``: then B's accounts (and B's period);
3a. ``roster changes``, then ``moves and splits`` (SPEC section 10): then B's ``--changes``, then B's
   ``--moves``/``--splits`` (steps with nothing to change show nothing); every step runs with its plan
   versions (``plan``, ``plan_2``, … of inputs.json);
4. ``adjustments``: B's adjustment lines less A's (given amounts: nothing to recompute);
5. ``ledger lines``: what each side's ledger added to its computation (prior_period, clawback and
   draw lines, and a ``measure: ytd`` component's true-up: the line paid less the period's own
   figure), B's less A's.

Per CSM and component the steps add up exactly to B's recorded payout less A's. A step that cannot
be computed on its own (B's plan needs a roster column A's roster lacks, A's accounts name a CSM
B's roster does not have) is merged into the next and named ``roster+accounts`` and so on. An input
changed since its run (hash) is an error naming the file.

**Ledger versions** (``ledger:2027-Q2@2``) record the same paths and hashes with the close
(``ledger_closes.inputs``, schema revision 0002), so they are recomputed the same way, against
another version or against a folder; the files must still be where the close read them, unchanged.
A version closed before revision 0002 keeps hashes only: its change is put down to the line kind
(``computed``, ``adjustments``, ``ledger lines``) and the console names the inputs that changed.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from xlcomp.errors import InputError, PlanError, Problem, UsageError
from xlcomp.ledger.db import LedgerError, open_ledger
from xlcomp.ledger.schema import CLOSES
from xlcomp.ledger.store import CloseRecord, closes_of, lines_of
from xlcomp.run_inputs import RUN_INPUTS, file_sha256, read_inputs

__all__ = ["CAUSES", "DIFF_COLUMNS", "DiffRow", "Side", "diff_rows", "explain", "read_side", "recomputed_rows",
           "write_diff_workbook"]

ZERO = Decimal(0)
DIFF_COLUMNS = ("csm_id", "cause", "component", "before", "after", "delta")
_CAUSE = {"bonus": "computed", "commission": "computed", "adjustment": "adjustments", "prior_period": "ledger lines",
          "clawback": "ledger lines", "draw": "ledger lines"}
CAUSES = ("plan", "roster", "accounts", "adjustments", "ledger lines")
_ORDER = ("plan", "roster", "roster+accounts", "plan+roster", "plan+roster+accounts", "accounts", "roster changes",
          "moves and splits", "computed", "adjustments", "ledger lines")


@dataclass(frozen=True)
class Side:
    """One side of a diff: its name, amounts per (csm_id, cause, component), and input hashes when known."""

    name: str
    amounts: dict[tuple[str, str, str], Decimal]
    hashes: dict[str, str | None]
    inputs: dict[str, Any] | None = None   # the folder's inputs.json, or the ledger version's record of it
    ledger: bool = False

    @property
    def where(self) -> str:
        """Where its inputs are recorded, for messages."""
        return self.name if self.ledger else f"{self.name}/{RUN_INPUTS}"


@dataclass(frozen=True)
class DiffRow:
    """One CSM's change on one component, put down to a cause."""

    csm_id: str
    cause: str
    component: str
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        """after - before."""
        return self.after - self.before


def read_side(reference: str, db: str | None) -> Side:
    """Read ``reference``: an output folder, or ``ledger:[PLAN:]PERIOD[@VERSION]`` (``--db`` names the ledger;
    without a version, the latest; the plan is needed only when several plans closed that period)."""
    if reference.startswith("ledger:"):
        return _ledger_side(reference, db)
    folder = Path(reference)
    payouts = folder / "payouts.csv"
    if not payouts.is_file():
        raise UsageError(f"{reference}: not an output folder of calc or close (no payouts.csv), nor ledger:PERIOD@N")
    amounts: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    with open(payouts, newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                value = Decimal(row["payout"])
            except (KeyError, ArithmeticError):
                raise LedgerError([Problem(f"{payouts}:{line}", f'payout: "{row.get("payout")}" is not a number')]) \
                    from None
            key = (row["csm_id"].removeprefix("'"), _CAUSE.get(row["kind"], "computed"), row["component"])
            amounts[key] += value
    return Side(reference, dict(amounts), {}, read_inputs(folder))


def _ledger_side(reference: str, db: str | None) -> Side:
    if db is None:
        raise UsageError(f"{reference}: give --db, the ledger to read it from")
    plan_id, _, body = reference.removeprefix("ledger:").rpartition(":")   # ledger:[PLAN:]PERIOD[@N]
    label, _, version = body.partition("@")
    engine = open_ledger(db, create=False)
    try:
        with engine.connect() as connection:
            closes = [c for c in closes_of(connection, plan_id or None) if c.period == label]
            if version:
                closes = [c for c in closes if str(c.version) == version]
            if not closes:
                raise LedgerError([Problem(reference, "no such closed period version in the ledger")])
            plans = sorted({c.plan_id for c in closes})
            if len(plans) > 1:
                raise LedgerError([Problem(reference, f"plans {', '.join(plans)} all closed {label}: name one, "
                                                      f"ledger:{plans[0]}:{body}")])
            close: CloseRecord = closes[-1]
            lines = lines_of(connection, [close.id])[close.id]
            recorded = connection.execute(select(CLOSES.c.inputs).where(CLOSES.c.id == close.id)).scalar()
    finally:
        engine.dispose()
    amounts: dict[tuple[str, str, str], Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        amounts[(line.csm_id, _CAUSE.get(line.kind, "computed"), line.component)] += line.payout
    hashes = {"plan": close.plan_sha256, "roster": close.roster_sha256, "accounts": close.accounts_sha256,
              "adjustments": close.adjustments_sha256}
    inputs = json.loads(recorded) if recorded else None   # None: closed before schema revision 0002
    for name, given in ((inputs or {}).get("files") or {}).items():   # plan versions, changes, moves, splits
        if name not in hashes and name != "churn":
            hashes[name] = None if given is None else given["sha256"]
    return Side(reference, dict(amounts), hashes, inputs, ledger=True)


def changed_inputs(a: Side, b: Side) -> list[str]:
    """Which inputs differ between two ledger versions (by SHA-256; the plan versions, roster changes, moves and
    splits too when either records them)."""
    names = ["plan", "roster", "accounts", "adjustments"]
    names += sorted({n for n in (*a.hashes, *b.hashes) if n.startswith("plan_")}, key=lambda n: int(n[5:]))
    names += [n for n in ("changes", "moves", "splits") if n in a.hashes or n in b.hashes]
    return [name for name in names if a.hashes and b.hashes and a.hashes.get(name) != b.hashes.get(name)]


def diff_rows(a: Side, b: Side) -> list[DiffRow]:
    """Every non-zero change, in the SPEC's cause order, then CSM and component."""
    keys = set(a.amounts) | set(b.amounts)
    rows = [DiffRow(csm, cause, component, a.amounts.get((csm, cause, component), ZERO),
                    b.amounts.get((csm, cause, component), ZERO)) for csm, cause, component in keys]
    rows = [row for row in rows if row.delta]
    rows.sort(key=lambda r: (_ORDER.index(r.cause) if r.cause in _ORDER else 9, r.csm_id, r.component))
    return rows


def diff_csv_rows(rows: list[DiffRow]) -> list[dict[str, Any]]:
    """diff.csv rows as text."""
    return [{"csm_id": r.csm_id, "cause": r.cause, "component": r.component, "before": f"{r.before:.2f}",
             "after": f"{r.after:.2f}", "delta": f"{r.delta:.2f}"} for r in rows]


# -- recomputed step by step -------------------------------------------------------------------

Computed = dict[tuple[str, str], Decimal]


def _input(side: Side, name: str) -> Path | None:
    assert side.inputs is not None
    info = side.inputs.get("files", {}).get(name)
    if info is None:
        return None
    path = Path(info["path"])
    where = side.where
    if not path.is_file():
        raise LedgerError([Problem(where, f"{name} {path} is gone: diff recomputes from the run's inputs")])
    if file_sha256(path) != info["sha256"]:
        raise LedgerError([Problem(where, f"{name} {path} has changed since the run (SHA-256 differs): diff "
                                          "recomputes from the run's inputs; restore the file or run again")])
    return path


@dataclass(frozen=True)
class _Files:
    """The inputs of one recomputation: plan versions, roster, accounts, period and the dated inputs."""

    plans: tuple[Path, ...]
    roster: Path
    accounts: Path
    period: str
    changes: Path | None = None
    moves: Path | None = None
    splits: Path | None = None


def _files(side: Side) -> _Files:
    """A side's recorded inputs (inputs.json): every plan version (``plan``, ``plan_2``, …), roster, accounts,
    and the roster changes, moves and splits it was run with."""
    assert side.inputs is not None
    plans = [_input(side, "plan")]
    while (more := _input(side, f"plan_{len(plans) + 1}")) is not None:
        plans.append(more)
    roster, accounts = _input(side, "roster"), _input(side, "accounts")
    if any(p is None for p in plans) or roster is None or accounts is None:
        raise LedgerError([Problem(side.where, "it does not record its plan, roster and accounts: diff cannot "
                                               "recompute")])
    return _Files(tuple(p for p in plans if p is not None), roster, accounts, side.inputs["period"],
                  _input(side, "changes"), _input(side, "moves"), _input(side, "splits"))


def _computed(files: _Files) -> Computed | None:
    """The engine's payout per (csm_id, component); None when these inputs do not go together."""
    from xlcomp.engine.versions import run_versions
    from xlcomp.load.changes import load_dating
    from xlcomp.load.inputs import load_inputs
    from xlcomp.load.plan import load_plan
    from xlcomp.load.plan_versions import load_plan_versions, union_plan
    from xlcomp.load.splits import load_credits
    from xlcomp.model.period import parse_period
    from xlcomp.money import exact

    with exact():
        try:
            versions = (load_plan(files.plans[0]),) if len(files.plans) == 1 else load_plan_versions(files.plans)
            plan_model = union_plan(versions)
            roster_model, book = load_inputs(plan_model, files.roster, files.accounts)
            period = parse_period(files.period)
            dating = load_dating(files.changes, roster_model, period, plan_model)
            credits = load_credits(files.moves, files.splits, roster_model, book, period)
            result = run_versions(versions, roster_model, book, period, changes=dating, credits=credits)
        except (InputError, PlanError, UsageError):
            return None
        return {(row["csm_id"], row["component"]): Decimal(row["payout"]) for row in result.payout_rows()}


def recomputed_rows(a: Side, b: Side) -> list[DiffRow]:
    """Each CSM's and component's change by cause, each step recomputed (both sides need inputs.json)."""
    fa, fb = _files(a), _files(b)
    steps = [("plan", replace(fa, plans=fb.plans))]
    steps.append(("roster", replace(steps[-1][1], roster=fb.roster)))
    steps.append(("accounts", replace(steps[-1][1], accounts=fb.accounts, period=fb.period)))
    steps.append(("roster changes", replace(steps[-1][1], changes=fb.changes)))
    steps.append(("moves and splits", replace(steps[-1][1], moves=fb.moves, splits=fb.splits)))
    start = _computed(fa)
    if start is None:
        raise LedgerError([Problem(a.where, "its inputs no longer load: diff cannot recompute")])
    rows: list[DiffRow] = []
    before, pending = start, ""
    for cause, inputs in steps:
        after = _computed(inputs)
        name = f"{pending}+{cause}" if pending else cause
        if after is None:
            pending = name
            continue
        rows += [DiffRow(csm, name, component, before.get((csm, component), ZERO), after.get((csm, component), ZERO))
                 for csm, component in set(before) | set(after)]
        before, pending = after, ""
    if pending:
        raise LedgerError([Problem(b.where, "its inputs no longer load: diff cannot recompute")])
    end = before

    def residual(side: Side, computed: Computed) -> dict[tuple[str, str], Decimal]:
        recorded: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for (csm, cause, component), amount in side.amounts.items():
            if cause != "adjustments":
                recorded[(csm, component)] += amount
        return {key: recorded.get(key, ZERO) - computed.get(key, ZERO) for key in set(recorded) | set(computed)}

    def adjustments(side: Side) -> dict[tuple[str, str], Decimal]:
        return {(csm, component): amount for (csm, cause, component), amount in side.amounts.items()
                if cause == "adjustments"}

    for cause, old, new in (("adjustments", adjustments(a), adjustments(b)),
                            ("ledger lines", residual(a, start), residual(b, end))):
        rows += [DiffRow(csm, cause, component, old.get((csm, component), ZERO), new.get((csm, component), ZERO))
                 for csm, component in set(old) | set(new)]
    rows = [row for row in rows if row.delta]
    rows.sort(key=lambda r: (_ORDER.index(r.cause) if r.cause in _ORDER else 9, r.csm_id, r.component))
    return rows


def explain(a: Side, b: Side) -> tuple[list[DiffRow], bool]:
    """The rows of ``diff A B`` and whether they were recomputed step by step (both sides record their inputs:
    folders with inputs.json, ledger versions closed since schema revision 0002) or only put down to line kinds."""
    if a.inputs is not None and b.inputs is not None:
        return recomputed_rows(a, b), True
    return diff_rows(a, b), False


def write_diff_workbook(rows: list[DiffRow], a: Side, b: Side, path: Path) -> None:
    """diff.xlsx: the Diff table (one row per CSM, cause and component) and a By CSM sheet whose per-cause
    deltas are live SUMIFS over it."""
    from xlsxwriter.workbook import Workbook

    workbook = Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                    "strings_to_urls": False})
    money = workbook.add_format({"num_format": "#,##0.00;-#,##0.00"})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet("Diff")
    sheet.write_string(0, 0, f"{a.name} -> {b.name}", bold)
    top = 2
    sheet.add_table(top, 0, top + max(len(rows), 1), len(DIFF_COLUMNS) - 1, {
        "name": "Diff", "columns": [{"header": c} for c in DIFF_COLUMNS]})
    for r, row in enumerate(rows, start=top + 1):
        sheet.write_string(r, 0, row.csm_id)
        sheet.write_string(r, 1, row.cause)
        sheet.write_string(r, 2, row.component)
        sheet.write_number(r, 3, float(row.before), money)
        sheet.write_number(r, 4, float(row.after), money)
        sheet.write_formula(r, 5, f"=E{r + 1}-D{r + 1}", money, float(row.delta))
    sheet.set_column(0, 2, 16)
    sheet.set_column(3, 5, 14, money)
    causes = list(dict.fromkeys(sorted({row.cause for row in rows},
                                       key=lambda c: _ORDER.index(c) if c in _ORDER else 9)))
    by_csm = workbook.add_worksheet("By CSM")
    by_csm.write_row(0, 0, ["csm_id", *causes, "total change"], bold)
    last = top + max(len(rows), 1) + 1
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for row in rows:
        totals[row.csm_id][row.cause] += row.delta
    for r, csm in enumerate(sorted(totals), start=1):
        by_csm.write_string(r, 0, csm)
        for c, cause in enumerate(causes, start=1):
            by_csm.write_formula(r, c, f'=SUMIFS(Diff!$F${top + 2}:$F${last},Diff!$A${top + 2}:$A${last},$A{r + 1},'
                                       f'Diff!$B${top + 2}:$B${last},"{cause}")', money, float(totals[csm][cause]))
        end = len(causes)
        by_csm.write_formula(r, end + 1, f"=SUM(B{r + 1}:{_letter(end)}{r + 1})", money,
                             float(sum(totals[csm].values(), ZERO)))
    by_csm.set_column(0, len(causes) + 1, 15)
    workbook.close()


def _letter(index: int) -> str:
    from xlcomp.ooxml.refs import column_letter

    return column_letter(index)
