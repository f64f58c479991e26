"""A batch of uploads: ``xlcomp recalc FILES… --out DIR``.

The per-file work (:func:`xlcomp.recalc.job.recalc_upload`) runs in a local process pool
(``workers``) or on a Dask distributed cluster (``dask_address``); this module feeds it, writes
what comes back and builds the batch's reports:

- ``DIR/NAME.xlsx`` for every upload that could be recalculated (the regenerated workbook);
- ``DIR/.xlcomp-recalc/NAME.json``, the file's journal entry: its report entry and payout rows,
  written (after its workbook) through a temporary file and a rename as soon as it is done;
- at the end, from the journal of every file of the batch, in the order the files were given:
  ``DIR/report.json``, ``DIR/report.xlsx`` and ``DIR/payouts.csv``, committed together.

So a batch killed midway leaves complete files only, and ``resume=True`` skips every upload whose
journal entry matches its content (SHA-256) and the batch's options, and rebuilds the reports from
the journal: nothing is redone, no row is duplicated.

Uploads are only ever opened for reading, and a batch whose outputs would land on one of its
inputs is refused before anything is written. A worker that dies on a file (a reader crash, the
machine's memory) costs that file only: the files it was working on are retried one at a time in
a fresh worker, and the one that kills it again is rejected.

Workers die with their batch: a batch killed outright (SIGKILL, the machine's OOM killer) leaves no
fork server, resource tracker or worker behind (:func:`_die_with_batch`, on Linux). A batch into a
folder an earlier batch wrote removes that batch's regenerated workbooks (those its journal names),
so every workbook in the folder belongs to the report beside it; files xlcomp did not write stay.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from glob import escape as glob_escape
from pathlib import Path
from typing import Any

from xlcomp.errors import UsageError
from xlcomp.outputs import OutputSet, write_atomic
from xlcomp.recalc.intake import read_upload_bytes
from xlcomp.recalc.job import STATUS_REJECTED, FileResult, RecalcOptions, UploadJob, recalc_upload
from xlcomp.recalc.report import (
    PAYOUTS_FILE,
    REPORT_JSON,
    REPORT_XLSX,
    payouts_text,
    report_json_text,
    write_report_xlsx,
)
from xlcomp.recalc.workers import _crashed, _crashed_on_cluster, _die_with_batch

__all__ = ["JOURNAL_DIR", "BatchResult", "Upload", "plan_uploads", "reads_ahead", "run_batch"]

JOURNAL_DIR = ".xlcomp-recalc"
# What a worker's first file would otherwise import (some 600 modules, a third of a second): imported
# once in the fork server, so every worker it forks, in this batch and the next ones of the same
# process (the upload server), starts with them. pandas is what pyarrow loads on its first
# conversion of Python values.
WORKER_PRELOAD = ("xlcomp.recalc.job", "xlcomp.workbook.writer", "xlcomp.recalc.compare", "python_calamine",
                  "openpyxl", "openpyxl.formula.tokenizer", "openpyxl.formula.translate", "pandas",
                  "pyarrow.pandas_compat", "pyarrow.vendored.version", "encodings.cp437", "encodings.utf_16_le",
                  "xlcomp.recalc.preloaded")   # last: freezes what the others created (gc.freeze)
_UPLOAD_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass(frozen=True)
class Upload:
    """One file of the batch: as given, where it is, and the output name it gets in DIR."""

    file: str
    path: Path
    output: str

    @property
    def stem(self) -> str:
        """The output name without ``.xlsx``: names the journal entry too."""
        return self.output[: -len(".xlsx")]


@dataclass
class BatchResult:
    """The batch's entries in input order, how many files were done now or skipped, and the outputs."""

    entries: list[dict[str, Any]]
    processed: int = 0
    resumed: int = 0
    written: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many files have this status."""
        return sum(1 for entry in self.entries if entry["status"] == status)

    @property
    def rejected(self) -> int:
        """How many files were rejected (exit code 1 when any)."""
        return self.count(STATUS_REJECTED)


def expand_files(files: Iterable[Path]) -> list[Path]:
    """The files given, a folder standing for its spreadsheet files (sorted, not recursive)."""
    out: list[Path] = []
    for path in files:
        if path.is_dir():
            out.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in _UPLOAD_SUFFIXES and p.is_file()))
        else:
            out.append(path)
    return out


def plan_uploads(files: Sequence[Path], out: Path) -> list[Upload]:
    """Name every upload's output in ``out`` (``NAME.xlsx``; ``NAME-2.xlsx`` … when names clash) and
    refuse a batch whose outputs would overwrite one of its inputs."""
    if not files:
        raise UsageError("no files to recalculate: give workbooks (or folders holding them)")
    uploads: list[Upload] = []
    taken: set[str] = set()
    reserved = {REPORT_JSON.lower(), REPORT_XLSX.lower(), PAYOUTS_FILE.lower()}
    for path in files:
        stem = path.stem or "upload"
        candidate, number = stem, 1
        while f"{candidate}.xlsx".lower() in taken | reserved:
            number += 1
            candidate = f"{stem}-{number}"
        taken.add(f"{candidate}.xlsx".lower())
        uploads.append(Upload(str(path), path, f"{candidate}.xlsx"))
    _refuse_overwrites(uploads, out)
    return uploads


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        return False
    return a.resolve() == b.resolve()


def _refuse_overwrites(uploads: list[Upload], out: Path) -> None:
    """Refuse a batch one of whose outputs is one of its uploads (same path, symlink or hard link)."""
    targets = [out / REPORT_JSON, out / REPORT_XLSX, out / PAYOUTS_FILE]
    targets += [out / u.output for u in uploads] + [out / JOURNAL_DIR / f"{u.stem}.json" for u in uploads]
    by_path: dict[Path, Path] = {}
    by_inode: dict[tuple[int, int], Path] = {}
    for target in targets:
        by_path[target.resolve()] = target
        try:
            info = target.stat()
        except OSError:
            continue
        by_inode[(info.st_dev, info.st_ino)] = target
    journal = (out / JOURNAL_DIR).resolve()
    for upload in uploads:
        resolved = upload.path.resolve()
        if journal == resolved or journal in resolved.parents:
            raise UsageError(f"{upload.file} is inside the output folder's journal ({out / JOURNAL_DIR}): "
                             "choose another --out")
        clash = by_path.get(resolved)
        if clash is None:
            try:
                info = upload.path.stat()
                clash = by_inode.get((info.st_dev, info.st_ino))
            except OSError:
                clash = None
        if clash is not None:
            raise UsageError(f"the output {clash} would overwrite the upload {upload.file}: uploads are never "
                             "written to; choose another --out folder")


def _job_with_limits(upload: Upload, options: RecalcOptions) -> UploadJob:
    data, problem = read_upload_bytes(upload.path, options.limits)
    digest = hashlib.sha256(data).hexdigest() if data is not None else ""
    return UploadJob(upload.file, upload.output, data, digest, problem)


def _file_digest(path: Path, limit: int) -> str:
    """SHA-256 of a file, read in blocks (only files within the size limit are hashed)."""
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return ""
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------
# the journal


class Journal:
    """One JSON file per finished upload in ``DIR/.xlcomp-recalc``."""

    def __init__(self, out: Path, fingerprint: str) -> None:
        self.folder = out / JOURNAL_DIR
        self.fingerprint = fingerprint

    def path(self, upload: Upload) -> Path:
        """The journal file of an upload."""
        return self.folder / f"{upload.stem}.json"

    def done(self, upload: Upload, sha256: str, out: Path) -> FileResult | None:
        """The recorded result of an upload with this content and these options, if complete."""
        path = self.path(upload)
        if not sha256 or not path.is_file():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("sha256") != sha256 or \
                record.get("options") != self.fingerprint or record.get("file") != upload.file:
            return None
        entry = record.get("entry")
        if not isinstance(entry, dict):
            return None
        if entry.get("status") != STATUS_REJECTED and entry.get("output") and not (out / upload.output).is_file():
            return None
        return FileResult(entry, list(record.get("payouts") or []))

    def record(self, upload: Upload, result: FileResult) -> None:
        """Write an upload's journal entry (after its workbook is in place)."""
        record = {"file": upload.file, "sha256": result.entry.get("sha256", ""), "options": self.fingerprint,
                  "entry": result.entry, "payouts": result.payouts}
        write_atomic(self.path(upload), json.dumps(record, ensure_ascii=False))   # compact: json's C encoder

    def outputs(self) -> dict[str, str]:
        """The journal's entries by stem, and the regenerated workbook each recorded ("" for none)."""
        recorded: dict[str, str] = {}
        if not self.folder.is_dir():
            return recorded
        for path in self.folder.glob("*.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                output = str(record["entry"].get("output") or "")
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                output = ""
            recorded[path.stem] = output
        return recorded

    def clear(self) -> None:
        """Forget every recorded file (a batch without ``--resume`` starts afresh)."""
        if not self.folder.is_dir():
            return
        for path in self.folder.glob("*.json"):
            path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# running the work


Progress = Callable[[Upload, dict[str, Any]], None]
Work = Callable[[UploadJob, RecalcOptions], FileResult]


def run_batch(files: Sequence[Path], out: Path, options: RecalcOptions | None = None, *, workers: int | None = None,
              dask_address: str | None = None, resume: bool = False, progress: Progress | None = None,
              on_start: Callable[[int, int], None] | None = None, work: Work = recalc_upload) -> BatchResult:
    """Recalculate ``files`` into ``out``; see the module docstring.

    ``workers``: processes of the local pool (default: the machine's cores); ``dask_address``: a
    Dask scheduler (``tcp://host:8786``) to run on instead. ``progress`` is called with each
    finished upload and its entry; ``on_start`` with the number of files to do and to skip.
    ``work`` is the per-file function (a module-level function, so workers can import it).
    Raises :class:`UsageError` when the batch cannot start (no files, outputs over inputs,
    no scheduler at the address).
    """
    options = options or RecalcOptions()
    uploads = plan_uploads(expand_files(files), out)
    out.mkdir(parents=True, exist_ok=True)
    with _batch_lock(out):
        _remove_stale_temporaries(out, uploads)
        journal = Journal(out, options.fingerprint())
        _remove_earlier_outputs(out, uploads, journal)
        if not resume:
            journal.clear()
        results: dict[str, FileResult] = {}
        todo: list[Upload] = []
        for upload in uploads:
            done = journal.done(upload, _file_digest(upload.path, options.limits.max_bytes), out) if resume else None
            if done is not None:
                results[upload.output] = done
            else:
                todo.append(upload)
        resumed = len(uploads) - len(todo)
        if on_start is not None:
            on_start(len(todo), resumed)

        def finish(upload: Upload, result: FileResult) -> None:
            _write_file(out, upload, result)
            journal.record(upload, result)
            results[upload.output] = result
            if progress is not None:
                progress(upload, result.entry)

        if dask_address:
            _run_dask(todo, options, dask_address, finish, work)
        else:
            count = workers or os.cpu_count() or 1
            ahead = options.read_ahead and reads_ahead(count, len(todo), os.cpu_count() or 1)
            _run_local(todo, replace(options, read_ahead=ahead), count, finish, work)
        entries = [results[u.output].entry for u in uploads]
        rows = [row for u in uploads for row in results[u.output].payouts]
        with OutputSet() as outputs:
            outputs.add(out / REPORT_JSON, report_json_text(entries))
            outputs.add(out / PAYOUTS_FILE, payouts_text(rows))
            outputs.add(out / REPORT_XLSX, lambda path: write_report_xlsx(entries, path))
            written = outputs.commit()
    return BatchResult(entries, len(todo), resumed, written)


def reads_ahead(workers: int, files: int, cores: int) -> bool:
    """Does each worker read its upload's largest sheet on a second thread? Only when a core is spare for
    it: fewer workers busy at once (``workers``, or ``files`` when fewer) than the machine has ``cores``.
    Workers that keep every core busy would only contend with their threads; one file, or a
    ``--workers 1`` batch on a machine of several cores, reads ahead."""
    return min(workers, files) < cores


def _remove_stale_temporaries(out: Path, uploads: list[Upload]) -> None:
    """Temporary files a killed batch left beside its outputs (``.NAME.xlsx.*.tmp``): only ours, and
    only under the batch lock, so no running batch is writing them."""
    names = [REPORT_JSON, REPORT_XLSX, PAYOUTS_FILE, *(u.output for u in uploads)]
    places = [(out, name) for name in names] + [(out / JOURNAL_DIR, f"{u.stem}.json") for u in uploads]
    for folder, name in places:
        for stale in folder.glob(f".{glob_escape(name)}.*.tmp"):
            stale.unlink(missing_ok=True)


def _remove_earlier_outputs(out: Path, uploads: list[Upload], journal: Journal) -> None:
    """Remove the regenerated workbooks (and journal entries) an earlier batch wrote for files that are
    not in this one: left there, they would pass for this batch's. Only what the journal says xlcomp
    wrote, a plain ``NAME.xlsx`` directly in ``out``, and never one of the uploads."""
    stems = {upload.stem for upload in uploads}
    outputs = {upload.output.lower() for upload in uploads}
    for stem, output in journal.outputs().items():
        if stem in stems:
            continue
        target = out / output
        if (output and "/" not in output and "\\" not in output and output.lower().endswith(".xlsx")
                and output.lower() not in outputs and target.is_file() and not target.is_symlink()
                and not any(_same_file(target, upload.path) for upload in uploads)):
            target.unlink(missing_ok=True)
        (journal.folder / f"{stem}.json").unlink(missing_ok=True)


@contextlib.contextmanager
def _batch_lock(out: Path) -> Iterator[None]:
    """One batch at a time writes into ``out`` (an advisory lock on ``DIR/.xlcomp-recalc/lock``;
    POSIX only: elsewhere the batch runs unlocked)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    folder = out / JOURNAL_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UsageError(f"another xlcomp recalc is writing into {out}: wait for it to finish, or choose "
                             "another --out") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_file(out: Path, upload: Upload, result: FileResult) -> None:
    target = out / upload.output
    if result.workbook is not None:
        write_atomic(target, result.workbook)
    elif target.is_file() and not _same_file(target, upload.path):
        target.unlink()  # a regenerated workbook left by an earlier run would no longer match the report


def _run_local(uploads: list[Upload], options: RecalcOptions, workers: int,
               finish: Callable[[Upload, FileResult], None], work: Work) -> None:
    """A process pool; each file in a worker process, so a reader that crashes costs one file."""
    if not uploads:
        return
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_PRELOAD))
    pending = list(reversed(uploads))
    window = max(1, workers) * 2
    while pending:
        broken: list[Upload] = []
        with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=context, initializer=_die_with_batch) as pool:
            running: dict[Future[FileResult], Upload] = {}
            while pending or running:
                while pending and len(running) < window:
                    upload = pending.pop()
                    running[pool.submit(work, _job_with_limits(upload, options), options)] = upload
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    upload = running.pop(future)
                    try:
                        finish(upload, future.result())
                    except BrokenProcessPool:
                        broken.append(upload)
                if broken:
                    broken.extend(running.values())
                    running.clear()
                    break
        if broken:
            # Run the files that were in flight one at a time: the one that kills its worker is rejected.
            for upload in broken:
                _isolated(upload, options, context, finish, work)


def _isolated(upload: Upload, options: RecalcOptions, context: Any, finish: Callable[[Upload, FileResult], None],
              work: Work) -> None:
    job = _job_with_limits(upload, options)
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_die_with_batch) as pool:
        try:
            result = pool.submit(work, job, options).result()
        except BrokenProcessPool:
            result = _crashed(job)
    finish(upload, result)


def _run_dask(uploads: list[Upload], options: RecalcOptions, address: str,
              finish: Callable[[Upload, FileResult], None], work: Work) -> None:
    """The same per-file work on a Dask distributed cluster; results come back here to be written."""
    from xlcomp.extras import require

    distributed = require("distributed", "dask", "recalc --dask")
    try:
        client = distributed.Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"no Dask scheduler answers at {address} ({exc}): start one with "
                         "`dask scheduler` and `dask worker ADDRESS`, or leave out --dask") from None
    try:
        threads = sum(client.nthreads().values()) or 1
        window = max(2, threads * 2)
        pending = list(reversed(uploads))
        running: dict[Any, tuple[Upload, str]] = {}

        def submit() -> Any:
            upload = pending.pop()
            job = _job_with_limits(upload, options)
            future = client.submit(work, job, options, pure=False,
                                   key=f"xlcomp-recalc-{upload.stem}-{job.sha256[:12]}-{os.urandom(4).hex()}")
            running[future] = (upload, job.sha256)
            return future

        if not pending:
            return
        first = [submit() for _ in range(min(window, len(pending)))]
        completed = distributed.as_completed(first, loop=client.loop)
        for future in completed:
            upload, sha256 = running.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # KilledWorker, a lost worker: the file is rejected, the batch goes on
                result = _crashed_on_cluster(upload, sha256, exc)
            finish(upload, result)
            future.release()
            if pending:
                completed.add(submit())
    finally:
        client.close()
