"""Arrow decimal columns built straight from integers, for the loaders, the engine and the ledger alike."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["unscaled_decimals"]


def unscaled_decimals(unscaled: np.ndarray, target: pa.Decimal128Type, validity: pa.Buffer | None = None,
                      nulls: int = 0) -> pa.Array:
    """int64 values in units of ``10^-scale`` (each within ``target``'s precision: not checked here) as a
    ``target`` array, written straight into its buffer: each decimal128 is the low word, then the
    sign-extended high word (little-endian, as Arrow's buffers are on every machine xlcomp runs on)."""
    pairs = np.empty((len(unscaled), 2), dtype=np.int64)
    pairs[:, 0] = unscaled
    pairs[:, 1] = pairs[:, 0] >> 63
    return pa.Array.from_buffers(target, len(unscaled), [validity, pa.py_buffer(pairs)], null_count=nulls)
