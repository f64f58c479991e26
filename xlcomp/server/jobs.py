"""The upload page's job folders: one private temporary folder per recalculation, found again by an
unguessable id, removed when old, when there are too many, and when the server stops.

Layout::

    ROOT/                       a private folder (mode 0700) made for this server process
        <job id>/               32 random hex digits (``secrets.token_hex(16)``)
            in/                 the uploads, under their sanitised names
            out/                what ``run_batch`` wrote: the downloads

Only the regular files directly in ``out/`` (not the batch's journal, not the uploads) can be
downloaded, and only once the job has finished.
"""

from __future__ import annotations

import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["JOB_ID", "Job", "JobStore"]

JOB_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class Job:
    """One recalculation: its id, folder, when it started, and (once finished) what may be downloaded."""

    id: str
    folder: Path
    created: float
    finished: bool = False
    downloads: frozenset[str] = field(default=frozenset())

    @property
    def inputs(self) -> Path:
        """Where the uploads are saved."""
        return self.folder / "in"

    @property
    def outputs(self) -> Path:
        """Where the batch writes (the downloads)."""
        return self.folder / "out"

    def download_path(self, name: str) -> Path | None:
        """The file ``name`` of a finished job's outputs, or None when it is not one of them."""
        if not self.finished or name not in self.downloads:
            return None
        path = self.outputs / name
        try:
            info = path.lstat()
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or path.resolve().parent != self.outputs.resolve():
            return None
        return path


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class JobStore:
    """Job folders under one private root; thread-safe (batches run in worker threads).

    ``max_age``: seconds a finished job's files are kept; ``max_jobs``: finished jobs kept at most
    (the oldest go first). ``parent``: where the root folder is made (default: the system's
    temporary folder). :meth:`close` removes everything; it also runs when the store is garbage
    collected or the interpreter exits, so no upload outlives the server.
    """

    def __init__(self, *, max_age: float = 3600.0, max_jobs: int = 50, parent: Path | None = None) -> None:
        self.max_age = max_age
        self.max_jobs = max_jobs
        self.parent = parent
        self._root: Path | None = None
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._finalizer: weakref.finalize[..., JobStore] | None = None

    @property
    def root(self) -> Path:
        """The private root folder (made on first use)."""
        with self._lock:
            return self._ensure_root()

    def _ensure_root(self) -> Path:
        if self._root is None or not self._root.is_dir():
            self._root = Path(tempfile.mkdtemp(prefix="xlcomp-upload-", dir=self.parent))
            self._finalizer = weakref.finalize(self, _remove, self._root)
        return self._root

    def create(self) -> Job:
        """A new job with empty ``in/`` and ``out/`` folders (mode 0700); old jobs are swept first."""
        self.sweep()
        with self._lock:
            root = self._ensure_root()
            while True:
                job_id = secrets.token_hex(16)
                if job_id not in self._jobs:
                    break
            job = Job(job_id, root / job_id, time.monotonic())
            job.folder.mkdir(mode=0o700)
            job.inputs.mkdir(mode=0o700)
            job.outputs.mkdir(mode=0o700)
            self._jobs[job_id] = job
            return job

    def finish(self, job: Job) -> None:
        """Mark a job done: the regular files now in its ``out/`` (not hidden ones) become its downloads."""
        names = frozenset(entry.name for entry in job.outputs.iterdir()
                          if not entry.name.startswith(".") and entry.is_file() and not entry.is_symlink())
        with self._lock:
            job.downloads = names
            job.finished = True
            job.created = time.monotonic()  # kept max_age from when its results are ready
        self.sweep()

    def discard(self, job: Job) -> None:
        """Forget a job and remove its folder (a refused or failed request)."""
        with self._lock:
            self._jobs.pop(job.id, None)
        _remove(job.folder)

    def get(self, job_id: str) -> Job | None:
        """A finished job by id (None for an unknown, unfinished or expired one)."""
        if not JOB_ID.fullmatch(job_id):
            return None
        self.sweep()
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.finished else None

    def sweep(self, now: float | None = None) -> list[str]:
        """Remove finished jobs older than ``max_age`` and the oldest beyond ``max_jobs``; their ids."""
        now = time.monotonic() if now is None else now
        with self._lock:
            finished = sorted((job for job in self._jobs.values() if job.finished), key=lambda job: job.created)
            expired = [job for job in finished if now - job.created > self.max_age]
            kept = finished[len(expired):]  # sorted by age: the expired ones come first
            expired += kept[: max(0, len(kept) - self.max_jobs)]
            for job in expired:
                del self._jobs[job.id]
        for job in expired:
            _remove(job.folder)
        return [job.id for job in expired]

    def __len__(self) -> int:
        with self._lock:
            return len(self._jobs)

    def close(self) -> None:
        """Remove every job and the root folder."""
        with self._lock:
            self._jobs.clear()
            root, self._root = self._root, None
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
        if root is not None:
            _remove(root)
