"""Random plans and books, written as workbooks and recalculated by LibreOffice, pay what the engine pays.

One hypothesis example draws a batch of cases (:mod:`tests.workbook.strategies`): plans with every curve
mode, gates, multipliers, caps, thresholds and roster-column targets, paid per month, quarter, half or
year, on rosters with hires and leavers and books with undefined metrics, some periods split by a second
plan version (different rates, targets and curves from a day inside the period). Each case is written by the
writer, and an edited twin is made with openpyxl (one account's renewed_arr and upsell_arr changed in the
Accounts table); the engine is run again on the twin's inputs (and, for a split period, ``xlcomp recalc`` of the
twin must read every version back and pay the same). All workbooks go to LibreOffice in ONE
headless call (it costs about a second to start), then every CSM's total on Summary and every component
payout on each CSM tab must equal the engine's to the cent. LibreOffice is slow, so hypothesis neither
shrinks nor runs more than one batch; a failure lists each wrong cell with the case's plan YAML, roster
and book as CSV, and writes those files next to the workbooks to reproduce it.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings

from xlcomp.engine.run import RunResult, run
from xlcomp.engine.versions import run_versions
from xlcomp.load.adjustments import load_adjustments
from xlcomp.load.changes import load_changes
from xlcomp.load.inputs import load_inputs
from xlcomp.load.moves import load_moves
from xlcomp.load.plan import parse_plan
from xlcomp.load.plan_versions import union_plan
from xlcomp.load.splits import load_splits
from xlcomp.model.credit import Credits
from xlcomp.model.period import parse_period
from xlcomp.ooxml.libreoffice import recalculate
from xlcomp.recalc.job import RecalcOptions, UploadJob, recalc_upload
from xlcomp.workbook import layout
from xlcomp.workbook.sheets.summary import FIRST_ROW
from xlcomp.workbook.writer import write_workbook

from . import cells
from .strategies import Case, Edit, cases

BATCH = 20
SEED_VARIABLE = "XLCOMP_PARITY_SEED"  # set it to draw a failed batch again
HALF_CENT = 0.005



@dataclass
class Written:
    """A workbook of the batch: which case, original or twin, the run it must show, its file."""

    case_index: int
    twin: bool
    expected: RunResult
    path: Path
    recalculated: Path | None = None

    @property
    def label(self) -> str:
        return f"case {self.case_index}{' (edited twin)' if self.twin else ''}"


def engine_run(case: Case, roster: Any = None, accounts: Any = None) -> RunResult:
    """The engine on the case's plan and period, over its DataFrames or another source (a workbook: its
    Changes table too, when the case has roster changes)."""
    plan = parse_plan(case.plan_yaml, filename=f"case-{case.period}.yaml",
                      source="plan-v1.yaml" if case.version_yaml is not None else "")
    versions = (plan,)
    if case.version_yaml is not None:   # a second plan version splits the period (SPEC section 10)
        versions = (plan, parse_plan(case.version_yaml, filename="plan-v2.yaml", source="plan-v2.yaml"))
    roster_model, book = load_inputs(union_plan(versions), case.roster if roster is None else roster,
                                     case.accounts if accounts is None else accounts)
    period = parse_period(case.period)
    # the twin's adjustments and roster changes are read back from its workbook's Adjustments and Changes tables
    adjustments = case.adjustments if roster is None else load_adjustments(roster, roster_model)
    changes = None
    if case.changes is not None:
        changes = load_changes(case.changes if roster is None else roster, roster_model, period, plan)
    # and the moves and splits from its Moves and Splits tables
    credits = None
    if case.moves is not None or case.splits is not None:
        moves = load_moves(case.moves if roster is None else roster, roster_model, book, period) \
            if case.moves is not None else None
        splits = load_splits(case.splits if roster is None else roster, roster_model, book, moves) \
            if case.splits is not None else None
        credits = Credits(moves, splits)
    if case.version_yaml is not None:
        return run_versions(versions, roster_model, book, period, adjustments=adjustments, changes=changes,
                            credits=credits)
    return run(plan, roster_model, book, period, adjustments=adjustments, changes=changes, credits=credits)


def edit_accounts(source: Path, target: Path, edit: Edit) -> None:
    """The twin: ``source`` with one account's renewed_arr and upsell_arr typed over, as finance would."""
    workbook = openpyxl.load_workbook(source)
    sheet = workbook[layout.SHEET_ACCOUNTS]
    header = [c.value for c in sheet[1]]
    id_col, renewed_col, upsell_col = (header.index(c) + 1 for c in ("account_id", "renewed_arr", "upsell_arr"))
    rows = [r for r in range(2, sheet.max_row + 1) if sheet.cell(r, id_col).value == edit.account_id]
    assert len(rows) == 1, f"account {edit.account_id} is not once on the Accounts sheet"
    sheet.cell(rows[0], renewed_col).value = edit.renewed_arr
    sheet.cell(rows[0], upsell_col).value = edit.upsell_arr
    workbook.save(target)


