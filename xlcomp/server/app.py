"""The FastAPI app behind ``xlcomp serve``: the Office.js add-in and the worksheet-function API.

Routes:

- ``GET /manifest.xml``: the add-in manifest (custom functions, namespace ``XLCOMP``) pointing at
  this server; ``GET /functions.json``, ``/functions.js``, ``/functions.html``: the custom functions;
  ``GET /taskpane.html``: short help and the server's status; ``GET /assets/icon-N.png``.
- ``POST /api/functions/{NAME}`` with ``{"args": [...]}``: one call; ``POST /api/batch`` with
  ``{"calls": [{"function": NAME, "args": [...]}, ...]}``: many. Each result is ``{"value": number}``
  or ``{"error": {"code": "#DIV/0!", "message": ...}}`` (an Excel error is an answer, so HTTP 200).
- ``GET /api/status``: ``{"status": "ok", "version", "functions"}``.
- ``GET /upload``, ``POST /api/recalc``, ``GET /api/recalc/{job}/{file}``: the upload page, which
  recalculates uploaded workbooks (:mod:`xlcomp.server.upload`; its own, larger body limit).

Limits: a request body of at most :data:`MAX_BODY_BYTES` (else 413), at most
:data:`MAX_BATCH_CALLS` calls a batch (else 422), JSON nested at most :data:`MAX_JSON_DEPTH`
levels; a body that is not the JSON described gets 422 with a message, never a 500. The functions
run in worker threads (at most :data:`ENGINE_THREADS` at once), never on the event loop, so one
long call does not hold up other clients. CORS admits Office's origins, localhost and
``--allow-origin`` only, on a dot boundary. Host, token, origin and body-timeout checks:
:mod:`xlcomp.server.security` (SPEC section 12).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse, Response

from xlcomp._version import __version__
from xlcomp.functions import NAME, REGISTRY, ExcelError
from xlcomp.server.officejs import ICON_SIZES, functions_metadata, icon_png, render
from xlcomp.server.security import Guard, Security, origin_regex
from xlcomp.server.upload import UploadPage, UploadSettings

__all__ = ["MAX_BATCH_CALLS", "MAX_BODY_BYTES", "OFFICE_ORIGINS", "Security", "create_app", "run_call"]

MAX_BODY_BYTES = 1024 * 1024
MAX_BATCH_CALLS = 5000
MAX_ARGS = 16
MAX_JSON_DEPTH = 16  # a call is {"calls": [{"args": [[tiers...]]}]}: five levels
ENGINE_THREADS = 2
# Excel on the web and the desktop add-in runtimes (Microsoft's own domains, matched on a dot boundary:
# not any *.live.com or tenant *.sharepoint.com), and a developer's own machine.
OFFICE_ORIGINS = (r"https://([a-z0-9-]+\.)*(officeapps\.live\.com|office\.com|office365\.com|office\.net)"
                  r"|https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _BodyTooLargeError(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse request bodies above ``max_bytes`` with 413, counted as they arrive.

    ``path_limits`` gives other limits to some paths (the upload page's ``/api/recalc``)."""

    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES, path_limits: Mapping[str, int] | None = None
                 ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(send, max_bytes)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                await self._refuse(send, max_bytes)

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        body = json.dumps({"detail": f"request body is larger than {max_bytes:,} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, allow_nan=False, separators=(",", ":")), status_code=status,
                    media_type="application/json")


def _problem(status: int, message: str) -> Response:
    return _json({"detail": message}, status)


def run_call(name: str, args: Sequence[Any]) -> dict[str, Any]:
    """One worksheet-function call as its JSON result: ``{"value": x}`` or ``{"error": {...}}``."""
    spec = REGISTRY.get(name.upper()) if isinstance(name, str) else None
    if spec is None:
        return {"error": ExcelError(NAME, f"unknown function {name!r}").as_dict()}
    try:
        result = spec.func(*args)
    except (RecursionError, TypeError, ValueError, ArithmeticError) as exc:  # arguments no cell holds
        return {"error": ExcelError("#VALUE!", f"the arguments cannot be read ({type(exc).__name__})").as_dict()}
    if isinstance(result, ExcelError):
        return {"error": result.as_dict()}
    if isinstance(result, float) and not math.isfinite(result):
        return {"error": ExcelError("#NUM!", "the result is not a finite number").as_dict()}
    return {"value": result}


class _EngineThreads:
    """Runs the worksheet functions in worker threads, at most ``limit`` calls or batches at once (the
    others wait their turn), so the event loop keeps answering while the engine works."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._limiter: Any = None

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        import anyio.to_thread

        if self._limiter is None:  # made in the event loop's thread, on first use
            self._limiter = anyio.CapacityLimiter(self.limit)
        return await anyio.to_thread.run_sync(func, *args, limiter=self._limiter)


class _BadRequestError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def _body(request: Request) -> Any:
    import anyio.to_thread

    raw = await request.body()
    # checked and parsed in a worker thread: a body of a megabyte takes tens of milliseconds, which the event loop
    # spends answering other clients
    return await anyio.to_thread.run_sync(_parsed, raw)


def _parsed(raw: bytes) -> Any:
    if not raw.strip():
        raise _BadRequestError("the request body is empty: send JSON")
    if _nesting(raw) > MAX_JSON_DEPTH:
        raise _BadRequestError(f"the JSON is nested more than {MAX_JSON_DEPTH} levels deep; a call needs five")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _BadRequestError(f"the request body is not valid JSON: {exc}") from None


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_OPENING = frozenset(b"[{")


def _nesting(raw: bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped), without parsing it."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(itertools.accumulate((1 if c in _OPENING else -1 for c in brackets), initial=0))


def _args(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _BadRequestError(f"{where}: args must be a JSON array of the function's arguments")
    if len(value) > MAX_ARGS:
        raise _BadRequestError(f"{where}: {len(value)} arguments is more than any function takes ({MAX_ARGS})")
    return value


def create_app(public_url: str | None = None, *, extra_origins: Sequence[str] = (),
               upload: UploadSettings | None = None, security: Security | None = None) -> FastAPI:
    """The add-in server. ``public_url`` is the address Excel reaches it at (as written into the
    manifest and the functions' script); by default the address each request came to (a Host the
    :class:`~xlcomp.server.security.Guard` allowed). ``upload``: the upload page's limits
    (``app.state.upload_page`` is the :class:`UploadPage`). ``security``: the token and the allowed
    hosts and origins (``app.state.security``); by default a random token and this machine's names.
    ``extra_origins`` are added to its allowed origins."""
    security = security or Security(public_url=public_url)
    if public_url and not security.public_url:
        security = replace(security, public_url=public_url)
    if extra_origins:
        security = replace(security, allowed_origins=(*security.allowed_origins, *extra_origins))
    upload_page = UploadPage(upload)
    app = FastAPI(title="xlcomp", version=__version__, docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=upload_page.lifespan,
                  description="The xlcomp worksheet functions for Excel (Office.js custom functions).")
    origins = f"{OFFICE_ORIGINS}|{origin_regex(security.allowed_origins)}"
    app.add_middleware(CORSMiddleware, allow_origin_regex=f"^(?:{origins})$", allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], max_age=600)
    app.add_middleware(BodyLimit, max_bytes=MAX_BODY_BYTES, path_limits=upload_page.body_limits)
    app.add_middleware(Guard, security=security)  # the outermost: before CORS answers anything
    app.state.upload_page = upload_page
    app.state.security = security
    engine = _EngineThreads(ENGINE_THREADS)
    app.include_router(upload_page.router)

    def base_url(request: Request) -> str:
        return (public_url or str(request.base_url)).rstrip("/")

    @app.exception_handler(_BadRequestError)
    async def bad_request(_request: Request, exc: _BadRequestError) -> Response:
        return _problem(422, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> Response:
        messages = [f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
                    for error in exc.errors()]
        return _problem(422, "; ".join(messages) or "invalid request")

    @app.get("/", include_in_schema=False)
    async def index() -> RedirectResponse:
        return RedirectResponse("/taskpane.html")

    @app.get("/manifest.xml")
    async def manifest(request: Request) -> Response:
        """The Office add-in manifest: custom functions (namespace XLCOMP) served from here."""
        return Response(render("manifest.xml", base_url(request)), media_type="application/xml")

    @app.get("/functions.json")
    async def functions_json(request: Request) -> Response:
        """Custom-functions metadata for every worksheet function."""
        return _json(functions_metadata(base_url(request)))

    @app.get("/functions.js")
    async def functions_js(request: Request) -> Response:
        """The custom functions' code: each call is sent to /api/batch."""
        return Response(render("functions.js", base_url(request), max_batch=MAX_BATCH_CALLS),
                        media_type="text/javascript")

    @app.get("/functions.html")
    async def functions_html(request: Request) -> Response:
        """The page Excel loads to run the custom functions."""
        return Response(render("functions.html", base_url(request)), media_type="text/html")

    @app.get("/taskpane.html")
    async def taskpane(request: Request) -> Response:
        """Short help for every function and the server's status."""
        return Response(render("taskpane.html", base_url(request)), media_type="text/html")

    @app.get("/assets/icon-{size}.png", include_in_schema=False)
    async def icon(size: int) -> Response:
        if size not in ICON_SIZES:
            return _problem(404, f"no icon of size {size}; sizes: {', '.join(map(str, ICON_SIZES))}")
        return Response(icon_png(size), media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/status")
    async def status() -> Response:
        """Is the server up, which version, which functions."""
        return _json({"status": "ok", "version": __version__, "functions": list(REGISTRY)})

    @app.post("/api/functions/{name}")
    async def call_function(name: str, request: Request) -> Response:
        """Call one function: body ``{"args": [...]}``."""
        if name.upper() not in REGISTRY:
            return _problem(404, f"unknown function {name!r}; the functions are {', '.join(REGISTRY)}")
        body = await _body(request)
        if not isinstance(body, dict):
            raise _BadRequestError('the body must be a JSON object {"args": [...]}')
        args = _args(body.get("args"), "args")
        return _json(await engine.run(run_call, name, args))

    @app.post("/api/batch")
    async def batch(request: Request) -> Response:
        """Call many functions: body ``{"calls": [{"function": NAME, "args": [...]}, ...]}``."""
        body = await _body(request)
        calls = body.get("calls") if isinstance(body, dict) else None
        if not isinstance(calls, list):
            raise _BadRequestError('the body must be a JSON object {"calls": [{"function": NAME, "args": [...]}, ...]}')
        if len(calls) > MAX_BATCH_CALLS:
            raise _BadRequestError(f"{len(calls):,} calls is more than {MAX_BATCH_CALLS:,} a batch: split it")
        work: list[tuple[str, list[Any]]] = []
        for index, item in enumerate(calls):
            if not isinstance(item, dict) or not isinstance(item.get("function"), str):
                raise _BadRequestError(f'calls[{index}]: expected {{"function": NAME, "args": [...]}}')
            work.append((item["function"], _args(item.get("args"), f"calls[{index}]")))

        def compute() -> list[dict[str, Any]]:
            return [run_call(name, args) for name, args in work]

        return _json({"results": await engine.run(compute)})

    return app
