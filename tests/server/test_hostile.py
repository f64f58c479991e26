"""``xlcomp serve`` against a hostile client, on loopback: a real uvicorn, real sockets, real files.

Each test is an attack that worked before SPEC section 12 was delivered (the issue "The server and the
intake hold against hostile clients"): no token, any Host, cross-origin form posts, a CORS list that
took ``evilofficeapps.live.com``, five stalled uploads locking everyone out, the engine on the event
loop, 500s for deeply nested bodies, tracebacks for clients that go away, misleading messages for odd
file names.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from xlcomp.server.app import _nesting

from .conftest import Served, free_port, start_serve
from .upload_files import HAND_PLAN, plain_workbook

BODY_TIMEOUT = 2.0
TIERS = [[index + 1, 1 + index % 7 / 10] for index in range(62_000)] + [["", 1]]
DEEP_JSON = b'{"args": ' + b"[" * 1000 + b"]" * 1000 + b"}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``xlcomp serve`` with a random token (read from the URL it printed) and a short body timeout."""
    served = start_serve(tmp_path_factory.mktemp("hostile") / "serve.log", "--body-timeout", str(BODY_TIMEOUT))
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plain_workbook(tmp_path_factory.mktemp("hostile-files") / "plain.xlsx")


def upload(client: httpx.Client, workbook: Path, **kwargs: object) -> httpx.Response:
    return client.post("/api/recalc", files=[("files", (workbook.name, workbook.read_bytes())),
                                             ("plan", ("hand.yaml", HAND_PLAN.encode()))],
                       data={"period": "2027-Q1"}, **kwargs)  # type: ignore[arg-type]


def raw_request(url: str, head: str, body: bytes = b"") -> socket.socket:
    """A socket to the server that has sent ``head`` (request line and headers) and ``body``."""
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=30)
    connection.sendall(head.replace("\n", "\r\n").encode("latin-1") + b"\r\n" + body)
    return connection


def read_answer(connection: socket.socket, seconds: float) -> bytes:
    """What the server sends until it closes the connection or ``seconds`` pass."""
    connection.settimeout(0.2)
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            break
        if not chunk:
            break
        received += chunk
        if b"\r\n\r\n" in received and b'"}' in received:
            break
    return received


# ---------------------------------------------------------------------------------------------
# the token


def test_the_start_up_url_carries_a_random_token(server):
    line = next(line for line in server.output().splitlines() if "/upload?token=" in line)
    assert re.search(r"http://127\.0\.0\.1:\d+/upload\?token=[A-Za-z0-9_-]{40,}$", line.strip()), line
    assert len(server.token) >= 40


def test_the_upload_side_needs_the_token(server, workbook):
    with httpx.Client(base_url=server.url, timeout=60) as anyone:
        page = anyone.get("/upload")
        assert page.status_code == 401 and "needs the server's token" in page.text
        assert anyone.get("/upload", headers={"Accept": "application/json"}).json()["detail"].startswith(
            "this needs the server's token")
        refused = upload(anyone, workbook)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert upload(anyone, workbook, headers={"Authorization": "Bearer wrong-token-123"}).status_code == 401
        assert anyone.get(f"/api/recalc/{'0' * 32}/report.json").status_code == 401
        # what holds no data stays open: Excel loads these without a token
        for path in ("/api/status", "/manifest.xml", "/functions.json", "/functions.js", "/functions.html",
                     "/taskpane.html", "/assets/icon-32.png", "/upload.js"):
            assert anyone.get(path).status_code == 200, path
        assert anyone.post("/api/functions/CS_GRR", json={"args": [100, 95]}).json() == {"value": 0.95}

    with httpx.Client(base_url=server.url, headers=server.auth, timeout=60) as owner:
        answer = upload(owner, workbook)
        assert answer.status_code == 200, answer.text
        download = answer.json()["reports"]["report.json"]
        assert owner.get(download).status_code == 200
    assert httpx.get(server.url + download, timeout=10).status_code == 401  # a job id alone is not enough


def test_opening_the_token_url_sets_the_session_cookie(server):
    with httpx.Client(base_url=server.url, timeout=10) as browser_like:
        opened = browser_like.get(f"/upload?token={server.token}")
        assert opened.status_code == 303 and opened.headers["location"] == "/upload"  # the token leaves the URL
        cookie = opened.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert browser_like.get("/upload").status_code == 200  # the cookie is enough now
    assert httpx.get(f"{server.url}/upload?token=not-the-token", timeout=10).status_code == 401


def test_the_token_can_be_given(tmp_path):
    given = "a-token-the-team-shares-1234"
    served = start_serve(tmp_path / "serve.log", env={"XLCOMP_TOKEN": given})
    try:
        assert given not in served.output()  # a given token is not printed
        assert httpx.get(f"{served.url}/upload", timeout=10).status_code == 401
        assert httpx.get(f"{served.url}/upload", headers={"Authorization": f"Bearer {given}"}, timeout=10
                         ).status_code == 200
    finally:
        served.stop()


# ---------------------------------------------------------------------------------------------
# Host and origin


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example:80", "[::2]",
                                  "", "a b"])
