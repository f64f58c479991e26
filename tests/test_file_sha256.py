"""inputs.json's SHA-256 of a file is hashlib's of its bytes, whatever its size against the chunks it is read in."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from xlcomp import run_inputs


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096 + 5])
def test_the_hash_of_every_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    monkeypatch.setattr(run_inputs, "_CHUNK", 4096)   # chunks of 4 KiB: a file of several, one, none
    data = bytes((i * 7 + 3) % 251 for i in range(size))
    path = tmp_path / "accounts.csv"
    path.write_bytes(data)
    assert run_inputs.file_sha256(path) == hashlib.sha256(data).hexdigest()
