"""Fixtures of the recalc tests; the builders themselves are in :mod:`tests.recalc.builders`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .builders import plain_workbook


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """A good plain inputs workbook with the hand-worked plan."""
    return plain_workbook(tmp_path / "plain.xlsx")


@pytest.fixture
def monkeypatch_chunk() -> Iterator[Callable[[int], None]]:
    """Set the safety checks' read size (to cut XML at every place); restored afterwards."""
    from xlcomp.recalc import intake as safety

    original = safety._CHUNK

    def set_chunk(size: int) -> None:
        safety._CHUNK = size

    yield set_chunk
    safety._CHUNK = original
