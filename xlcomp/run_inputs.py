"""``inputs.json``: what a ``calc`` or ``close`` was computed from, written beside its outputs.

Each input is recorded by its absolute path and SHA-256 (not copied: a book of a million accounts
is large, and the finance team keeps its files). ``xlcomp diff`` reads it to recompute each step
(A's inputs with B's plan, then B's roster, then B's accounts) and refuses, naming the file, when
an input has changed since the run (its hash differs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

__all__ = ["RUN_INPUTS", "file_sha256", "hashed_aside", "inputs_json", "inputs_record", "read_inputs"]

RUN_INPUTS = "inputs.json"
FORMAT = "xlcomp-inputs/1"
_CHUNK = 16 << 20


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """SHA-256 of a file's bytes, read in chunks of 16 MiB: hashlib lets go of the GIL for each chunk (a close
    hashes its inputs on a worker thread while its lines are worked out; chunks of 1 MiB took the GIL back 100
    times for a 100 MB accounts file, and a mapping of the whole file counted in the process's memory). ``stop``
    set: given up between chunks ("" returned)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
        size = os.fstat(handle.fileno()).st_size
        view = memoryview(bytearray(max(1, min(size, _CHUNK))))
        while read := handle.readinto(view):
            if stop is not None and stop.is_set():
                return ""
            digest.update(view[:read])
    return digest.hexdigest()


@contextlib.contextmanager
def hashed_aside(*paths: Path) -> Iterator[dict[Path, Future[str]]]:
    """The files' SHA-256 worked out on a thread of their own while the block reads them (for
    :func:`inputs_json`'s ``aside``); when the block fails, the hashing stops at its next chunk rather than
    keeping the command's error waiting."""
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="xlcomp-hash") as pool:
        try:
            yield {path: pool.submit(file_sha256, path, stop) for path in dict.fromkeys(paths)}
        except BaseException:
            stop.set()
            raise


def inputs_json(command: str, period: str, *, aside: Mapping[Path, Future[str]] | None = None,
                **files: Path | None) -> str:
    """The record of a run's inputs: ``files`` by name (plan, roster, accounts, adjustments, churn; None = not
    given) with absolute path and SHA-256 (of a file in ``aside``: that hash, worked out while the command ran)."""
    found = aside or {}

    def sha256(path: Path) -> str:
        hashed = found.get(path)
        return file_sha256(path) if hashed is None else hashed.result()

    return inputs_record(command, period, {name: None if path is None else (Path(path), sha256(Path(path)))
                                           for name, path in files.items()})


def inputs_record(command: str, period: str, files: Mapping[str, tuple[Path, str] | None]) -> str:
    """:func:`inputs_json` from hashes already computed: ``files`` by name -> (path, SHA-256) or None."""
    record: dict[str, Any] = {"format": FORMAT, "command": command, "period": period, "files": {}}
    for name, given in files.items():
        record["files"][name] = None if given is None else {"path": str(given[0].resolve()), "sha256": given[1]}
    return json.dumps(record, indent=2) + "\n"


def read_inputs(folder: Path) -> dict[str, Any] | None:
    """The ``inputs.json`` of an output folder, or None when it has none (an older run)."""
    path = Path(folder) / RUN_INPUTS
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) and data.get("format") == FORMAT else None
