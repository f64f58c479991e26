"""``xlcomp.assign(roster, accounts, rules=None, ...)``: propose who owns which account."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlcomp.assign.edited import read_edited
from xlcomp.assign.inputs import AssignInputs, load_assign_inputs
from xlcomp.assign.model import Bounds, Solution, balance_bounds, outside_bounds, solution_fit, solve
from xlcomp.assign.report import (
    ASSIGNMENT_COLUMNS,
    BALANCE_COLUMNS,
    TARGET_COLUMNS,
    AssignmentRow,
    BalanceRow,
    TargetRow,
    assignment_rows,
    balance_rows,
    target_rows,
)
from xlcomp.assign.rules import Rules, load_rules, parse_rules
from xlcomp.load.sources import TableSource, read_table
from xlcomp.model.period import Period, parse_period
from xlcomp.outputs import OutputSet, csv_text
from xlcomp.roi.quotas import quotas_csv

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["AssignmentResult", "apply_assignment", "assign"]


@dataclass
class AssignmentResult:
    """An assignment: the solution, and the tables and files it implies."""

    inputs: AssignInputs
    solution: Solution
    bounds: Bounds
    roster_source: TableSource

    @property
    def status(self) -> str:
        """``optimal`` or ``gap 0.42%`` (proven), with the time limit used."""
        gap = self.solution.gap * 100
        if self.solution.source:
            outside = sum(1 for m in self.solution.methods if m.startswith("outside its bounds"))
            return f"as edited in {self.solution.source}" + (f"; {outside} CSMs outside their bounds" if outside
                                                             else "; every book within its bounds")
        if self.solution.optimal:
            state = "optimal"
        elif self.solution.timed_out:
            state = f"the time limit stopped it: best assignment found, at a proven gap of {gap:.2f}%"
        else:
            state = f"stopped at a proven gap of {gap:.2f}%"
        limit = f"time limit {self.solution.time_limit:g}s"
        if self.solution.seconds > self.solution.time_limit:
            limit += ", overrun: the least work that gives a feasible assignment and its proof took longer here"
        return f"{state} in {self.solution.seconds:.1f}s ({limit})"

    @cached_property
    def rows(self) -> list[AssignmentRow]:
        """Every account, moved or not, with its reason."""
        return assignment_rows(self.inputs, self.solution, self.bounds)

    @cached_property
    def balance(self) -> list[BalanceRow]:
        """Every CSM's book before and after."""
        return balance_rows(self.inputs, self.solution, self.bounds)

    @cached_property
    def _targets(self) -> tuple[list[TargetRow], Any, Any]:
        return target_rows(self.inputs, self.solution)

    @property
    def targets(self) -> list[TargetRow]:
        """Quotas and the risk-adjusted retention target of every new book."""
        return self._targets[0]

    @property
    def moves(self) -> int:
        """How many accounts change hands."""
        return sum(1 for row in self.rows if row.moved)

    def frame(self) -> pd.DataFrame:
        """assignment.csv as a DataFrame."""
        import pandas as pd

        return pd.DataFrame([self._assignment_record(r) for r in self.rows], columns=list(ASSIGNMENT_COLUMNS))

    @staticmethod
    def _assignment_record(row: AssignmentRow) -> dict[str, Any]:
        return {"account_id": row.account_id, "from_csm": row.from_csm, "to_csm": row.to_csm,
                "moved": "yes" if row.moved else "no", "arr_start": row.arr_start, "risk_score": row.risk_score,
                "white_space": row.white_space, "reason": row.reason}

    def assignment_csv(self) -> str:
        """assignment.csv: account_id, from_csm, to_csm, moved, arr_start, risk_score, white_space, reason."""
        return csv_text(ASSIGNMENT_COLUMNS, (self._assignment_record(r) for r in self.rows))

    def balance_csv(self) -> str:
        """balance.csv: every CSM's book before and after, with its bounds."""
        return csv_text(BALANCE_COLUMNS, (r.as_dict() for r in self.balance))

    def targets_csv(self) -> str:
        """targets.csv: quotas and risk-adjusted retention target per CSM of the new books."""
        return csv_text(TARGET_COLUMNS, ({c: getattr(r, c) for c in TARGET_COLUMNS} for r in self.targets))

    def roster_csv(self) -> str:
        """The roster as read with the new books' quota columns (ready for ``xlcomp calc``)."""
        _, _, quotas = self._targets
        return quotas_csv(read_table(self.roster_source, "Roster"), self.inputs.roster, quotas)

    def solver_text(self) -> str:
        """solver.txt: the status, objective, bound and how each block was solved."""
        s = self.solution
        lines = [f"status: {self.status}", f"objective: {s.objective:.6f}", f"upper bound: {s.bound:.6f}",
                 f"proven gap: {s.gap * 100:.4f}%",
                 f"fit of the books before: {sum(b.fit_before for b in self.balance):.4f}, "
                 f"after: {sum(b.fit_after for b in self.balance):.4f}",
                 f"moves: {self.moves}", f"period: {self.inputs.period.label}",
                 "solver: HiGHS (scipy.optimize.milp / linprog)"]
        lines += [f"block {m}" for m in s.methods]
        return "\n".join(lines) + "\n"

    def write(self, out: str | Path, *, workbook: bool = True) -> list[Path]:
        """Write assignment.csv, balance.csv, targets.csv, roster-quotas.csv, solver.txt and assignment.xlsx
        into ``out``, all or nothing."""
        folder = Path(out)
        with OutputSet() as outputs:
            outputs.add(folder / "assignment.csv", self.assignment_csv())
            outputs.add(folder / "balance.csv", self.balance_csv())
            outputs.add(folder / "targets.csv", self.targets_csv())
            outputs.add(folder / "roster-quotas.csv", self.roster_csv())
            outputs.add(folder / "solver.txt", self.solver_text())
            if workbook:
                from xlcomp.assign.workbook import write_assignment_workbook

                outputs.add(folder / "assignment.xlsx", lambda path: write_assignment_workbook(self, path))
            return outputs.commit()


