"""Rendering: jinja2 templates to HTML, WeasyPrint to PDF, and reading both back as text.

Templates live in ``xlcomp/templates/`` (``templates/`` at the repository root). The environment is
strict: an undefined name is an error (:class:`jinja2.StrictUndefined`) and printing ``None`` or a
NaN is an error too, so a statement can never show template debris.
"""

from __future__ import annotations

import base64
import concurrent.futures
import contextlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from markupsafe import Markup

from xlcomp.errors import MissingExtraError, XlcompError
from xlcomp.extras import require

__all__ = [
    "DEBRIS",
    "PdfPrinter",
    "PdfRenderer",
    "RenderError",
    "debris",
    "default_workers",
    "environment",
    "html_fields",
    "html_record",
    "html_text",
    "json_for_script",
    "pdf_attachment",
    "pdf_text",
    "render_template",
]

RECORD_ID = "xlcomp-statement"
# What must never reach a reader: Python's None, NaN/inf, and unrendered template syntax.
DEBRIS = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\binf\b|\bInfinity\b|\{\{|\}\}|\{%|%\}|\{#|#\}")


class RenderError(XlcompError):
    """A value a template would print is missing (a bug: reported, never printed as "None")."""


def _finalize(value: Any) -> Any:
    if value is None:
        raise RenderError("a template tried to print a missing value (None)")
    if isinstance(value, float) and not math.isfinite(value):
        raise RenderError(f"a template tried to print {value!r}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise RenderError(f"a template tried to print {value!r}")
    return value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The jinja2 environment of statements and letters: autoescaped, strict, no None printed."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("xlcomp", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_finalize,
        keep_trailing_newline=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render ``templates/<name>`` with ``context``."""
    return environment().get_template(name).render(**context)


def json_for_script(data: object) -> Markup:
    """JSON safe inside ``<script type="application/json">``: ``<``, ``>`` and ``&`` are escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


def debris(text: str) -> list[str]:
    """Pieces of template debris in ``text`` (None, nan, unrendered braces), with some context."""
    found = []
    for match in DEBRIS.finditer(text):
        start, end = max(0, match.start() - 30), min(len(text), match.end() + 30)
        found.append(text[start:end].replace("\n", " "))
    return found


class _Reader(HTMLParser):
    """Collects visible text, ``data-field`` texts and the embedded record of a statement."""

    _HIDDEN: ClassVar[frozenset[str]] = frozenset({"script", "style", "head", "title"})
    _VOID: ClassVar[frozenset[str]] = frozenset({"meta", "link", "br", "hr", "img", "input", "col", "area", "base",
                                                 "wbr", "source"})
    _BLOCK: ClassVar[frozenset[str]] = frozenset({"p", "div", "tr", "h1", "h2", "h3", "h4", "li", "section",
                                                  "header", "footer", "caption", "table", "main", "article",
                                                  "thead", "tbody", "tfoot", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.fields: dict[str, str] = {}
        self.duplicates: list[str] = []
        self.record: str | None = None
        self._hidden = 0
        self._open: list[tuple[str, int]] = []   # (field, depth at which it opened)
        self._parts: dict[str, list[str]] = {}
        self._depth = 0
        self._script_record = False
        self._script: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._VOID:
            return
        self._depth += 1
        attributes = dict(attrs)
        if tag in self._HIDDEN:
            self._hidden += 1
            if tag == "script" and attributes.get("id") == RECORD_ID:
                self._script_record = True
        if tag in self._BLOCK or tag in ("td", "th"):
            self.text.append("\n" if tag in self._BLOCK else " ")
        name = attributes.get("data-field")
        if name:
            if name in self.fields or name in self._parts:
                self.duplicates.append(name)
            self._open.append((name, self._depth))
            self._parts[name] = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self._VOID:
            return
        while self._open and self._open[-1][1] >= self._depth:
            name, _ = self._open.pop()
            self.fields[name] = " ".join("".join(self._parts.pop(name)).split())
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
            if tag == "script" and self._script_record:
                self.record = "".join(self._script)
                self._script_record = False
        if tag in self._BLOCK:
            self.text.append("\n")
        self._depth = max(0, self._depth - 1)

    def handle_data(self, data: str) -> None:
        if self._script_record:
            self._script.append(data)
        if self._hidden:
            return
        self.text.append(data)
        for name, _ in self._open:
            self._parts[name].append(data)


def _read_html(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def html_text(html: str) -> str:
    """The text a reader sees in an HTML document: one line per block, spaces collapsed."""
    lines = (" ".join(line.split()) for line in "".join(_read_html(html).text).splitlines())
    return "\n".join(line for line in lines if line)


def html_fields(html: str) -> tuple[dict[str, str], list[str]]:
    """The texts of the elements marked ``data-field``, and the names marked more than once."""
    reader = _read_html(html)
    return reader.fields, reader.duplicates


def html_record(html: str) -> str | None:
    """The JSON text of the embedded statement record, or None when there is none."""
    return _read_html(html).record


def _refuse_urls(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"statements load nothing from outside ({url})")


class PdfRenderer:
    """Prints HTML to PDF with WeasyPrint, sharing one font configuration across documents.

    Raises :class:`~xlcomp.errors.MissingExtraError` when WeasyPrint (the ``report`` extra) or the
    Pango library it needs is missing.
    """

    def __init__(self) -> None:
        try:
            self._weasyprint = require("weasyprint", "report", "PDF statements")
        except OSError as exc:  # WeasyPrint is installed but the Pango library is not
            raise MissingExtraError("report", f"PDF statements need the Pango library ({exc}); on Debian: "
                                              "apt-get install libpango-1.0-0 libpangoft2-1.0-0, and") from exc
        from weasyprint.text.fonts import FontConfiguration

        self._fonts = FontConfiguration()

    def write(self, html: str, target: Path, attachments: tuple[tuple[str, bytes], ...] = ()) -> None:
        """Print ``html`` to the PDF file ``target``, attaching ``(name, data)`` files."""
        wp = self._weasyprint
        files = [wp.Attachment(string=data, name=name, description=name) for name, data in attachments]
        document = wp.HTML(string=html, url_fetcher=_refuse_urls)
        document.write_pdf(target, font_config=self._fonts, attachments=files or None, uncompressed_pdf=False)


def default_workers(documents: int) -> int:
    """How many processes print ``documents`` PDFs: one per core (at most 4), one per 12 documents."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, 4, documents // 12))


class _Worker:
    """A ``python -m xlcomp.statements._pdfworker`` process: one JSON job per line in, one answer out."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "xlcomp.statements._pdfworker"],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def print(self, html: str, target: Path, attachments: tuple[tuple[str, bytes], ...]) -> None:
        job = {"html": html, "target": str(target),
               "attachments": [[name, base64.b64encode(data).decode("ascii")] for name, data in attachments]}
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps(job).encode("utf-8") + b"\n")
            stdin.flush()
            answer = stdout.readline()
        except BrokenPipeError:
            answer = b""
        if not answer:
            code = self.process.wait()
            raise RenderError(f"the PDF printing process stopped unexpectedly (exit code {code}) while printing "
                              f"{target.name}")
        reply = json.loads(answer)
        if not reply.get("ok"):
            raise RenderError(f"printing {target.name} failed: {reply.get('error', 'unknown error')}")

    def close(self) -> None:
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class PdfPrinter:
    """Prints many HTML documents to PDF, in worker processes when there are enough of them.

    WeasyPrint lays out a statement in about 0.15 s on one core, so a printer with ``workers > 1``
    spreads documents over that many ``python -m xlcomp.statements._pdfworker`` processes (each sets
    its fonts up once). :meth:`submit` queues a document; :meth:`wait` returns when all are written
    and raises the first error. Use it as a context manager: leaving the block stops the workers.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, workers)
        self._renderer: PdfRenderer | None = PdfRenderer()  # fails early with the friendly message
        self._threads: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: list[concurrent.futures.Future[None]] = []
        self._local = threading.local()
        self._started: list[_Worker] = []
        self._lock = threading.Lock()
        if self.workers > 1:
            self._threads = concurrent.futures.ThreadPoolExecutor(self.workers, thread_name_prefix="xlcomp-pdf")

    def _worker(self) -> _Worker:
        worker: _Worker | None = getattr(self._local, "worker", None)
        if worker is None:
            worker = _Worker()
            self._local.worker = worker
            with self._lock:
                self._started.append(worker)
        return worker

    def _print(self, html: str, target: Path, attachments: tuple[tuple[str, bytes], ...]) -> None:
        self._worker().print(html, target, attachments)

    def submit(self, html: str, target: Path, attachments: tuple[tuple[str, bytes], ...] = (),
               done: Callable[[], None] | None = None) -> None:
        """Print ``html`` to ``target`` now (one worker) or in a worker process; then call ``done``."""
        if self._threads is None:
            assert self._renderer is not None
            self._renderer.write(html, target, attachments)
            if done is not None:
                done()
            return
        future = self._threads.submit(self._print, html, target, attachments)
        if done is not None:
            future.add_done_callback(lambda finished: done() if finished.exception() is None else None)
        self._pending.append(future)

    def wait(self) -> None:
        """Wait for every queued document; raise the first error.

        After an error the documents not yet started are cancelled, and the ones being printed are
        waited for, so no process is still writing when the caller cleans up.
        """
        pending, self._pending = self._pending, []
        error: BaseException | None = None
        for future in pending:
            if error is not None:
                future.cancel()
            try:
                if not future.cancelled():
                    future.result()
            except BaseException as exc:
                if error is None:
                    error = exc
        if error is not None:
            raise error

    def close(self) -> None:
        """Cancel what has not started and stop the workers."""
        for future in self._pending:
            future.cancel()
        self._pending = []
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)
            self._threads = None
        for worker in self._started:
            worker.close()
        self._started = []

    def __enter__(self) -> PdfPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise MissingExtraError("report", f"reading PDF statements needs {name} from poppler-utils "
                                          "(apt-get install poppler-utils); and", name)
    return path


def pdf_text(path: Path) -> str:
    """The text of a PDF (``pdftotext``), spaces collapsed, one line per line."""
    done = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(path), "-"], capture_output=True, check=False,
                          timeout=120)
    if done.returncode != 0:
        raise ValueError(done.stderr.decode("utf-8", "replace").strip() or "pdftotext failed")
    lines = (" ".join(line.split()) for line in done.stdout.decode("utf-8", "replace").splitlines())
    return "\n".join(line for line in lines if line)


def pdf_attachment(path: Path, name: str) -> bytes | None:
    """The file attached to a PDF under ``name`` (``pdfdetach``), or None when there is none."""
    with tempfile.TemporaryDirectory(prefix="xlcomp-verify-") as folder:
        done = subprocess.run([_tool("pdfdetach"), "-saveall", "-o", folder, str(path)], capture_output=True,
                              check=False, timeout=120)
        if done.returncode != 0:
            raise ValueError(done.stderr.decode("utf-8", "replace").strip() or "pdfdetach failed")
        found = Path(folder) / name
        return found.read_bytes() if found.is_file() else None
