"""Clawback shares, computed in bulk (SPEC section 9): for each clawback component and each CSM paid a
positive amount on it, every account with a positive amount on the component's metric gets

    share_a = ROUND(payout x amount_a / Σ amounts, 2)        (half away from zero)

in account_id order; the cent remainder goes to the account with the largest amount (ties: the first
account_id), so a CSM's shares add up to the payout exactly.

The rule is computed in integers: amounts as units of the book's decimal128 scale (10^-4), payouts
in cents, ``share = (2 x payout x amount + total) // (2 x total)`` (all positive: the half-up
rounding of the exact fraction), in int64 (Python integers where the products need more bits).
That is the exact value Decimal division rounds too: the quotient of integers this size is never
within 40 significant digits of a half cent without being on it. Where the amounts would not fit
64-bit integers (or the book is not decimal128, or a payout has more than two decimals) the same
rule runs on Python Decimals (:func:`shares_decimal`, the reference the tests compare against).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from xlcomp.ledger.share_weights import (
    Weights,
    apportion,
    credit_weights,
    part_of,
    part_weights,
    shares_fraction,
    units,
)
from xlcomp.model.columns import unscaled_decimals
from xlcomp.model.metrics import metric_def
from xlcomp.model.people import Book
from xlcomp.model.plan import Component, Plan
from xlcomp.money import excel_round

if TYPE_CHECKING:
    from xlcomp.engine.run import RunResult

__all__ = ["WINDOW_KEY", "ShareBlock", "account_amounts", "ipc_bytes", "shares_decimal", "shares_of"]

ZERO = Decimal(0)
_LIMIT = 2 ** 62


@dataclass(frozen=True)
class ShareBlock:
    """One clawback component's shares, sorted by csm_id then account_id: a table of account_id, csm_id,
    amount (the account's amount on the metric) and share (decimal128)."""

    component: str
    table: pa.Table

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def content(self) -> bytes:
        """The table as compressed Arrow IPC, what ``ledger_share_sets`` stores."""
        return ipc_bytes(self.table)

    def decimals(self) -> list[tuple[str, str, Decimal, Decimal]]:
        """(account_id, csm_id, amount, share) as Python values."""
        data = self.table.to_pydict()
        return list(zip(data["account_id"], data["csm_id"], data["amount"], data["share"], strict=True))


WINDOW_KEY = b"clawback_days"


def ipc_bytes(table: pa.Table) -> bytes:
    """A table as zstd-compressed Arrow IPC."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    return sink.getvalue()


def _decimal_array(units: np.ndarray, scale: int) -> pa.Array:
    """int64 units of ``10^-scale`` as a decimal128(38, scale) array."""
    return unscaled_decimals(units, pa.decimal128(38, scale))


def _block(component: str, accounts: pa.Array, owners: pa.Array, amount: pa.Array, share: pa.Array) -> ShareBlock:
    return ShareBlock(component, pa.table({"account_id": accounts.cast(pa.string()), "csm_id": owners.cast(pa.string()),
                                           "amount": amount, "share": share}))


def shares_of(plan: Plan, book: Book, payouts: Mapping[tuple[str, str], Decimal],
              run: RunResult | None = None, only: Collection[str] | None = None) -> list[ShareBlock]:
    """Every clawback component's shares of the payouts (csm_id, component) -> amount (``only``: of these
    components). With ``run``, the run the payouts come from: when it credited moved or split accounts, or a
    plan version split its period, the shares follow what it credited (:mod:`xlcomp.ledger.share_weights`);
    otherwise the accounts file's csm_id."""
    out = []
    credited: Weights | None = None
    encodings: list[pa.DictionaryArray] = []   # the book's csm_id dictionary-encoded once for every component
    for component in plan.components:
        if component.clawback_days is None or (only is not None and component.id not in only):
            continue
        weights = None
        if run is not None and run.parts:
            span = part_of(component, run.parts)
            if span is not None:
                weights = part_weights(component, book, *span, run.period)
        elif run is not None and len(run.credit_rows):
            credited = credited or credit_weights(book, run.credit_rows)
            weights = credited
        elif run is not None and component.window is not None:   # a SPIF: only the accounts booked in its window
            weights = part_weights(component, book, run.period.start, run.period.end, run.period)
        if weights is not None:
            block = _weighted(component, plan, book, payouts, weights)
        else:
            found = _shares_vectorised(component, plan, book.table, payouts, encodings)
            block = found if found is not None else shares_decimal(component, plan, book.table, payouts)
        out.append(_with_window(block, component.clawback_days))
    return out