def assign(roster: TableSource, accounts: TableSource, rules: Rules | str | Path | None = None, *,
           period: str | Period | None = None, time_limit: float | None = None,
           progress: Callable[[float, str], None] | None = None, reserve: float = 0.0) -> AssignmentResult:
    """Propose who owns which account (SPEC section 11; the model is in docs/assign.md).

    ``roster`` and ``accounts``: paths (CSV, .xlsx) or DataFrames; ``rules``: :class:`Rules`, a YAML path
    or YAML text (None: the defaults); ``period``: the period the new books are for (CSMs who leave by
    its end get no accounts; default the rules' ``period`` or the next quarter); ``time_limit`` in seconds
    (default the rules', 60) bounds the whole call, reading included, less ``reserve`` seconds kept for
    what the caller does next (``xlcomp assign`` keeps its writing time); when it is reached the best
    feasible assignment is returned with its proven gap and ``status`` says so. Raises
    :class:`~xlcomp.errors.InputError` naming every problem, including
    constraints that cannot hold and by how much.

    >>> result = assign("roster.csv", "accounts.csv", "rules.yaml")  # doctest: +SKIP
    >>> result.status, result.frame().head()  # doctest: +SKIP
    """
    started = time.perf_counter()
    the_rules = _rules(rules)
    the_period = parse_period(period) if isinstance(period, str) else period
    inputs = load_assign_inputs(roster, accounts, the_rules, the_period)
    limit = float(time_limit if time_limit is not None else the_rules.time_limit)
    solution, bounds = solve(inputs, limit, progress, deadline=started + limit - reserve)
    return AssignmentResult(inputs, solution, bounds, roster)


def apply_assignment(roster: TableSource, accounts: TableSource, edited: TableSource,
                     rules: Rules | str | Path | None = None, *, period: str | Period | None = None
                     ) -> AssignmentResult:
    """The assignment finance edited and uploaded: ``edited`` is assignment.xlsx (its Assignment table) or
    assignment.csv with ``to_csm`` changed. Every account must appear once, with a CSM who stays and whom
    the segments and pins allow (:class:`~xlcomp.errors.InputError` names each cell that does not); the
    balance bounds are reported, not enforced: ``balance.csv`` shows each book against them and the status
    names the CSMs outside. The result writes the same files as :func:`assign`."""
    started = time.perf_counter()
    the_rules = _rules(rules)
    the_period = parse_period(period) if isinstance(period, str) else period
    inputs = load_assign_inputs(roster, accounts, the_rules, the_period)
    to = read_edited(inputs, edited)
    bounds = balance_bounds(inputs)
    fit = solution_fit(inputs, to)
    label = getattr(edited, "name", None) or "the edited assignment"
    outside = outside_bounds(inputs, bounds, to)
    methods = [f"as edited in {label}"] + [f"outside its bounds: {line}" for line in outside]
    solution = Solution(to, fit, fit, False, time.perf_counter() - started, 0.0, methods, 0.0, source=label)
    return AssignmentResult(inputs, solution, bounds, roster)


def _rules(rules: Rules | str | Path | None) -> Rules:
    if rules is None or isinstance(rules, Rules):
        return rules or Rules()
    if isinstance(rules, str) and "\n" in rules:
        return parse_rules(rules)
    return load_rules(rules)
