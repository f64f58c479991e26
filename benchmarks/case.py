"""A benchmark case: what ours and the baseline do, and the ratio to meet."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Case:
    """A benchmark: what ours and the baseline do, and the ratio to meet."""

    name: str
    ours: str
    baseline: str
    target: float
    setup: Callable[[str, Path], Any]
    run_ours: Callable[[Any], Any]
    run_baseline: Callable[[Any], Any]
    notes: Callable[[Any], str] = lambda state: ""
