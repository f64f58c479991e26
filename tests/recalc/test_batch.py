"""``xlcomp recalc`` on batches of plain inputs workbooks and hostile files: reading by table name,
validation with cell addresses, the outputs, exit codes, resume, and uploads left untouched."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from xlcomp.cli import main
from xlcomp.recalc.batch import JOURNAL_DIR, reads_ahead, run_batch
from xlcomp.recalc.job import RecalcOptions

from .builders import ACCOUNT_ROWS, HAND_PAYOUTS, HAND_PLAN, ROSTER_ROWS, messages, plain_workbook, recalc_file, sha256

XLCOMP = str(Path(sys.executable).with_name("xlcomp"))


def payouts(path: Path) -> list[dict[str, str]]:
    """payouts.csv as rows."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def by_source(rows: list[dict[str, str]]) -> dict[str, dict[tuple[str, str], str]]:
    """Payouts per source file, keyed by (csm_id, component)."""
    out: dict[str, dict[tuple[str, str], str]] = {}
    for row in rows:
        out.setdefault(row["source"], {})[(row["csm_id"], row["component"])] = row["payout"]
    return out


def entries(out: Path) -> dict[str, dict[str, Any]]:
    """report.json entries by file."""
    return {Path(e["file"]).name: e for e in json.loads((out / "report.json").read_text(encoding="utf-8"))}


# ---------------------------------------------------------------------------------------------
# reading plain inputs workbooks


def test_tables_found_by_name_sorted_with_inserted_column(tmp_path: Path) -> None:
    """Tables start at C3, rows are sorted the other way and a column is inserted: same payouts."""
    roster = [[*row[:2], "notes" if i == 0 else "n", *row[2:]] for i, row in enumerate(ROSTER_ROWS)]
    roster = [roster[0], *reversed(roster[1:])]
    accounts = [ACCOUNT_ROWS[0], *reversed(ACCOUNT_ROWS[1:])]
    path = plain_workbook(tmp_path / "moved.xlsx", roster=roster, accounts=accounts, as_tables=True)
    result = recalc_file(path)
    assert result.status == "ok", result.entry
    assert {(r["csm_id"], r["component"]): r["payout"] for r in result.payouts} == HAND_PAYOUTS
    assert result.entry["kind"] == "inputs workbook" and result.entry["period"] == "2027-Q1"
    assert result.entry["total"] == "8313.05"


def test_every_problem_of_a_file_with_its_cell(tmp_path: Path) -> None:
    roster = [list(row) for row in ROSTER_ROWS]
    roster[1][4] = "12k"          # base_salary of CSM-A: Roster!E2
    roster[2][9] = 0              # quota_upsell of CSM-B: Roster!J3
    accounts = [list(row) for row in ACCOUNT_ROWS]
    accounts[2][5] = 60000        # renewed_arr above renewable_arr: Accounts!F3
    accounts[3][1] = "CSM-Z"      # not on the roster: Accounts!B4
    result = recalc_file(plain_workbook(tmp_path / "bad.xlsx", roster=roster, accounts=accounts))
    assert result.status == "rejected"
    found = {(p["where"], p["message"]) for p in result.entry["problems"]}
    assert ("Roster!E2", 'base_salary: "12k" is not a number') in found
    assert any(where == "Roster!J3" and "must be above 0" in message for where, message in found)
    assert ("Accounts!F3", "renewed_arr: 60000.0000 is above renewable_arr 50000.0000") in found
    assert ("Accounts!B4", 'csm_id: "CSM-Z" is not a CSM of the roster') in found


def test_plan_problem_names_the_cell_of_its_line(tmp_path: Path) -> None:
    plan = HAND_PLAN.replace("weight: 0.6", "weight: 1.6")
    line = next(i for i, text in enumerate(plan.splitlines(), start=2) if "weight: 1.6" in text)
    result = recalc_file(plain_workbook(tmp_path / "plan.xlsx", plan=plan))
    assert result.status == "rejected"
    assert {"where": f"Plan!A{line}", "message": "components[0].weight: 1.6 is above 1"} in result.entry["problems"]


