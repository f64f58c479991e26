"""Write the formatted commission workbook for an engine run (SPEC section 5).

>>> write_workbook(result, "csm-fy27-ar-2027-Q1.xlsx")  # doctest: +SKIP

Sheets: Guide, Plan, Roster, Accounts, Adjustments, Summary, ROI, one tab per CSM, and the hidden ``_xlcomp``
metadata sheet (see :mod:`xlcomp.workbook.layout`). Every formula cell carries the engine's value as
its cached value. The same run always gives the same cells and formulas; only the generation id
(metadata) and the file's creation time differ between two writes.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Literal

import pyarrow as pa

from xlcomp.engine.run import RunResult, run
from xlcomp.engine.versions import run_versions
from xlcomp.errors import InputError, Problem
from xlcomp.model.credit import Credits
from xlcomp.model.dating import Changes
from xlcomp.model.ledger_lines import LedgerPanel
from xlcomp.model.metrics import SCORE_FIELDS
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan
from xlcomp.money import exactly
from xlcomp.ooxml.refs import excel_id_key
from xlcomp.outputs import OutputSet
from xlcomp.workbook import layout
from xlcomp.workbook.context import Context
from xlcomp.workbook.fast_book import FastWorkbook
from xlcomp.workbook.fast_sheet import FastWorksheet
from xlcomp.workbook.formulas import needed_metrics
from xlcomp.workbook.sheets.adjustments import write_adjustments_sheet
from xlcomp.workbook.sheets.changes import write_changes_sheet
from xlcomp.workbook.sheets.credit import write_credit_sheets
from xlcomp.workbook.sheets.csm import CsmTabPlan, csm_facts
from xlcomp.workbook.sheets.guide import metadata, write_guide_sheet, write_meta_sheet
from xlcomp.workbook.sheets.ledger import LEDGER_SHEET, write_ledger_sheet
from xlcomp.workbook.sheets.plan import write_plan_sheet
from xlcomp.workbook.sheets.roi import write_roi_sheet
from xlcomp.workbook.sheets.summary import FIRST_ROW, write_summary_sheet
from xlcomp.workbook.sheets.tables import write_accounts_sheet, write_roster_sheet

__all__ = ["blank_actuals", "check_run", "empty_book", "template_result", "workbook_bytes",
           "write_workbook"]

Mode = Literal["calc", "template"]


def check_run(result: RunResult) -> list[Problem]:
    """What keeps a run from becoming a workbook: no CSMs, or csm_ids Excel cannot tell apart
    (SUMIFS and MATCH ignore case and read number-like text as numbers)."""
    roster = result.roster
    problems = _name_clashes(result.plan)
    if not result.csms:
        return [*problems, Problem(roster.locator.where(None), "the roster has no CSMs: a workbook needs at least "
                                                               "one")]
    seen: dict[tuple[str, str | float], str] = {}
    for csm_result in result.csms:
        csm = csm_result.csm
        key = excel_id_key(csm.csm_id)
        if key in seen:
            problems.append(roster.locator.problem(
                csm.row, "csm_id", f'"{csm.csm_id}" and "{seen[key]}" are the same csm_id to Excel (its lookups '
                                   f"ignore case and read number-like ids as numbers): make them differ"))
        else:
            seen[key] = csm.csm_id
    return problems


def workbook_names(plan: Plan) -> list[str]:
    """Every defined name and table name the workbook of ``plan`` has (they share one namespace)."""
    names = [*layout.PERIOD_NAMES, *(layout.input_name(n) for n in dict.fromkeys([*plan.inputs, *layout.ROI_INPUTS])),
             layout.ROSTER_TABLE, layout.ACCOUNTS_TABLE, layout.ADJUSTMENTS_TABLE, layout.SUMMARY_TABLE,
             layout.CHANGES_TABLE, layout.MOVES_TABLE, layout.SPLITS_TABLE, layout.CREDIT_TABLE]
    for component in plan.components:
        names += [layout.param_name(component.id, param) for param in layout.COMPONENT_PARAMS]
        if component.curve is not None:
            names.append(layout.tier_table_name(component.id))
    names += [layout.band_table_name(i) for i in range(len(plan.multipliers))]
    return names


def _name_clashes(plan: Plan) -> list[Problem]:
    seen: dict[str, str] = {}
    problems = []
    for name in workbook_names(plan):
        key = name.casefold()
        if key in seen and seen[key] != name:
            where = plan.source.rsplit("/", 1)[-1] if plan.source else "plan.yaml"
            problems.append(Problem(where, f'the workbook would have both "{seen[key]}" and "{name}", one name to '
                                           "Excel (names ignore case): rename a component", "components"))
        seen.setdefault(key, name)
    return problems


@exactly
def write_workbook(result: RunResult, path: str | Path, *, protect_password: str | None = None,
                   mode: Mode = "calc", generation_id: str | None = None,
                   ledger: Mapping[str, LedgerPanel] | None = None) -> Path:
    """Write the workbook of ``result`` to ``path`` and return the path.

    ``mode="template"`` leaves the period's actual account columns blank (``result`` should then
    be :func:`template_result`). ``protect_password`` protects the computed sheets with a
    password (without one they are protected with none). Raises :class:`InputError` when the run
    cannot become a workbook (:func:`check_run`). ``ledger``: a closed period's per-CSM panels, written
    as a Ledger sheet after ROI (:mod:`xlcomp.workbook.sheets.ledger`).
    """
    path = Path(path)
    _write(result, str(path), protect_password, mode, generation_id, ledger)
    return path


@exactly
def workbook_bytes(result: RunResult, *, protect_password: str | None = None, mode: Mode = "calc",
                   generation_id: str | None = None) -> bytes:
    """The workbook :func:`write_workbook` writes, as the bytes of the .xlsx file (no file is written)."""
    buffer = io.BytesIO()
    _write(result, buffer, protect_password, mode, generation_id)
    return buffer.getvalue()


def _write(result: RunResult, target: str | io.BytesIO, protect_password: str | None, mode: Mode,
           generation_id: str | None, ledger: Mapping[str, LedgerPanel] | None = None) -> None:
    problems = check_run(result)
    if problems:
        raise InputError(problems)
    # in_memory: each part's XML is built in memory and zipped (by ISA-L), rather than through a temporary file
    workbook = FastWorkbook(target, {"strings_to_numbers": False, "strings_to_formulas": False,
                                 "strings_to_urls": False, "use_future_functions": False, "in_memory": True})
    from xlcomp.workbook.styles import Styles

    ctx = Context(result=result, workbook=workbook, styles=Styles(workbook, result.plan.currency), mode=mode,
                  protect_password=protect_password or "")
    ctx.csm_sheets = layout.csm_sheet_names([(r.csm.csm_id, r.csm.name) for r in result.csms])
    fixed = list(layout.FIXED_SHEETS)
    if result.changes is not None:
        fixed.insert(fixed.index(layout.SHEET_ADJUSTMENTS) + 1, layout.SHEET_CHANGES)
    if result.credits is not None:
        at = fixed.index(layout.SHEET_SUMMARY)
        fixed[at:at] = [layout.SHEET_MOVES, layout.SHEET_SPLITS, layout.SHEET_CREDIT]
    ledger_sheet = layout.safe_sheet_name(LEDGER_SHEET, [*fixed, *ctx.csm_sheets, layout.META_SHEET]) \
        if ledger is not None else None
    prepared_formulas: dict[str, str] = {}  # shared: every CSM tab has the same formulas
    plain_formulas: dict[str, str] = {}
    for name in (*fixed, *([ledger_sheet] if ledger_sheet else []), *ctx.csm_sheets, layout.META_SHEET):
        sheet = workbook.add_worksheet(name, worksheet_class=FastWorksheet)
        sheet.prepared_formulas = prepared_formulas
        sheet.plain_formulas = plain_formulas
        ctx.sheets[name] = sheet
    tab = CsmTabPlan(ctx)
    write_guide_sheet(ctx)
    write_plan_sheet(ctx)
    write_roster_sheet(ctx)
    write_accounts_sheet(ctx)
    write_adjustments_sheet(ctx)
    if result.changes is not None:
        write_changes_sheet(ctx)
    if result.credits is not None:
        write_credit_sheets(ctx)
    write_summary_sheet(ctx, tab)
    write_roi_sheet(ctx)
    if ledger is not None and ledger_sheet is not None:
        write_ledger_sheet(ctx, ctx.sheets[ledger_sheet], ledger)
    needed = needed_metrics(result.plan)
    for index, (csm_result, name) in enumerate(zip(result.csms, ctx.csm_sheets, strict=True)):
        facts = csm_facts(csm_result, result.plan, index + 1, FIRST_ROW + index, needed)
        tab.write(ctx.sheets[name], name, facts)
    meta = metadata(ctx, generation_id or uuid.uuid4().hex)
    write_meta_sheet(ctx, meta)
    workbook.set_properties({
        "title": f"{result.plan.name} {result.period.label}",
        "subject": "CSM variable pay",
        "author": "xlcomp",
        "comments": f"plan {result.plan.id} ({result.plan.short_digest}), period {result.period.label}",
        "keywords": "xlcomp, commission, CSM",
    })
    for key in layout.META_KEYS:
        workbook.set_custom_property(layout.META_PROPERTY_PREFIX + key, meta[key], "text")
    workbook.set_calc_mode("auto")
    workbook.close()


def empty_book() -> Book:
    """A book with no accounts (a template for a roster alone)."""
    import pandas as pd

    from xlcomp.load.accounts import load_accounts

    return load_accounts(pd.DataFrame({column: pd.Series([], dtype="object") for column in layout.ACCOUNT_COLUMNS}))


def blank_actuals(book: Book) -> Book:
    """The book with the period's actual columns (:data:`~xlcomp.workbook.layout.ACCOUNT_ACTUAL_COLUMNS`)
    emptied: sums become 0, scores no data."""
    table = book.table
    n = table.num_rows
    for column in layout.ACCOUNT_ACTUAL_COLUMNS:
        index = table.schema.get_field_index(column)
        if index < 0:
            continue
        kind = table.schema.field(index).type
        if column in SCORE_FIELDS:
            values = pa.nulls(n, kind)
        else:
            values = pa.repeat(pa.scalar(Decimal(0), kind), n)
        table = table.set_column(index, column, values)
    return Book(table, book.locator, book.columns)


@exactly
def template_result(plan: Plan, roster: Roster, book: Book | None, period: Period,
                    changes: Changes | None = None, credits: Credits | None = None,
                    versions: Sequence[Plan] = ()) -> RunResult:
    """The run a template shows: the plan and roster as given (with ``changes``, and the book's moves and
    splits, ``credits``), the book with its actuals blank. ``versions``: the plan's versions (SPEC section 10),
    run in place of ``plan`` (a period they split has each part's components)."""
    blank = blank_actuals(book) if book is not None else empty_book()
    if versions:
        return run_versions(versions, roster, blank, period, changes=changes, credits=credits)
    return run(plan, roster, blank, period, changes=changes, credits=credits)


def stage_workbook(outputs: OutputSet, result: RunResult, out: Path, protect_password: str | None = None,
                   ledger: Mapping[str, LedgerPanel] | None = None) -> Path:
    """Stage ``<plan-id>-<period>.xlsx`` in ``out`` (written when ``outputs`` commits); its path."""
    target = out / f"{result.plan.id}-{result.period.label}.xlsx"
    outputs.add(target, lambda path: write_workbook(result, path, protect_password=protect_password, ledger=ledger))
    return target
