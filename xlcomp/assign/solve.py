"""Solving one block of the assignment MILP within its time (docs/assign.md, "How it is solved").

A small block is one MILP. A large one is cut into groups of CSMs (each group spans the range of
skill) with the accounts of their current books; each group's LP relaxation is solved, the accounts
the LP leaves fractional are settled by a small MILP, and the duals of every group's LP give a
Lagrangian upper bound on the *whole* block (every account may still go to every eligible CSM of the
block), so the reported gap is proven against the undivided problem. Time left before the deadline goes
to a second deal of the groups (:func:`~xlcomp.assign.groups.redeal`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

from xlcomp.assign.bound import lagrangian_bound, refine_multipliers
from xlcomp.assign.groups import deal_groups, redeal, settle_group, solve_groups
from xlcomp.assign.lp import Block, BlockSolution, InfeasibleError, SolverTimeoutError, milp

__all__ = ["Block", "BlockSolution", "InfeasibleError", "SolverTimeoutError", "expected_groups", "solve_block"]

DIRECT_PAIRS = 4_000    # blocks with at most this many eligible pairs are one MILP
GROUP_PAIRS = 12_000   # a group of a large block has about this many pairs
REFINE_MIN_S = 2.0       # the least the bound is tightened for, even past the deadline
REFINE_MAX_S = 8.0       # ... and the most (it converges in a few seconds)


def expected_groups(block: Block) -> int:
    """How many groups the block is cut into (1 when it is not): the measure of its work that the time is
    shared by (in the benchmark Enterprise has 4% of the accounts but 9 of the 85 groups, and as long)."""
    return max(1, min(block.csms // 2, math.ceil(math.sqrt(block.pair_count() / GROUP_PAIRS))))


def solve_block(block: Block, deadline: float, gap: float,
                progress: Callable[[float], None] | None = None) -> BlockSolution:
    """Solve one block by ``deadline`` (a :func:`time.perf_counter` time), stopping at a proven relative ``gap``.

    Past the deadline it still finishes a first feasible assignment (each group's LP and a short MILP), then
    stops with the bound it has (``timed_out``). Raises :class:`InfeasibleError` when no assignment satisfies
    the block's constraints."""
    started = time.perf_counter()
    everyone = np.arange(block.accounts)
    pairs = block.pair_count()
    if pairs <= DIRECT_PAIRS or block.csms <= 2:
        try:
            to, bound, optimal = milp(block, everyone, np.arange(block.csms), deadline - started, gap)
        except SolverTimeoutError:
            pass  # no assignment found in the time left: the LP and a MILP on its fractional accounts, below
        else:
            objective = float(block.scores(everyone, to).sum())
            if progress:
                progress(1.0)
            return BlockSolution(to, objective, max(bound, objective), optimal, "one MILP",
                                 time.perf_counter() - started, timed_out=time.perf_counter() >= deadline)
    count = expected_groups(block)
    if count == 1:  # the LP relaxation of the whole block is the bound
        to, _, lp_value = settle_group(block, everyone, np.arange(block.csms), deadline, gap)
        objective = float(block.scores(everyone, to).sum())
        if progress:
            progress(1.0)
        return BlockSolution(to, objective, max(objective, lp_value),
                             lp_value - objective <= 1e-9 * max(1.0, abs(lp_value)), "LP relaxation + MILP on "
                             "the fractional accounts", time.perf_counter() - started,
                             timed_out=time.perf_counter() >= deadline)
    bound_time = min(REFINE_MAX_S, max(2 * REFINE_MIN_S, 0.25 * (deadline - started)))
    to, multipliers, merged = solve_groups(block, deal_groups(block, count), deadline - bound_time, gap, progress)
    notes = [f"{count} groups of about {block.csms // count} CSMs"]
    if merged:
        notes.append(f"{merged} group(s) joined to a neighbour to balance")
    objective = float(block.scores(everyone, to).sum())
    bound = lagrangian_bound(block, multipliers)
    left = deadline - time.perf_counter()
    timed_out = left <= 0
    if bound - objective > gap * abs(bound) / 4:
        # the group duals price each group alone: without this the bound is loose, so it always gets
        # REFINE_MIN_S, even past the deadline
        seconds = min(REFINE_MAX_S, max(REFINE_MIN_S, left - REFINE_MIN_S / 2))
        bound = min(bound, lagrangian_bound(block, refine_multipliers(block, multipliers, objective, seconds)))
        if deadline - time.perf_counter() > 0:  # time left: a second deal of the groups, anytime
            to, improved = redeal(block, to, count, deadline, gap)
            objective = float(block.scores(everyone, to).sum())
            notes.append(f"a second deal improved {improved} of {count} groups")
    bound = max(objective, bound)
    return BlockSolution(to, objective, bound, bound - objective <= 1e-9 * max(1.0, abs(bound)),
                         "grouped LP + MILP, Lagrangian bound", time.perf_counter() - started, notes,
                         timed_out or time.perf_counter() >= deadline)