def test_plan_and_period_from_the_command_line(tmp_path: Path) -> None:
    bare = plain_workbook(tmp_path / "bare.xlsx", plan=None)
    result = recalc_file(bare)
    assert result.status == "rejected"
    text = messages(result)
    assert "no Plan sheet" in text and "give --plan" in text and "no period: give --period" in text
    result = recalc_file(bare, RecalcOptions(plan_text=HAND_PLAN, plan_name="hand.yaml", period="2027-Q1"))
    assert result.status == "ok", result.entry
    assert {(r["csm_id"], r["component"]): r["payout"] for r in result.payouts} == HAND_PAYOUTS
    wrong = recalc_file(bare, RecalcOptions(plan_text=HAND_PLAN, period="2027-03"))
    assert "pays per quarter, but the period 2027-03 is a month" in messages(wrong)


def test_formula_like_text_is_escaped_in_payouts_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roster = [list(row) for row in ROSTER_ROWS]
    accounts = [list(row) for row in ACCOUNT_ROWS]
    roster[1][0] = '=HYPERLINK("http://x","y")'
    for row in accounts[1:3]:
        row[1] = roster[1][0]
    plain_workbook(tmp_path / "=inject.xlsx", roster=roster, accounts=accounts)
    monkeypatch.chdir(tmp_path)
    assert main(["recalc", "=inject.xlsx", "--out", "out", "--workers", "1", "--quiet"]) == 0
    text = (tmp_path / "out" / "payouts.csv").read_text(encoding="utf-8")
    rows = payouts(tmp_path / "out" / "payouts.csv")
    assert {row["source"] for row in rows} == {"'=inject.xlsx"}
    assert rows[0]["csm_id"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())
    assert ",=" not in text and ",-" not in text and ",@" not in text


# ---------------------------------------------------------------------------------------------
# a batch through the command line


