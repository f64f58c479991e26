"""Who may talk to ``xlcomp serve``, and how long a request may take to arrive (SPEC section 12).

:class:`Guard` is the app's outermost middleware. In order, for every HTTP request:

1. **Host.** The ``Host`` header must name this server: the bound address, ``localhost`` /
   ``127.0.0.1`` / ``::1``, the host of ``--public-url`` or an ``--allowed-host`` name; else 400.
   That stops DNS rebinding (a page on ``evil.example`` whose name now resolves to 127.0.0.1), and
   the add-in files, which write the request's address into their URLs, never echo a Host nobody
   vouched for.
2. **Token.** The upload page, its recalculation API and the downloads (:data:`PROTECTED`) need the
   server's token: ``Authorization: Bearer TOKEN``, or the session cookie that opening
   ``/upload?token=TOKEN`` sets (then the address bar drops the token); else 401. The worksheet
   functions, which hold no data, and the add-in's static files stay open.
3. **Origin.** A state-changing request (``POST`` and the like, the worksheet functions apart)
   whose ``Origin`` is not this server's, or that the browser marks ``Sec-Fetch-Site: cross-site``
   or ``same-site``, is refused with 403 unless the origin is an ``--allow-origin``: a form on
   another site cannot start jobs with the cookie a browser would send along.
4. **Time.** The request body must keep arriving: no more than :attr:`Security.body_timeout`
   seconds between two pieces of it, else 408 (a stalled upload frees its place); a client that goes
   away mid-request is logged on one line, without a traceback.

Every refusal is ``{"detail": message}`` JSON (the upload page's 401 is a short HTML page).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.requests import ClientDisconnect

__all__ = ["LOCAL_HOSTS", "PROTECTED", "Guard", "Security", "cookie_name", "host_name", "origin_regex"]

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# paths that need the token: the upload page and everything under the recalculation API
PROTECTED = ("/upload", "/api/recalc")
# POSTs that change nothing: the worksheet functions compute and answer, nothing is kept
_STATELESS_POSTS = re.compile(r"/api/(functions/[^/]+|batch)")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_HOST = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>[^:\[\]]+))(?::(?P<port>\d{1,5}))?")


def new_token() -> str:
    """A random token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Security:
    """What :class:`Guard` checks. ``token``: the secret (random by default); ``public_url``: the
    address clients reach the server at (its host is allowed, its origin is the server's own);
    ``bound_host``: the address uvicorn listens on; ``allowed_hosts``: more names the ``Host`` header
    may carry; ``allowed_origins``: other origins allowed to make state-changing requests and CORS
    calls (``https://intranet.example.com``; ``https://*.example.com`` for its subdomains);
    ``body_timeout``: seconds a request body may stall.
    """

    token: str = field(default_factory=new_token, repr=False)
    public_url: str | None = None
    bound_host: str = "127.0.0.1"
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    body_timeout: float = 30.0

    def __post_init__(self) -> None:
        if len(self.token) < 8:
            raise ValueError("the token must be at least 8 characters (use a random one)")
        if self.body_timeout <= 0:
            raise ValueError("body_timeout must be positive")

    @property
    def host_names(self) -> frozenset[str]:
        """Every name the ``Host`` header may carry (lowercase, no port)."""
        names = set(LOCAL_HOSTS)
        if self.bound_host not in ("0.0.0.0", "::", ""):
            names.add(self.bound_host.strip("[]").lower())
        if self.public_url:
            names.add((urlsplit(self.public_url).hostname or "").lower())
        names.update(name.strip().strip("[]").rstrip(".").lower() for name in self.allowed_hosts)
        names.discard("")
        return frozenset(names)

    def token_matches(self, offered: str | None) -> bool:
        """Is ``offered`` the token (compared in constant time)?"""
        return bool(offered) and hmac.compare_digest((offered or "").encode(), self.token.encode())


def host_name(header: str) -> str | None:
    """The host of a ``Host`` header, lowercase and without its port; None when it is malformed."""
    match = _HOST.fullmatch(header.strip())
    if match is None:
        return None
    name = match.group("v6") or match.group("name") or ""
    return name.rstrip(".").lower() or None


def origin_regex(origins: Iterable[str]) -> str:
    """A regular expression matching exactly these origins; ``https://*.example.com`` matches the
    subdomains of example.com (on a dot: ``evilexample.com`` is not one)."""
    parts = []
    for given in origins:
        origin = given.strip().rstrip("/").lower()
        scheme, sep, rest = origin.partition("://")
        if not sep or not rest:
            continue
        if rest.startswith("*."):
            parts.append(f"{re.escape(scheme)}://([a-z0-9-]+\\.)+{re.escape(rest[2:])}")
        else:
            parts.append(re.escape(origin))
    return "|".join(parts) or "(?!)"


