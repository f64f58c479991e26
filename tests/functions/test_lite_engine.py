"""The engine on plain rows (:mod:`xlcomp.functions.lite_engine`, what xlwings Lite's scripts compute with)
pays what :func:`xlcomp.engine.run` pays, to the cent: every plan of the demo on its sample book, and random
books; the book sums worked by hand."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from xlcomp.demo.project import PRESETS, preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine import run
from xlcomp.functions.lite_engine import book_sums, csm_payouts
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.period import parse_period

D = Decimal
PERIOD = parse_period("2027-Q1")


def test_book_sums_by_hand() -> None:
    rows = [
        {"arr_start": D(100), "renewable_arr": D(100), "renewed_arr": D(0), "health_score": D(80), "nps": D(40)},
        {"arr_start": D(300), "renewable_arr": D(200), "renewed_arr": D(150), "health_score": None, "nps": D(-10)},
        {"arr_start": D(50), "renewable_arr": D(0), "renewed_arr": D(0), "health_score": D(20), "nps": None},
    ]
    sums = book_sums(rows)
    assert sums.sum("arr_start") == D(450)        # 100 + 300 + 50
    assert sums.sum("renewed_arr") == D(150)
    assert sums.accounts == 3
    assert sums.logos_churned == 1                # only the first: renewable 100, renewed 0
    assert sums.weighted_parts("health_score") == (D(9000), D(150))  # 100 x 80 + 50 x 20 over 100 + 50
    assert sums.nps == (D(30), 2)                 # 40 - 10 over two accounts with an nps
    assert book_sums([]).accounts == 0 and book_sums([]).sum("upsell_arr") == D(0)


def _agree(preset: str, csms: int, accounts: int, seed: int) -> int:
    plan = parse_plan(preset_text(preset))
    roster_df, accounts_df = sample_book(csms, accounts, seed, PERIOD)
    roster, book = load_inputs(plan, roster_df, accounts_df)
    first = roster.csms[0].csm_id
    # 1,234.565 and -34.565 round (half away from zero) to 1,234.57 and -34.57: the line pays 1,200.00
    adjustments = (Adjustment(first, D("1234.565"), "true-up"), Adjustment(first, D("-34.565"), "correction"))
    result = run(plan, roster, book, PERIOD, adjustments=adjustments)
    rows: dict[str, list[dict[str, Decimal | str | None]]] = {}
    for account in book.accounts():
        rows.setdefault(account.csm_id, []).append(dict(account.values))
    for csm, expected in zip(roster.csms, result.csms, strict=True):
        got = csm_payouts(plan, PERIOD, csm, rows.get(csm.csm_id, []), adjustments)
        assert got.payouts == {c.component.id: c.payout for c in expected.components}, (preset, csm.csm_id)
        assert got.adjustments == expected.adjustments_total and got.total == expected.total
        assert got.days == expected.days
    assert csm_payouts(plan, PERIOD, roster.csms[0], rows.get(first, []), adjustments).adjustments == D("1200.00")
    return len(roster.csms)


def test_every_demo_plan_on_the_demo_book() -> None:
    for preset in PRESETS:
        assert _agree(preset, 40, 2000, 7) == 40


@settings(max_examples=20, deadline=None)
@given(preset=st.sampled_from(PRESETS), csms=st.integers(1, 8), accounts=st.integers(0, 60),
       seed=st.integers(0, 10_000))
def test_random_books_agree_with_the_run(preset: str, csms: int, accounts: int, seed: int) -> None:
    assert _agree(preset, csms, accounts, seed) == csms
