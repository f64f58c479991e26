"""From the inputs to the blocks of the MILP (docs/assign.md), the checks that explain an impossible
assignment before solving, and the solve of every block within the time limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from xlcomp.assign.inputs import AssignInputs
from xlcomp.assign.solve import Block, InfeasibleError, SolverTimeoutError, expected_groups, solve_block
from xlcomp.errors import InputError, Problem
from xlcomp.model.people import SEGMENTS
from xlcomp.money import fmt_amount, to_decimal

__all__ = ["Bounds", "Solution", "balance_bounds", "build_blocks", "outside_bounds", "solution_fit", "solve"]


@dataclass
class Bounds:
    """Per CSM of the roster: ARR and account-count bounds (0 for leavers), and the segment means."""

    low_arr: npt.NDArray[np.float64]
    high_arr: npt.NDArray[np.float64]
    low_count: npt.NDArray[np.float64]
    high_count: npt.NDArray[np.float64]
    mean_arr: dict[int, float]
    mean_count: dict[int, float]


@dataclass
class Solution:
    """The new owner of every account (roster index), with the solver's account of itself."""

    to: npt.NDArray[np.int64]
    objective: float
    bound: float
    optimal: bool
    seconds: float
    time_limit: float
    methods: list[str]
    scores_before: float
    timed_out: bool = False   # the time limit stopped it before the gap asked for was proven
    source: str = ""          # not solved: read from this edited assignment (xlcomp assign --apply)

    @property
    def gap(self) -> float:
        """Proven relative gap: (bound - objective) / |bound|."""
        return max(0.0, (self.bound - self.objective) / max(1e-12, abs(self.bound)))


def _money(value: float) -> str:
    return fmt_amount(to_decimal(round(float(value), 2)), "", 0)


def balance_bounds(inputs: AssignInputs) -> Bounds:
    """ARR and count bounds of every CSM: tolerance around the mean of their segment (the ARR of its
    accounts over the CSMs who stay), ``capacity_arr`` capping the upper ARR bound (and the lower one
    where it is smaller)."""
    rules = inputs.rules
    tol, count_tol = float(rules.tolerance), float(rules.accounts_tolerance)
    active = ~inputs.leaver
    n = len(inputs.leaver)
    low_arr, high_arr = np.zeros(n), np.zeros(n)
    low_count, high_count = np.zeros(n), np.zeros(n)
    mean_arr: dict[int, float] = {}
    mean_count: dict[int, float] = {}
    for s in range(len(SEGMENTS)):
        members = active & (inputs.csm_segment == s)
        k = int(members.sum())
        if not k:
            continue
        in_segment = inputs.account_segment == s
        mean_arr[s] = float(inputs.arr[in_segment].sum()) / k
        mean_count[s] = float(in_segment.sum()) / k
        low_arr[members] = (1 - tol) * mean_arr[s]
        high_arr[members] = (1 + tol) * mean_arr[s]
        low_count[members] = np.floor((1 - count_tol) * mean_count[s] + 1e-9)
        high_count[members] = np.ceil((1 + count_tol) * mean_count[s] - 1e-9)
    high_arr = np.minimum(high_arr, inputs.capacity)
    low_arr = np.minimum(low_arr, high_arr)
    return Bounds(low_arr, high_arr, low_count, high_count, mean_arr, mean_count)


def solution_fit(inputs: AssignInputs, to: npt.NDArray[np.int64]) -> float:
    """The objective of an assignment (docs/assign.md): the fit of every account with its CSM, less the move
    cost of every account that changes hands (an account whose CSM leaves pays it wherever it goes)."""
    total = 0.0
    for block, accounts, csms, _ in build_blocks(inputs, balance_bounds(inputs)):
        local = np.full(len(inputs.leaver), -1, dtype=np.int64)
        local[csms] = np.arange(len(csms))
        total += float(block.scores(np.arange(block.accounts), local[to[accounts]]).sum())
    return total


def outside_bounds(inputs: AssignInputs, bounds: Bounds, to: npt.NDArray[np.int64]) -> list[str]:
    """Each CSM whose book breaks its ARR or account-count bounds, in words."""
    arr = np.bincount(to, weights=inputs.arr, minlength=len(inputs.leaver))
    count = np.bincount(to, minlength=len(inputs.leaver))
    lines = []
    for c, csm_id in enumerate(inputs.csm_ids):
        if inputs.leaver[c]:
            continue
        if not bounds.low_arr[c] * (1 - 1e-9) <= arr[c] <= bounds.high_arr[c] * (1 + 1e-9):
            lines.append(f"{csm_id} ARR {_money(arr[c])} (bounds {_money(bounds.low_arr[c])}–"
                         f"{_money(bounds.high_arr[c]) if np.isfinite(bounds.high_arr[c]) else 'no cap'})")
        if not bounds.low_count[c] <= count[c] <= bounds.high_count[c]:
            lines.append(f"{csm_id} {count[c]} accounts (bounds {int(bounds.low_count[c])}–"
                         f"{int(bounds.high_count[c])})")
    return lines