def cookie_name(port: int | None) -> str:
    """The session cookie's name: one per port, as browsers share cookies between a host's ports."""
    return f"xlcomp-token-{port}" if port else "xlcomp-token"


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in scope.get("headers") or []:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[name] = f"{headers[name]}; {text}" if name == "cookie" and name in headers else text
    return headers


class _BodyTimeoutError(Exception):
    pass


class Guard:
    """ASGI middleware: the checks of the module docstring, before anything else runs."""

    def __init__(self, app: ASGIApp, security: Security, protected: Sequence[str] = PROTECTED) -> None:
        self.app = app
        self.security = security
        self.protected = tuple(protected)
        self.hosts = security.host_names
        self.origins = re.compile(f"^(?:{origin_regex(security.allowed_origins)})$")
        public = urlsplit(security.public_url) if security.public_url else None
        self.public_origin = f"{public.scheme}://{public.netloc}".lower() if public else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = host_name(headers.get("host", ""))
        if host is None or host not in self.hosts:
            await _refuse(send, 400, "this server does not answer to that host name (Host header); start it "
                                     "with --public-url or --allowed-host to add one")
            return
        path: str = scope.get("path", "")
        method: str = scope.get("method", "GET")
        if self._is_protected(path):
            refused = await self._authenticate(scope, headers, send)
            if refused:
                return
        if method not in _SAFE_METHODS and not _STATELESS_POSTS.fullmatch(path) and not self._same_origin(
                scope, headers):
            await _refuse(send, 403, "cross-origin request refused: this server accepts uploads only from its own "
                                     "pages (or an --allow-origin)")
            return
        await self._run(scope, receive, send)

    def _is_protected(self, path: str) -> bool:
        return any(path == prefix or path.startswith(prefix + "/") for prefix in self.protected)

    async def _authenticate(self, scope: Scope, headers: dict[str, str], send: Send) -> bool:
        """True when the request was refused (401) or answered (the token link's redirect)."""
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.security.token_matches(credentials.strip()):
            return False
        port = (scope.get("server") or (None, None))[1]
        name = cookie_name(port)
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header: as if there were none
            cookies = SimpleCookie()
        if name in cookies and self.security.token_matches(cookies[name].value):
            return False
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        offered = (query.get("token") or [None])[0]
        if scope.get("method") == "GET" and offered is not None and self.security.token_matches(offered):
            secure = "; Secure" if scope.get("scheme") == "https" or (self.public_origin or "").startswith(
                "https:") else ""
            cookie = f"{name}={self.security.token}; Path=/; HttpOnly; SameSite=Strict{secure}"
            await send({"type": "http.response.start", "status": 303, "headers": [
                (b"location", scope.get("path", "/").encode("latin-1")), (b"set-cookie", cookie.encode("latin-1")),
                (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return True
        message = ("this needs the server's token: open the address `xlcomp serve` printed (…/upload?token=…), or "
                   "send the header Authorization: Bearer TOKEN")
        if scope.get("path") == "/upload" and "application/json" not in headers.get("accept", ""):
            page = ("<!doctype html><meta charset=utf-8><title>xlcomp: token needed</title>"
                    "<h1>This page needs the server's token</h1><p>Open the address <code>xlcomp serve</code> "
                    "printed when it started (it ends in <code>/upload?token=…</code>), or ask whoever runs "
                    "the server for it.</p>").encode()
            await _respond(send, 401, page, b"text/html; charset=utf-8", [(b"www-authenticate", b"Bearer")])
        else:
            await _refuse(send, 401, message, [(b"www-authenticate", b"Bearer")])
        return True

    def _same_origin(self, scope: Scope, headers: dict[str, str]) -> bool:
        origin = headers.get("origin")
        if origin is None:
            # no Origin: not a browser's cross-origin request, unless the browser says so
            return headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")
        origin = origin.strip().rstrip("/").lower()
        own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}".lower()
        return origin in (own, self.public_origin) or bool(self.origins.match(origin))

    async def _run(self, scope: Scope, receive: Receive, send: Send) -> None:
        timeout = self.security.body_timeout
        started = False
        body_done = False

        async def timed_receive() -> Message:
            nonlocal body_done
            if body_done:  # the body is in: waiting for a disconnect is not a stalled upload
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), timeout)
            except TimeoutError:
                raise _BodyTimeoutError from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_done = True
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracking_send)
        except _BodyTimeoutError:
            log.info("%s %s: the request body stalled for %g s: answered 408", scope.get("method"),
                     scope.get("path"), timeout)
            if not started:
                await _refuse(send, 408, f"the request body stopped arriving for {timeout:g} seconds: send it again",
                              [(b"connection", b"close")])
        except ClientDisconnect:
            log.info("%s %s: the client went away before the request was read", scope.get("method"),
                     scope.get("path"))


async def _respond(send: Send, status: int, body: bytes, content_type: bytes,
                   headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), *headers]})
    await send({"type": "http.response.body", "body": body})


async def _refuse(send: Send, status: int, message: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    await _respond(send, status, json.dumps({"detail": message}).encode(), b"application/json", headers)
