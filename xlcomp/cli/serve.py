"""``xlcomp serve``: the Excel add-in server (Office.js custom functions) and the upload page on uvicorn."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer

from xlcomp.cli import app, err_console
from xlcomp.errors import UsageError, XlcompError
from xlcomp.extras import require


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM): Excel loads add-ins over HTTPS "
                                                          "only.")] = None,
    ssl_certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM) for --ssl-keyfile.")] = None,
    public_url: Annotated[str | None, typer.Option(help="The address Excel reaches this server at, written into "
                                                        "the manifest (default: the address of each request).")
                          ] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level: critical, error, warning, info, debug.")
                         ] = "info",
    token: Annotated[str | None, typer.Option(envvar="XLCOMP_TOKEN", show_envvar=True,
                                              help="The token the upload page and its API need (default: a random "
                                                   "one, printed in the start-up URL).")] = None,
    allowed_host: Annotated[list[str] | None, typer.Option(help="Another host name clients may use (the Host "
                                                                "header), beyond the bound address, localhost and "
                                                                "--public-url's. Repeatable.")] = None,
    allow_origin: Annotated[list[str] | None, typer.Option(help="Another origin that may call the server from a "
                                                                "browser (https://intranet.example.com; "
                                                                "https://*.example.com for its subdomains). "
                                                                "Repeatable.")] = None,
    body_timeout: Annotated[float, typer.Option(help="Seconds a request body may stall before the request is "
                                                     "refused (408).", min=0.1)] = 30.0,
) -> None:
    """Serve the Excel add-in: /manifest.xml, the custom functions (namespace XLCOMP) and their API;
    and the upload page, /upload, where finance recalculates edited workbooks in a browser.

    In Excel, add the add-in from the manifest at https://HOST:PORT/manifest.xml (see docs/functions.md).
    """
    require("fastapi", "server", "xlcomp serve")
    uvicorn = require("uvicorn", "server", "xlcomp serve")
    from xlcomp.server import create_app

    if (ssl_keyfile is None) != (ssl_certfile is None):
        raise UsageError("--ssl-keyfile and --ssl-certfile go together: give both, or neither")
    for option, path in (("--ssl-keyfile", ssl_keyfile), ("--ssl-certfile", ssl_certfile)):
        if path is not None and not path.is_file():
            raise UsageError(f"{option} {path}: no such file")
    from xlcomp.server.security import Security, new_token

    if token is not None and len(token.strip()) < 8:
        raise UsageError("--token (or XLCOMP_TOKEN) must be at least 8 characters: use a long random one")
    generated = token is None
    security = Security(token=new_token() if token is None else token.strip(), public_url=public_url,
                        bound_host=host, allowed_hosts=tuple(allowed_host or ()),
                        allowed_origins=tuple(allow_origin or ()), body_timeout=body_timeout)
    _check_port_free(host, port)
    scheme = "https" if ssl_certfile else "http"
    shown_host = f"[{host}]" if ":" in host else host
    address = (public_url or f"{scheme}://{shown_host}:{port}").rstrip("/")
    err_console.print(f"xlcomp add-in server at {address}; manifest: {address}/manifest.xml "
                      "(Ctrl+C to stop)", highlight=False)
    if generated:
        err_console.print(f"upload page (open this address; it carries the token): {address}/upload?token="
                          f"{security.token}", highlight=False, soft_wrap=True)
    else:
        err_console.print(f"upload page: {address}/upload?token=… (the token of --token or XLCOMP_TOKEN)",
                          highlight=False)
    if scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print("[yellow]warning:[/yellow] plain HTTP on a network address; Excel needs HTTPS "
                          "(--ssl-keyfile/--ssl-certfile)", highlight=False)
    if host in ("0.0.0.0", "::") and not (public_url or allowed_host):
        err_console.print("[yellow]warning:[/yellow] listening on every address, but only localhost names are "
                          "allowed in the Host header: add --public-url or --allowed-host", highlight=False)
    uvicorn.run(create_app(public_url, security=security), host=host, port=port, log_level=log_level,
                ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
                ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                proxy_headers=False, server_header=False)


def _check_port_free(host: str, port: int) -> None:
    """Refuse, before printing any address, a port another program already listens on (exit 1)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise XlcompError(f"cannot listen on {host}:{port} ({exc.strerror or exc}): another program uses it; "
                              "stop it, or choose another port with --port") from None
