"""Clawback shares, computed in bulk (SPEC section 9): for each clawback component and each CSM paid a
positive amount on it, every account with a positive amount on the component's metric gets

    share_a = ROUND(payout x amount_a / Σ amounts, 2)        (half away from zero)

in account_id order; the cent remainder goes to the account with the largest amount (ties: the first
account_id), so a CSM's shares add up to the payout exactly.

The rule is computed in integers: amounts as units of the book's decimal128 scale (10^-4), payouts
in cents, ``share = (2 x payout x amount + total) // (2 x total)`` (all positive: the half-up
rounding of the exact fraction). That is the exact value Decimal division rounds too: the quotient
of integers below 2^63 is never within 40 significant digits of a half cent without being on it.
Where a value would not fit 64-bit integers (or the book is not decimal128, or a payout has more
than two decimals) the same rule runs on Python Decimals (:func:`shares_decimal`, the reference the
tests compare against).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.model.metrics import metric_def
from xlcomp.model.people import Book
from xlcomp.model.plan import Component, Plan
from xlcomp.money import excel_round

__all__ = ["ShareBlock", "account_amounts", "shares_decimal", "shares_of"]

ZERO = Decimal(0)
_LIMIT = 2 ** 62


@dataclass(frozen=True)
class ShareBlock:
    """One clawback component's shares, sorted by csm_id then account_id: ids, amounts as integers of
    ``10^-scale`` and shares as integers of ``10^-share_scale`` (cents)."""

    component: str
    account_id: list[str]
    csm_id: list[str]
    amount: list[int]
    scale: int
    share: list[int]
    share_scale: int = 2

    def __len__(self) -> int:
        return len(self.account_id)

    def rows(self) -> Iterator[tuple[str, str, str, str, str]]:
        """(component, account_id, csm_id, amount text, share text) as the ledger stores them."""
        amounts = (_units_text(u, self.scale) for u in self.amount)
        cents = (_units_text(c, self.share_scale) for c in self.share)
        component = self.component
        for account_id, csm_id, amount, share in zip(self.account_id, self.csm_id, amounts, cents, strict=True):
            yield component, account_id, csm_id, amount, share

    def decimals(self) -> list[tuple[str, str, Decimal, Decimal]]:
        """(account_id, csm_id, amount, share) as Decimals."""
        return [(a, c, Decimal(u).scaleb(-self.scale), Decimal(s).scaleb(-self.share_scale))
                for a, c, u, s in zip(self.account_id, self.csm_id, self.amount, self.share, strict=True)]


def _units_text(units: int, scale: int) -> str:
    """The text of ``units x 10^-scale`` as ``f"{Decimal:f}"`` writes it (``31800.0000``, ``-0.01``)."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10 ** scale)
    return f"{sign}{whole}.{frac:0{scale}d}" if scale else f"{sign}{whole}"


def shares_of(plan: Plan, book: Book, payouts: Mapping[tuple[str, str], Decimal]) -> list[ShareBlock]:
    """Every clawback component's shares of the payouts (csm_id, component) -> amount."""
    out = []
    for component in plan.components:
        if component.clawback_days is None:
            continue
        block = _shares_vectorised(component, plan, book.table, payouts)
        out.append(block if block is not None else shares_decimal(component, plan, book.table, payouts))
    return out


