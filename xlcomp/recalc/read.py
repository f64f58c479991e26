"""Reading an uploaded workbook back into a plan, a period and validated inputs.

Two kinds of upload are read (after :mod:`xlcomp.recalc.intake` has passed the file):

**An xlcomp workbook** (it has the hidden ``_xlcomp`` metadata sheet, :mod:`xlcomp.workbook.layout`).
The plan is the canonical YAML kept in the metadata, with every parameter, tier and band read back
from the workbook's cells (:mod:`.parameters`): a rate or weight finance edited is honoured, and
reported as a plan edit. The period is the metadata's. Roster and Accounts are read from their
tables by name, wherever the tables are and whatever rows or columns finance added, sorted or
inserted.

**A plain inputs workbook**: sheets (or tables) Roster and Accounts, no formulas needed, and a
Plan sheet holding the plan's YAML one line per row in column A. The period is ``--period``, or a
YAML comment line ``# period: 2027-Q1`` in the Plan sheet. A workbook with no Plan sheet takes the
plan given with ``--plan``.

Every problem names its place (``Plan!C7``, ``Accounts!F231``); all problems of a file are
collected and raised together in one :class:`~xlcomp.errors.ProblemsError` subclass.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlcomp.errors import InputError, PlanError, Problem, ProblemsError, UploadError, UsageError
from xlcomp.load.adjustments import adjustments_from_table
from xlcomp.load.changes import load_changes
from xlcomp.load.inputs import LoadedRoster, load_inputs, load_roster
from xlcomp.load.moves import load_moves
from xlcomp.load.plan import parse_plan
from xlcomp.load.plan_versions import union_plan
from xlcomp.load.sources import OpenXlsx, read_table
from xlcomp.load.splits import load_splits
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.credit import Credits
from xlcomp.model.dating import Changes
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period, parse_period
from xlcomp.model.plan import Plan
from xlcomp.ooxml.index import WorkbookIndex
from xlcomp.ooxml.refs import column_letter
from xlcomp.recalc.package import UploadPackage
from xlcomp.recalc.parameters import ParameterEdit, cell_text, plan_from_workbook
from xlcomp.recalc.plan_versions import has_versions, versions_from_workbook
from xlcomp.recalc.tables import PreparedTables, prepare_tables
from xlcomp.workbook import layout

__all__ = ["ParameterEdit", "UploadInputs", "read_tabs", "read_upload"]

KIND_XLCOMP = "xlcomp workbook"
KIND_INPUTS = "inputs workbook"
_PERIOD_COMMENT = re.compile(r"^\s*#\s*period\s*:\s*(\S+)\s*$", re.IGNORECASE)
_AMOUNT = re.compile(r"-?\d{1,15}\.\d{2}")




@dataclass(frozen=True)
class UploadInputs:
    """What an upload holds: its plan, period and validated inputs, and how it was read.

    ``metadata`` is the ``_xlcomp`` key/values (empty for a plain inputs workbook); ``tabs`` the
    ``(csm_id, sheet)`` pairs of the CSM tabs it was written with; ``edits`` the plan parameters
    changed in the workbook; ``warnings`` findings that do not stop the recalculation; ``issued``
    each CSM's total when xlcomp wrote the workbook (its metadata; empty for a plain workbook);
    ``grown_rows`` how many rows typed under the input tables were read as rows of them.
    """

    kind: str
    plan: Plan
    period: Period
    roster: Roster
    book: Book
    metadata: Mapping[str, str] = field(default_factory=dict)
    tabs: tuple[tuple[str, str], ...] = ()
    edits: tuple[ParameterEdit, ...] = ()
    warnings: tuple[Problem, ...] = ()
    issued: Mapping[str, Decimal] = field(default_factory=dict)
    grown_rows: int = 0
    adjustments: tuple[Adjustment, ...] = ()
    changes: Changes | None = None          # the Changes table (roster changes, SPEC section 10), if any
    credits: Credits | None = None          # the Moves and Splits tables (SPEC section 10), if any
    versions: tuple[Plan, ...] = ()         # the plan versions splitting the period (SPEC section 10); () without


def read_upload(source: str | Path | UploadPackage, *, plan_text: str | None = None, plan_name: str = "plan.yaml",
                period: str | None = None, decimal_comma: bool = False) -> UploadInputs:
    """Read and validate an upload that passed the safety checks.

    ``source`` is the upload's path, or the :class:`~xlcomp.recalc.package.UploadPackage`
    holding the parts the checks decompressed (``xlcomp recalc``: every part is then read once,
    and what was read stays in the package for the comparison). ``plan_text`` (the YAML of
    ``--plan``) and ``period`` (``--period``) serve workbooks that carry no plan or period of
    their own; ``decimal_comma`` reads numbers typed as text with a decimal comma. The input tables
    are read as finance left them (:mod:`.tables`: rows under a table, numbers as finance writes
    them, …). Raises :class:`UploadError` (unreadable workbook), :class:`PlanError` or
    :class:`InputError` with every problem found.
    """
    if isinstance(source, UploadPackage):
        return _read_package(source, plan_text, plan_name, period, decimal_comma)
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UploadError([Problem("", f"the workbook's structure cannot be read ({type(exc).__name__}: "
                                       f"{exc})")]) from None
    with UploadPackage(data, name=path.name) as package:
        return _read_package(package, plan_text, plan_name, period, decimal_comma)


def _read_package(package: UploadPackage, plan_text: str | None, plan_name: str, period: str | None,
                  decimal_comma: bool = False) -> UploadInputs:
    try:
        index = package.index
    except Exception as exc:  # damaged parts, defusedxml refusals
        raise UploadError([Problem("", f"the workbook's structure cannot be read ({type(exc).__name__}: "
                                       f"{exc})")]) from None
    try:
        package.open_values()
    except Exception as exc:
        raise UploadError([Problem("", f"the workbook cannot be read ({type(exc).__name__}: {exc})")]) from None
    if index.sheet(layout.META_SHEET) is not None:
        try:
            meta, plan_yaml, tabs, issued = _read_metadata_issued(package)
        except Exception as exc:
            raise UploadError([Problem(f"{layout.META_SHEET}!A1", f"the metadata sheet cannot be read ({exc})")]
                              ) from None
        inputs = _read_xlcomp(package, index, package, meta, plan_yaml, tabs, period, [], decimal_comma)
        return replace(inputs, issued=issued, warnings=(*inputs.warnings, *_removed(inputs, issued)))
    properties = _custom_properties(package)
    if properties.get("schema_version"):
        # an xlcomp workbook whose metadata sheet was deleted: the document properties still say
        # what it is; the plan must come from --plan
        warnings = [Problem("", f"the {layout.META_SHEET} metadata sheet is missing (deleted?): the plan was "
                                "taken from --plan and the workbook's parameter cells")]
        if plan_text is None:
            raise UploadError([Problem("", f"an xlcomp workbook without its {layout.META_SHEET} metadata sheet "
                                           "(deleted?): the plan it held is lost; give the plan with --plan")])
        return _read_xlcomp(package, index, package, properties, plan_text, [], period, warnings, decimal_comma)
    return _read_plain(package, index, package, plan_text, plan_name, period, decimal_comma)


def _removed(inputs: UploadInputs, issued: Mapping[str, Decimal]) -> list[Problem]:
    """A warning for each CSM the workbook was issued with who is no longer in the Roster table."""
    paid = {csm.csm_id for csm in inputs.roster.csms}
    return [Problem("", f"{csm_id} (issued with a total of {total:,.2f}) is no longer in the Roster table (the row "
                        f"was deleted?): nothing is paid to {csm_id} from this upload")
            for csm_id, total in issued.items() if csm_id not in paid]


def _credits(package: UploadPackage, roster: Roster, book: Book, period: Period,
             warnings: list[Problem]) -> Credits | None:
    """The Moves and Splits tables when the workbook has either (their notes become warnings); None without."""
    index = package.index
    has_moves, has_splits = (index.table(t) is not None for t in (layout.MOVES_TABLE, layout.SPLITS_TABLE))
    if not has_moves and not has_splits:
        return None
    source = OpenXlsx(package.name, index, package.read_rows)
    moves = load_moves(source if has_moves else None, roster, book, period)
    credits = Credits(moves, load_splits(source if has_splits else None, roster, book, moves))
    warnings.extend(Problem("", note) for note in credits.notes)
    return credits


# ---------------------------------------------------------------------------------------------
# an xlcomp workbook


def read_tabs(source: str | Path | UploadPackage) -> list[tuple[str, str]]:
    """The ``(csm_id, sheet)`` CSM tabs an xlcomp workbook's metadata lists ([] when it has none)."""
    if not isinstance(source, UploadPackage):
        path = Path(source)
        with UploadPackage(path.read_bytes(), name=path.name) as package:
            return read_tabs(package)
    if layout.META_SHEET not in source.open_values().sheet_names:
        return []
    return _read_metadata(source)[2]


