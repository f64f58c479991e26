"""inputs.json's SHA-256 of a file is hashlib's of its bytes, whatever its size against the chunks it is read in."""

from __future__ import annotations

import hashlib
import threading
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


def test_files_hashed_aside_are_hashed_as_read(tmp_path: Path) -> None:
    # calc hashes its roster and accounts on a thread while it loads them: the same SHA-256, each file once
    roster, accounts = tmp_path / "roster.csv", tmp_path / "accounts.csv"
    roster.write_bytes(b"csm_id\nC1\n")
    accounts.write_bytes(b"account_id,csm_id\nA1,C1\n" * 1000)
    with run_inputs.hashed_aside(accounts, roster, accounts) as aside:
        assert list(aside) == [accounts, roster]
        text = run_inputs.inputs_json("calc", "2027-Q1", aside=aside, roster=roster, accounts=accounts)
    assert f'"sha256": "{hashlib.sha256(accounts.read_bytes()).hexdigest()}"' in text
    assert f'"sha256": "{hashlib.sha256(roster.read_bytes()).hexdigest()}"' in text


def test_a_failed_command_stops_its_hashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an input error is reported at once: the hashing aside is told to stop (between chunks) rather than waited for
    seen: list[bool] = []

    def hashing(path: Path, stop: threading.Event) -> str:
        seen.append(stop.wait(timeout=10))
        return ""

    monkeypatch.setattr(run_inputs, "file_sha256", hashing)
    with pytest.raises(ValueError, match="bad input"), run_inputs.hashed_aside(tmp_path / "accounts.csv"):
        raise ValueError("bad input")
    assert seen == [True]


def test_a_stopped_hash_gives_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_inputs, "_CHUNK", 4096)
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"x" * 5 * 4096)
    stop = threading.Event()
    assert run_inputs.file_sha256(path, stop) == hashlib.sha256(path.read_bytes()).hexdigest()
    stop.set()
    assert run_inputs.file_sha256(path, stop) == ""
