"""The year's book: when every period lists the same accounts in the same order, the sums are added
column by column; otherwise one group-by. Both give the same accounts, always; and by hand."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.ledger.ytd import ytd_book
from xlcomp.model.people import Book

D = Decimal
AMOUNT = pa.decimal128(20, 4)
SCORE = pa.decimal128(12, 8)
KEEP = ["account_id", "csm_id", "arr_start", "renewable_arr", "renewed_arr", "segment", "health_score"]


def period(rows: list[tuple[str, str, Decimal, Decimal | None, Decimal | None]]) -> pa.Table:
    return pa.table({"account_id": [r[0] for r in rows], "csm_id": [r[1] for r in rows],
                     "segment": ["SMB"] * len(rows), "arr_start": pa.array([r[2] for r in rows], AMOUNT),
                     "renewable_arr": pa.array([r[3] for r in rows], AMOUNT),
                     "renewed_arr": pa.array([r[3] for r in rows], AMOUNT),
                     "upsell_arr": pa.array([D(1)] * len(rows), AMOUNT),
                     "health_score": pa.array([r[4] for r in rows], SCORE),
                     "_row": pa.array(range(len(rows)), pa.int32())})


def by_account(book: Book) -> dict[str, dict[str, object]]:
    return {row["account_id"]: {k: v for k, v in row.items() if k != "_row"} for row in book.table.to_pylist()}


def test_same_accounts_added_column_by_column_by_hand():
    # A1: 10 + 5 = 15 ARR, owner C2 (the latest period's), health 0.5 (the latest: scores are not summed);
    # A2: blank renewable both periods stays blank; upsell_arr is not kept: blank
    q1 = period([("A1", "C1", D(10), D(4), D("0.9")), ("A2", "C1", D(1), None, None)])
    q2 = period([("A1", "C2", D(5), D(6), D("0.5")), ("A2", "C1", D(2), None, None)])
    book = ytd_book([q1, q2], Book(q2, None), KEEP)  # type: ignore[arg-type]
    assert by_account(book)["A1"] == {"account_id": "A1", "csm_id": "C2", "segment": "SMB", "arr_start": D(15),
                                      "renewable_arr": D(10), "renewed_arr": D(10), "upsell_arr": None,
                                      "health_score": D("0.5")}
    assert by_account(book)["A2"]["renewable_arr"] is None and by_account(book)["A2"]["arr_start"] == D(3)


money = st.decimals(min_value=-10**6, max_value=10**6, places=4, allow_nan=False)
amounts = st.one_of(st.none(), money)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=12).flatmap(lambda n: st.lists(
    st.lists(st.tuples(st.sampled_from(["C1", "C2"]), money, amounts,
                       st.one_of(st.none(), st.decimals(min_value=0, max_value=1, places=8))),
             min_size=n, max_size=n), min_size=1, max_size=4)), st.randoms())
def test_added_and_grouped_books_agree(periods, random):
    tables = [period([(f"A{i:02d}", *row) for i, row in enumerate(rows)]) for rows in periods]
    template = Book(tables[-1], None)  # type: ignore[arg-type]
    added = ytd_book(tables, template, KEEP)   # the same ids in the same order: column by column
    shuffled = [t.take(pa.array(random.sample(range(t.num_rows), t.num_rows))) for t in tables[:-1]]
    grouped = ytd_book([*shuffled, tables[-1]], template, KEEP) if shuffled else added
    assert by_account(added) == by_account(grouped)
    assert added.table.schema == template.table.schema


def test_sums_keep_the_books_type_without_a_copy_and_refuse_what_it_cannot_hold():
    # Arrow adds decimal128(20, 4) columns into decimal128(21, 4): a sum that fits is the narrower column's
    # buffers as they are; one that does not is refused, as a cast would refuse it
    big = D("9999999999999999.9999")   # the largest decimal128(20, 4)
    q1 = period([("A1", "C1", big - 1, D(1), None), ("A2", "C1", D(-1), None, None)])
    q2 = period([("A1", "C1", D(1), D(2), None), ("A2", "C1", -big + 1, None, None)])
    book = ytd_book([q1, q2], Book(q2, None), KEEP)  # type: ignore[arg-type]
    assert book.table.schema == q2.schema
    assert by_account(book)["A1"]["arr_start"] == big and by_account(book)["A2"]["arr_start"] == -big
    over = period([("A1", "C1", D(2), D(1), None), ("A2", "C1", D(0), None, None)])
    with pytest.raises(pa.ArrowInvalid):
        ytd_book([q1, over], Book(over, None), KEEP)  # type: ignore[arg-type]
    sliced = ytd_book([q1.slice(1), q2.slice(1)], Book(q2.slice(1), None), KEEP)  # type: ignore[arg-type]
    assert by_account(sliced) == {"A2": by_account(book)["A2"]}


def test_a_wide_sum_narrowed_only_when_every_value_fits_beyond_the_default_precision():
    from xlcomp.ledger.ytd import _as_type

    wide, narrow = pa.decimal128(31, 4), pa.decimal128(30, 4)
    most = D(10) ** 26 - D("0.0001")   # 30 digits: the largest decimal128(30, 4), past a default context's 28
    fits = pa.chunked_array([pa.array([most, -most, None], wide)])
    assert _as_type(fits, narrow).type == narrow and _as_type(fits, narrow).to_pylist() == [most, -most, None]
    with pytest.raises(pa.ArrowInvalid):
        _as_type(pa.chunked_array([pa.array([D(10) ** 26], wide)]), narrow)
    assert _as_type(pa.chunked_array([pa.array([None], wide)]), narrow).to_pylist() == [None]
