"""``xlcomp serve``: the Excel add-in server (Office.js custom functions) and the upload page on uvicorn."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xlcomp.cli import app, err_console
from xlcomp.errors import UsageError
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
    scheme = "https" if ssl_certfile else "http"
    shown_host = f"[{host}]" if ":" in host else host
    address = (public_url or f"{scheme}://{shown_host}:{port}").rstrip("/")
    err_console.print(f"xlcomp add-in server at {address}; manifest: {address}/manifest.xml "
                      "(Ctrl+C to stop)", highlight=False)
    err_console.print(f"upload page: {address}/upload", highlight=False)
    if scheme == "http" and host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print("[yellow]warning:[/yellow] plain HTTP on a network address; Excel needs HTTPS "
                          "(--ssl-keyfile/--ssl-certfile)", highlight=False)
    uvicorn.run(create_app(public_url), host=host, port=port, log_level=log_level,
                ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
                ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
                proxy_headers=False, server_header=False)
