"""The assignment MILP on plain arrays, solved with HiGHS (SciPy's ``milp`` and ``linprog``).

One :class:`Block` is a set of accounts and the CSMs that may take them (a segment, or segments
joined by the rules' ``neighbours``). The symbols are those of docs/assign.md:

- ``x[a, c]`` in {0, 1}: account ``a`` goes to CSM ``c``; only eligible pairs exist.
- maximise ``sum p[a, c] x[a, c]`` with
  ``p[a, c] = W_A n_arr[a] sigma[c] + W_R n_risk[a] s_ret[c] + W_E n_ws[a] s_exp[c] - m [c != c0[a]]``;
- ``sum_c x[a, c] = 1`` for every account;
- ``L[c] <= sum_a r[a] x[a, c] <= U[c]`` (ARR balance and ``capacity_arr``);
- ``NL[c] <= sum_a x[a, c] <= NU[c]`` (account-count balance).

A small block is one MILP. A large one is cut into groups of CSMs (each group spans the range of
skill) with the accounts of their current books; each group's LP relaxation is solved, the accounts
the LP leaves fractional are settled by a small MILP, and the duals of every group's LP give a
Lagrangian upper bound on the *whole* block (every account may still go to every eligible CSM of the
block), so the reported gap is proven against the undivided problem.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from xlcomp.extras import require

__all__ = ["Block", "BlockSolution", "InfeasibleError", "SolverTimeoutError", "solve_block"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DIRECT_PAIRS = 4_000    # blocks with at most this many eligible pairs are one MILP
GROUP_PAIRS = 12_000   # a group of a large block has about this many pairs
SMALL_FREED = 3         # accounts per CSM freed with the fractional ones when those alone cannot balance
_EPS = 1e-6


class InfeasibleError(Exception):
    """The block's constraints cannot all hold (the caller explains which, from the data)."""


class SolverTimeoutError(Exception):
    """The solver found no assignment within its time limit."""


@dataclass
class Block:
    """One independent assignment problem on arrays (accounts ``a``, CSMs ``c``, block-local indices)."""

    r: FloatArray            # ARR of each account
    n_arr: FloatArray           # ARR importance, r / segment mean ARR
    n_risk: FloatArray           # retention need, r x risk / segment mean ARR
    n_ws: FloatArray           # white space, (upsell + cross-sell potential) / segment mean ARR
    c0: IntArray             # current CSM (block index), -1 when not in the block (a leaver's account)
    pin: IntArray            # pinned CSM, -1 when free
    account_segment: IntArray
    sigma: FloatArray        # overall skill, (s_ret + s_exp) / 2
    s_ret: FloatArray           # skill_retention
    s_exp: FloatArray           # skill_expansion
    csm_segment: IntArray
    L: FloatArray
    U: FloatArray
    NL: FloatArray
    NU: FloatArray
    allowed: BoolArray       # allowed[account segment, CSM segment]
    move_cost: float
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0)

    @property
    def accounts(self) -> int:
        """How many accounts."""
        return len(self.r)

    @property
    def csms(self) -> int:
        """How many CSMs."""
        return len(self.sigma)

    def scores(self, ai: IntArray, ci: IntArray) -> FloatArray:
        """``p[a, c]`` of pairs (objective points, move cost included)."""
        wa, wr, we = self.weights
        fit = (wa * self.n_arr[ai] * self.sigma[ci] + wr * self.n_risk[ai] * self.s_ret[ci]
               + we * self.n_ws[ai] * self.s_exp[ci])
        return np.asarray(fit - self.move_cost * (ci != self.c0[ai]), dtype=np.float64)

    def eligible(self, ai: IntArray, ci: IntArray) -> BoolArray:
        """May account ``ai`` go to CSM ``ci`` (segment rules and pins)?"""
        ok = self.allowed[self.account_segment[ai], self.csm_segment[ci]]
        pin = self.pin[ai]
        return ok & ((pin < 0) | (pin == ci))  # type: ignore[no-any-return]

    def pairs(self, accounts: IntArray, csms: IntArray) -> tuple[IntArray, IntArray]:
        """Every eligible pair of the given accounts and CSMs, sorted by account."""
        ai = np.repeat(accounts, len(csms))
        ci = np.tile(csms, len(accounts))
        keep = self.eligible(ai, ci)
        return ai[keep], ci[keep]

    def pair_count(self) -> int:
        """How many eligible pairs the whole block has."""
        seg_accounts = np.bincount(self.account_segment, minlength=self.allowed.shape[0])
        seg_csms = np.bincount(self.csm_segment, minlength=self.allowed.shape[1])
        return int(seg_accounts @ self.allowed.astype(np.int64) @ seg_csms)


