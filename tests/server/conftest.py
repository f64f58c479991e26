"""A real ``xlcomp serve`` (uvicorn) on a free loopback port, shared by the live and browser tests.

:func:`start_serve` starts one with its output in a file and reads the token from the start-up URL it
prints (a random one, as Jupyter does), so the tests use the server as a person would."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``xlcomp serve``: its address, the token its start-up URL carried, its log file."""

    url: str
    token: str
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def auth(self) -> dict[str, str]:
        """The header that carries the token."""
        return {"Authorization": f"Bearer {self.token}"}

    def output(self) -> str:
        """What the server printed and logged so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Ctrl+C, as a person would stop it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


UPLOAD_URL = re.compile(r"(http://127\.0\.0\.1:\d+)/upload\?token=([A-Za-z0-9_-]+)")


def start_serve(log: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    """``xlcomp serve --host 127.0.0.1 --port N ARGS`` with its output in ``log``; waits until it answers
    and reads its token from the start-up URL (or from ``--token``)."""
    port = free_port()
    handle = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "xlcomp", "serve", "--host", "127.0.0.1", "--port", str(port),
                                "--log-level", "warning", *args], stdout=handle, stderr=subprocess.STDOUT,
                               env={**os.environ, "NO_COLOR": "1", "COLUMNS": "400", **(env or {})})
    handle.close()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"xlcomp serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base_url}/api/status", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("xlcomp serve did not answer within 30 s")
        time.sleep(0.1)
    found = UPLOAD_URL.search(log.read_text(encoding="utf-8"))
    token = found.group(2) if found else (args[args.index("--token") + 1] if "--token" in args else "")
    return Served(base_url, token, log, process)


@pytest.fixture(scope="session")
def served_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One ``xlcomp serve`` for the session, with a random token."""
    served = start_serve(tmp_path_factory.mktemp("serve") / "serve.log")
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="session")
def live_server(served_session: Served) -> str:
    """The session server's base URL."""
    return served_session.url
