"""While the read-ahead thread still parses the largest sheet, the reading thread makes the collector's pass over
the young containers it would make when it resumes after the read; never when the host has paused it."""

from __future__ import annotations

import gc
from pathlib import Path

from xlcomp.recalc.ahead import ReadAhead
from xlcomp.recalc.intake import inspect_upload
from xlcomp.recalc.job import RecalcOptions, read_for_recalc
from xlcomp.recalc.package import UploadPackage

from .test_read_ahead import _calamine, _threads, large  # noqa: F401 - the module's workbook fixture


def test_idle_work_runs_only_when_the_values_are_not_there_yet(large: Path) -> None:  # noqa: F811
    data = large.read_bytes()
    parts = inspect_upload(data, keep_parts=True).parts
    held = ReadAhead(data, ["Accounts"], held=True)   # not ready until released
    calls: list[bool] = []

    def idle() -> None:   # this thread would wait: the values are not there yet
        calls.append(held._ready["Accounts"].is_set())
        held.release()

    with UploadPackage(data, parts, "large.xlsx", held) as package:
        package.on_idle = idle
        assert package.read_rows("Accounts") == _calamine(data, "Accounts")
    assert calls == [False]
    ready = ReadAhead(data, ["Accounts"])
    assert ready._ready["Accounts"].wait(30)
    with UploadPackage(data, parts, "large.xlsx", ready) as package:
        package.on_idle = lambda: calls.append(True)
        assert len(package.read_rows("Accounts")) == 2001
    assert calls == [False]   # already read: nothing to fill a wait with
    assert not _threads()


def test_a_paused_collector_is_left_alone(large: Path) -> None:  # noqa: F811
    data = large.read_bytes()
    was = gc.isenabled()
    gc.disable()
    try:
        before = gc.get_stats()[0]["collections"]
        read = read_for_recalc(data, RecalcOptions(), "large.xlsx")
        assert read.inputs is not None and read.package is not None
        assert read.package.on_idle is None and not gc.isenabled()
        assert gc.get_stats()[0]["collections"] == before   # no pass made: the host paused the collector
        read.package.close()
    finally:
        if was:
            gc.enable()
    gc.enable()
    try:
        read = read_for_recalc(data, RecalcOptions(), "large.xlsx")
        assert read.package is not None and read.package.on_idle is not None and gc.isenabled()
        read.package.close()
    finally:
        if not was:
            gc.disable()