def test_a_host_the_server_does_not_answer_to_is_400(server, host):
    for path in ("/manifest.xml", "/functions.js", "/api/status"):
        response = httpx.get(server.url + path, headers={"Host": host}, timeout=10)
        assert response.status_code == 400, (path, host)
        assert "evil" not in response.text and "host name" in response.json()["detail"]


def test_the_addin_files_name_only_an_allowed_host(server):
    port = urlsplit(server.url).port
    manifest = httpx.get(server.url + "/manifest.xml", headers={"Host": f"localhost:{port}"}, timeout=10)
    assert manifest.status_code == 200 and f"http://localhost:{port}/functions.js" in manifest.text


@pytest.mark.parametrize(("headers", "why"), [
    ({"Origin": "https://evil.example"}, "another site"),
    ({"Origin": "http://127.0.0.1:1"}, "another port of this machine (same site, so the cookie would go along)"),
    ({"Origin": "null"}, "a sandboxed page"),
    ({"Sec-Fetch-Site": "cross-site"}, "a browser that says so without an Origin"),
])
def test_cross_origin_uploads_are_403(server, workbook, headers, why):
    with httpx.Client(base_url=server.url, timeout=60) as client:
        client.get(f"/upload?token={server.token}")  # the victim's browser holds the session cookie
        refused = upload(client, workbook, headers=headers)
        assert refused.status_code == 403, why
        assert "cross-origin" in refused.json()["detail"]
        own = upload(client, workbook, headers={"Origin": server.url})  # the page itself
        assert own.status_code == 200


@pytest.mark.parametrize("origin", ["https://evilofficeapps.live.com", "https://contoso.sharepoint.com",
                                    "https://evil.example"])
def test_cors_does_not_echo_lookalike_origins(server, origin):
    answer = httpx.options(server.url + "/api/batch", headers={"Origin": origin, "Access-Control-Request-Method":
                                                               "POST"}, timeout=10)
    assert "access-control-allow-origin" not in answer.headers
    good = httpx.options(server.url + "/api/batch", headers={"Origin": "https://excel.officeapps.live.com",
                                                             "Access-Control-Request-Method": "POST"}, timeout=10)
    assert good.headers["access-control-allow-origin"] == "https://excel.officeapps.live.com"


# ---------------------------------------------------------------------------------------------
# slow clients and the event loop


def stalled_upload(server: Served) -> socket.socket:
    """An upload that announces 200 KB, sends its headers and 1 KB of the body, and stops."""
    host = urlsplit(server.url).netloc
    head = (f"POST /api/recalc HTTP/1.1\nHost: {host}\nAuthorization: Bearer {server.token}\n"
            "Content-Type: multipart/form-data; boundary=x\nContent-Length: 200000\n")
    body = b'--x\r\nContent-Disposition: form-data; name="files"; filename="slow.xlsx"\r\n\r\n' + b"P" * 1024
    return raw_request(server.url, head, body)


def test_stalled_uploads_do_not_lock_others_out(server, workbook):
    stalled = [stalled_upload(server) for _ in range(5)]  # as many as the server has places (1 running, 4 waiting)
    try:
        time.sleep(0.3)
        with httpx.Client(base_url=server.url, headers=server.auth, timeout=60) as client:
            answer = upload(client, workbook)
        assert answer.status_code == 200, answer.text  # was 503 "busy" for as long as they stalled
        for connection in stalled:  # each stalled upload is answered 408 and let go
            reply = read_answer(connection, BODY_TIMEOUT + 10)
            assert reply.startswith(b"HTTP/1.1 408"), reply[:200]
            assert b"stopped arriving" in reply
    finally:
        for connection in stalled:
            connection.close()


def status_times(server: Served, busy: threading.Thread, count: int = 5) -> list[float]:
    """How long /api/status takes, ``count`` times while ``busy`` runs."""
    times = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for _ in range(count):
            start = time.perf_counter()
            assert client.get("/api/status").status_code == 200
            times.append(time.perf_counter() - start)
            time.sleep(0.02)
    assert busy.is_alive(), "the long call ended before the status could be measured"
    return times


@pytest.mark.parametrize("kind", ["one long call", "a batch of 50"])
def test_the_engine_does_not_hold_up_other_clients(server, kind):
    if kind == "one long call":
        path = "/api/functions/CSM_TIERED"
        body = {"args": [70_000.0, TIERS, "marginal"]}
    else:
        path = "/api/batch"
        body = {"calls": [{"function": "CSM_TIERED", "args": [1_400.0, [*TIERS[:1_400], ["", 1]], "marginal"]}
                          for _ in range(50)]}
    content = json.dumps(body, separators=(",", ":")).encode()
    assert len(content) < 1024 * 1024
    answers: list[httpx.Response] = []

    def post(_: int) -> httpx.Response:
        return httpx.post(server.url + path, content=content, timeout=120, headers={"Content-Type": "application/json"})

    def call() -> None:   # four at once: the engine is busy for seconds, however fast one call has become
        with ThreadPoolExecutor(4) as pool:
            answers.extend(pool.map(post, range(4)))

    busy = threading.Thread(target=call)
    start = time.perf_counter()
    busy.start()
    time.sleep(0.4)  # the call has arrived and is being computed
    times = status_times(server, busy)
    busy.join(120)
    took = time.perf_counter() - start
    assert [answer.status_code for answer in answers] == [200] * 4
    assert max(times) < 0.5, f"/api/status took {max(times):.2f} s while {kind} ran ({took:.1f} s)"


