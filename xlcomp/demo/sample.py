"""Synthetic but realistic rosters and books of business (``xlcomp sample``).

Enterprise CSMs own a few large accounts, Mid-Market and SMB CSMs pooled books of many smaller
ones, Startup CSMs a mixed book; about a quarter of annual contracts renew in a quarter; churn is
likelier on unhealthy accounts; some CSMs join or leave inside the period. Everything is drawn
from one seeded NumPy generator, so a seed always gives the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from xlcomp.model.period import Period, parse_period

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PROFILES", "SegmentProfile", "sample_book"]

FIRST = ("Ava", "Ben", "Chloe", "Diego", "Elena", "Farah", "Gabriel", "Hana", "Isaac", "Jia", "Kofi", "Leila",
         "Marco", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wei", "Ximena",
         "Yusuf", "Zoe", "Aidan", "Bianca", "Caleb", "Dalia", "Emil", "Freya", "Hugo", "Ines", "Jonas", "Kira")
LAST = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Novak", "Ferreira", "Kowalski", "Nguyen", "Mensah",
        "Rossi", "Schmidt", "Alvarez", "Ibrahim", "Kaur", "O'Brien", "Petrov", "Yilmaz", "Silva", "Chen", "Dubois",
        "Andersen", "Costa", "Baker", "Mwangi", "Sato", "Larsen", "Romero", "Hughes", "Varga")
COMPANY_A = ("Acme", "Blue", "Cedar", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kite",
             "Lumen", "Maple", "Nimbus", "Orbit", "Pioneer", "Quartz", "Riverstone", "Summit", "Tidal", "Umbra",
             "Vertex", "Willow", "Xeno", "Yarrow", "Zenith")
COMPANY_B = ("Analytics", "Bank", "Logistics", "Health", "Retail", "Labs", "Energy", "Foods", "Media", "Systems",
             "Insurance", "Motors", "Pharma", "Software", "Telecom", "Travel")


@dataclass(frozen=True)
class SegmentProfile:
    """How a segment's CSMs and books look."""

    share_of_csms: float
    book_weight: float       # relative number of accounts per CSM
    arr_median: float        # median account ARR
    arr_sigma: float         # lognormal spread
    base_salary: float       # median base salary
    variable_share: float    # target variable / base


PROFILES: dict[str, SegmentProfile] = {
    "Enterprise": SegmentProfile(0.20, 1.0, 140_000, 0.7, 145_000, 0.30),
    "Mid-Market": SegmentProfile(0.30, 3.5, 38_000, 0.6, 118_000, 0.25),
    "SMB": SegmentProfile(0.35, 11.0, 9_000, 0.55, 92_000, 0.20),
    "Startup": SegmentProfile(0.15, 2.5, 18_000, 0.8, 105_000, 0.25),
}
ROLES = {"Enterprise": ("Senior CSM", "Principal CSM"), "Mid-Market": ("CSM", "Senior CSM"),
         "SMB": ("Associate CSM", "CSM"), "Startup": ("CSM", "Founding CSM")}


