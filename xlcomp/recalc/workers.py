"""Worker processes of a batch: they die with their batch (the fork server's pipe let go, Linux's
parent-death signal), and an upload that crashes its worker is a rejected entry, not a stopped batch."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

from xlcomp.errors import Problem
from xlcomp.recalc.job import FileResult, RecalcOptions, UploadJob, recalc_upload

if TYPE_CHECKING:
    from xlcomp.recalc.batch import Upload

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _die_with_batch() -> None:
    """Worker initializer: the worker dies when the batch's process does, however that dies.

    A worker is forked by the fork server, and the fork server lives while anyone holds the write end
    of its "alive" pipe: the batch's process, and every worker (it inherits one). So the worker lets go
    of its copy (it never starts processes itself), and the fork server exits when the batch's process
    is gone; and the worker asks Linux to SIGKILL it when its parent, the fork server, exits
    (``PR_SET_PDEATHSIG`` through ``prctl``), which holds even while it is deep in a reader's native
    code. The resource tracker, whose pipe the workers and the fork server held, then exits too.
    Elsewhere (no ``prctl``) only the first half applies.
    """
    from multiprocessing import forkserver

    server: Any = getattr(forkserver, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if alive is not None:
        with contextlib.suppress(OSError):
            os.close(alive)
        server._forkserver_alive_fd = None
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _crashed(job: UploadJob) -> FileResult:
    problem = Problem("", "the worker reading this file died (a reader crash or no memory left): refused")
    return recalc_upload(UploadJob(job.file, job.output, None, job.sha256, problem), RecalcOptions())


def _crashed_on_cluster(upload: Upload, sha256: str, exc: Exception) -> FileResult:
    problem = Problem("", f"the cluster could not process this file ({type(exc).__name__}: {str(exc)[:200]}): "
                          "refused")
    return recalc_upload(UploadJob(upload.file, upload.output, None, sha256, problem), RecalcOptions())
