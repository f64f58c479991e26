"""The earlier closes a close reads ahead, while its inputs load, are exactly what it would read itself."""

from __future__ import annotations

from decimal import Decimal as D

from tests.ledger.test_year import close
from tests.ledger.year import project
from xlcomp.ledger import open_ledger
from xlcomp.ledger.ahead import read_ahead
from xlcomp.ledger.close import COMPONENT_KINDS
from xlcomp.ledger.dated import load_versions
from xlcomp.ledger.records import csm_periods_from
from xlcomp.ledger.store import book_of, component_totals, csm_period_tables, csm_periods_of
from xlcomp.model.period import parse_period


def test_what_is_read_ahead_is_what_the_close_reads(tmp_path, db_url):
    files = project(tmp_path / "in")
    assert close(files, db_url, tmp_path / "q1", "2027-Q1", "2027-Q1") == 0
    _, plan = load_versions([files["plan"]])
    engine = open_ledger(db_url)
    try:
        ahead = read_ahead(engine, plan, parse_period("2027-Q2"), COMPONENT_KINDS)
        assert ahead is not None and ahead.read == {1}
        # Q1 by hand (test_year): C1 renewal 5,000.00 and upsell 10% of 40,000 = 4,000.00; C2 renewal
        # 2,500 x 0.666667 = 1,666.67 and upsell 500.00; C3 renewal 555.56 and upsell 0.00 (draws excluded)
        assert ahead.paid_of(1) == {("C1", "renewal"): D("5000.00"), ("C1", "upsell"): D("4000.00"),
                                 ("C2", "renewal"): D("1666.67"), ("C2", "upsell"): D("500.00"),
                                 ("C3", "renewal"): D("555.56"), ("C3", "upsell"): D("0.00")}
        with engine.connect() as connection:
            assert ahead.paid_of(1) == component_totals(connection, [1], COMPONENT_KINDS)[1]
            # the year to date's own component only: renewal
            assert ahead.paid_of(1, {"renewal"}) == component_totals(connection, [1], COMPONENT_KINDS, {"renewal"})[1] \
                == {("C1", "renewal"): D("5000.00"), ("C2", "renewal"): D("1666.67"), ("C3", "renewal"): D("555.56")}
            assert ahead.csm_tables[1].equals(csm_period_tables(connection, [1])[1])
            # C2's recoverable draw of 833.33 is owed back after Q1
            assert csm_periods_from(ahead.csm_tables[1]) == csm_periods_of(connection, [1])[1]
            assert csm_periods_from(ahead.csm_tables[1])["C2"].balance_out == D("833.33")
            kept = book_of(connection, 1)
            assert kept is not None and ahead.books[1].equals(kept)
        # the plan year's first period reads nothing of the year (only the balance chain's records)
        first = read_ahead(engine, plan, parse_period("2027-Q1"), COMPONENT_KINDS)
        assert first is not None and first.read == set() and first.books == {} and set(first.csm_tables) == {1}
    finally:
        engine.dispose()