def _round_to(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(values / step) * step


def sample_book(csms: int = 40, accounts: int = 2000, seed: int = 7, period: str | Period = "2027-Q1"
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A roster of ``csms`` CSMs and a book of ``accounts`` accounts for ``period``."""
    import pandas as pd

    if csms < 1 or accounts < 0:
        raise ValueError("need at least one CSM and no negative number of accounts")
    the_period = period if isinstance(period, Period) else parse_period(period)
    rng = np.random.default_rng(seed)
    names = list(PROFILES)
    shares = np.array([PROFILES[s].share_of_csms for s in names])
    seg_index = rng.choice(len(names), size=csms, p=shares / shares.sum())
    if csms >= len(names):
        seg_index[: len(names)] = np.arange(len(names))  # every segment present
    segments = np.array(names)[seg_index]
    profile = [PROFILES[s] for s in segments]

    # roster
    ids = np.array([f"CSM-{i + 1:04d}" for i in range(csms)])
    first = rng.choice(FIRST, size=csms)
    last = rng.choice(LAST, size=csms)
    full_names = [f"{a} {b}" for a, b in zip(first, last, strict=True)]
    managers_n = max(1, csms // 8)
    manager_names = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(managers_n)]
    manager = [manager_names[i % managers_n] for i in range(csms)]
    base = _round_to(np.array([p.base_salary for p in profile]) * rng.normal(1, 0.08, csms), 500)
    variable = _round_to(base * np.array([p.variable_share for p in profile]) * rng.normal(1, 0.05, csms), 500)
    role = [ROLES[s][int(rng.random() < 0.35)] for s in segments]
    start_offsets = rng.integers(60, 6 * 365, size=csms)
    start = [the_period.start - timedelta(days=int(d)) for d in start_offsets]
    end: list[date | None] = [None] * csms
    days = the_period.days
    for i in range(csms):
        roll = rng.random()
        if roll < 0.06:     # hired inside the period
            start[i] = the_period.start + timedelta(days=int(rng.integers(1, days - 10)))
        elif roll < 0.10:   # leaves inside the period
            end[i] = the_period.start + timedelta(days=int(rng.integers(5, days - 1)))

    # books: accounts per CSM in proportion to the segment's book weight
    weights = np.array([p.book_weight for p in profile]) * rng.uniform(0.8, 1.2, csms)
    counts = np.floor(weights / weights.sum() * accounts).astype(int)
    remainder = accounts - counts.sum()
    if remainder > 0:
        np.add.at(counts, rng.choice(csms, size=remainder, replace=True, p=weights / weights.sum()), 1)
    owner = np.repeat(np.arange(csms), counts)
    n = len(owner)
    acct_segment = segments[owner]
    median = np.array([PROFILES[s].arr_median for s in names])[seg_index[owner]]
    sigma = np.array([PROFILES[s].arr_sigma for s in names])[seg_index[owner]]
    arr = _round_to(median * np.exp(rng.normal(0, 1, n) * sigma), 100)
    arr = np.maximum(arr, 1200)
    health = np.clip(rng.beta(5, 2.2, n) * 100, 0, 100).round(0)
    renews = rng.random(n) < min(1.0, 12 / the_period.per_year / 12 * 1.05) if the_period.per_year > 1 else \
        np.ones(n, dtype=bool)
    renewable = np.where(renews, arr, 0.0)
    churn_p = 0.02 + 0.25 * (1 - health / 100) ** 2
    churned = renews & (rng.random(n) < churn_p)
    downsell = renews & ~churned & (rng.random(n) < 0.12)
    renewed = np.where(churned, 0.0, renewable)
    renewed = np.where(downsell, _round_to(renewable * rng.uniform(0.7, 0.97, n), 100), renewed)
    upsell = np.where(rng.random(n) < 0.16 * (health / 80), _round_to(arr * rng.uniform(0.05, 0.35, n), 100), 0.0)
    cross = np.where(rng.random(n) < 0.08, _round_to(arr * rng.uniform(0.05, 0.25, n), 100), 0.0)
    contraction = np.where(~renews & (rng.random(n) < 0.05), _round_to(arr * rng.uniform(0.05, 0.2, n), 100), 0.0)
    nps_raw = np.clip(np.round(rng.normal(20 + 0.5 * (health - 60), 25, n)), -100, 100)
    nps = np.where(rng.random(n) < 0.7, nps_raw, np.nan)
    adoption = np.clip(rng.beta(2 + health / 25, 2.0, n), 0, 1).round(3)
    adoption = np.where(rng.random(n) < 0.95, adoption, np.nan)
    health_col = np.where(rng.random(n) < 0.97, health, np.nan)
    onboarding_planned = (rng.random(n) < 0.12).astype(int) * rng.integers(1, 4, n)
    onboarding_done = np.minimum(onboarding_planned, rng.binomial(onboarding_planned, 0.8))
    value_identified = np.where(rng.random(n) < 0.1, _round_to(arr * rng.uniform(0.1, 0.5, n), 100), 0.0)
    referrals = rng.poisson(0.04, n)
    risk = np.clip(np.round(100 - health + rng.normal(0, 10, n)), 0, 100)
    account_ids = [f"ACC-{i + 1:06d}" for i in range(n)]
    company = [f"{COMPANY_A[i % len(COMPANY_A)]} {COMPANY_B[(i // len(COMPANY_A)) % len(COMPANY_B)]}"
               for i in rng.permutation(n)] if n else []

    accounts_df = pd.DataFrame({
        "account_id": account_ids, "account_name": company, "csm_id": ids[owner], "segment": acct_segment,
        "arr_start": arr, "renewable_arr": renewable, "renewed_arr": renewed, "upsell_arr": upsell,
        "cross_sell_arr": cross, "contraction_arr": contraction, "health_score": health_col, "nps": nps,
        "adoption_rate": adoption, "onboarding_planned": onboarding_planned, "onboarding_done": onboarding_done,
        "value_identified_arr": value_identified, "referrals": referrals, "risk_score": risk,
    })

    book_arr = np.bincount(owner, weights=arr, minlength=csms)
    fraction = 1 / the_period.per_year
    quota_upsell = np.maximum(_round_to(book_arr * 0.10 * fraction, 1000), 5000)
    quota_cross = np.maximum(_round_to(book_arr * 0.05 * fraction, 1000), 2000)
    mbo = np.clip(rng.normal(0.95, 0.15, csms), 0.4, 1.3).round(2)
    available = np.full(csms, 480.0 * 4 / the_period.per_year)
    billable = np.clip(rng.normal(0.72, 0.1, csms), 0.3, 1.0) * available
    roster_df = pd.DataFrame({
        "csm_id": ids, "name": full_names, "segment": segments, "role": role, "base_salary": base,
        "target_variable": variable, "start_date": [d.isoformat() for d in start],
        "end_date": [d.isoformat() if d else "" for d in end], "manager": manager,
        "quota_upsell": quota_upsell, "quota_cross_sell": quota_cross,
        "referral_target": np.where(segments == "Enterprise", 2, 3), "mbo_score": mbo,
        "billable_hours": billable.round(1), "available_hours": available,
    })
    return roster_df, accounts_df


def with_assignment_columns(roster_df: pd.DataFrame, accounts_df: pd.DataFrame, seed: int = 7
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The roster and book of :func:`sample_book` with the columns book assignment reads (docs/assign.md):
    roster ``skill_retention`` and ``skill_expansion`` (0–1) and account ``upsell_potential`` and
    ``cross_sell_potential`` (white space), drawn from ``seed + 1`` so the book itself is unchanged."""
    rng = np.random.default_rng(seed + 1)
    roster_df, accounts_df = roster_df.copy(), accounts_df.copy()
    roster_df["skill_retention"] = np.round(rng.beta(4, 2.5, len(roster_df)), 2)
    roster_df["skill_expansion"] = np.round(rng.beta(3, 3, len(roster_df)), 2)
    arr = accounts_df["arr_start"].to_numpy(dtype=float)
    accounts_df["upsell_potential"] = np.round(arr * rng.uniform(0.05, 0.6, len(accounts_df)), -2)
    accounts_df["cross_sell_potential"] = np.round(arr * rng.uniform(0.0, 0.3, len(accounts_df)), -2)
    return roster_df, accounts_df
