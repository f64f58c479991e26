"""Clawback shares that follow the credited amounts (SPEC sections 9 and 10): a CSM's payout on a clawback
component is shared over the accounts *as the run credited them*, so that a later churn claws back from each CSM
who was paid for the account.

- **Account moves and credit splits** (``RunResult.credit_rows``): a moved account weighs its amount x the days
  each owner held it / the period's days (``booked_on`` moves: the whole amount to the owner on that day), a
  split account its amount x the share for each listed CSM (its own csm_id nothing unless listed), every other
  account its whole amount for its csm_id: the engine's credit rows, summed per CSM and account.
- **Plan versions** (``RunResult.parts``): a part's line (``renewals@2027-02-15``) is shared over the accounts
  it paid on: those booked inside the part weigh their whole amount, those without ``booked_on`` their amount x
  the part's days / the period's days, the others nothing; a SPIF's, only those booked inside both its window
  and the part.

The rule is the plain one (:mod:`xlcomp.ledger.shares`) on those weights: ``share = ROUND(payout x weight /
Σ weights, 2)`` in account_id order, the cent remainder to the largest weight (ties: the first account_id). It
is computed exactly in integers: a weight is the amount in units of the book's scale times an integer numerator
over one denominator common to the component (``den``: the period's days x 10^k, k the most decimals of a split
share), ``share = (2 x payout x weight + total) // (2 x total)`` in cents, in int64 where it fits and Python
integers where it might not. The stored ``amount`` of a share is the credited amount, ``ROUND(amount x
numerator / den, scale)``. :func:`shares_fraction` is the same rule on :class:`fractions.Fraction`, the
reference a property test holds the integers to.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.model.credit import CreditRow, CreditTable, account_positions
from xlcomp.model.people import Book
from xlcomp.model.period import Period
from xlcomp.model.plan import Component, Plan

__all__ = ["Weights", "credit_weights", "part_weights", "shares_fraction", "units"]

_LIMIT = 2 ** 62
BOOKED_ON = "booked_on"


@dataclass(frozen=True)
class Weights:
    """Who is credited with which account, and how much of it: book row ``positions`` (int64), the credited
    ``csm_ids`` (strings), and ``num`` (positive int64) over the common ``den``: the CSM is credited with
    ``amount x num / den`` of the account's amount. One entry per CSM and account."""

    positions: np.ndarray
    csm_ids: pa.Array
    num: np.ndarray
    den: int


def units(value: Decimal, scale: int) -> int:
    """``value`` in units of ``10^-scale``, exactly (no decimal context; ``value`` has at most ``scale``
    decimals)."""
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    number = int("".join(map(str, digits)) or "0")
    if exponent + scale >= 0:
        number *= int(10 ** (exponent + scale))
    else:   # trailing zeros past the scale (1.0 in units of 1)
        number, rest = divmod(number, int(10 ** -(exponent + scale)))
        assert rest == 0, f"{value} has more than {scale} decimals"
    return -number if sign else number


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -int(exponent))


def _columns(rows: Sequence[CreditRow]) -> tuple[list[str], list[str], list[str], list[Decimal | int], list[int]]:
    if isinstance(rows, CreditTable):
        return rows.account_ids, rows.csm_ids, rows.kinds, rows.amount_num, rows.den
    listed = list(rows)
    return ([r.account_id for r in listed], [r.csm_id for r in listed], [r.kind for r in listed],
            [r.amount_num for r in listed], [r.den for r in listed])