# ---------------------------------------------------------------------------------------------
# malformed bodies: 4xx JSON, never a 500


@pytest.mark.parametrize(("path", "content"), [
    ("/api/functions/CSM_TIERED", DEEP_JSON),
    ("/api/batch", b'{"calls": [{"function": "CS_GRR", "args": ' + b"[" * 1000 + b"]" * 1000 + b"}]}"),
    ("/api/batch", b'{"calls": ' + b"{" * 500 + b"}" * 500 + b"}"),
    ("/api/functions/CS_GRR", b'{"args": [NaN, Infinity]}'),
    ("/api/functions/CS_GRR", b'{"args": [1e400, -1e400]}'),
    ("/api/functions/CS_GRR", b'\xff\xfe{"args": []}'),
    ("/api/functions/CSM_TIERED", b'{"args": [1, {"tiers": [1, 2]}, [[[[1]]]]]}'),
])
def test_malformed_function_bodies_are_never_500(server, path, content):
    answer = httpx.post(server.url + path, content=content, headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code < 500, answer.text
    assert answer.headers["content-type"] == "application/json"
    if answer.status_code == 200:
        assert "error" in answer.text
    else:
        assert answer.status_code == 422 and answer.json()["detail"]


def test_the_nesting_of_a_body_is_counted_outside_its_strings():
    # the depth the server checks before parsing: brackets inside strings (escaped quotes too) do not count
    assert _nesting(b'{"args": [1, "[[[[{{", [[2]]]}') == 4
    assert _nesting(b'"\\"[[" []') == 1
    assert _nesting(b"][[") == 1 and _nesting(b"]") == 0 and _nesting(b"") == 0


def test_a_deeply_nested_plan_is_422_with_its_place(server, workbook):
    deep = "id: deep\ncomponents: " + "[" * 1000 + "]" * 1000 + "\n"
    with httpx.Client(base_url=server.url, headers=server.auth, timeout=60) as client:
        answer = client.post("/api/recalc", files=[("files", (workbook.name, workbook.read_bytes())),
                                                   ("plan", ("deep.yaml", deep.encode()))])
    assert answer.status_code == 422, answer.text
    assert answer.json()["problems"][0]["where"] == "deep.yaml:2"
    assert "nests more than" in answer.json()["problems"][0]["message"]


def multipart_with_name(name: bytes, data: bytes) -> bytes:
    return (b'--x\r\nContent-Disposition: form-data; name="files"; filename="' + name + b'"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n--x--\r\n")


@pytest.mark.parametrize(("name", "message"), [
    (b"", "an upload has no file name"),
    (b"x" * 5000 + b".xlsx", "rename the file (at most 255 characters)"),
    (b"q1 caf\xe9 \xff.xlsx", "is not UTF-8 text"),
    (b"report.xls\xff", "is not UTF-8 text"),
])
def test_odd_file_names_get_a_message_that_says_what_is_wrong(server, workbook, name, message):
    answer = httpx.post(server.url + "/api/recalc", content=multipart_with_name(name, workbook.read_bytes()),
                        headers={**server.auth, "Content-Type": "multipart/form-data; boundary=x"}, timeout=60)
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"]


# ---------------------------------------------------------------------------------------------
# clients that go away


def test_a_client_that_goes_away_leaves_no_traceback(server):
    before = len(server.output())
    host = urlsplit(server.url).netloc
    for path, content_type in (("/api/recalc", "multipart/form-data; boundary=x"),
                               ("/api/batch", "application/json")):
        head = (f"POST {path} HTTP/1.1\nHost: {host}\nAuthorization: Bearer {server.token}\n"
                f"Content-Type: {content_type}\nContent-Length: 100000\n")
        connection = raw_request(server.url, head, b'--x\r\nContent-Disposition: form-data; name="files"; '
                                                   b'filename="gone.xlsx"\r\n\r\nPK')
        time.sleep(0.2)
        connection.close()
    time.sleep(1.0)
    assert httpx.get(server.url + "/api/status", timeout=10).status_code == 200
    log = server.output()[before:]
    assert "Traceback" not in log and "ClientDisconnect" not in log, log[-3000:]


def test_the_body_timeout_is_an_option(tmp_path):
    served = start_serve(tmp_path / "serve.log", "--body-timeout", "0.5", "--token", "option-token-0123456789")
    try:
        assert served.token == "option-token-0123456789"
        connection = stalled_upload(served)
        start = time.monotonic()
        reply = read_answer(connection, 15)
        connection.close()
        assert reply.startswith(b"HTTP/1.1 408") and time.monotonic() - start < 5
    finally:
        served.stop()
    assert free_port()  # the port is free again
