"""The groups a large block is cut into, and their solves: each group's LP relaxation, then a small MILP on
the accounts it leaves fractional; a group that cannot balance alone is joined to its neighbour
(docs/assign.md)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from xlcomp.assign.lp import Block, FloatArray, InfeasibleError, IntArray, SolverTimeoutError, lp, milp

__all__ = ["deal_groups", "redeal", "settle_group", "solve_groups"]

SMALL_FREED = 3         # accounts per CSM freed with the fractional ones when those alone cannot balance
MIN_SOLVE_S = 0.5       # the least a MILP is given, even past the deadline: a first feasible assignment
_GAIN = 1e-9            # a second deal's books replace the first's only when better by more than this

GroupResult = tuple[IntArray, FloatArray]


def deal_groups(block: Block, count: int) -> list[tuple[IntArray, IntArray]]:
    """CSMs dealt round-robin by skill into ``count`` groups, each with its CSMs' current accounts;
    pinned accounts go with their CSM, the accounts of leavers are dealt by importance."""
    order = np.argsort(-(block.sigma + 1e-9 * np.arange(block.csms)), kind="stable")
    group_of_csm = np.empty(block.csms, dtype=np.int64)
    group_of_csm[order] = np.arange(block.csms) % count
    home = np.where(block.pin >= 0, block.pin, block.c0)
    group_of_account = np.where(home >= 0, group_of_csm[np.maximum(home, 0)], -1)
    loose = np.flatnonzero(group_of_account < 0)
    if len(loose):
        importance = block.n_arr[loose] + block.n_risk[loose] + block.n_ws[loose]
        ranked = loose[np.argsort(-importance, kind="stable")]
        group_of_account[ranked] = np.arange(len(ranked)) % count
    return [(np.flatnonzero(group_of_account == g), np.flatnonzero(group_of_csm == g)) for g in range(count)]


def settle_group(block: Block, accounts: IntArray, csms: IntArray, deadline: float, gap: float
                  ) -> tuple[IntArray, FloatArray, float]:
    """A group: its LP, then a MILP on the accounts the LP left fractional; when those alone cannot
    balance, the smallest few accounts of every CSM are freed with them; the whole group last."""
    ai, ci, x, multipliers = lp(block, accounts, csms)
    lp_value = float(block.scores(ai, ci) @ x)
    whole = x > 1 - 1e-7
    to = np.full(block.accounts, -1, dtype=np.int64)
    to[ai[whole]] = ci[whole]
    fractional = accounts[to[accounts] < 0]
    if not len(fractional):
        return to[accounts], multipliers, lp_value
    for small in (0, SMALL_FREED, 4 * SMALL_FREED):
        free = to[accounts] < 0
        if small:
            held = accounts[(~free) & (block.pin[accounts] < 0)]
            order = held[np.lexsort((block.r[held], to[held]))]  # by CSM, smallest ARR first
            first = np.searchsorted(to[order], to[order], side="left")
            rank = np.arange(len(order)) - first
            free = np.isin(accounts, np.concatenate([accounts[free], order[rank < small]]))
        freed, fixed = accounts[free], accounts[~free]
        used_arr = np.bincount(to[fixed], weights=block.r[fixed], minlength=block.csms).astype(np.float64)
        used_count = np.bincount(to[fixed], minlength=block.csms).astype(np.float64)
        try:
            chosen, _, _ = milp(block, freed, csms, max(MIN_SOLVE_S, deadline - time.perf_counter()), gap / 10,
                                used_arr, used_count)
        except (InfeasibleError, SolverTimeoutError):
            continue
        result = to.copy()
        result[freed] = chosen
        return result[accounts], multipliers, lp_value
    chosen, _, _ = milp(block, accounts, csms, max(2 * MIN_SOLVE_S, deadline - time.perf_counter()), gap)
    return chosen, multipliers, lp_value


def solve_groups(block: Block, groups: list[tuple[IntArray, IntArray]], end: float, gap: float,
                 progress: Callable[[float], None] | None = None) -> tuple[IntArray, FloatArray, int]:
    """Settle every group by ``end`` (past it each still gets its LP and a short MILP): the CSM of every
    account, every CSM's multipliers (ARR rows then count rows), and how many times a group that could not
    balance alone was joined to a neighbouring one."""
    finished = [0]

    def done() -> None:
        finished[0] += 1
        if progress:
            progress(min(1.0, finished[0] / len(groups)))

    results: list[GroupResult | None] = []
    for i, (accounts, csms) in enumerate(groups):
        share = (end - time.perf_counter()) / max(1, len(groups) - i)
        try:
            chosen, multipliers, _ = settle_group(block, accounts, csms, time.perf_counter() + share, gap)
            results.append((chosen, multipliers))
        except InfeasibleError:
            results.append(None)
        done()
    merged = 0
    while any(r is None for r in results):
        if len(groups) == 1:
            raise InfeasibleError("the block cannot balance")
        i = next(i for i, r in enumerate(results) if r is None)
        j = i + 1 if i + 1 < len(groups) else i - 1
        first, second = min(i, j), max(i, j)
        joined = (np.concatenate([groups[first][0], groups[second][0]]),
                  np.concatenate([groups[first][1], groups[second][1]]))
        groups[first] = joined
        del groups[second], results[second]
        merged += 1
        try:
            chosen, multipliers, _ = settle_group(block, joined[0], joined[1],
                                                  max(end, time.perf_counter() + 2 * MIN_SOLVE_S), gap)
            results[first] = (chosen, multipliers)
        except InfeasibleError:
            results[first] = None
    to = np.full(block.accounts, -1, dtype=np.int64)
    multipliers = np.zeros(2 * block.csms)
    for (accounts, csms), result in zip(groups, results, strict=True):
        assert result is not None
        chosen, lam = result
        to[accounts] = chosen
        k = len(csms)
        multipliers[csms] = lam[:k]
        multipliers[block.csms + csms] = lam[k:]
    return to, multipliers, merged


def redeal(block: Block, to: IntArray, count: int, end: float, gap: float) -> tuple[IntArray, int]:
    """A second pass while there is time before ``end``: the CSMs dealt into ``count`` new groups (CSMs that
    shared a group now mostly apart), each with the accounts it holds after the first pass, so an account
    can now go to CSMs the first deal kept from it. A group's new books replace the old only when better
    (the old ones are feasible for it, so its LP always is). Returns the assignment and how many groups
    improved."""
    order = np.argsort(-(block.sigma + 1e-9 * np.arange(block.csms)), kind="stable")
    rank = np.empty(block.csms, dtype=np.int64)
    rank[order] = np.arange(block.csms)
    group_of_csm = (rank // count + rank) % count
    better = to.copy()
    improved = 0
    for g in range(count):
        left = end - time.perf_counter()
        if left <= 0:
            break
        csms = np.flatnonzero(group_of_csm == g)
        accounts = np.flatnonzero(np.isin(better, csms))
        try:
            chosen, _, _ = settle_group(block, accounts, csms, time.perf_counter() + left / (count - g), gap)
        except (InfeasibleError, SolverTimeoutError):
            continue
        if float(block.scores(accounts, chosen).sum()) > float(block.scores(accounts, better[accounts]).sum()) + _GAIN:
            better[accounts] = chosen
            improved += 1
    return better, improved