def _read_metadata(sheets: UploadPackage) -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    """Key/values, the plan YAML and the CSM tabs of the ``_xlcomp`` sheet."""
    meta, plan_yaml, tabs, _ = _read_metadata_issued(sheets)
    return meta, plan_yaml, tabs


def _read_metadata_issued(sheets: UploadPackage
                          ) -> tuple[dict[str, str], str, list[tuple[str, str]], dict[str, Decimal]]:
    """:func:`_read_metadata`, and each CSM's total as issued (the tabs table's third column; empty
    for a workbook written before xlcomp kept it, and where the text is not an amount)."""
    rows = sheets.rows(layout.META_SHEET)
    meta: dict[str, str] = {}
    yaml_chunks: list[str] = []
    tabs: list[tuple[str, str]] = []
    issued: dict[str, Decimal] = {}
    index = 1
    while index < len(rows):
        row = rows[index]
        key = cell_text(row[0] if row else "").strip()
        if not key:
            break
        value = row[1] if len(row) > 1 else ""
        if key == "plan_yaml":
            yaml_chunks.append(value if isinstance(value, str) else cell_text(value))
        elif key.endswith("_yaml") and layout.VERSION_KEY.match(key):   # a plan version's YAML, in chunks
            meta[key] = meta.get(key, "") + (value if isinstance(value, str) else cell_text(value))
        else:
            meta[key] = cell_text(value).strip()
        index += 1
    while index < len(rows) and not any(cell_text(v).strip() for v in rows[index]):
        index += 1
    if index < len(rows) and tuple(cell_text(v).strip() for v in rows[index][:2]) == layout.META_TABS_HEADER:
        with_issued = len(rows[index]) > 2 and cell_text(rows[index][2]).strip() == layout.META_TABS_ISSUED
        for row in rows[index + 1:]:
            csm_id = cell_text(row[0] if row else "").strip()
            sheet = cell_text(row[1] if len(row) > 1 else "").strip()
            if not csm_id:
                break
            tabs.append((csm_id, sheet))
            total = cell_text(row[2] if with_issued and len(row) > 2 else "").strip()
            if _AMOUNT.fullmatch(total):
                issued[csm_id] = Decimal(total)
    return meta, "".join(yaml_chunks), tabs, issued