def hostile_batch(folder: Path) -> dict[str, Path]:
    """Good uploads and bad ones side by side."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "good": plain_workbook(folder / "good.xlsx"),
        "tables": plain_workbook(folder / "tables.xlsx", as_tables=True),
        "empty": folder / "empty.xlsx",
        "text": folder / "text.xlsx",
        "cut": folder / "cut.xlsx",
    }
    files["empty"].write_bytes(b"")
    files["text"].write_text("not,a,workbook\n", encoding="utf-8")
    files["cut"].write_bytes(files["good"].read_bytes()[:1500])
    return files


def test_batch_of_good_and_hostile_files(tmp_path: Path) -> None:
    files = hostile_batch(tmp_path / "uploads")
    secret = tmp_path / "uploads" / "passwords.txt"
    secret.write_text("root:SECRET-HASH:0:0", encoding="utf-8")
    files["xxe"] = tmp_path / "uploads" / "xxe.xlsx"
    from .test_safety import with_members

    workbook_xml = openpyxl_workbook_xml(files["good"])
    declaration, _, rest = workbook_xml.partition("?>")
    with_members(files["good"], files["xxe"], {
        "xl/workbook.xml": declaration + f'?><!DOCTYPE w [<!ENTITY x SYSTEM "file://{secret}">]>'
                           + rest.replace('name="Plan"', 'name="&x;"')})
    files["wide"] = big_accounts_sheet(files["good"], tmp_path / "uploads" / "wide.xlsx", rows=60_000)
    before = {name: sha256(path) for name, path in files.items()}
    out = tmp_path / "out"
    started = time.perf_counter()
    process = subprocess.Popen([XLCOMP, "recalc", *map(str, files.values()), "--out", str(out), "--workers", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = watch_memory(process)
    stdout, stderr = process.communicate(timeout=300)
    elapsed = time.perf_counter() - started
    assert process.returncode == 1, stderr
    assert "Traceback" not in stdout + stderr
    assert "2 ok, 0 inputs_changed, 0 overridden, 5 rejected" in stdout
    assert elapsed < 60
    # the whole process tree (the batch, its workers) stayed well under 2 GB
    assert 0 < peak < 2 * 1024**3
    # uploads byte for byte unchanged, and nothing of the local secret in any output
    assert {name: sha256(path) for name, path in files.items()} == before
    for output in out.rglob("*"):
        if output.is_file():
            assert b"SECRET-HASH" not in output.read_bytes(), output
    report = entries(out)
    assert [report[n]["status"] for n in ("good.xlsx", "tables.xlsx", "empty.xlsx", "text.xlsx", "cut.xlsx",
                                          "xxe.xlsx")] == ["ok", "ok", "rejected", "rejected", "rejected", "rejected"]
    assert "truncated or damaged" in report["cut.xlsx"]["problems"][0]["message"]
    assert "xl/workbook.xml: the XML declares a document type" in report["xxe.xlsx"]["problems"][0]["message"]
    for entry in report.values():
        assert set(entry) >= {"file", "status", "problems", "overrides", "differences"}
    sources = by_source(payouts(out / "payouts.csv"))
    assert sources == {str(files["good"]): HAND_PAYOUTS, str(files["tables"]): HAND_PAYOUTS}
    # report.xlsx: one row per finding, for people
    book = openpyxl.load_workbook(out / "report.xlsx", read_only=True)
    assert book.sheetnames == ["Files", "Totals", "Findings"]
    rows = list(book["Findings"].iter_rows(values_only=True))
    assert rows[0][:5] == ("file", "status", "finding", "where", "message")
    problems = [r for r in rows[1:] if r[2] == "problem"]
    assert {r[0] for r in problems} == {str(files[n]) for n in ("empty", "text", "cut", "xxe", "wide")}
    assert {r[1] for r in problems} == {"rejected"}
    book.close()
    assert not (out / "good.xlsx").exists() or (out / "good.xlsx").stat().st_size > 0
    # no temporary files left behind
    assert not [p for p in out.rglob("*.tmp")]
    assert "Accounts!A1" in report["wide.xlsx"]["problems"][0]["where"]


def watch_memory(process: subprocess.Popen[str]) -> int:
    """The largest resident memory of a process and all its descendants together, sampled until it ends."""
    import psutil

    peak = 0
    root = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    return peak


def big_accounts_sheet(source: Path, target: Path, rows: int) -> Path:
    """``source`` with an Accounts sheet of ``rows`` x 10 numbers (and no valid header)."""
    import zipfile

    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name in archive.namelist():
            if name != "xl/worksheets/sheet3.xml":
                out.writestr(name, archive.read(name))
        with out.open("xl/worksheets/sheet3.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                        b'spreadsheetml/2006/main"><sheetData>')
            for row in range(1, rows + 1):
                sheet.write(b'<row r="%d">' % row + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (bytes([65 + c]), row, c)
                                                            for c in range(10)) + b"</row>")
            sheet.write(b"</sheetData></worksheet>")
    return target


def openpyxl_workbook_xml(path: Path) -> str:
    """The workbook part of an .xlsx as text."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/workbook.xml").decode()


def test_output_folder_over_an_upload_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "inbox").mkdir()
    upload = plain_workbook(tmp_path / "inbox" / "q1.xlsx")
    digest = sha256(upload)
    code = main(["recalc", str(upload), "--out", str(tmp_path / "inbox"), "--quiet"])
    assert code == 2
    assert "would overwrite the upload" in capsys.readouterr().err
    assert sha256(upload) == digest
    assert not (tmp_path / "inbox" / "report.json").exists()