def _close(found: Any, expected: Decimal) -> bool:
    return (isinstance(found, (int, float)) and not isinstance(found, bool) and math.isfinite(found)
            and abs(found - float(expected)) <= HALF_CENT)


def payout_mismatches(written: Written) -> list[str]:
    """Every Summary total and CSM-tab payout of the recalculated workbook that is not the engine's."""
    assert written.recalculated is not None
    values = cells.values(written.recalculated)
    result = written.expected
    wrong: list[str] = []
    summary = values[layout.SHEET_SUMMARY]
    header_row = FIRST_ROW  # FIRST_ROW is 0-based: the header is the 1-based row just above the data
    headers = {summary.get((header_row, col)): col for col in range(1, 60)}
    total_col = headers["total_payout"]
    tabs = layout.csm_sheet_names([(r.csm.csm_id, r.csm.name) for r in result.csms])
    for index, (csm, tab) in enumerate(zip(result.csms, tabs, strict=True)):
        row = FIRST_ROW + index + 1
        csm_id = csm.csm.csm_id
        if str(summary.get((row, 1))) != csm_id:
            wrong.append(f"Summary!A{row}: csm_id {summary.get((row, 1))!r}, expected {csm_id!r}")
        found = summary.get((row, total_col))
        if not _close(found, csm.total):
            wrong.append(f"Summary!{_a1(row, total_col)} total of {csm_id}: LibreOffice {found!r}, "
                         f"engine {csm.total}")
        sheet = values[tab]
        labels = sorted(r for (r, c), v in sheet.items() if c == 1 and v == "Payout")
        if len(labels) != len(csm.components):
            wrong.append(f"'{tab}': {len(labels)} Payout rows for {len(csm.components)} components")
            continue
        for payout_row, component in zip(labels, csm.components, strict=True):
            found = sheet.get((payout_row, 2))
            if not _close(found, component.payout):
                wrong.append(f"'{tab}'!B{payout_row} {component.component.id} payout of {csm_id}: LibreOffice "
                             f"{found!r}, engine {component.payout} (attainment {component.attainment}, share "
                             f"{component.share}, multiplier {component.multiplier})")
        totals = [r for (r, c), v in sheet.items() if c == 1 and v == "Total payout"]
        found = sheet.get((totals[0], 2)) if totals else None
        if not _close(found, csm.total):
            wrong.append(f"'{tab}' Total payout of {csm_id}: LibreOffice {found!r}, engine {csm.total}")
    wrong += cells.errors({k: v for k, v in values.items() if k == layout.SHEET_SUMMARY or k in tabs})
    return wrong