def _custom_properties(package: UploadPackage) -> dict[str, str]:
    """The ``xlcomp_*`` custom document properties (prefix removed), read with defusedxml."""
    from defusedxml import ElementTree

    try:
        if "docProps/custom.xml" not in package.parts:
            return {}
        root = ElementTree.fromstring(package.parts["docProps/custom.xml"], forbid_dtd=True)
    except Exception:
        return {}
    out = {}
    for node in root:
        name = node.get("name") or ""
        if name.startswith(layout.META_PROPERTY_PREFIX):
            out[name[len(layout.META_PROPERTY_PREFIX):]] = "".join(node.itertext()).strip()
    return out


# a component of a part of a period split by plan versions: renamed with the part's first day (engine.versions)
_PART_ID = re.compile(r"^\s*-\s*id:\s*['\"]?[a-z0-9_]+@\d{4}-\d{2}-\d{2}['\"]?\s*$", re.MULTILINE)


def _read_xlcomp(path: UploadPackage, index: WorkbookIndex, sheets: UploadPackage, meta: dict[str, str], plan_yaml: str,
                 tabs: list[tuple[str, str]], period_option: str | None, warnings: list[Problem],
                 decimal_comma: bool = False) -> UploadInputs:
    where_meta = f"{layout.META_SHEET}!A1"
    version_text = meta.get("schema_version", "")
    if not version_text.isdigit():
        raise UploadError([Problem(where_meta, f'the metadata has no valid schema_version ("{version_text}"): '
                                               "the file is not an intact xlcomp workbook")])
    if int(version_text) > layout.SCHEMA_VERSION:
        raise UploadError([Problem(where_meta, f"the workbook was made by a newer xlcomp (schema {version_text}; "
                                               f"this one reads up to {layout.SCHEMA_VERSION}): upgrade xlcomp")])
    if not plan_yaml.strip():
        raise UploadError([Problem(where_meta, "the metadata holds no plan (plan_yaml is empty)")])
    split = bool(_PART_ID.search(plan_yaml))   # a period split by plan versions (SPEC section 10)
    if split and not has_versions(meta):
        raise UploadError([Problem(where_meta, f"plan versions: the workbook's {meta.get('period', 'period')} is "
                                               "split by plan versions, but its metadata holds only the merged plan "
                                               "(written by an xlcomp that did not keep each version): run xlcomp "
                                               "calc with the plan versions and the edited inputs")])
    expected_sha = meta.get("plan_yaml_sha256", "")
    if expected_sha and hashlib.sha256(plan_yaml.encode("utf-8")).hexdigest() != expected_sha and tabs and not split:
        # (a split period's plan is its versions': each checked against its own version_<n>_yaml_sha256)
        warnings.append(Problem(where_meta, "the plan text in the metadata sheet was altered since xlcomp wrote "
                                            "it: the altered plan was used"))
    period_text = meta.get("period", "")
    if not period_text:
        if not period_option:
            raise UploadError([Problem(where_meta, "the metadata names no period: give --period")])
        period_text = period_option
    elif period_option and period_option.strip() != period_text:
        warnings.append(Problem(where_meta, f"--period {period_option} was ignored: the workbook is for "
                                            f"{period_text}"))
    try:
        period = parse_period(period_text)
    except UsageError as exc:
        raise UploadError([Problem(where_meta, str(exc))]) from None

    problems: list[Problem] = []
    versions: tuple[Plan, ...] = ()
    if split:   # each version rebuilt from the metadata and its part's cells
        found, edits = versions_from_workbook(meta, period, index, sheets, problems, warnings)
        versions = found or ()
        plan: Plan | None = union_plan(versions) if versions else None
    else:
        plan, edits = plan_from_workbook(plan_yaml, index, sheets, problems, warnings)
    roster, book, more, prepared = _inputs(path, plan, decimal_comma)
    problems += more
    warnings += prepared.warnings
    adjustments = _adjustments(path, roster, plan, problems)
    if problems:
        raise _combined(problems)
    assert plan is not None and roster is not None and book is not None
    if period.kind is not plan.period:
        raise UploadError([Problem(where_meta, f"the plan pays per {plan.period.value} but the workbook's period "
                                               f"{period.label} is a {period.kind.value}")])
    roster = _in_tab_order(roster, tabs)
    changes = _changes(path, roster, period, plan, warnings)
    credits = _credits(path, roster, book, period, warnings)
    from xlcomp._version import __version__

    written_by = meta.get("xlcomp_version", "")
    if written_by and written_by != __version__:
        warnings.append(Problem(where_meta, f"the workbook was written by xlcomp {written_by} and is compared with "
                                            f"what xlcomp {__version__} writes: formulas that differ may come from "
                                            "the upgrade, not from an edit"))
    if meta.get("plan_id") and meta["plan_id"] != plan.id:
        warnings.append(Problem(where_meta, f'the metadata names plan "{meta["plan_id"]}" but the plan is '
                                            f'"{plan.id}"'))
    return UploadInputs(KIND_XLCOMP, plan, period, roster, book, meta, tuple(tabs), tuple(edits), tuple(warnings),
                        grown_rows=prepared.grown_rows, adjustments=adjustments, changes=changes, credits=credits,
                        versions=versions)