def _with_window(block: ShareBlock, days: int) -> ShareBlock:
    """The block with the paying plan's clawback window kept in its table's metadata (``clawback_days``): a
    later close whose plan no longer has the component (a SPIF of an earlier quarter) claws back on it."""
    return ShareBlock(block.component, block.table.replace_schema_metadata({WINDOW_KEY: str(days).encode()}))


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


def _amount_units(component: Component, plan: Plan, table: pa.Table) -> tuple[np.ndarray, int] | None:
    """Each account's amount on the component's metric as int64 units of the book's scale (None: it does not
    fit, or the columns are not decimal128 of one scale)."""
    definition = metric_def(component.metric, set(plan.inputs))
    assert definition is not None
    columns = [_integer_units(table[name]) for name in definition.columns]
    if any(c is None for c in columns) or len({c[1] for c in columns if c is not None}) > 1:
        return None
    units = [c[0] for c in columns if c is not None]
    scale = columns[0][1] if columns[0] is not None else 0
    if component.metric == "churned_arr":
        return units[0] - units[1], scale
    return (np.sum(units, axis=0) if len(units) > 1 else units[0]), scale


def _cents(component: Component, payouts: Mapping[tuple[str, str], Decimal]) -> tuple[pa.Array, np.ndarray] | None:
    """The csm_ids paid a positive amount on the component and the amounts in cents, int64 (None: an amount with
    more places than cents, or past 2^62 cents)."""
    positive = [(key[0], payout) for key, payout in payouts.items() if key[1] == component.id and payout > 0]
    try:   # Arrow refuses a value it would have to round into cents
        cents = _integer_units(pa.array([payout for _, payout in positive], pa.decimal128(38, 2)))
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
        return None
    if cents is None:
        return None
    return pa.array([csm_id for csm_id, _ in positive], pa.string()), cents[0]


