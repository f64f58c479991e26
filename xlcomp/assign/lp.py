"""The assignment MILP on plain arrays and its HiGHS primitives (SciPy's ``milp`` and ``linprog``).

One :class:`Block` is a set of accounts and the CSMs that may take them (a segment, or segments
joined by the rules' ``neighbours``). The symbols are those of docs/assign.md:

- ``x[a, c]`` in {0, 1}: account ``a`` goes to CSM ``c``; only eligible pairs exist.
- maximise ``sum p[a, c] x[a, c]`` with
  ``p[a, c] = W_A n_arr[a] sigma[c] + W_R n_risk[a] s_ret[c] + W_E n_ws[a] s_exp[c] - m [c != c0[a]]``;
- ``sum_c x[a, c] = 1`` for every account;
- ``L[c] <= sum_a r[a] x[a, c] <= U[c]`` (ARR balance and ``capacity_arr``);
- ``NL[c] <= sum_a x[a, c] <= NU[c]`` (account-count balance).

How a block is solved is :mod:`.solve`; the bound that proves it, :mod:`.bound`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from xlcomp.extras import require

__all__ = ["Block", "BlockSolution", "InfeasibleError", "SolverTimeoutError", "lp", "milp"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

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

    def values(self, accounts: IntArray, mu: FloatArray | None = None, eta: FloatArray | None = None
               ) -> FloatArray:
        """The dense matrix ``p[a, c] - r[a] mu[c] - eta[c]`` of ``accounts`` x every CSM (``-inf`` where not
        eligible), built as one product of the account and CSM features rather than pair by pair."""
        wa, wr, we = self.weights
        need = np.column_stack([wa * self.n_arr[accounts], wr * self.n_risk[accounts], we * self.n_ws[accounts]])
        skill = np.column_stack([self.sigma, self.s_ret, self.s_exp])
        value = need @ skill.T - self.move_cost
        if mu is not None and eta is not None:
            value -= self.r[accounts][:, None] * mu[None, :]
            value -= eta[None, :]
        home = self.c0[accounts]
        stays = np.flatnonzero(home >= 0)
        value[stays, home[stays]] += self.move_cost
        if self.allowed.size > 1:
            value[~self.allowed[np.ix_(self.account_segment[accounts], self.csm_segment)]] = -np.inf
        pin = self.pin[accounts]
        pinned = np.flatnonzero(pin >= 0)
        if len(pinned):
            keep = value[pinned, pin[pinned]]
            value[pinned] = -np.inf
            value[pinned, pin[pinned]] = keep
        return np.asarray(value, dtype=np.float64)

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
    timed_out: bool = False  # the deadline came before the block was proven to the gap asked for


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


def milp(block: Block, accounts: IntArray, csms: IntArray, time_limit: float, gap: float,
         used_arr: FloatArray | None = None, used_count: FloatArray | None = None) -> tuple[IntArray, float, bool]:
    """One MILP over ``accounts`` x ``csms``, the CSMs' bounds lowered by what they already hold
    (``used_arr``, ``used_count``): (CSM of each account, upper bound, proven optimal)."""
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


def lp(block: Block, accounts: IntArray, csms: IntArray, time_limit: float | None = None
       ) -> tuple[IntArray, IntArray, FloatArray, FloatArray]:
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
                              b_eq=np.ones(len(accounts)), bounds=(0, 1), method="highs",
                              options={"time_limit": time_limit} if time_limit is not None else None)
    if result.status == 1:
        raise SolverTimeoutError(result.message)
    if result.status != 0:
        raise InfeasibleError(result.message)
    k = 2 * len(csms)
    lam = -np.asarray(result.ineqlin.marginals)
    return ai, ci, np.asarray(result.x), lam[:k] - lam[k:]