def _in_tab_order(roster: Roster, tabs: list[tuple[str, str]]) -> Roster:
    """The roster in the order the workbook was written (its CSM tabs), CSMs added since at the end.

    Finance may sort the Roster table; keeping the original order keeps every computed cell at
    the address it had, so the comparison with the upload is cell for cell.
    """
    order = {csm_id: position for position, (csm_id, _) in enumerate(tabs)}
    if not order:
        return roster
    ranked = sorted(enumerate(roster.csms), key=lambda item: (order.get(item[1].csm_id, len(order)), item[0]))
    return Roster(tuple(csm for _, csm in ranked), roster.locator, roster.columns)


def _combined(problems: list[Problem]) -> ProblemsError:
    """One error for every problem of the file: a PlanError when only the plan is wrong."""
    if all(p.where.startswith((layout.SHEET_PLAN, "plan")) or p.field.startswith(("components", "inputs",
                                                                                  "multipliers"))
           for p in problems):
        return PlanError(problems)
    return InputError(problems)


def _inputs(package: UploadPackage, plan: Plan | None, decimal_comma: bool = False
            ) -> tuple[Roster | None, Book | None, list[Problem], PreparedTables]:
    """Roster and Accounts from their tables (or sheets) as finance left them (:mod:`.tables`),
    validated against the plan."""
    early: list[LoadedRoster] = []

    def tables_source(prepared: PreparedTables) -> OpenXlsx:   # the tables' rows read once, for this, not kept
        return OpenXlsx(package.name, prepared.index, prepared.source_rows(package.read_rows))

    def roster_ready(prepared: PreparedTables) -> None:   # while the Accounts sheet may still be being parsed
        early.append(load_roster(plan, tables_source(prepared)))   # as load_inputs reads it below

    prepared = prepare_tables(package, plan, decimal_comma=decimal_comma, roster_ready=roster_ready)
    source = tables_source(prepared)
    try:
        roster, book = load_inputs(plan, source, source, roster_loaded=early[0] if early else None)
    except InputError as exc:
        return None, None, [*prepared.problems, *map(prepared.in_upload, exc.problems)], prepared
    return roster, book, list(prepared.problems), prepared



