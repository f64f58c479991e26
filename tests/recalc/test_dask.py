"""``xlcomp recalc --dask``: the same per-file work on a real Dask cluster, a ``dask scheduler`` and
two ``dask worker`` processes started on loopback, gives the same payouts.csv and report.json as
the local process pool."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from xlcomp.cli import main

from .builders import plain_workbook, recalc_file

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process group this test started: politely, then for good."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A scheduler and two single-threaded worker processes on 127.0.0.1; yields the address."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{free_port()}"
    log = (folder / "cluster.log").open("wb")
    scheduler = subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                                  "--no-dashboard"], stdout=log, stderr=log, start_new_session=True, cwd=folder)
    workers = subprocess.Popen([DASK, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard",
                                "--local-directory", str(folder), "--death-timeout", "60"],
                               stdout=log, stderr=log, start_new_session=True, cwd=folder)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline or scheduler.poll() is not None:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        stop(workers)
        stop(scheduler)
        log.close()


def test_dask_gives_the_same_results_as_the_local_pool(cluster: str, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fresh = recalc_file(plain_workbook(inbox / "inputs.xlsx"))
    assert fresh.workbook is not None
    (inbox / "returned.xlsx").write_bytes(fresh.workbook)
    book = openpyxl.load_workbook(inbox / "returned.xlsx")
    book["CSM-A Ava Okafor"]["B10"] = "typed"  # whatever that cell is, a computed cell typed over
    book.save(inbox / "typed.xlsx")
    plain_workbook(inbox / "tables.xlsx", as_tables=True)
    (inbox / "empty.xlsx").write_bytes(b"")
    (inbox / "cut.xlsx").write_bytes((inbox / "inputs.xlsx").read_bytes()[:900])
    local, remote = tmp_path / "local", tmp_path / "dask"
    assert main(["recalc", str(inbox), "--out", str(local), "--workers", "2", "--quiet"]) == 1
    assert main(["recalc", str(inbox), "--out", str(remote), "--dask", cluster, "--quiet"]) == 1
    assert (remote / "payouts.csv").read_bytes() == (local / "payouts.csv").read_bytes()
    assert (remote / "report.json").read_bytes() == (local / "report.json").read_bytes()
    report = json.loads((remote / "report.json").read_text(encoding="utf-8"))
    assert [Path(e["file"]).name for e in report] == ["cut.xlsx", "empty.xlsx", "inputs.xlsx", "returned.xlsx",
                                                       "tables.xlsx", "typed.xlsx"]
    assert [e["status"] for e in report] == ["rejected", "rejected", "ok", "ok", "ok", "overridden"]
    for name in ("inputs.xlsx", "returned.xlsx", "tables.xlsx", "typed.xlsx"):
        assert (remote / name).is_file() and recalc_file(remote / name).status == "ok"
    # the payouts of a file are the same wherever it was computed
    rows = (remote / "payouts.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 4 * 4


def test_dask_resume(cluster: str, tmp_path: Path) -> None:
    uploads = [plain_workbook(tmp_path / f"u{i}.xlsx") for i in range(3)]
    out = tmp_path / "out"
    assert main(["recalc", *map(str, uploads[:2]), "--out", str(out), "--dask", cluster, "--quiet"]) == 0
    assert main(["recalc", *map(str, uploads), "--out", str(out), "--dask", cluster, "--resume", "--quiet"]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [e["status"] for e in report] == ["ok", "ok", "ok"]
    assert len((out / "payouts.csv").read_text(encoding="utf-8").splitlines()) == 1 + 3 * 4
