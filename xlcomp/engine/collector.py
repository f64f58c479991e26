"""The cyclic garbage collector, paused while a run makes its many small records.

A run of 10,000 CSMs makes hundreds of thousands of containers (arrays of Decimals, per-CSM
records, the rows of payouts.csv) and no reference cycle that matters: reference counting frees
them. The collector would run hundreds of times, rescanning everything still alive, to find
nothing. It runs again afterwards, unless it was off already (as :mod:`xlcomp.recalc.job` does
while an upload is read).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block (or the decorated function), as it was afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