def test_same_names_from_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = plain_workbook(tmp_path / "a" / "q1.xlsx")
    second = plain_workbook(tmp_path / "b" / "q1.xlsx", as_tables=True)
    result = run_batch([first, second], tmp_path / "out", workers=1)
    assert [e["file"] for e in result.entries] == [str(first), str(second)]
    journal = sorted(p.name for p in (tmp_path / "out" / JOURNAL_DIR).glob("*.json"))
    assert journal == ["q1-2.json", "q1.json"]
    assert set(by_source(payouts(tmp_path / "out" / "payouts.csv"))) == {str(first), str(second)}


def test_folder_argument_takes_its_workbooks(tmp_path: Path) -> None:
    files = hostile_batch(tmp_path / "uploads")
    (tmp_path / "uploads" / "notes.txt").write_text("not an upload", encoding="utf-8")
    result = run_batch([tmp_path / "uploads"], tmp_path / "out", workers=1)
    assert sorted(Path(e["file"]).name for e in result.entries) == sorted(p.name for p in files.values())


# ---------------------------------------------------------------------------------------------
# resume


class StopError(Exception):
    """Stands for the batch being killed."""


def test_resume_redoes_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    uploads = [plain_workbook(tmp_path / "in" / f"u{i}.xlsx") for i in range(6)]
    out = tmp_path / "out"
    done: list[str] = []

    def stop_after_two(upload: Any, entry: dict[str, Any]) -> None:
        done.append(upload.file)
        if len(done) == 2:
            raise StopError

    with pytest.raises(StopError):
        run_batch(uploads, out, workers=1, progress=stop_after_two)
    assert not (out / "report.json").exists() and not (out / "payouts.csv").exists()
    assert len(list((out / JOURNAL_DIR).glob("*.json"))) == 2
    again: list[str] = []
    result = run_batch(uploads, out, workers=1, resume=True, progress=lambda u, e: again.append(u.file))
    assert result.resumed == 2 and result.processed == 4
    assert sorted(again) == sorted(str(u) for u in uploads if str(u) not in done)
    rows = payouts(out / "payouts.csv")
    assert len(rows) == 6 * 4
    assert len({(r["source"], r["csm_id"], r["component"]) for r in rows}) == len(rows)
    assert [e["file"] for e in result.entries] == [str(u) for u in uploads]
    # an upload changed since it was done is done again
    plain_workbook(uploads[0], plan=HAND_PLAN.replace("rate: 0.05", "rate: 0.06"))
    redo: list[str] = []
    result = run_batch(uploads, out, workers=1, resume=True, progress=lambda u, e: redo.append(u.file))
    assert redo == [str(uploads[0])]
    assert by_source(payouts(out / "payouts.csv"))[str(uploads[0])][("CSM-A", "upsell")] == "1600.00"


