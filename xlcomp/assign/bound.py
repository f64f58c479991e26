"""The proof of a large block: a Lagrangian upper bound on the undivided block from one ARR and one count
multiplier per CSM, the multipliers tightened by subgradient steps (docs/assign.md,
"How it is solved")."""

from __future__ import annotations

import time

import numpy as np

from xlcomp.assign.lp import Block, FloatArray

__all__ = ["lagrangian_bound", "refine_multipliers"]

MIN_STEPS = 200  # subgradient steps taken however short the time: about 2 s of CPU on SMB of the benchmark,
#                  where 40 steps leave the gap at 1.8%, 100 at 0.93%, 200 at 0.86% (converged)


def lagrangian_bound(block: Block, multipliers: FloatArray) -> float:
    """An upper bound on the block's optimum from one ARR and one count multiplier per CSM
    (``mu[c]``, ``eta[c]``, each ``lambda_upper - lambda_lower``): every account takes its best eligible
    CSM at those prices, plus what the prices charge for the bounds."""
    k = block.csms
    mu, eta = multipliers[:k], multipliers[k:]
    constant = float(np.sum(np.where(mu > 0, mu * block.U, mu * block.L))
                     + np.sum(np.where(eta > 0, eta * block.NU, eta * block.NL)))
    total = 0.0
    step = max(1, 4_000_000 // max(1, k))
    for start in range(0, block.accounts, step):
        accounts = np.arange(start, min(block.accounts, start + step))
        total += float(block.values(accounts, mu, eta).max(axis=1).sum())
    return total + constant


def refine_multipliers(block: Block, multipliers: FloatArray, target: float, seconds: float,
                       sample: int | None = None, seed: int = 0) -> FloatArray:
    """Lower the Lagrangian bound by subgradient steps (Polyak steps towards ``target``, halved when no
    better) on a fixed sample of accounts, the ARR rows in units of the mean account; returns the
    multipliers that gave the lowest sampled bound; at least :data:`MIN_STEPS` steps, then until ``seconds``
    have passed or the steps stop helping. Any multipliers give a valid bound: this only
    tightens it, and :func:`lagrangian_bound` then evaluates them on every account."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    k = block.csms
    if sample is None:  # about 100 accounts per CSM, at most 3 million pairs
        sample = min(max(10_000, 100 * k), 3_000_000 // max(1, k))
    picked = np.sort(rng.choice(block.accounts, size=min(sample, block.accounts), replace=False))
    share = len(picked) / block.accounts
    unit = max(1e-12, float(block.r.mean()))
    base = block.values(picked).astype(np.float32)
    weight = (block.r[picked] / unit)[:, None].astype(np.float32)
    low = np.concatenate([block.L / unit, block.NL]) * share
    high = np.concatenate([block.U / unit, block.NU]) * share
    goal = target * share
    lam = np.concatenate([multipliers[:k] * unit, multipliers[k:]])
    best, best_value, step, stale = lam.copy(), np.inf, 1.0, 0
    rows = np.arange(len(picked))
    steps = 0
    while steps < MIN_STEPS or time.perf_counter() - started < seconds:
        steps += 1
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

