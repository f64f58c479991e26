"""Per-file functions of batch tests: one whose worker dies on files named ``*crash*`` (it stands for a
reader crash, a native library aborting, that no Python ``except`` can catch), one that notes its options."""

from __future__ import annotations

import os

from xlcomp.recalc.job import FileResult, RecalcOptions, UploadJob, recalc_upload


def recalc_or_die(job: UploadJob, options: RecalcOptions) -> FileResult:
    """``recalc_upload``, except that the process exits at once on a file named ``*crash*``."""
    if "crash" in job.file:
        os._exit(134)
    return recalc_upload(job, options)


def recalc_noting_read_ahead(job: UploadJob, options: RecalcOptions) -> FileResult:
    """``recalc_upload``, its entry noting whether the batch asked the worker to read ahead."""
    result = recalc_upload(job, options)
    result.entry["read_ahead"] = options.read_ahead
    return result


def recalc_noting_frozen(job: UploadJob, options: RecalcOptions) -> FileResult:
    """``recalc_upload``, its entry noting how many objects the worker inherited frozen (``gc.freeze``)."""
    import gc

    result = recalc_upload(job, options)
    result.entry["frozen"] = gc.get_freeze_count()
    return result