def _integer_units(column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, int] | None:
    """A decimal128 column as int64 units of its scale (blank = 0); None when it does not fit."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_decimal128(array.type):
        return None
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=np.int64), array.type.scale
    raw = np.frombuffer(array.buffers()[1], dtype="<i8", count=2 * (array.offset + n))[2 * array.offset:]
    low, high = raw[0::2].copy(), raw[1::2]
    if array.null_count:
        low[~array.is_valid().to_numpy(zero_copy_only=False)] = 0
        high = np.where(array.is_valid().to_numpy(zero_copy_only=False), high, 0)
    if np.any(high != (low >> 63)) or (n and int(np.abs(low).max()) >= _LIMIT):
        return None
    return low, array.type.scale


def _shares_vectorised(component: Component, plan: Plan, table: pa.Table,
                       payouts: Mapping[tuple[str, str], Decimal]) -> ShareBlock | None:
    definition = metric_def(component.metric, set(plan.inputs))
    assert definition is not None
    columns = [_integer_units(table[name]) for name in definition.columns]
    if any(c is None for c in columns) or len({c[1] for c in columns if c is not None}) > 1:
        return None
    units = [c[0] for c in columns if c is not None]
    scale = columns[0][1] if columns[0] is not None else 0
    if component.metric == "churned_arr":
        amount = units[0] - units[1]
    else:
        amount = np.sum(units, axis=0) if len(units) > 1 else units[0]
    cents: dict[str, int] = {}
    for (csm_id, component_id), payout in payouts.items():
        if component_id == component.id and payout > 0:
            scaled = payout.scaleb(2)
            if scaled != scaled.to_integral_value():
                return None
            cents[csm_id] = int(scaled)
    encoded = pc.dictionary_encode(pc.fill_null(table["csm_id"], "")).combine_chunks()
    pay_of_csm = np.array([cents.get(c, 0) for c in encoded.dictionary.to_pylist()], dtype=np.int64)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    pay = pay_of_csm[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    chosen = np.flatnonzero((amount > 0) & (pay > 0))
    empty = ShareBlock(component.id, [], [], [], scale, [])
    if not len(chosen):
        return empty
    accounts = table["account_id"].take(pa.array(chosen))
    owners = encoded.dictionary.take(pa.array(codes[chosen]))
    order = pc.sort_indices(pa.table({"c": owners, "a": accounts}),
                            sort_keys=[("c", "ascending"), ("a", "ascending")]).to_numpy()
    amount, pay, group_codes = amount[chosen][order], pay[chosen][order], codes[chosen][order]
    n = len(order)
    starts = np.flatnonzero(np.r_[True, group_codes[1:] != group_codes[:-1]])
    totals = np.add.reduceat(amount, starts)
    if int(pay.max()) * int(amount.max()) * 2 + int(totals.max()) >= 2 ** 63:
        return None
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    total = totals[group]
    share = (2 * pay * amount + total) // (2 * total)
    remainder = pay[starts] - np.add.reduceat(share, starts)
    largest = np.lexsort((np.arange(n), -amount, group))[starts]   # per CSM: largest amount, then first account
    share[largest] += remainder
    taken = pa.array(order)
    return ShareBlock(component.id, accounts.take(taken).to_pylist(), owners.take(taken).to_pylist(), amount.tolist(),
                      scale, share.tolist())


def account_amounts(component: Component, plan: Plan, table: pa.Table) -> list[tuple[str, str, Decimal]]:
    """(account_id, csm_id, amount) of every account: what it adds to the component's metric."""
    definition = metric_def(component.metric, set(plan.inputs))
    assert definition is not None
    data = table.select(["account_id", "csm_id", *definition.columns]).to_pydict()
    columns = [[v if v is not None else ZERO for v in data[name]] for name in definition.columns]
    if component.metric == "churned_arr":
        amounts = [a - b for a, b in zip(columns[0], columns[1], strict=True)]
    else:
        amounts = [sum(values, ZERO) for values in zip(*columns, strict=True)]
    return list(zip(data["account_id"], data["csm_id"], amounts, strict=True))


def shares_decimal(component: Component, plan: Plan, table: pa.Table,
                   payouts: Mapping[tuple[str, str], Decimal]) -> ShareBlock:
    """The rule on Python Decimals, account by account (the reference; used when integers do not fit)."""
    by_csm: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for account_id, csm_id, amount in account_amounts(component, plan, table):
        if amount > 0 and payouts.get((csm_id, component.id), ZERO) > 0:
            by_csm[csm_id].append((account_id, amount))
    scale = max((-amount.as_tuple().exponent for rows in by_csm.values() for _, amount in rows  # type: ignore[operator]
                 ), default=0)
    share_scale = max((-payouts[(c, component.id)].as_tuple().exponent for c in by_csm), default=2)  # type: ignore[operator]
    share_scale = max(share_scale, 2)
    ids: list[str] = []
    owners: list[str] = []
    units: list[int] = []
    cents: list[int] = []
    for csm_id in sorted(by_csm):
        payout = payouts[(csm_id, component.id)]
        accounts = sorted(by_csm[csm_id])
        total = sum((amount for _, amount in accounts), ZERO)
        shares = [excel_round(payout * amount / total, 2) for _, amount in accounts]
        remainder = payout - sum(shares, ZERO)
        if remainder:
            largest = max(range(len(accounts)), key=lambda i: (accounts[i][1], -i))
            shares[largest] += remainder
        for (account_id, amount), share in zip(accounts, shares, strict=True):
            ids.append(account_id)
            owners.append(csm_id)
            units.append(int(amount.scaleb(scale)))
            cents.append(int(share.scaleb(share_scale)))
    return ShareBlock(component.id, ids, owners, units, scale, cents, share_scale)
