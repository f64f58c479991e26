"""The end-to-end cases of round two: ``xlcomp calc --no-workbook`` from CSV files against pyarrow and
pandas reading the same CSV, and ``xlcomp recalc --workers 1`` against headless LibreOffice
recalculating the same uploads.

Both sides of each case run as a command in a fresh process, as a user (or a script) would run them:
interpreter start and imports count on both sides.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

E2E_SIZES = {
    "full": {"calc": (10_000, 1_000_000), "lo": (10, 40, 2_000)},
    "tiny": {"calc": (50, 2_000), "lo": (2, 5, 60)},
}
E2E_PLAN = "full_service"

# The baseline of calc_e2e: what a script would do to total the same accounts (a fresh process too).
PANDAS_BASELINE = """\
import sys
import pyarrow.csv as pcsv
table = pcsv.read_csv(sys.argv[1])
frame = table.to_pandas()
amounts = [c for c in frame.columns if c.endswith("_arr")]
sums = frame[["csm_id", *amounts]].groupby("csm_id").sum()
assert len(sums) > 0
"""


def _env() -> dict[str, str]:
    """The environment of a command: this checkout's xlcomp first on the path."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def compile_package() -> None:
    """Byte-compile xlcomp, as installing it does: a machine with ``PYTHONDONTWRITEBYTECODE`` set (or a
    fresh clone never imported) would otherwise compile some hundred modules in every command timed,
    where the baseline's pyarrow and pandas come compiled."""
    import compileall

    compileall.compile_dir(ROOT / "xlcomp", quiet=1)


def _command(args: list[str]) -> None:
    done = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} … exited {done.returncode}: {(done.stderr or done.stdout)[-2000:]}")


# ---------------------------------------------------------------------------------------------
# calc_e2e: xlcomp calc --no-workbook, CSV to payouts.csv and summary.csv


def _setup_calc(size: str, work: Path) -> dict[str, Any]:
    from xlcomp.demo.project import preset_text
    from xlcomp.demo.sample import sample_book

    csms, accounts = E2E_SIZES[size]["calc"]
    compile_package()
    work.mkdir(parents=True, exist_ok=True)
    roster, book = sample_book(csms, accounts, 7, "2027-Q1")   # the files `xlcomp sample` writes
    roster.to_csv(work / "roster.csv", index=False)
    book.to_csv(work / "accounts.csv", index=False)
    (work / "plan.yaml").write_text(preset_text(E2E_PLAN), encoding="utf-8")
    return {"work": work, "csms": csms, "accounts": accounts, "out": work / "out"}


def _calc_ours(state: dict[str, Any]) -> None:
    work = state["work"]
    _command([sys.executable, "-m", "xlcomp", "calc", "--plan", str(work / "plan.yaml"),
              "--roster", str(work / "roster.csv"), "--accounts", str(work / "accounts.csv"),
              "--period", "2027-Q1", "--out", str(state["out"]), "--no-workbook"])


def _calc_baseline(state: dict[str, Any]) -> None:
    _command([sys.executable, "-c", PANDAS_BASELINE, str(state["work"] / "accounts.csv")])


def _calc_notes(state: dict[str, Any]) -> str:
    out = state["out"]
    if not (out / "summary.csv").exists():
        return ""
    with (out / "summary.csv").open(encoding="utf-8", newline="") as handle:
        total = sum((Decimal(row["payout_total"]) for row in csv.DictReader(handle)), Decimal(0))
    with (out / "payouts.csv").open(encoding="utf-8") as handle:
        lines = sum(1 for _ in handle) - 1
    size_mb = (state["work"] / "accounts.csv").stat().st_size / 1e6
    return (f"{state['csms']:,} CSMs x {state['accounts']:,} accounts ({size_mb:.1f} MB accounts.csv), plan "
            f"{E2E_PLAN}; payouts.csv {lines:,} rows, total {total:,.2f}; both sides a fresh process "
            f"(interpreter start and imports included); baseline sums the *_arr columns")


# ---------------------------------------------------------------------------------------------
# calc_dated: the same calc with 10% of the accounts moved and a roster change per CSM (issue 16: <= 1.3x)


