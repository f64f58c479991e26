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


def test_the_roster_loaded_before_the_accounts_wait_is_the_roster_loaded_after(tmp_path: Path) -> None:
    """The upload read loads its roster while the Accounts sheet may still be parsed (``roster_ready``): the
    tables, problems, warnings, roster and accounts are those of loading both afterwards, in the same order.
    Numbers typed as text in both tables (read as finance writes them: a warning each), a currency not the
    plan's in both (a problem each, at its cell)."""
    import io

    import openpyxl

    from xlcomp.load.inputs import load_inputs, load_roster
    from xlcomp.load.sources import OpenXlsx
    from xlcomp.recalc.read import read_upload
    from xlcomp.recalc.tables import PreparedTables, prepare_tables
    from xlcomp.workbook import layout

    from .builders import plain_workbook, recalc_file
    from .test_fidelity import set_account, table_at

    fresh = recalc_file(plain_workbook(tmp_path / "inputs.xlsx")).workbook
    assert fresh is not None
    book = openpyxl.load_workbook(io.BytesIO(fresh))
    set_account(book, "A1", "upsell_arr", "$15,000")
    set_account(book, "A2", "renewed_arr", "EUR 9,000")
    sheet, c0, r0, _, _, header = table_at(book, layout.SHEET_ROSTER, layout.ROSTER_TABLE)
    sheet.cell(r0 + 1, c0 + header.index("target_variable")).value = "$40,000"
    sheet.cell(r0 + 2, c0 + header.index("target_variable")).value = "EUR 30,000"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    plan = read_upload(UploadPackage(fresh, inspect_upload(fresh, keep_parts=True).parts, "fresh.xlsx")).plan
    data = edited.read_bytes()
    parts = inspect_upload(data, keep_parts=True).parts
    seen: list[bool] = []

    def prepared(early: bool) -> tuple[PreparedTables, list[object]]:
        loaded: list[object] = []
        with UploadPackage(data, parts, "edited.xlsx") as package:
            def ready(partial: PreparedTables) -> None:
                seen.append(any(s.lower() == layout.SHEET_ACCOUNTS.lower() for s in partial.rows))
                source = OpenXlsx(package.name, partial.index, partial.source_rows(package.read_rows))
                loaded.append(load_roster(plan, source))

            out = prepare_tables(package, plan, roster_ready=ready if early else None)
            source = OpenXlsx(package.name, out.index, out.source_rows(package.read_rows))
            try:
                loaded.append(load_inputs(plan, source, source, roster_loaded=loaded[0] if loaded else None))
            except Exception as exc:   # the currency problems: every problem of both tables, in one InputError
                loaded.append([str(p) for p in exc.problems])   # type: ignore[attr-defined]
        return out, loaded

    late, late_loaded = prepared(False)
    early, early_loaded = prepared(True)
    assert seen == [False]   # called once, before the Accounts sheet's rows were read
    assert early.problems == late.problems and early.warnings == late.warnings
    assert early.rows == late.rows and early.index == late.index and early.row_maps == late.row_maps
    assert early_loaded[-1] == late_loaded[-1]
    found = " | ".join(str(w) for w in early.warnings)
    assert "in the Roster table was read as finance writes them" in found and '"$40,000" as 40000' in found
    assert "in the Accounts table was read as finance writes them" in found and '"$15,000" as 15000' in found
    assert [p.field for p in early.problems] == ["target_variable", "renewed_arr"]   # the roster's first, as before