def _shares_vectorised(component: Component, plan: Plan, table: pa.Table,
                       payouts: Mapping[tuple[str, str], Decimal], encodings: list[pa.DictionaryArray] | None = None
                       ) -> ShareBlock | None:
    """``encodings``: the book's csm_id dictionary-encoded, when an earlier component encoded it (else encoded
    here, and kept there)."""
    found = _amount_units(component, plan, table)
    paid = _cents(component, payouts)
    if found is None or paid is None:
        return None
    (amount, scale), (paid_ids, cents) = found, paid
    if encodings:
        encoded = encodings[0]
    else:
        encoded = pc.dictionary_encode(pc.fill_null(table["csm_id"], "")).combine_chunks()
        if encodings is not None:
            encodings.append(encoded)
    where = pc.index_in(encoded.dictionary, value_set=paid_ids)   # each owner's place among the paid (blank: unpaid)
    pay_of_csm = np.zeros(len(where), dtype=np.int64)
    if len(cents):
        paid_here = where.is_valid().to_numpy(zero_copy_only=False)
        pay_of_csm[paid_here] = cents[pc.fill_null(where, 0).to_numpy(zero_copy_only=False)[paid_here]]
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    pay = pay_of_csm[codes] if len(codes) else np.zeros(0, dtype=np.int64)
    chosen = np.flatnonzero((amount > 0) & (pay > 0))
    if not len(chosen):
        nothing = np.zeros(0, dtype=np.int64)
        return _block(component.id, pa.array([], pa.string()), pa.array([], pa.string()),
                      _decimal_array(nothing, scale), _decimal_array(nothing, 2))
    accounts = table["account_id"].take(pa.array(chosen))
    owners = encoded.dictionary.take(pa.array(codes[chosen]))
    order = pc.sort_indices(pa.table({"c": owners, "a": accounts}),
                            sort_keys=[("c", "ascending"), ("a", "ascending")]).to_numpy()
    amount, pay, group_codes = amount[chosen][order], pay[chosen][order], codes[chosen][order]
    n = len(order)
    if int(amount.max()) * n >= _LIMIT:   # a CSM's total might not fit 64 bits
        return None
    starts = np.flatnonzero(np.r_[True, group_codes[1:] != group_codes[:-1]])
    totals = np.add.reduceat(amount, starts)
    group = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    total = totals[group]
    if int(pay.max()) * int(amount.max()) * 2 + int(totals.max()) < 2 ** 63:
        share = (2 * pay * amount + total) // (2 * total)
    else:   # the products need more than 64 bits: Python integers, element by element (a share fits again)
        wide = total.astype(object)
        share = ((2 * pay.astype(object) * amount.astype(object) + wide) // (2 * wide)).astype(np.int64)
    remainder = pay[starts] - np.add.reduceat(share, starts)
    largest = np.lexsort((np.arange(n), -amount, group))[starts]   # per CSM: largest amount, then first account
    share[largest] += remainder
    taken = pa.array(order)
    return _block(component.id, accounts.take(taken), owners.take(taken), _decimal_array(amount, scale),
                  _decimal_array(share, 2))


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
    ids: list[str] = []
    owners: list[str] = []
    amounts: list[Decimal] = []
    values: list[Decimal] = []
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
            amounts.append(amount)
            values.append(share)
    return _block(component.id, pa.array(ids, pa.string()), pa.array(owners, pa.string()),
                  pa.array(amounts, _wide(amounts)), pa.array(values, _wide(values, 2)))


def _wide(values: list[Decimal], least: int = 0) -> pa.DataType:
    """decimal128(38, s) holding every value exactly (s: the most decimals among them)."""
    scale = max([least, *(-v.as_tuple().exponent for v in values)])  # type: ignore[operator]
    return pa.decimal128(38, scale)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _units_array(values: np.ndarray, scale: int) -> pa.Array:
    """Integer units of ``10^-scale`` (int64 or Python integers) as a decimal128(38, scale) array."""
    if values.dtype != object:
        return _decimal_array(values, scale)
    if not len(values) or int(np.abs(values).max()) < 2 ** 63:
        return _decimal_array(values.astype(np.int64), scale)
    return pa.array([Decimal(f"{int(v)}E-{scale}") for v in values], pa.decimal128(38, scale))


def _weighted(component: Component, plan: Plan, book: Book, payouts: Mapping[tuple[str, str], Decimal],
              weights: Weights) -> ShareBlock:
    """A component's shares over the credited ``weights`` (:func:`xlcomp.ledger.share_weights.apportion`)."""
    table = book.table
    found = _amount_units(component, plan, table)
    if found is None:   # amounts past int64 or of several scales: exact Python integers at the widest scale
        amounts = [a for _, _, a in account_amounts(component, plan, table)]
        scale = max([0, *(_places(a) for a in amounts)])
        amount = np.array([units(a, scale) for a in amounts] or [0], dtype=object)[:len(amounts)]
    else:
        amount, scale = found
    mine = {csm_id: payout for (csm_id, component_id), payout in payouts.items() if component_id == component.id}
    accounts = table["account_id"].take(pa.array(weights.positions)).combine_chunks().cast(pa.string())
    taken = amount[weights.positions]
    if any(p > 0 and p.scaleb(2) != p.scaleb(2).to_integral_value() for p in mine.values()):
        return _weighted_fraction(component.id, accounts, taken, weights, mine, scale)
    cents = {csm_id: int(p.scaleb(2)) for csm_id, p in mine.items() if p > 0}
    order, credited, share = apportion(weights, accounts, taken, cents)
    picked = pa.array(order, pa.int64())
    return _block(component.id, accounts.take(picked), weights.csm_ids.take(picked), _units_array(credited, scale),
                  _units_array(share, 2))


def _weighted_fraction(component_id: str, accounts: pa.Array, amount: np.ndarray, weights: Weights,
                       payouts: Mapping[str, Decimal], scale: int) -> ShareBlock:
    """The same rule on fractions, for payouts that are not whole cents (the component lines always are)."""
    ids, owners = accounts.to_pylist(), weights.csm_ids.to_pylist()
    entries = [(a, c, Fraction(int(v) * int(n))) for a, c, v, n in zip(ids, owners, amount, weights.num, strict=True)]
    credited = {(a, c): (2 * int(v) * int(n) + weights.den) // (2 * weights.den)
                for a, c, v, n in zip(ids, owners, amount, weights.num, strict=True)}
    found = shares_fraction(entries, payouts)
    return _block(component_id, pa.array([f[0] for f in found], pa.string()),
                  pa.array([f[1] for f in found], pa.string()),
                  pa.array([Decimal(f"{credited[(f[0], f[1])]}E-{scale}") for f in found], pa.decimal128(38, scale)),
                  pa.array([f[2] for f in found], _wide([f[2] for f in found], 2)))
