"""Quotas from the book, worked by hand (segment defaults: Enterprise renews 0.95, upsell white space 0.30,
cross-sell 0.20, capture 0.40, capacity 15; SMB 0.88, 0.20, 0.10, 0.30, 150)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from tests.conftest import csv_file
from xlcomp.errors import InputError
from xlcomp.model.period import parse_period
from xlcomp.roi.quotas import SEGMENT_DEFAULTS, load_quota_inputs, propose_quotas, quotas_csv

ROSTER = "csm_id,name,segment,base_salary,target_variable,start_date,end_date,quota_upsell"
ACCOUNTS = "account_id,csm_id,segment,arr_start,renewable_arr,renewed_arr,upsell_potential,cross_sell_potential"


@pytest.fixture
def book(tmp_path):
    """Q-1 Enterprise, full quarter; Q-2 SMB hired 2027-02-15 (45 of 90 days); Q-3 no accounts."""
    csv_file(tmp_path / "roster.csv", ROSTER,
             "Q-1,Ada Lovelace,Enterprise,150000,45000,2020-01-01,,5000",
             "Q-2,Alan Turing,SMB,90000,20000,2027-02-15,,5000",
             "Q-3,Grace Hopper,Mid-Market,110000,25000,2020-01-01,,5000")
    csv_file(tmp_path / "accounts.csv", ACCOUNTS,
             "E-1,Q-1,Enterprise,400000,100000,100000,200000,",   # upsell given; cross-sell 0.20 x 400,000
             "E-2,Q-1,,100000,100000,90000,,",                    # blank segment: the CSM's (Enterprise)
             "S-1,Q-2,SMB,10000,10000,10000,0,",                  # an explicit 0 is 0
             "S-2,Q-2,SMB,300000,0,0,,")
    return tmp_path


def _rows(book, period=None, **options):
    _raw, roster, accounts, potentials = load_quota_inputs(book / "roster.csv", book / "accounts.csv")
    return propose_quotas(roster, accounts, potentials, parse_period(period) if period else None, **options)


def test_quotas_for_a_quarter_by_hand(book):
    q1, q2, q3 = _rows(book, "2027-Q1")
    # renewal (100,000 + 100,000) x 0.95 = 190,000
    #      upsell white space 200,000 + 0.30 x 100,000 = 230,000; x 0.40 capture x 1/4 = 23,000
    #      cross-sell 0.20 x 400,000 + 0.20 x 100,000 = 100,000; x 0.40 x 1/4 = 10,000
    #      effective accounts 500,000² / (400,000² + 100,000²) = 1.470588…, under capacity: coverage 1
    assert (q1.quota_renewal, q1.quota_upsell, q1.quota_cross_sell) == (D(190000), D(23000), D(10000))
    assert (q1.upsell_white_space, q1.cross_sell_white_space) == (D(230000), D(100000))
    assert q1.effective_accounts == D(25) / D(17) and q1.coverage == 1 and q1.accounts == 2
    # renewal 10,000 x 0.88 = 8,800
    #      upsell 0 + 0.20 x 300,000 = 60,000; x 0.30 x 1/4 x 0.5 (45 of 90 days) = 2,250
    #      cross 0.10 x 10,000 + 0.10 x 300,000 = 31,000; x 0.30 x 1/4 x 0.5 = 1,162.5 -> 1,163 (half away)
    assert (q2.quota_renewal, q2.quota_upsell, q2.quota_cross_sell) == (D(8800), D(2250), D(1163))
    assert q2.proration == D("0.5")
    # Q-3 has no accounts: every quota is the 1,000 minimum, so calc never meets a zero quota
    assert (q3.quota_renewal, q3.quota_upsell, q3.quota_cross_sell) == (D(1000), D(1000), D(1000))


def test_without_a_period_the_expansion_quotas_are_annual(book):
    q1, q2, _ = _rows(book)
    assert (q1.quota_renewal, q1.quota_upsell, q1.quota_cross_sell) == (D(190000), D(92000), D(40000))
    assert (q2.quota_upsell, q2.quota_cross_sell) == (D(18000), D(9300))  # no proration either


def test_a_book_beyond_capacity_is_discounted(book):
    # Capacity 1 account for Enterprise: coverage 1 / (25/17) = 0.68 -> upsell 23,000 x 0.68 = 15,640
    defaults = dict(SEGMENT_DEFAULTS)
    defaults["Enterprise"] = dataclasses.replace(defaults["Enterprise"], capacity=1)
    q1, _, _ = _rows(book, "2027-Q1", defaults=defaults)
    assert q1.coverage == D("0.68")
    assert (q1.quota_renewal, q1.quota_upsell, q1.quota_cross_sell) == (D(190000), D(15640), D(6800))


def test_concentration_counts_as_fewer_accounts(tmp_path):
    # 10 equal accounts are 10 effective accounts; one with 91% of the ARR and nine of 1% are
    # 1 / (0.91² + 9 x 0.01²) = 1.206…: a concentrated book is worked like one big relationship.
    csv_file(tmp_path / "roster.csv", ROSTER, "F-1,Flat,SMB,1,1,2020-01-01,,1",
             "C-1,Concentrated,SMB,1,1,2020-01-01,,1")
    rows = [f"F{i},F-1,SMB,10000,0,0,," for i in range(10)]
    rows += ["C0,C-1,SMB,91000,0,0,,"] + [f"C{i},C-1,SMB,1000,0,0,," for i in range(1, 10)]
    csv_file(tmp_path / "accounts.csv", ACCOUNTS, *rows)
    flat, concentrated = _rows(tmp_path)
    assert flat.effective_accounts == 10
    assert concentrated.effective_accounts == D(100000) ** 2 / (D(91000) ** 2 + 9 * D(1000) ** 2)


def test_the_output_is_the_roster_with_quota_columns(book):
    raw, roster, accounts, potentials = load_quota_inputs(book / "roster.csv", book / "accounts.csv")
    text = quotas_csv(raw, roster, propose_quotas(roster, accounts, potentials, parse_period("2027-Q1")))
    assert text == (
        "csm_id,name,segment,base_salary,target_variable,start_date,end_date,quota_upsell,quota_renewal,"
        "quota_cross_sell\n"
        "Q-1,Ada Lovelace,Enterprise,150000,45000,2020-01-01,,23000,190000,10000\n"
        "Q-2,Alan Turing,SMB,90000,20000,2027-02-15,,2250,8800,1163\n"
        "Q-3,Grace Hopper,Mid-Market,110000,25000,2020-01-01,,1000,1000,1000\n")


def test_bad_potentials_name_their_cell(book):
    (book / "accounts.csv").write_text((book / "accounts.csv").read_text()
                                       .replace("E-1,Q-1,Enterprise,400000,100000,100000,200000,",
                                                "E-1,Q-1,Enterprise,400000,100000,100000,lots,")
                                       .replace("S-1,Q-2,SMB,10000,10000,10000,0,",
                                                "S-1,Q-2,SMB,10000,10000,10000,0,-5"))
    with pytest.raises(InputError) as caught:
        load_quota_inputs(book / "roster.csv", book / "accounts.csv")
    text = str(caught.value)
    assert 'accounts.csv:2 upsell_potential: "lots" is not a number' in text
    assert "accounts.csv:4 cross_sell_potential: -5.0000 is negative" in text