def _setup_dated(size: str, work: Path) -> dict[str, Any]:
    """calc_e2e's files, plus moves.csv (every tenth account to another CSM on a day of the quarter) and
    changes.csv (one change a CSM inside the quarter: target_variable for half of them, quota_upsell for the
    others)."""
    import datetime
    import random

    state = _setup_calc(size, work)
    pick = random.Random(16)
    start = datetime.date(2027, 1, 2)
    with (work / "roster.csv").open(encoding="utf-8", newline="") as handle:
        roster = list(csv.DictReader(handle))
    ids = [row["csm_id"] for row in roster]
    with (work / "changes.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["csm_id", "field", "value", "effective"])
        for i, row in enumerate(roster):
            field = "target_variable" if i % 2 == 0 else "quota_upsell"
            day = start + datetime.timedelta(days=pick.randrange(88))
            out.writerow([row["csm_id"], field, f"{Decimal(row[field]) + 5000:f}", day.isoformat()])
    with (work / "accounts.csv").open(encoding="utf-8", newline="") as handle, \
            (work / "moves.csv").open("w", encoding="utf-8", newline="") as moves:
        out = csv.writer(moves)
        out.writerow(["account_id", "to_csm", "effective"])
        moved = 0
        for i, row in enumerate(csv.DictReader(handle)):
            if i % 10 == 0:
                day = start + datetime.timedelta(days=pick.randrange(88))
                out.writerow([row["account_id"], pick.choice(ids), day.isoformat()])
                moved += 1
    return {**state, "moved": moved, "changes": len(roster), "out_dated": work / "out-dated"}


def _dated_ours(state: dict[str, Any]) -> None:
    work = state["work"]
    _command([sys.executable, "-m", "xlcomp", "calc", "--plan", str(work / "plan.yaml"),
              "--roster", str(work / "roster.csv"), "--accounts", str(work / "accounts.csv"),
              "--period", "2027-Q1", "--out", str(state["out_dated"]), "--no-workbook",
              "--moves", str(work / "moves.csv"), "--changes", str(work / "changes.csv")])


def _dated_notes(state: dict[str, Any]) -> str:
    return (f"{state['csms']:,} CSMs x {state['accounts']:,} accounts, plan {E2E_PLAN}: {state['moved']:,} accounts "
            f"moved and {state['changes']:,} roster changes inside 2027-Q1 vs the same command without them "
            "(both a fresh process)")


# ---------------------------------------------------------------------------------------------
# recalc_vs_libreoffice: xlcomp recalc --workers 1 of edited uploads against LibreOffice recalculating them


def _edit_upload(source: Path, target: Path, index: int) -> None:
    """``source`` as finance would send it back: one account's renewed ARR cut to 55% of its renewable ARR
    (a different account in each file), saved by openpyxl."""
    import openpyxl

    workbook = openpyxl.load_workbook(source)
    accounts = workbook["Accounts"]
    header = [c.value for c in accounts[1]]
    renewable, renewed = header.index("renewable_arr") + 1, header.index("renewed_arr") + 1
    candidates = [r for r in range(2, accounts.max_row + 1) if (accounts.cell(r, renewable).value or 0) > 0]
    row = candidates[index % len(candidates)]
    accounts.cell(row, renewed).value = round(accounts.cell(row, renewable).value * 0.55, 2)
    workbook.save(target)


def _setup_lo(size: str, work: Path) -> dict[str, Any]:
    from benchmarks.cases import _run
    from xlcomp.ooxml.libreoffice import find_soffice
    from xlcomp.workbook.writer import write_workbook

    find_soffice()
    compile_package()
    files, csms, accounts = E2E_SIZES[size]["lo"]
    uploads = work / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    result, _ = _run(csms, accounts)
    fresh = work / "fresh.xlsx"
    write_workbook(result, fresh)
    for i in range(files):
        _edit_upload(fresh, uploads / f"upload-{i:02d}.xlsx", i)
    return {"files": sorted(uploads.glob("*.xlsx")), "work": work, "count": files, "csms": csms,
            "accounts": accounts}


def _lo_ours(state: dict[str, Any]) -> None:
    out = state["work"] / "recalc"
    _command([sys.executable, "-m", "xlcomp", "recalc", *map(str, state["files"]), "--out", str(out),
              "--workers", "1", "--quiet"])
    entries = json.loads((out / "report.json").read_text(encoding="utf-8"))
    state["statuses"] = sorted({e["status"] for e in entries})


def _lo_libreoffice(state: dict[str, Any]) -> None:
    from xlcomp.ooxml.libreoffice import recalculate

    state["lo_outputs"] = len(recalculate(state["files"], state["work"] / "libreoffice"))


def _lo_notes(state: dict[str, Any]) -> str:
    return (f"{state['count']} uploads of {state['csms']} CSMs x {state['accounts']:,} accounts, one renewed_arr "
            f"edited in each; recalc statuses {', '.join(state.get('statuses', []))}; LibreOffice wrote "
            f"{state.get('lo_outputs', 0)} files (one soffice call, private profile, recalculation on load always)")
