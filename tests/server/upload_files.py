"""Files the upload-page tests send: an xlcomp demo workbook, a copy with a formula typed over, a plain
inputs workbook with a hand-worked plan, and hostile files (not a zip, a zip bomb). All built here."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

from xlcomp.demo.project import preset_text
from xlcomp.demo.sample import sample_book
from xlcomp.engine.run import RunResult, run
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.model.period import parse_period
from xlcomp.workbook.writer import write_workbook

PERIOD = "2027-Q1"

# One bonus and one commission, no multiplier: small enough to work by hand.
HAND_PLAN = """\
id: upload-hand
name: Upload page example
currency: USD
period: quarter
components:
  - id: renewal
    kind: bonus
    metric: gross_renewal_rate
    weight: 0.5
    target: 0.9
    threshold: 0.8
    curve:
      mode: marginal
      tiers:
        - {upto: 1.0, rate: 1.0}
        - {rate: 2.0}
    cap: 1.5
  - id: upsell
    kind: commission
    metric: upsell_arr
    quota: {column: quota_upsell}
    curve:
      mode: marginal
      tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.10}]
"""

ROSTER = [
    ["csm_id", "name", "segment", "role", "base_salary", "target_variable", "start_date", "end_date", "manager",
     "quota_upsell"],
    ["CSM-1", "Ada Lovelace", "Enterprise", "CSM", 150000, 48000, date(2020, 1, 6), None, "Grace Hopper", 40000],
    ["CSM-2", "Alan Turing", "SMB", "CSM", 90000, 24000, date(2027, 3, 2), None, "Grace Hopper", 20000],
]
ACCOUNTS = [
    ["account_id", "csm_id", "segment", "arr_start", "renewable_arr", "renewed_arr", "upsell_arr", "cross_sell_arr",
     "contraction_arr", "health_score", "nps", "adoption_rate"],
    ["A-1", "CSM-1", "Enterprise", 100000, 100000, 95000, 50000, 0, 0, 80, 40, 0.9],
    ["A-2", "CSM-2", "SMB", 50000, 50000, 40000, 10000, 0, 0, 60, None, None],
]

# Worked by hand, 2027-Q1 = 90 days:
# CSM-1 renewal: GRR 95,000 / 100,000 = 0.95; attainment ROUND(0.95 / 0.9, 6) = 1.055556;
#   share 1.0 + (1.055556 - 1.0) x 2.0 = 1.111112; TI 48,000 / 4 x 0.5 = 6,000;
#   payout ROUND(6,000 x 1.111112, 2) = ROUND(6,666.672, 2) = 6,666.67.
# CSM-1 upsell: 50,000 on a 40,000 quota: 40,000 x 5% + 10,000 x 10% = 3,000.00.
# CSM-2 renewal: hired 2 March, 30 of 90 days; GRR 40,000 / 50,000 = 0.8; attainment ROUND(0.8 / 0.9, 6) =
#   0.888889 (above the 0.8 threshold), share 0.888889; TI 24,000 / 4 x 0.5 x 30 / 90 = 1,000;
#   payout ROUND(1,000 x 0.888889, 2) = 888.89.
# CSM-2 upsell: 10,000 on a 20,000 quota: 10,000 x 5% = 500.00 (commissions are not prorated).
HAND_PAYOUTS = {("CSM-1", "renewal"): "6666.67", ("CSM-1", "upsell"): "3000.00",
                ("CSM-2", "renewal"): "888.89", ("CSM-2", "upsell"): "500.00"}
HAND_TOTAL = "11055.56"  # 6,666.67 + 3,000.00 + 888.89 + 500.00


def demo_result() -> RunResult:
    """The engine's run of the adoption-renewal preset on a small sample book (4 CSMs, 40 accounts)."""
    period = parse_period(PERIOD)
    roster_frame, accounts_frame = sample_book(4, 40, 7, period)
    plan = parse_plan(preset_text("adoption_renewal"))
    roster, book = load_inputs(plan, roster_frame, accounts_frame)
    return run(plan, roster, book, period)


def demo_workbook(path: Path, result: RunResult) -> Path:
    """The xlcomp workbook of ``result``, as ``xlcomp calc`` writes it."""
    write_workbook(result, path)
    return path


def typed_over(source: Path, target: Path, sheet: str, cell: str, value: float) -> str:
    """Copy ``source`` to ``target`` with the formula at ``sheet!cell`` replaced by ``value`` (as finance
    would type over it, saved by openpyxl); returns the formula that was there."""
    workbook = openpyxl.load_workbook(source)
    formula = workbook[sheet][cell].value
    assert isinstance(formula, str) and formula.startswith("="), formula
    workbook[sheet][cell].value = value
    workbook.save(target)
    return formula


def plain_workbook(path: Path) -> Path:
    """A plain inputs workbook: Roster and Accounts sheets, no plan (it comes with the upload)."""
    workbook = openpyxl.Workbook()
    roster = workbook.active
    roster.title = "Roster"
    for row in ROSTER:
        roster.append(row)
    accounts = workbook.create_sheet("Accounts")
    for row in ACCOUNTS:
        accounts.append(row)
    workbook.save(path)
    return path


def not_a_zip(path: Path) -> Path:
    """A CSV file named .xlsx."""
    path.write_text("csm_id,name\nCSM-1,Ada\n", encoding="utf-8")
    return path


def zip_bomb(path: Path, megabytes: int = 4) -> Path:
    """A workbook-shaped zip whose sheet is ``megabytes`` MB of spaces, compressed about 1,000 to 1."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types '
                         'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        archive.writestr("xl/worksheets/sheet1.xml", b"<worksheet>" + b" " * (megabytes * 1024 * 1024)
                         + b"</worksheet>")
    path.write_bytes(buffer.getvalue())
    return path
