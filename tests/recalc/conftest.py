"""Fixtures of the recalc tests; the builders themselves are in :mod:`tests.recalc.builders`."""

from __future__ import annotations

from pathlib import Path

import pytest

from .builders import plain_workbook


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    """A good plain inputs workbook with the hand-worked plan."""
    return plain_workbook(tmp_path / "plain.xlsx")