def _adjustments(package: UploadPackage, roster: Roster | None, plan: Plan | None, problems: list[Problem]
                 ) -> tuple[Adjustment, ...]:
    """The rows of the Adjustments table (none when the workbook has no such table); bad rows are
    problems at their cells."""
    if roster is None or layout.ADJUSTMENTS_TABLE not in package.index.tables:
        return ()
    source = OpenXlsx(package.name, package.index, package.read_rows)
    adjustments, found = adjustments_from_table(read_table(source, layout.ADJUSTMENTS_TABLE), roster,
                                                currency=plan.currency if plan is not None else None)
    problems += found
    return adjustments


def _changes(package: UploadPackage, roster: Roster, period: Period, plan: Plan,
             warnings: list[Problem]) -> Changes | None:
    """The Changes table when the workbook has one (its notes become warnings); None without one."""
    if package.index.table(layout.CHANGES_TABLE) is None:
        return None
    source = OpenXlsx(package.name, package.index, package.read_rows)
    changes = load_changes(source, roster, period, plan)
    warnings.extend(Problem("", note) for note in changes.notes)
    return changes


# ---------------------------------------------------------------------------------------------
# a plain inputs workbook


def _read_plain(path: UploadPackage, index: WorkbookIndex, sheets: UploadPackage, plan_text: str | None, plan_name: str,
                period_option: str | None, decimal_comma: bool = False) -> UploadInputs:
    problems: list[Problem] = []
    warnings: list[Problem] = []
    plan: Plan | None = None
    period_text = period_option
    plan_sheet = index.sheet(layout.SHEET_PLAN)
    if plan_sheet is not None:
        lines, first_row, column = _yaml_lines(sheets.rows(plan_sheet.name))
        yaml_text = "\n".join(lines) + "\n"
        for line in lines:
            match = _PERIOD_COMMENT.match(line)
            if match and not period_option:
                period_text = match.group(1)
        if not yaml_text.strip():
            problems.append(Problem(f"{plan_sheet.name}!A1", "the Plan sheet is empty: put the plan's YAML in "
                                                            "column A, one line per row, or give --plan"))
        else:
            if plan_text is not None:
                warnings.append(Problem(f"{plan_sheet.name}!A1", "--plan was ignored: the workbook has its own "
                                                                "Plan sheet"))
            try:
                plan = parse_plan(yaml_text, filename=plan_sheet.name)
            except PlanError as exc:
                for problem in exc.problems:
                    problems.append(_sheet_place(problem, plan_sheet.name, first_row, column))
    elif plan_text is not None:
        try:
            plan = parse_plan(plan_text, filename=plan_name)
        except PlanError as exc:
            problems.extend(exc.problems)
    else:
        problems.append(Problem("", f'the workbook has no Plan sheet (sheets: {", ".join(s.name for s in index.sheets)}'
                                    "): add one with the plan's YAML in column A, or give --plan"))
    period: Period | None = None
    if not period_text:
        problems.append(Problem("", "no period: give --period (e.g. 2027-Q1) or add a line "
                                    '"# period: 2027-Q1" to the Plan sheet'))
    else:
        try:
            period = parse_period(period_text)
        except UsageError as exc:
            problems.append(Problem("", str(exc)))
    roster, book, more, prepared = _inputs(path, plan, decimal_comma)  # without a plan, still checked on their own
    problems += more
    warnings += prepared.warnings
    if problems:
        raise _combined(problems)
    assert plan is not None and period is not None and roster is not None and book is not None
    if period.kind is not plan.period:
        raise InputError([Problem("", f"the plan {plan.id} pays per {plan.period.value}, but the period "
                                      f"{period.label} is a {period.kind.value}")])
    changes = _changes(path, roster, period, plan, warnings)
    credits = _credits(path, roster, book, period, warnings)
    return UploadInputs(KIND_INPUTS, plan, period, roster, book, {}, (), (), tuple(warnings),
                        grown_rows=prepared.grown_rows, changes=changes, credits=credits)


def _yaml_lines(rows: list[list[Any]]) -> tuple[list[str], int, int]:
    """The YAML lines of a Plan sheet: column A (or the first column with text), from its first row."""
    column = 0
    for row in rows:
        filled = [i for i, v in enumerate(row) if cell_text(v).strip()]
        if filled:
            column = filled[0]
            break
    first = next((i for i, row in enumerate(rows) if column < len(row) and cell_text(row[column]).strip()), 0)
    last = max((i for i, row in enumerate(rows) if column < len(row) and cell_text(row[column]).strip()), default=-1)
    lines = [(cell_text(rows[i][column]) if column < len(rows[i]) else "").rstrip() for i in range(first, last + 1)]
    return lines, first, column


def _sheet_place(problem: Problem, sheet: str, first_row: int, column: int) -> Problem:
    """``Plan:7`` (a YAML line) becomes the cell holding that line, ``Plan!A7``."""
    match = re.fullmatch(re.escape(sheet) + r":(\d+)", problem.where)
    if not match:
        return problem
    line = int(match.group(1))
    return Problem(f"{sheet}!{column_letter(column)}{first_row + line}", problem.message, problem.field)