def credit_weights(book: Book, rows: Sequence[CreditRow]) -> Weights:
    """The credited weights of a run with moves or splits: every credit row but the listed owners' -1 rows,
    summed per CSM and account (an account moved away and back is one entry), and every account no credit row
    names, whole, for its csm_id."""
    account_ids, csm_ids, kinds, nums, dens = _columns(rows)
    keep = [i for i, kind in enumerate(kinds) if kind != "owner"]
    places = max([0, *(_decimals(Decimal(nums[i])) for i in keep if type(nums[i]) is not int)])
    common = math.lcm(*{dens[i] for i in keep}) if keep else 1
    whole = common * 10 ** places   # the numerator of a whole account
    scale = 10 ** places
    numerators = [(nums[i] * scale if type(nums[i]) is int else units(Decimal(nums[i]), places)) * (common // dens[i])
                  for i in keep]   # days (int) or split shares (Decimal)
    positions = account_positions(book, [account_ids[i] for i in keep])
    credited = pa.table({"csm_id": pa.array([csm_ids[i] for i in keep], pa.string()),
                         "position": pa.array(positions, pa.int64()), "num": pa.array(numerators, pa.int64())})
    summed = credited.group_by(["csm_id", "position"], use_threads=False).aggregate([("num", "sum")])
    summed = summed.filter(pc.greater(summed["num_sum"], 0))
    table = book.table
    named = pc.is_in(table["account_id"], value_set=pa.array(list(dict.fromkeys(account_ids)), pa.string()))
    plain = np.flatnonzero(~pc.fill_null(named, False).to_numpy(zero_copy_only=False))
    owners = pc.fill_null(table["csm_id"], "").take(pa.array(plain)).combine_chunks().cast(pa.string())
    return Weights(np.concatenate([plain, summed["position"].to_numpy()]).astype(np.int64),
                   pa.concat_arrays([owners, summed["csm_id"].combine_chunks()]),
                   np.concatenate([np.full(len(plain), whole, np.int64), summed["num_sum"].to_numpy()]), whole)


def part_of(component: Component, parts: Sequence[tuple[Plan, date, date]]) -> tuple[date, date] | None:
    """The first and last day of the part a split run's component (``renewals@2027-02-15``) pays."""
    _, at, first = component.id.rpartition("@")
    for _, start, end in parts:
        if at and start.isoformat() == first:
            return start, end
    return None


def part_weights(component: Component, book: Book, first: date, last: date, period: Period) -> Weights:
    """The weights of a part's commission line: accounts booked from ``first`` to ``last`` (cut to a SPIF's
    window) weigh the period's days, accounts without ``booked_on`` the part's days (none for a SPIF), over the
    period's days."""
    table = book.table
    n = table.num_rows
    if component.window is not None:
        first, last = max(first, component.window[0]), min(last, component.window[1])
    if BOOKED_ON in table.column_names:
        booked = table[BOOKED_ON]
        inside = pc.and_(pc.greater_equal(booked, pa.scalar(first, pa.date32())),
                         pc.less_equal(booked, pa.scalar(last, pa.date32())))
        inside_rows = pc.fill_null(inside, False).to_numpy(zero_copy_only=False)
        undated = pc.is_null(booked).to_numpy(zero_copy_only=False)
    else:
        inside_rows, undated = np.zeros(n, bool), np.ones(n, bool)
    part_days = max(0, (last - first).days + 1)
    num = np.where(inside_rows, period.days, 0).astype(np.int64)
    if component.window is None:
        num = np.where(undated, part_days, num)
    positions = np.flatnonzero(num > 0)
    owners = pc.fill_null(table["csm_id"], "").take(pa.array(positions)).combine_chunks().cast(pa.string())
    return Weights(positions.astype(np.int64), owners, num[positions], period.days)


def shares_fraction(entries: Sequence[tuple[str, str, Fraction]], payouts: Mapping[str, Decimal]
                    ) -> list[tuple[str, str, Decimal]]:
    """The rule on exact fractions (the reference): (account_id, csm_id, weight) entries, one per CSM and
    account, and each CSM's payout -> (account_id, csm_id, share) sorted by CSM then account; entries with no
    positive weight or payout get none."""
    by_csm: dict[str, list[tuple[str, Fraction]]] = defaultdict(list)
    for account_id, csm_id, weight in entries:
        if weight > 0 and payouts.get(csm_id, Decimal(0)) > 0:
            by_csm[csm_id].append((account_id, weight))
    out = []
    for csm_id in sorted(by_csm):
        payout = Fraction(payouts[csm_id])
        accounts = sorted(by_csm[csm_id])
        total = sum((w for _, w in accounts), Fraction(0))
        shares = [Fraction(math.floor(payout * w / total * 100 + Fraction(1, 2)), 100) for _, w in accounts]
        largest = max(range(len(accounts)), key=lambda i: (accounts[i][1], -i))
        shares[largest] += payout - sum(shares, Fraction(0))
        out += [(account_id, csm_id, Decimal(share.numerator) / Decimal(share.denominator))
                for (account_id, _), share in zip(accounts, shares, strict=True)]
    return out


def apportion(weights: Weights, accounts: pa.Array, amount: np.ndarray, cents: Mapping[str, int]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The integer rule: for the entries of ``weights`` (``accounts``: their account ids, ``amount``: their
    amounts in units, both by entry) paid ``cents`` by CSM, the order of the entries that get a share (by CSM
    then account), their credited amounts in units and their shares in cents."""
    encoded = pc.dictionary_encode(weights.csm_ids)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    pay = np.array([cents.get(c, 0) for c in encoded.dictionary.to_pylist()], dtype=np.int64)[codes] \
        if len(codes) else np.zeros(0, np.int64)
    chosen = np.flatnonzero((amount > 0) & (weights.num > 0) & (pay > 0))
    if not len(chosen):
        return chosen, np.zeros(0, np.int64), np.zeros(0, np.int64)
    owners, ids = weights.csm_ids.take(pa.array(chosen)), accounts.take(pa.array(chosen))
    order = chosen[pc.sort_indices(pa.table({"c": owners, "a": ids}),
                                   sort_keys=[("c", "ascending"), ("a", "ascending")]).to_numpy()]
    n = len(order)
    value, num, paid = amount[order], weights.num[order], pay[order]
    wide = int(np.abs(value).max()) * int(num.max()) * n >= _LIMIT
    if wide:   # a weight or a CSM's total might not fit 64 bits: Python integers
        value, num, paid = value.astype(object), num.astype(object), paid.astype(object)
    weight = value * num
    sorted_codes = codes[order]
    starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]])
    totals = np.add.reduceat(weight, starts)
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    total = totals[group]
    if not wide and int(paid.max()) * int(weight.max()) * 2 + int(totals.max()) >= 2 ** 63:
        weight, total, paid = weight.astype(object), total.astype(object), paid.astype(object)
    share = (2 * paid * weight + total) // (2 * total)
    share[np.lexsort((np.arange(n), -weight, group))[starts]] += paid[starts] - np.add.reduceat(share, starts)
    credited = (2 * value * num + weights.den) // (2 * weights.den)
    return order, np.asarray(credited), np.asarray(share)