def test_resume_after_a_real_kill(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    uploads = [plain_workbook(tmp_path / "in" / f"u{i:02d}.xlsx") for i in range(14)]
    out = tmp_path / "out"
    process = subprocess.Popen([XLCOMP, "recalc", *map(str, uploads), "--out", str(out), "--workers", "1",
                                "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    journal = out / JOURNAL_DIR
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if journal.is_dir() and any(journal.glob("*.json")):
            break
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    finished = {p.stem for p in journal.glob("*.json")}
    assert 0 < len(finished) < len(uploads), "the batch was not stopped midway"
    assert not (out / "report.json").exists()
    resumed = subprocess.run([XLCOMP, "recalc", *map(str, uploads), "--out", str(out), "--workers", "1",
                              "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} from an earlier run" in resumed.stdout
    assert not list(out.rglob("*.tmp")), "temporary files of the killed batch were left"
    rows = payouts(out / "payouts.csv")
    assert len(rows) == len(uploads) * 4
    assert len({(r["source"], r["csm_id"], r["component"]) for r in rows}) == len(rows)


def test_a_worker_that_dies_costs_one_file(tmp_path: Path) -> None:
    from .crashy import recalc_or_die

    uploads = [plain_workbook(tmp_path / name) for name in ("a.xlsx", "b-crash.xlsx", "c.xlsx", "d.xlsx", "e.xlsx")]
    result = run_batch(uploads, tmp_path / "out", workers=2, work=recalc_or_die)
    statuses = {Path(e["file"]).name: e["status"] for e in result.entries}
    assert statuses == {"a.xlsx": "ok", "b-crash.xlsx": "rejected", "c.xlsx": "ok", "d.xlsx": "ok", "e.xlsx": "ok"}
    [crashed] = [e for e in result.entries if e["status"] == "rejected"]
    assert "the worker reading this file died" in crashed["problems"][0]["message"]
    assert len(payouts(tmp_path / "out" / "payouts.csv")) == 4 * 4


def test_workers_read_ahead_only_with_a_core_to_spare(tmp_path: Path) -> None:
    assert reads_ahead(1, 40, 2)          # --workers 1 on two cores: the second core reads ahead
    assert not reads_ahead(2, 40, 2)      # two busy workers on two cores: no core to spare
    assert reads_ahead(2, 1, 2)           # one file, the default two workers: one of them is busy
    assert not reads_ahead(1, 1, 1)       # one core
    assert not reads_ahead(4, 3, 2)       # more files at once than cores
    from .crashy import recalc_noting_read_ahead

    uploads = [plain_workbook(tmp_path / name) for name in ("a.xlsx", "b.xlsx")]
    spare = (os.cpu_count() or 1) > 1
    one = run_batch(uploads[:1], tmp_path / "one", workers=2, work=recalc_noting_read_ahead)
    assert [e["read_ahead"] for e in one.entries] == [spare]
    both = run_batch(uploads, tmp_path / "both", workers=2, work=recalc_noting_read_ahead)
    assert [e["read_ahead"] for e in both.entries] == [(os.cpu_count() or 1) > 2] * 2
    kept_off = run_batch(uploads[:1], tmp_path / "off", RecalcOptions(read_ahead=False), workers=1,
                         work=recalc_noting_read_ahead)
    assert [e["read_ahead"] for e in kept_off.entries] == [False]


def test_workers_start_with_the_preloads_frozen_and_the_host_is_left_alone(plain: Path, tmp_path: Path) -> None:
    import gc
    import importlib

    from .crashy import recalc_noting_frozen

    before = gc.get_freeze_count()
    importlib.reload(importlib.import_module("xlcomp.recalc.preloaded"))   # outside a fork server: nothing
    assert gc.get_freeze_count() == before
    result = run_batch([plain], tmp_path / "out", workers=1, work=recalc_noting_frozen)
    assert result.entries[0]["frozen"] > 10_000   # what the fork server preloaded (some 80,000 objects)
    assert gc.get_freeze_count() == before


def test_temporaries_of_a_killed_batch_are_removed(plain: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / JOURNAL_DIR).mkdir(parents=True)
    stale = [out / ".plain.xlsx.abc123.tmp", out / ".report.json.x1.tmp", out / JOURNAL_DIR / ".plain.json.q.tmp"]
    for path in stale:
        path.write_bytes(b"half")
    other = out / ".notes.txt.tmp"
    other.write_text("not ours", encoding="utf-8")
    run_batch([plain], out, workers=1)
    assert not any(path.exists() for path in stale)
    assert other.exists()


def test_one_batch_at_a_time_per_output_folder(plain: Path, tmp_path: Path) -> None:
    import fcntl

    from xlcomp.errors import UsageError

    out = tmp_path / "out"
    (out / JOURNAL_DIR).mkdir(parents=True)
    with (out / JOURNAL_DIR / "lock").open("a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(UsageError, match="another xlcomp recalc is writing into"):
            run_batch([plain], out, workers=1)
    assert run_batch([plain], out, workers=1).count("ok") == 1


def test_inputs_a_workbook_cannot_hold_are_rejected(tmp_path: Path) -> None:
    """csm_ids that differ only in case are one id to Excel's lookups: no workbook, no payouts."""
    roster = [list(row) for row in ROSTER_ROWS]
    accounts = [list(row) for row in ACCOUNT_ROWS]
    roster[2][0] = "csm-a"
    accounts[3][1] = "csm-a"
    result = recalc_file(plain_workbook(tmp_path / "case.xlsx", roster=roster, accounts=accounts))
    assert result.status == "rejected"
    assert result.payouts == [] and result.workbook is None
    [problem] = result.entry["problems"]
    assert problem["where"] == "Roster!A3" and "the same csm_id to Excel" in problem["message"]


def test_links_to_an_upload_are_refused_as_outputs(plain: Path, tmp_path: Path) -> None:
    """An output folder where a symbolic or hard link to the upload sits under an output's name."""
    from xlcomp.errors import UsageError

    for kind in ("symlink", "hardlink"):
        out = tmp_path / kind
        out.mkdir()
        link = out / "plain.xlsx"
        if kind == "symlink":
            link.symlink_to(plain)
        else:
            os.link(plain, link)
        with pytest.raises(UsageError, match="would overwrite the upload"):
            run_batch([plain], out, workers=1)
        with pytest.raises(UsageError, match="would overwrite the upload"):
            run_batch([link], out, workers=1)


def test_killing_a_batch_kills_its_workers(tmp_path: Path) -> None:
    """SIGKILL of ``xlcomp recalc --workers 2`` (the batch's process only, as an OOM killer or a
    supervisor would): its fork server, resource tracker and workers go with it."""
    import psutil

    (tmp_path / "in").mkdir()
    uploads = [plain_workbook(tmp_path / "in" / f"u{i:02d}.xlsx") for i in range(40)]
    process = subprocess.Popen([XLCOMP, "recalc", *map(str, uploads), "--out", str(tmp_path / "out"),
                                "--workers", "2", "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    root = psutil.Process(process.pid)
    helpers: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            helpers = root.children(recursive=True)
        except psutil.Error:
            break
        # the fork server, the resource tracker and the two workers (forked by the fork server)
        if len(helpers) >= 4 and any((tmp_path / "out" / JOURNAL_DIR).glob("*.json")):
            break
        time.sleep(0.02)
    assert process.poll() is None and len(helpers) >= 4, "the batch ended before it could be killed"
    process.kill()
    process.wait(timeout=30)
    try:
        _gone, alive = psutil.wait_procs(helpers, timeout=20)
        assert alive == [], [" ".join(p.cmdline()[:4]) for p in alive if p.is_running()]
    finally:
        for helper in helpers:
            with contextlib.suppress(psutil.Error):
                helper.kill()


def test_a_reused_output_folder_keeps_no_workbook_of_an_earlier_batch(plain: Path, tmp_path: Path) -> None:
    first = [plain_workbook(tmp_path / name) for name in ("east.xlsx", "west.xlsx")]
    out = tmp_path / "out"
    (out).mkdir()
    (out / "notes.txt").write_text("the team's own file", encoding="utf-8")
    (out / "north.xlsx").write_bytes(b"not written by xlcomp")
    run_batch(first, out, workers=1)
    assert (out / "east.xlsx").is_file() and (out / "west.xlsx").is_file()
    run_batch([first[1]], out, workers=1)
    assert not (out / "east.xlsx").exists()  # the earlier batch's output: it would pass for this one's
    assert (out / "west.xlsx").is_file()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the team's own file"  # not ours: kept
    assert (out / "north.xlsx").read_bytes() == b"not written by xlcomp"
    assert [entry["file"] for entry in json.loads((out / "report.json").read_text())] == [str(first[1])]
    assert sorted(p.name for p in (out / JOURNAL_DIR).glob("*.json")) == ["west.json"]
