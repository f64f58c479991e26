"""Synthetic assignment inputs: :func:`xlcomp.demo.sample.sample_book` plus skills and white space."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["sample_assignment"]


def sample_assignment(csms: int = 40, accounts: int = 2000, seed: int = 7, period: str = "2027-Q1"
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A roster with ``skill_retention``/``skill_expansion`` and a book with ``upsell_potential``/
    ``cross_sell_potential``, from the sample generator (same seed, same book)."""
    from xlcomp.demo.sample import sample_book

    roster, book = sample_book(csms, accounts, seed, period)
    rng = np.random.default_rng(seed + 1)
    roster = roster.copy()
    book = book.copy()
    roster["skill_retention"] = np.round(rng.beta(4, 2.5, len(roster)), 2)
    roster["skill_expansion"] = np.round(rng.beta(3, 3, len(roster)), 2)
    arr = book["arr_start"].to_numpy(dtype=float)
    book["upsell_potential"] = np.round(arr * rng.uniform(0.05, 0.6, len(book)), -2)
    book["cross_sell_potential"] = np.round(arr * rng.uniform(0.0, 0.3, len(book)), -2)
    return roster, book
