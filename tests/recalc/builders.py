"""Builders for uploads: a small plan whose payouts are worked by hand, plain inputs workbooks, and
hostile files of every kind recalc must refuse. Every file is built here, by the tests."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from xlcomp.recalc.intake import read_upload_bytes
from xlcomp.recalc.job import FileResult, RecalcOptions, UploadJob, recalc_upload

# One renewal bonus and one upsell commission (SPEC section 1, without the multiplier).
HAND_PLAN = """\
id: hand-worked
name: Hand-worked plan
currency: USD
period: quarter
components:
  - id: renewal
    kind: bonus
    metric: gross_renewal_rate
    weight: 0.6
    target: 0.92
    threshold: 0.85
    curve:
      mode: marginal
      tiers:
        - {upto: 1.0, rate: 1.0}
        - {upto: 1.1, rate: 3.0}
        - {rate: 1.0}
    cap: 1.5
  - id: upsell
    kind: commission
    metric: upsell_arr
    quota: {column: quota_upsell}
    curve:
      mode: marginal
      tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]
    gate: {metric: gross_renewal_rate, min: 0.80}
"""

ROSTER_ROWS: list[list[Any]] = [
    ["csm_id", "name", "segment", "role", "base_salary", "target_variable", "start_date", "end_date", "manager",
     "quota_upsell"],
    ["CSM-A", "Ava Okafor", "Enterprise", "CSM", 120000, 40000, "2024-01-01", "", "Quinn", 20000],
    ["CSM-B", "Ben Lindqvist", "SMB", "CSM", 90000, 20000, "2027-02-15", "", "Quinn", 10000],
]
ACCOUNT_ROWS: list[list[Any]] = [
    ["account_id", "csm_id", "segment", "arr_start", "renewable_arr", "renewed_arr", "upsell_arr", "cross_sell_arr",
     "contraction_arr", "health_score", "nps", "adoption_rate"],
    ["A1", "CSM-A", "Enterprise", 100000, 100000, 95000, 15000, 0, 0, 80, 40, 0.9],
    ["A2", "CSM-A", "Enterprise", 50000, 50000, 50000, 10000, 0, 0, 70, 20, 0.8],
    ["B1", "CSM-B", "SMB", 80000, 80000, 60000, 12000, 0, 0, 50, "", ""],
]

# Worked by hand (quarter 2027-Q1: 90 days).
# CSM-A, renewal: GRR = 145,000 / 150,000; attainment = ROUND(145,000 / (150,000 x 0.92), 6) = 1.050725;
#   share = 1.0 x 1.0 + (1.050725 - 1.0) x 3.0 = 1.152175; TI = 40,000 / 4 x 0.6 = 6,000;
#   payout = ROUND(6,000 x 1.152175, 2) = 6,913.05.
# CSM-A, upsell: 25,000 against a quota of 20,000: 20,000 x 5% + 5,000 x 8% = 1,000 + 400 = 1,400.00.
# CSM-B, renewal: GRR 0.75, attainment 0.815217 < threshold 0.85: 0.00 (TI 20,000 / 4 x 0.6 x 45/90 = 1,500).
# CSM-B, upsell: gated (GRR 0.75 < 0.80): 0.00.
HAND_PAYOUTS = {("CSM-A", "renewal"): "6913.05", ("CSM-A", "upsell"): "1400.00",
                ("CSM-B", "renewal"): "0.00", ("CSM-B", "upsell"): "0.00"}


def write_rows(sheet: Any, rows: Sequence[Sequence[Any]], first_row: int = 0) -> None:
    """Numbers as numbers, texts as texts (never formulas), blanks left blank."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value == "" or value is None:
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(first_row + r, c, value)
            else:
                sheet.write_string(first_row + r, c, str(value))


def plain_workbook(path: Path, *, plan: str | None = HAND_PLAN, period_line: str | None = "# period: 2027-Q1",
                   roster: Sequence[Sequence[Any]] = ROSTER_ROWS, accounts: Sequence[Sequence[Any]] = ACCOUNT_ROWS,
                   as_tables: bool = False) -> Path:
    """A plain inputs workbook: Plan (YAML one line per row in column A), Roster, Accounts."""
    workbook = xlsxwriter.Workbook(str(path))
    if plan is not None:
        sheet = workbook.add_worksheet("Plan")
        lines = ([period_line] if period_line else []) + plan.splitlines()
        for row, line in enumerate(lines):
            if line:
                sheet.write_string(row, 0, line)
    for name, rows in (("Roster", roster), ("Accounts", accounts)):
        sheet = workbook.add_worksheet(name)
        if as_tables:
            # the table starts at C3, so only the table's name can find it
            sheet.write_string(0, 0, f"{name} of the quarter (table below)")
            sheet.add_table(2, 2, 2 + len(rows) - 1, 2 + len(rows[0]) - 1,
                            {"name": name, "columns": [{"header": h} for h in rows[0]],
                             "data": [list(r) for r in rows[1:]]})
        else:
            write_rows(sheet, rows)
    workbook.close()
    return path


def zip_bytes(members: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip container holding ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def members_of(path: Path) -> dict[str, bytes]:
    """Every member of a zip file, by name."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def recalc_file(path: Path, options: RecalcOptions | None = None) -> FileResult:
    """The per-file work of a batch, run in this process on one file."""
    options = options or RecalcOptions()
    data, problem = read_upload_bytes(path, options.limits)
    digest = hashlib.sha256(data).hexdigest() if data is not None else ""
    return recalc_upload(UploadJob(path.name, f"{path.stem}.xlsx", data, digest, problem), options)


def messages(result: FileResult, key: str = "problems") -> str:
    """Every message of an entry's problems (or warnings), one per line."""
    return "\n".join(f"{item['where']} {item['message']}" for item in result.entry[key])


def sha256(path: Path) -> str:
    """The SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