def recalc_mismatches(written: Written) -> list[str]:
    """``xlcomp recalc`` of a split period's workbook (each plan version read back from its metadata and its part's
    cells): no problem, no plan edit, and every CSM paid the engine's total."""
    data = written.path.read_bytes()
    done = recalc_upload(UploadJob(written.path.name, written.path.name, data, hashlib.sha256(data).hexdigest()),
                         RecalcOptions(compare=False))
    wrong = [f"{p['where']} {p['message']}" for p in done.entry["problems"]]
    wrong += [f"plan edit {e}" for e in done.entry["plan_edits"]]
    paid = {row["csm_id"]: row["engine"] for row in done.entry["totals"]}
    wrong += [f"{c.csm.csm_id}: recalc pays {paid.get(c.csm.csm_id)}, the engine {c.total}"
              for c in written.expected.csms if paid.get(c.csm.csm_id) != f"{c.total:.2f}"]
    return wrong


def _a1(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def check_batch(batch: list[Case], folder: Path, rerun: str = "") -> None:
    """Write, edit and recalculate every case of the batch, then compare each workbook with the engine."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Written] = []
    for index, case in enumerate(batch):
        original = engine_run(case)
        path = write_workbook(original, folder / f"case{index:02d}.xlsx", generation_id="random-parity")
        written.append(Written(index, False, original, path))
        twin_path = folder / f"case{index:02d}_twin.xlsx"
        edit_accounts(path, twin_path, case.edit)
        written.append(Written(index, True, engine_run(case, twin_path, twin_path), twin_path))
    outputs = recalculate([w.path for w in written], folder / "recalculated")
    for entry, output in zip(written, outputs, strict=True):
        entry.recalculated = output

    failures: dict[int, list[str]] = {}
    for entry in written:
        for problem in payout_mismatches(entry):
            failures.setdefault(entry.case_index, []).append(f"{entry.label}: {problem}")
        if entry.twin and batch[entry.case_index].version_yaml is not None:
            for problem in recalc_mismatches(entry):
                failures.setdefault(entry.case_index, []).append(f"{entry.label}: recalc: {problem}")
    if failures:
        report = []
        for index, problems in failures.items():
            case = batch[index]
            repro = folder / f"case{index:02d}_repro"
            repro.mkdir(exist_ok=True)
            (repro / "plan.yaml").write_text(case.plan_yaml, encoding="utf-8")
            if case.version_yaml is not None:
                (repro / "plan-v2.yaml").write_text(case.version_yaml, encoding="utf-8")
            case.roster.to_csv(repro / "roster.csv", index=False)
            case.accounts.to_csv(repro / "accounts.csv", index=False)
            for name, frame in (("changes", case.changes), ("moves", case.moves), ("splits", case.splits)):
                if frame is not None:
                    frame.to_csv(repro / f"{name}.csv", index=False)
            report.append("\n".join([*problems[:12], f"  ({len(problems)} in all; files in {repro})",
                                     case.describe()]))
        pytest.fail(f"{len(failures)} of {len(batch)} random cases disagree with the engine (draw this batch "
                    f"again with {rerun}):\n\n"
                    + "\n\n".join(report), pytrace=False)


def draw_batch(size: int, seed_value: int) -> list[Case]:
    """``size`` cases drawn by hypothesis with ``seed_value``, one per example: a single example holding
    the whole batch overruns hypothesis' budget of choices per example, and then only its minimal example
    (every case the simplest one) runs."""
    batch: list[Case] = []

    @seed(seed_value)
    @settings(max_examples=size, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=cases())
    def collect(case: Case) -> None:
        batch.append(case)

    collect()
    return batch


def test_random_plans_and_their_edited_twins_recalculate_to_the_engine(tmp_path: Path) -> None:
    seed_value = int(os.environ.get(SEED_VARIABLE) or random.SystemRandom().randrange(2**32))
    batch = draw_batch(BATCH, seed_value)
    assert len(batch) == BATCH
    check_batch(batch, tmp_path, f"{SEED_VARIABLE}={seed_value}")