@dataclass
class BlockSolution:
    """The CSM of every account, the objective, a proven upper bound, and how it was found."""

    to: IntArray
    objective: float
    bound: float
    optimal: bool
    method: str
    seconds: float
    notes: list[str] = field(default_factory=list)


def _matrices(block: Block, ai: IntArray, ci: IntArray, accounts: IntArray, csms: IntArray) -> tuple[Any, Any]:
    sparse = require("scipy.sparse", "assign", "Book assignment")
    n = len(ai)
    row_of_account = np.full(block.accounts, -1, dtype=np.int64)
    row_of_account[accounts] = np.arange(len(accounts))
    row_of_csm = np.full(block.csms, -1, dtype=np.int64)
    row_of_csm[csms] = np.arange(len(csms))
    columns = np.arange(n)
    one_each = sparse.csr_matrix((np.ones(n), (row_of_account[ai], columns)), shape=(len(accounts), n))
    k = len(csms)
    rows = np.concatenate([row_of_csm[ci], k + row_of_csm[ci]])
    values = np.concatenate([block.r[ai], np.ones(n)])
    balance = sparse.csr_matrix((values, (rows, np.concatenate([columns, columns]))), shape=(2 * k, n))
    return one_each, balance


def _bounds(block: Block, csms: IntArray, used_arr: FloatArray | None = None, used_count: FloatArray | None = None
            ) -> tuple[FloatArray, FloatArray]:
    low = np.concatenate([block.L[csms], block.NL[csms]])
    high = np.concatenate([block.U[csms], block.NU[csms]])
    if used_arr is not None and used_count is not None:
        used = np.concatenate([used_arr[csms], used_count[csms]])
        low, high = low - used, high - used
    scale = np.maximum(1.0, np.abs(high))
    return low - _EPS * scale, high + _EPS * scale  # float sums of exact amounts: a hair of slack


def _milp(block: Block, accounts: IntArray, csms: IntArray, time_limit: float, gap: float,
          used_arr: FloatArray | None = None, used_count: FloatArray | None = None
          ) -> tuple[IntArray, float, bool]:
    """One MILP over ``accounts`` x ``csms``: (CSM of each account, upper bound, proven optimal)."""
    optimize = require("scipy.optimize", "assign", "Book assignment")
    ai, ci = block.pairs(accounts, csms)
    if len(np.unique(ai)) < len(accounts):
        raise InfeasibleError("an account has no eligible CSM")
    p = block.scores(ai, ci)
    one_each, balance = _matrices(block, ai, ci, accounts, csms)
    low, high = _bounds(block, csms, used_arr, used_count)
    constraints = [optimize.LinearConstraint(one_each, 1, 1), optimize.LinearConstraint(balance, low, high)]
    result = optimize.milp(-p, constraints=constraints, integrality=np.ones(len(p)), bounds=optimize.Bounds(0, 1),
                           options={"time_limit": max(0.5, time_limit), "mip_rel_gap": gap, "presolve": True})
    if result.x is None:
        if result.status == 1:
            raise SolverTimeoutError(result.message)
        raise InfeasibleError(result.message)
    chosen = result.x > 0.5
    to = np.full(block.accounts, -1, dtype=np.int64)
    to[ai[chosen]] = ci[chosen]
    bound = -float(result.mip_dual_bound) if getattr(result, "mip_dual_bound", None) is not None else math.inf
    return to[accounts], bound, result.status == 0 and result.mip_gap is not None and result.mip_gap <= 1e-9


def _lp(block: Block, accounts: IntArray, csms: IntArray) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
    """The LP relaxation over ``accounts`` x ``csms``: pairs, their values, and one multiplier per CSM row
    (ARR rows then count rows, as ``lambda_upper - lambda_lower``)."""
    optimize = require("scipy.optimize", "assign", "Book assignment")
    sparse = require("scipy.sparse", "assign", "Book assignment")
    ai, ci = block.pairs(accounts, csms)
    if len(np.unique(ai)) < len(accounts):
        raise InfeasibleError("an account has no eligible CSM")
    p = block.scores(ai, ci)
    one_each, balance = _matrices(block, ai, ci, accounts, csms)
    low, high = _bounds(block, csms)
    upper = sparse.vstack([balance, -balance]).tocsr()
    result = optimize.linprog(-p, A_ub=upper, b_ub=np.concatenate([high, -low]), A_eq=one_each,
                              b_eq=np.ones(len(accounts)), bounds=(0, 1), method="highs")
    if result.status != 0:
        raise InfeasibleError(result.message)
    k = 2 * len(csms)
    lam = -np.asarray(result.ineqlin.marginals)
    return ai, ci, np.asarray(result.x), lam[:k] - lam[k:]


