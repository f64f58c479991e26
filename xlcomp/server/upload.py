"""The upload page of ``xlcomp serve``: finance uploads workbooks in a browser and gets the
recalculation back.

Routes (added to the add-in server by :func:`xlcomp.server.create_app`):

- ``GET /upload``: the page (multi-file form with drag and drop, optional plan YAML and period for
  plain inputs workbooks, and the results); ``GET /upload.js``: its script.
- ``POST /api/recalc`` (``multipart/form-data``: ``files`` one or more workbooks, optional ``plan``
  a plan YAML file, optional ``period``): saves the uploads in a fresh private job folder, runs
  :func:`xlcomp.recalc.batch.run_batch` on them in a worker thread, and answers JSON: every
  file's report entry (status ``ok``/``inputs_changed``/``overridden``/``rejected``, problems, overrides, differences…)
  and the URLs of the job's files.
- ``GET /api/recalc/{job}/{name}``: one of the job's outputs (a regenerated workbook,
  ``report.json``, ``report.xlsx``, ``payouts.csv``); nothing else.

Limits (:class:`UploadSettings`): files per request, bytes per file (the recalc safety limit),
bytes per request (enforced as the body arrives by the app's ``BodyLimit``), plan size; over a
limit the answer is 413, a malformed form 422, a server already busy with enough batches 503;
every error is ``{"detail": message}`` JSON, never a traceback. Job ids are 128 random bits;
finished jobs are removed after :attr:`UploadSettings.max_age` seconds or when more than
:attr:`UploadSettings.max_jobs` are kept, and every job folder goes when the server stops.

The recalculation itself is the batch's: the safety checks, reading, engine, comparison and
reports of :mod:`xlcomp.recalc.job` and :mod:`xlcomp.recalc.batch`. This module only
relabels the reports so they name each upload as the user named it, not by its server path.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException

from xlcomp._version import __version__
from xlcomp.errors import PlanError, UsageError, XlcompError
from xlcomp.recalc.intake import DEFAULT_LIMITS, Limits
from xlcomp.recalc.outcome import STATUSES
from xlcomp.server.jobs import Job, JobStore
from xlcomp.server.upload_names import (
    _MAX_NAME,
    _causes,
    _relabel_reports,
    _scrub,
    _utf8_name,
    safe_upload_name,
)

__all__ = ["RECALC_PATH", "UploadPage", "UploadSettings", "safe_upload_name"]

log = logging.getLogger(__name__)

RECALC_PATH = "/api/recalc"
_MB = 1024 * 1024
_CHUNK = 1024 * 1024
_TEXT_FIELD_BYTES = 64 * 1024
_FIELDS = ("files", "plan", "period")
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "upload"
_MEDIA_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ".json": "application/json", ".csv": "text/csv; charset=utf-8"}
_PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self'; "
                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
_PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class UploadSettings:
    """Limits and resources of the upload page.

    ``limits``: the recalc safety limits applied to every workbook (``limits.max_bytes`` is the
    largest file); ``max_files``: workbooks per request; ``max_request_bytes``: the whole request;
    ``max_plan_bytes``: the plan YAML; ``workers``: worker processes of each batch;
    ``max_running``: batches run at once (others wait); ``max_waiting``: requests that may wait
    for one (more get 503); ``max_age`` (seconds) and ``max_jobs``: how long and how many finished
    jobs are kept for download; ``temp_parent``: where the private job folder is made (default: the
    system's temporary folder).
    """

    limits: Limits = DEFAULT_LIMITS
    max_files: int = 20
    max_request_bytes: int = 100 * _MB
    max_plan_bytes: int = 1 * _MB
    workers: int = field(default_factory=_default_workers)
    max_running: int = 1
    max_waiting: int = 4
    max_age: float = 3600.0
    max_jobs: int = 50
    temp_parent: Path | None = None

    def __post_init__(self) -> None:
        for name in ("max_files", "max_request_bytes", "max_plan_bytes", "workers", "max_running", "max_jobs"):
            if getattr(self, name) < 1:
                raise ValueError(f"UploadSettings.{name} must be at least 1")
        if self.max_waiting < 0 or self.max_age <= 0:
            raise ValueError("UploadSettings.max_waiting must not be negative and max_age must be positive")


class _RequestError(Exception):
    """A request the page refuses: HTTP status, message, and the problems behind it (if any)."""

    def __init__(self, status: int, message: str, problems: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = list(problems)

    def response(self) -> Response:
        body: dict[str, Any] = {"detail": self.message}
        if self.problems:
            body["problems"] = self.problems
        headers = {"Retry-After": "30"} if self.status == 503 else None
        return _json(body, self.status, headers)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    import json

    return Response(json.dumps(data, ensure_ascii=False, allow_nan=False), status_code=status,
                    media_type="application/json", headers={**_PRIVATE, **(headers or {})})


def _megabytes(size: int) -> str:
    return f"{size / _MB:.1f} MB" if size < 10 * _MB else f"{size / _MB:.0f} MB"




@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=jinja2.select_autoescape(
        enabled_extensions=("html",), default_for_string=False), undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True)


@dataclass(frozen=True)
class _Form:
    """What a valid request asked for: the workbooks (saved name, upload), the plan, the period."""

    files: list[tuple[str, UploadFile]]
    plan_text: str | None
    plan_name: str
    period: str | None


class UploadPage:
    """The upload page's routes (:attr:`router`), its job folders (:attr:`jobs`) and its limits.

    :func:`xlcomp.server.create_app` includes :attr:`router`, passes :attr:`body_limits` to its
    body-size middleware and runs :meth:`lifespan`, which removes every job folder at shutdown.
    """

    def __init__(self, settings: UploadSettings | None = None) -> None:
        self.settings = settings or UploadSettings()
        self.jobs = JobStore(max_age=self.settings.max_age, max_jobs=self.settings.max_jobs,
                             parent=self.settings.temp_parent)
        self._slots = threading.BoundedSemaphore(max(1, self.settings.max_running))
        self._active = 0
        self._active_lock = threading.Lock()
        self.router = self._routes()

    @property
    def body_limits(self) -> dict[str, int]:
        """Request-body limits by path, for the app's ``BodyLimit`` middleware."""
        return {RECALC_PATH: self.settings.max_request_bytes}

    @asynccontextmanager
    async def lifespan(self, _app: Any) -> AsyncIterator[None]:
        """The server's lifespan: on shutdown every job folder is removed."""
        try:
            yield
        finally:
            self.jobs.close()

    def close(self) -> None:
        """Remove every job folder now."""
        self.jobs.close()

    # -----------------------------------------------------------------------------------------
    # routes

    def _routes(self) -> APIRouter:
        router = APIRouter()
        settings = self.settings

        @router.get("/upload", include_in_schema=False)
        async def page() -> Response:
            html = _environment().get_template("upload.html").render(
                version=__version__, recalc_path=RECALC_PATH, max_files=settings.max_files,
                max_file_bytes=settings.limits.max_bytes, max_request_bytes=settings.max_request_bytes,
                max_file=_megabytes(settings.limits.max_bytes), max_request=_megabytes(settings.max_request_bytes),
                keep_minutes=max(1, round(settings.max_age / 60)))
            return Response(html, media_type="text/html",
                            headers={**_PRIVATE, "Content-Security-Policy": _PAGE_POLICY,
                                     "Referrer-Policy": "no-referrer"})

        @router.get("/upload.js", include_in_schema=False)
        async def script() -> Response:
            text = (_TEMPLATES / "upload.js").read_text(encoding="utf-8")
            return Response(text, media_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"})

        @router.post(RECALC_PATH, openapi_extra={"requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["files"], "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                          "description": "the workbooks (.xlsx, .xlsm)"},
                "plan": {"type": "string", "format": "binary",
                         "description": "plan YAML for plain inputs workbooks that carry none"},
                "period": {"type": "string", "example": "2027-Q1",
                           "description": "period for plain inputs workbooks that name none"}}}}}}})
        async def recalc(request: Request) -> Response:
            """Recalculate uploaded workbooks (multipart: ``files``, optional ``plan`` and ``period``)."""
            try:
                return await self._recalc(request)
            except _RequestError as refused:
                return refused.response()

        @router.get(RECALC_PATH + "/{job_id}/{name}")
        async def download(job_id: str, name: str) -> Response:
            """One output of a finished job: a regenerated workbook, report.json, report.xlsx or payouts.csv."""
            job = self.jobs.get(job_id)
            if job is None:
                return _json({"detail": "no such recalculation: the link is wrong or has expired "
                                        f"(results are kept {round(settings.max_age / 60)} minutes)"}, 404)
            path = job.download_path(name)
            if path is None:
                return _json({"detail": f"this recalculation has no file {name!r}"}, 404)
            return FileResponse(path, media_type=_MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
                                filename=name, headers=dict(_PRIVATE))

        return router

    # -----------------------------------------------------------------------------------------
    # POST /api/recalc

    async def _recalc(self, request: Request) -> Response:
        settings = self.settings
        content_type = request.headers.get("content-type", "")
        if not content_type.lower().startswith("multipart/form-data"):
            raise _RequestError(422, "send the workbooks as multipart/form-data: one or more files in the "
                                     "field 'files', optionally a plan YAML file in 'plan' and a period in "
                                     "'period'")
        # Read the whole body first: a slow or stalled client holds no place among the batches (the app's
        # Guard answers 408 when the body stops arriving, BodyLimit 413 when it is too large).
        received = await self._read_form(request)
        form: FormData | None = received
        with self._active_lock:
            if self._active >= max(1, settings.max_running) + settings.max_waiting:
                await received.close()
                raise _RequestError(503, "the server is busy recalculating other uploads: try again in a minute")
            self._active += 1
        job: Job | None = None
        try:
            try:
                wanted = self._check_form(received)
                job = self.jobs.create()
                paths = await run_in_threadpool(self._save, job, wanted.files)
                await received.close()
                form = None
                from xlcomp.recalc.job import RecalcOptions

                options = RecalcOptions(limits=settings.limits, plan_text=wanted.plan_text,
                                        plan_name=wanted.plan_name, period=wanted.period)
                entries = await run_in_threadpool(self._run, job, paths, options)
                body = self._answer(job, entries)
            except _RequestError:
                raise
            except Exception:  # a bug or the machine (disk full…): logged here, a plain message there
                log.exception("upload %s failed", job.id if job else "(no job)")
                raise _RequestError(500, "the recalculation failed on the server; its log says why") from None
            job = None  # finished: kept for its downloads
            return _json(body)
        finally:
            if form is not None:
                await form.close()
            if job is not None:
                self.jobs.discard(job)
            with self._active_lock:
                self._active -= 1

    async def _read_form(self, request: Request) -> FormData:
        settings = self.settings
        try:
            return await request.form(max_files=settings.max_files + 1, max_fields=len(_FIELDS) + 4,
                                      max_part_size=_TEXT_FIELD_BYTES)
        except HTTPException as exc:  # Starlette's multipart parser refused the form
            detail = str(exc.detail)
            if detail.lower().startswith("too many files"):
                raise _RequestError(413, f"too many files: at most {settings.max_files} workbooks a request; "
                                         "send the others in another one") from None
            if "header" in _causes(exc).lower():  # python-multipart: a part's headers over 4 KB
                raise _RequestError(422, "the form could not be read: the headers of a part are over 4 KB, which "
                                         "only a file name thousands of characters long makes; rename the file "
                                         f"(at most {_MAX_NAME} characters) and upload it again") from None
            raise _RequestError(422, f"the form could not be read: {detail}") from None

    def _check_form(self, form: FormData) -> _Form:
        settings = self.settings
        unknown = sorted({key for key in form if key not in _FIELDS})
        if unknown:
            raise _RequestError(422, f"unknown form field {', '.join(map(repr, unknown))}: the fields are 'files' "
                                     "(workbooks), 'plan' (a plan YAML file) and 'period'")
        files: list[tuple[str, UploadFile]] = []
        seen: dict[str, str] = {}
        for item in form.getlist("files"):
            if not isinstance(item, UploadFile):
                raise _RequestError(422, "'files' must be files (a multipart file part), not text")
            if not item.filename and not item.size:
                continue  # a file input left empty
            if not (item.filename or "").strip():
                raise _RequestError(422, "an upload has no file name: send each workbook with its name "
                                         '(Content-Disposition: form-data; name="files"; filename="NAME.xlsx")')
            if len(item.filename or "") > _MAX_NAME:
                raise _RequestError(422, f"an upload's file name is {len(item.filename or ''):,} characters long: "
                                         f"rename the file (at most {_MAX_NAME} characters) and upload it again")
            if not _utf8_name(item.filename or ""):
                raise _RequestError(422, f"the file name {ascii(item.filename)[:80]} is not UTF-8 text (the form "
                                         "must send names in UTF-8, as browsers do): rename the file or send "
                                         "its name in UTF-8")
            name = safe_upload_name(item.filename or "upload.xlsx")
            if name.casefold() in seen:
                raise _RequestError(422, f"two uploads would be saved as {name!r} ({seen[name.casefold()]!r} and "
                                         f"{item.filename!r}): rename one and upload again")
            seen[name.casefold()] = item.filename or name
            if item.size is not None and item.size > settings.limits.max_bytes:
                raise _RequestError(413, f"{name} is {_megabytes(item.size)}, over the "
                                         f"{_megabytes(settings.limits.max_bytes)} limit for one workbook")
            files.append((name, item))
        if not files:
            raise _RequestError(422, "no workbooks: choose one or more .xlsx files (the form field 'files')")
        if len(files) > settings.max_files:
            raise _RequestError(413, f"{len(files)} workbooks: at most {settings.max_files} workbooks a request; "
                                     "send the others in another one")
        plan_text, plan_name = self._plan(form.getlist("plan"))
        return _Form(files, plan_text, plan_name, self._period(form.getlist("period")))

    def _plan(self, items: list[UploadFile | str]) -> tuple[str | None, str]:
        if len(items) > 1:
            raise _RequestError(422, "one plan at most (the form field 'plan')")
        if not items:
            return None, "plan.yaml"
        item = items[0]
        if isinstance(item, str):
            raw, name = item.encode("utf-8"), "plan.yaml"
        else:
            if not item.filename and not item.size:
                return None, "plan.yaml"
            name = safe_upload_name(item.filename or "plan.yaml")
            raw = item.file.read(self.settings.max_plan_bytes + 1)
        if len(raw) > self.settings.max_plan_bytes:
            raise _RequestError(413, f"the plan {name} is over the {_megabytes(self.settings.max_plan_bytes)} a plan "
                                     "may be")
        if not raw.strip():
            return None, "plan.yaml"
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _RequestError(422, f"the plan {name} is not UTF-8 text: upload the plan's YAML file") from None
        from xlcomp.load.plan import parse_plan

        try:
            parse_plan(text, filename=name)
        except PlanError as exc:
            problems = [problem.as_dict() for problem in exc.problems]
            raise _RequestError(422, f"the plan {name} has {len(problems)} problem"
                                     f"{'s' if len(problems) != 1 else ''}: fix it and upload again",
                                problems) from None
        return text, name

    def _period(self, items: list[UploadFile | str]) -> str | None:
        if len(items) > 1:
            raise _RequestError(422, "one period at most (the form field 'period')")
        if not items:
            return None
        item = items[0]
        if not isinstance(item, str):
            raise _RequestError(422, "'period' must be text such as 2027-Q1, not a file")
        if not item.strip():
            return None
        from xlcomp.model.period import parse_period

        try:
            return parse_period(item).label
        except UsageError as exc:
            raise _RequestError(422, f"period: {exc}") from None

    # -----------------------------------------------------------------------------------------
    # in a worker thread

    def _save(self, job: Job, files: list[tuple[str, UploadFile]]) -> list[Path]:
        """Copy each upload into the job's ``in/`` folder (new files only, never through a link)."""
        limit = self.settings.limits.max_bytes
        paths = []
        for name, upload in files:
            path = job.inputs / name
            source: BinaryIO = upload.file
            source.seek(0)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            try:
                with os.fdopen(os.open(path, flags, 0o600), "wb") as target:
                    written = 0
                    while block := source.read(_CHUNK):
                        written += len(block)
                        if written > limit:
                            raise _RequestError(413, f"{name} is over the {_megabytes(limit)} limit for one "
                                                     "workbook")
                        target.write(block)
            except OSError as exc:
                log.exception("upload %s: saving %s failed", job.id, name)
                raise _RequestError(500, f"the uploads could not be saved on the server ({exc.strerror or exc})"
                                    ) from None
            paths.append(path)
        return paths

    def _run(self, job: Job, paths: list[Path], options: Any) -> list[dict[str, Any]]:
        """The batch, at most ``max_running`` at once; its reports relabelled with the upload names."""
        from xlcomp.recalc.batch import run_batch

        with self._slots:
            try:
                result = run_batch(paths, job.outputs, options, workers=self.settings.workers)
            except UsageError as exc:
                raise _RequestError(422, _scrub(str(exc), job)) from None
            except (XlcompError, OSError) as exc:
                log.exception("upload %s: the batch failed", job.id)
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                raise _RequestError(500, f"the recalculation failed: {_scrub(reason, job)}") from None
        labels = {str(path): path.name for path in paths}
        entries = [{**entry, "file": labels.get(str(entry["file"]), Path(str(entry["file"])).name)}
                   for entry in result.entries]
        _relabel_reports(job.outputs, entries, labels)
        shutil.rmtree(job.inputs, ignore_errors=True)  # the uploads are not needed any more
        self.jobs.finish(job)
        return entries

    def _answer(self, job: Job, entries: list[dict[str, Any]]) -> dict[str, Any]:
        base = f"{RECALC_PATH}/{job.id}/"
        files = []
        for entry in entries:
            output = str(entry.get("output") or "")
            files.append({**entry, "download": base + quote(output) if output in job.downloads else None})
        reports = {name: base + quote(name) for name in ("report.xlsx", "report.json", "payouts.csv")
                   if name in job.downloads}
        counts = {status: sum(1 for entry in entries if entry["status"] == status)
                  for status in STATUSES}
        return {"job": job.id, "counts": counts, "files": files, "reports": reports,
                "expires_in": int(self.settings.max_age)}