def _components(inputs: AssignInputs) -> list[list[int]]:
    """Segments linked by the rules' neighbours (each list one block's segments)."""
    parent = list(range(len(SEGMENTS)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for a, b in inputs.rules.neighbours:
        parent[find(SEGMENTS.index(a))] = find(SEGMENTS.index(b))
    groups: dict[int, list[int]] = {}
    for s in range(len(SEGMENTS)):
        groups.setdefault(find(s), []).append(s)
    return list(groups.values())


def check_feasible(inputs: AssignInputs, bounds: Bounds) -> None:
    """Explain, before solving, the constraints that cannot hold: a segment with accounts and no CSM who
    stays, more ARR or accounts than its CSMs may hold, an account larger than any CSM may hold, a CSM
    whose pinned accounts exceed their bounds. Raises :class:`InputError`."""
    problems: list[Problem] = []
    roster, rules = inputs.roster, inputs.rules
    where = roster.locator.name
    book_name = inputs.book.locator.name
    tol = f"±{float(rules.tolerance) * 100:g}%"
    active = ~inputs.leaver
    for segments in _components(inputs):
        accounts = np.isin(inputs.account_segment, segments)
        if not accounts.any():
            continue
        allowed = np.array([any(rules.allows(SEGMENTS[a], SEGMENTS[c]) for a in segments)
                            for c in inputs.csm_segment]) & np.isin(inputs.csm_segment, segments)
        takers = active & allowed
        names = " and ".join(SEGMENTS[s] for s in segments)
        arr_total = float(inputs.arr[accounts].sum())
        if not takers.any():
            leaving = [c.csm_id for i, c in enumerate(roster.csms) if allowed[i] and inputs.leaver[i]]
            why = f" ({', '.join(leaving)} leave by the end of {inputs.period.label})" if leaving else ""
            problems.append(Problem(book_name, f"{int(accounts.sum())} {names} accounts (ARR {_money(arr_total)}) "
                                               f"but no {names} CSM who stays can take them{why}", "segment"))
            continue
        room = float(bounds.high_arr[takers].sum())
        if arr_total > room * (1 + 1e-9):
            problems.append(Problem(where, f"segment {names}: ARR {_money(arr_total)} is above what its "
                                           f"{int(takers.sum())} CSMs may hold, {_money(room)} (the {tol} balance "
                                           f"and capacity_arr), short by {_money(arr_total - room)}",
                                    "capacity_arr"))
        low = float(bounds.low_arr[takers].sum())
        if arr_total < low * (1 - 1e-9):
            problems.append(Problem(where, f"segment {names}: ARR {_money(arr_total)} is below the least its "
                                           f"CSMs must hold, {_money(low)}, by {_money(low - arr_total)}",
                                    "capacity_arr"))
        count = int(accounts.sum())
        if count > bounds.high_count[takers].sum() or count < bounds.low_count[takers].sum():
            problems.append(Problem(where, f"segment {names}: {count} accounts do not fit the account-count "
                                           f"bounds of its CSMs ({int(bounds.low_count[takers].sum())}–"
                                           f"{int(bounds.high_count[takers].sum())})", "segment"))
        biggest = float(bounds.high_arr[takers].max())
        rows = inputs.book.table["_row"].to_pylist()
        ids = inputs.book.table["account_id"].to_pylist()
        for i in np.flatnonzero(accounts & (inputs.arr > biggest * (1 + 1e-9)) & (inputs.pinned < 0))[:20]:
            problems.append(Problem(inputs.book.locator.where(rows[i], "arr_start"),
                                    f"{ids[i]}'s ARR {_money(float(inputs.arr[i]))} is above the most any {names} "
                                    f"CSM may hold, {_money(biggest)} ({tol} of the segment mean, capacity_arr): "
                                    "raise the tolerance or capacity_arr", "arr_start"))
    pinned = inputs.pinned >= 0
    if pinned.any():
        held = np.bincount(inputs.pinned[pinned], weights=inputs.arr[pinned], minlength=len(roster))
        held_count = np.bincount(inputs.pinned[pinned], minlength=len(roster))
        for i, csm in enumerate(roster.csms):
            if held[i] > bounds.high_arr[i] * (1 + 1e-9):
                problems.append(roster.locator.problem(
                    csm.row, "csm_id", f"{csm.csm_id}'s pinned accounts hold ARR {_money(held[i])}, above the most "
                                       f"they may hold, {_money(bounds.high_arr[i])}, by "
                                       f"{_money(held[i] - bounds.high_arr[i])}"))
            if held_count[i] > bounds.high_count[i]:
                problems.append(roster.locator.problem(
                    csm.row, "csm_id", f"{csm.csm_id} has {held_count[i]} pinned accounts, above the most they "
                                       f"may hold, {int(bounds.high_count[i])}"))
    if problems:
        raise InputError(problems)


def build_blocks(inputs: AssignInputs, bounds: Bounds) -> list[tuple[Block, npt.NDArray[np.int64],
                                                                      npt.NDArray[np.int64], str]]:
    """One :class:`Block` per group of linked segments: (block, its accounts, its CSMs, its name)."""
    rules = inputs.rules
    allowed = np.array([[rules.allows(a, c) for c in SEGMENTS] for a in SEGMENTS], dtype=bool)
    weights = (float(rules.weight_arr), float(rules.weight_risk), float(rules.weight_white_space))
    out = []
    for segments in _components(inputs):
        accounts = np.flatnonzero(np.isin(inputs.account_segment, segments))
        csms = np.flatnonzero(np.isin(inputs.csm_segment, segments) & ~inputs.leaver)
        if not len(accounts):
            continue
        local = np.full(len(inputs.leaver), -1, dtype=np.int64)
        local[csms] = np.arange(len(csms))
        mean = np.ones(len(SEGMENTS))
        for s in segments:
            in_s = inputs.account_segment == s
            mean[s] = max(1e-9, float(inputs.arr[in_s].mean())) if in_s.any() else 1.0
        scale = mean[inputs.account_segment[accounts]]
        arr = inputs.arr[accounts]
        pin = inputs.pinned[accounts]
        block = Block(
            r=arr, n_arr=arr / scale, n_risk=arr * inputs.risk[accounts] / scale,
            n_ws=inputs.white_space[accounts] / scale,
            c0=local[inputs.current[accounts]], pin=np.where(pin >= 0, local[np.maximum(pin, 0)], -1),
            account_segment=inputs.account_segment[accounts],
            sigma=(inputs.skill_retention[csms] + inputs.skill_expansion[csms]) / 2,
            s_ret=inputs.skill_retention[csms], s_exp=inputs.skill_expansion[csms],
            csm_segment=inputs.csm_segment[csms], L=bounds.low_arr[csms], U=bounds.high_arr[csms],
            NL=bounds.low_count[csms], NU=bounds.high_count[csms], allowed=allowed,
            move_cost=float(rules.move_cost), weights=weights)
        out.append((block, accounts, csms, " and ".join(SEGMENTS[s] for s in segments)))
    return out


def solve(inputs: AssignInputs, time_limit: float | None = None,
          progress: Callable[[float, str], None] | None = None, deadline: float | None = None
          ) -> tuple[Solution, Bounds]:
    """Check, build and solve every block; raises :class:`InputError` explaining an impossible assignment.

    ``time_limit`` (seconds, default the rules') is what the solution reports; ``deadline`` (a
    :func:`time.perf_counter` time, default now + ``time_limit``) is when solving stops: a caller that
    spends part of the limit elsewhere (reading, writing) passes an earlier one. At the deadline each block
    keeps the best feasible assignment it has, with its proven gap, and the solution says it stopped."""
    limit = float(time_limit if time_limit is not None else inputs.rules.time_limit)
    started = time.perf_counter()
    end = deadline if deadline is not None else started + limit
    bounds = balance_bounds(inputs)
    check_feasible(inputs, bounds)
    blocks = build_blocks(inputs, bounds)
    to = inputs.current.copy()
    objective = bound = before = 0.0
    optimal = True
    timed_out = False
    methods = []
    weights = [expected_groups(b) for b, *_ in blocks]  # the work: about the same per group of a block
    total_weight = max(1, sum(weights))
    spent_weight = 0
    for (block, accounts, csms, name), weight in zip(blocks, weights, strict=True):
        left = end - time.perf_counter()
        share = left * weight / max(1, total_weight - spent_weight)

        def report(done: float, name: str = name, weight: int = weight, base: int = spent_weight) -> None:
            if progress:
                progress((base + done * weight) / total_weight, name)

        report(0.0)
        try:
            result = solve_block(block, time.perf_counter() + share, float(inputs.rules.gap), report)
        except InfeasibleError:
            tol = f"±{float(inputs.rules.tolerance) * 100:g}%"
            raise InputError([Problem(inputs.roster.locator.name, f"segment {name}: no assignment keeps every "
                                      f"CSM's ARR within {tol} and accounts within "
                                      f"±{float(inputs.rules.accounts_tolerance) * 100:g}% of the segment mean "
                                      "(with capacity_arr and pinned accounts): the accounts are too few or too "
                                      "uneven for those bounds; raise tolerance in the rules", "tolerance")]) from None
        except SolverTimeoutError:
            raise InputError([Problem("", f"segment {name}: the solver found no assignment within the time limit "
                                          f"of {limit:g}s: raise --time-limit", "time_limit")]) from None
        spent_weight += weight
        to[accounts] = csms[result.to]
        objective += result.objective
        bound += result.bound
        optimal = optimal and result.optimal
        timed_out = timed_out or result.timed_out
        block_gap = max(0.0, result.bound - result.objective) / max(1e-12, abs(result.bound))
        methods.append(f"{name}: {result.method} ({', '.join(result.notes) or f'{len(csms)} CSMs'}), "
                       f"{result.seconds:.1f}s, gap {block_gap * 100:.2f}%")
        keep = block.c0 >= 0
        if keep.all():
            before += float(block.scores(np.arange(block.accounts), block.c0).sum())
    if progress:
        progress(1.0, "done")
    stopped = timed_out and bound - objective > float(inputs.rules.gap) * abs(bound)
    solution = Solution(to, objective, bound, optimal, time.perf_counter() - started, limit, methods, before,
                        stopped)
    return solution, bounds