def lagrangian_bound(block: Block, multipliers: FloatArray) -> float:
    """An upper bound on the block's optimum from one ARR and one count multiplier per CSM
    (``mu[c]``, ``eta[c]``, each ``lambda_upper - lambda_lower``): every account takes its best eligible
    CSM at those prices, plus what the prices charge for the bounds."""
    k = block.csms
    mu, eta = multipliers[:k], multipliers[k:]
    constant = float(np.sum(np.where(mu > 0, mu * block.U, mu * block.L))
                     + np.sum(np.where(eta > 0, eta * block.NU, eta * block.NL)))
    total = 0.0
    csms = np.arange(k)
    step = max(1, 2_000_000 // max(1, k))
    for start in range(0, block.accounts, step):
        accounts = np.arange(start, min(block.accounts, start + step))
        ai = np.repeat(accounts, k)
        ci = np.tile(csms, len(accounts))
        value = block.scores(ai, ci) - block.r[ai] * mu[ci] - eta[ci]
        value = np.where(block.eligible(ai, ci), value, -np.inf).reshape(len(accounts), k)
        total += float(value.max(axis=1).sum())
    return total + constant


def refine_multipliers(block: Block, multipliers: FloatArray, target: float, seconds: float,
                       sample: int | None = None, seed: int = 0) -> FloatArray:
    """Lower the Lagrangian bound by subgradient steps (Polyak steps towards ``target``, halved when no
    better) on a fixed sample of accounts, the ARR rows in units of the mean account; returns the
    multipliers that gave the lowest sampled bound. Any multipliers give a valid bound: this only
    tightens it, and :func:`lagrangian_bound` then evaluates them on every account."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    k = block.csms
    if sample is None:  # about 100 accounts per CSM, at most 3 million pairs
        sample = min(max(10_000, 100 * k), 3_000_000 // max(1, k))
    picked = np.sort(rng.choice(block.accounts, size=min(sample, block.accounts), replace=False))
    share = len(picked) / block.accounts
    unit = max(1e-12, float(block.r.mean()))
    ai = np.repeat(picked, k)
    ci = np.tile(np.arange(k), len(picked))
    base = np.where(block.eligible(ai, ci), block.scores(ai, ci), -np.inf).reshape(len(picked), k).astype(np.float32)
    weight = (block.r[picked] / unit)[:, None].astype(np.float32)
    low = np.concatenate([block.L / unit, block.NL]) * share
    high = np.concatenate([block.U / unit, block.NU]) * share
    goal = target * share
    lam = np.concatenate([multipliers[:k] * unit, multipliers[k:]])
    best, best_value, step, stale = lam.copy(), np.inf, 1.0, 0
    rows = np.arange(len(picked))
    while time.perf_counter() - started < seconds:
        values = base - weight * lam[:k].astype(np.float32) - lam[k:].astype(np.float32)
        choice = values.argmax(axis=1)
        value = float(values[rows, choice].sum(dtype=np.float64) + np.sum(np.where(lam > 0, lam * high, lam * low)))
        if value < best_value - 1e-9:
            best, best_value, stale = lam.copy(), value, 0
        else:
            stale += 1
            if stale >= 5:
                step, stale = step / 2, 0
                if step < 1e-4:
                    break
        load = np.concatenate([np.bincount(choice, weights=weight[:, 0].astype(np.float64), minlength=k),
                               np.bincount(choice, minlength=k).astype(np.float64)])
        edge = np.where(lam > 0, high, np.where(lam < 0, low, np.clip(load, low, high)))
        gradient = edge - load
        norm = float(gradient @ gradient)
        if norm <= 1e-12:
            break
        lam = lam - step * max(value - goal, 1e-9 * abs(goal)) / norm * gradient
    return np.concatenate([best[:k] / unit, best[k:]])


def _groups(block: Block, count: int) -> list[tuple[IntArray, IntArray]]:
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


def _settle_group(block: Block, accounts: IntArray, csms: IntArray, deadline: float, gap: float
                  ) -> tuple[IntArray, FloatArray, float]:
    """A group: its LP, then a MILP on the accounts the LP left fractional; when those alone cannot
    balance, the smallest few accounts of every CSM are freed with them; the whole group last."""
    ai, ci, x, multipliers = _lp(block, accounts, csms)
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
            chosen, _, _ = _milp(block, freed, csms, max(2.0, deadline - time.perf_counter()), gap / 10, used_arr,
                                 used_count)
        except (InfeasibleError, SolverTimeoutError):
            continue
        result = to.copy()
        result[freed] = chosen
        return result[accounts], multipliers, lp_value
    chosen, _, _ = _milp(block, accounts, csms, max(5.0, deadline - time.perf_counter()), gap)
    return chosen, multipliers, lp_value


def solve_block(block: Block, time_limit: float, gap: float,
                progress: Callable[[float], None] | None = None) -> BlockSolution:
    """Solve one block within ``time_limit`` seconds, stopping at a proven relative ``gap``.

    Raises :class:`InfeasibleError` when no assignment satisfies the block's constraints."""
    started = time.perf_counter()
    pairs = block.pair_count()
    if pairs <= DIRECT_PAIRS or block.csms <= 2:
        to, bound, optimal = _milp(block, np.arange(block.accounts), np.arange(block.csms), time_limit, gap)
        objective = float(block.scores(np.arange(block.accounts), to).sum())
        if progress:
            progress(1.0)
        return BlockSolution(to, objective, max(bound, objective), optimal, "one MILP",
                             time.perf_counter() - started)
    count = max(1, min(block.csms // 2, math.ceil(math.sqrt(pairs / GROUP_PAIRS))))
    if count == 1:  # the LP relaxation of the whole block is the bound
        to, _, lp_value = _settle_group(block, np.arange(block.accounts), np.arange(block.csms),
                                        started + time_limit, gap)
        objective = float(block.scores(np.arange(block.accounts), to).sum())
        if progress:
            progress(1.0)
        return BlockSolution(to, objective, max(objective, lp_value),
                             lp_value - objective <= 1e-9 * max(1.0, abs(lp_value)), "LP relaxation + MILP on "
                             "the fractional accounts", time.perf_counter() - started)
    groups = _groups(block, count)
    to = np.full(block.accounts, -1, dtype=np.int64)
    multipliers = np.zeros(2 * block.csms)
    notes = [f"{count} groups of about {block.csms // count} CSMs"]
    merged = 0
    i = 0
    group_time = 0.75 * time_limit  # the rest tightens the bound
    while i < len(groups):
        accounts, csms = groups[i]
        share = (group_time - (time.perf_counter() - started)) / max(1, len(groups) - i)
        try:
            chosen, lam, _ = _settle_group(block, accounts, csms, time.perf_counter() + share, gap)
        except InfeasibleError:
            if len(groups) == 1:
                raise
            # this group's books cannot balance alone: join it to a neighbouring group and solve again
            j = i + 1 if i + 1 < len(groups) else i - 1
            joined = (np.concatenate([groups[i][0], groups[j][0]]), np.concatenate([groups[i][1], groups[j][1]]))
            groups[min(i, j)] = joined
            del groups[max(i, j)]
            i = min(i, j)
            merged += 1
            continue
        to[accounts] = chosen
        k = len(csms)
        multipliers[csms] = lam[:k]
        multipliers[block.csms + csms] = lam[k:]
        i += 1
        if progress:
            progress(i / len(groups))
    if merged:
        notes.append(f"{merged} group(s) joined to a neighbour to balance")
    objective = float(block.scores(np.arange(block.accounts), to).sum())
    bound = lagrangian_bound(block, multipliers)
    left = time_limit - (time.perf_counter() - started)
    if bound - objective > gap * abs(bound) / 2:
        seconds = min(15.0, max(left * 0.8, 0.25 * time_limit, 2.0))  # a loose bound is worse than a late one
        refined = lagrangian_bound(block, refine_multipliers(block, multipliers, objective, seconds))
        bound = min(bound, refined)
    bound = max(objective, bound)
    return BlockSolution(to, objective, bound, bound - objective <= 1e-9 * max(1.0, abs(bound)),
                         "grouped LP + MILP, Lagrangian bound", time.perf_counter() - started, notes)
