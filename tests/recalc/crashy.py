"""A per-file function whose worker dies on files named ``*crash*``: stands for a reader crash
(a native library aborting) that no Python ``except`` can catch."""

from __future__ import annotations

import os

from xlcomp.recalc.job import FileResult, RecalcOptions, UploadJob, recalc_upload


def recalc_or_die(job: UploadJob, options: RecalcOptions) -> FileResult:
    """``recalc_upload``, except that the process exits at once on a file named ``*crash*``."""
    if "crash" in job.file:
        os._exit(134)
    return recalc_upload(job, options)
