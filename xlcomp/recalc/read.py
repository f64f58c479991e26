"""Reading an uploaded workbook back into a plan, a period and validated inputs.

Two kinds of upload are read (after :mod:`xlcomp.recalc.intake` has passed the file):

**An xlcomp workbook** (it has the hidden ``_xlcomp`` metadata sheet, :mod:`xlcomp.workbook.layout`).
The plan is the canonical YAML kept in the metadata, with every parameter read back from the cell
its defined name points to (``renewal_weight``, ``input_company_attainment`` …) and every tier and
band from its table (``Tiers_renewal``, ``Bands_1``): a rate or weight finance edited is honoured,
and reported as a plan edit. The period is the metadata's. Roster and Accounts are read from their
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from xlcomp.errors import InputError, PlanError, Problem, ProblemsError, UploadError, UsageError
from xlcomp.load.inputs import load_inputs
from xlcomp.load.plan import parse_plan
from xlcomp.load.sources import OpenXlsx
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period, parse_period
from xlcomp.model.plan import Plan
from xlcomp.money import NumberParseError, parse_number
from xlcomp.ooxml.index import WorkbookIndex
from xlcomp.ooxml.refs import column_letter, parse_ref, split_ref
from xlcomp.recalc.package import UploadPackage
from xlcomp.workbook import layout

__all__ = ["ParameterEdit", "UploadInputs", "read_tabs", "read_upload"]

KIND_XLCOMP = "xlcomp workbook"
KIND_INPUTS = "inputs workbook"
_PERIOD_COMMENT = re.compile(r"^\s*#\s*period\s*:\s*(\S+)\s*$", re.IGNORECASE)
_NAME_TARGET = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^!'\s]+))!\s*(\$?[A-Za-z]{1,3}\$?\d{1,7})$")


@dataclass(frozen=True)
class ParameterEdit:
    """A plan parameter whose cell in the upload differs from the plan the workbook was made with."""

    where: str
    name: str
    before: str
    after: str

    def as_dict(self) -> dict[str, str]:
        """As JSON-ready text."""
        return {"where": self.where, "name": self.name, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class UploadInputs:
    """What an upload holds: its plan, period and validated inputs, and how it was read.

    ``metadata`` is the ``_xlcomp`` key/values (empty for a plain inputs workbook); ``tabs`` the
    ``(csm_id, sheet)`` pairs of the CSM tabs it was written with; ``edits`` the plan parameters
    changed in the workbook; ``warnings`` findings that do not stop the recalculation.
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


def read_upload(source: str | Path | UploadPackage, *, plan_text: str | None = None, plan_name: str = "plan.yaml",
                period: str | None = None) -> UploadInputs:
    """Read and validate an upload that passed the safety checks.

    ``source`` is the upload's path, or the :class:`~xlcomp.recalc.package.UploadPackage`
    holding the parts the checks decompressed (``xlcomp recalc``: every part is then read once,
    and what was read stays in the package for the comparison). ``plan_text`` (the YAML of
    ``--plan``) and ``period`` (``--period``) serve workbooks that carry no plan or period of
    their own. Raises :class:`UploadError` (unreadable workbook), :class:`PlanError` or
    :class:`InputError` with every problem found.
    """
    if isinstance(source, UploadPackage):
        return _read_package(source, plan_text, plan_name, period)
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UploadError([Problem("", f"the workbook's structure cannot be read ({type(exc).__name__}: "
                                       f"{exc})")]) from None
    with UploadPackage(data, name=path.name) as package:
        return _read_package(package, plan_text, plan_name, period)


def _read_package(package: UploadPackage, plan_text: str | None, plan_name: str, period: str | None) -> UploadInputs:
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
            meta, plan_yaml, tabs = _read_metadata(package)
        except Exception as exc:
            raise UploadError([Problem(f"{layout.META_SHEET}!A1", f"the metadata sheet cannot be read ({exc})")]
                              ) from None
        return _read_xlcomp(package, index, package, meta, plan_yaml, tabs, period, [])
    properties = _custom_properties(package)
    if properties.get("schema_version"):
        # an xlcomp workbook whose metadata sheet was deleted: the document properties still say
        # what it is; the plan must come from --plan
        warnings = [Problem("", f"the {layout.META_SHEET} metadata sheet is missing (deleted?): the plan was "
                                "taken from --plan and the workbook's parameter cells")]
        if plan_text is None:
            raise UploadError([Problem("", f"an xlcomp workbook without its {layout.META_SHEET} metadata sheet "
                                           "(deleted?): the plan it held is lost; give the plan with --plan")])
        return _read_xlcomp(package, index, package, properties, plan_text, [], period, warnings)
    return _read_plain(package, index, package, plan_text, plan_name, period)


# ---------------------------------------------------------------------------------------------
# cells


_Sheets = UploadPackage  # cell values by sheet: ``rows(sheet)``, ``value(sheet, row, column)``


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def _number(value: Any) -> Decimal | None:
    """A cell as a Decimal (the number Excel shows, 15 significant digits); None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, datetime, date)):
        raise NumberParseError(f"{_text(value)} is not a number")
    if isinstance(value, float):
        return Decimal(format(value, ".15g"))
    if isinstance(value, int):
        return Decimal(value)
    text = str(value).strip()
    if not text:
        return None
    if text.startswith("#"):
        raise NumberParseError(f"{text} is an error value, not a number")
    return parse_number(text, percent=True)


def _address(sheet: str, row: int, column: int) -> str:
    return f"{sheet}!{column_letter(column)}{row + 1}"


# ---------------------------------------------------------------------------------------------
# the plan's YAML with exact numbers


class _DecimalLoader(yaml.SafeLoader):
    """A safe loader that keeps numbers exact (Decimal), so a re-dumped plan says what it said."""


def _construct_number(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_number)
_DecimalLoader.add_constructor("tag:yaml.org,2002:int", _construct_number)


class _DecimalDumper(yaml.SafeDumper):
    """Dumps Decimals as plain YAML numbers."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = _fmt(value)
    tag = "tag:yaml.org,2002:int" if re.fullmatch(r"-?\d+", text) else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_DecimalDumper.add_representer(Decimal, _represent_decimal)


def _fmt(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


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


def _read_metadata(sheets: _Sheets) -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    """Key/values, the plan YAML and the CSM tabs of the ``_xlcomp`` sheet."""
    rows = sheets.rows(layout.META_SHEET)
    meta: dict[str, str] = {}
    yaml_chunks: list[str] = []
    tabs: list[tuple[str, str]] = []
    index = 1
    while index < len(rows):
        row = rows[index]
        key = _text(row[0] if row else "").strip()
        if not key:
            break
        value = row[1] if len(row) > 1 else ""
        if key == "plan_yaml":
            yaml_chunks.append(value if isinstance(value, str) else _text(value))
        else:
            meta[key] = _text(value).strip()
        index += 1
    while index < len(rows) and not any(_text(v).strip() for v in rows[index]):
        index += 1
    if index < len(rows) and tuple(_text(v).strip() for v in rows[index][:2]) == layout.META_TABS_HEADER:
        for row in rows[index + 1:]:
            csm_id = _text(row[0] if row else "").strip()
            sheet = _text(row[1] if len(row) > 1 else "").strip()
            if not csm_id:
                break
            tabs.append((csm_id, sheet))
    return meta, "".join(yaml_chunks), tabs


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


def _read_xlcomp(path: UploadPackage, index: WorkbookIndex, sheets: _Sheets, meta: dict[str, str], plan_yaml: str,
                 tabs: list[tuple[str, str]], period_option: str | None, warnings: list[Problem]) -> UploadInputs:
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
    expected_sha = meta.get("plan_yaml_sha256", "")
    if expected_sha and hashlib.sha256(plan_yaml.encode("utf-8")).hexdigest() != expected_sha and tabs:
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
    plan, edits = _plan_from_workbook(plan_yaml, index, sheets, problems, warnings)
    roster, book, more = _inputs(path, plan)
    problems += more
    if problems:
        raise _combined(problems)
    assert plan is not None and roster is not None and book is not None
    if period.kind is not plan.period:
        raise UploadError([Problem(where_meta, f"the plan pays per {plan.period.value} but the workbook's period "
                                               f"{period.label} is a {period.kind.value}")])
    roster = _in_tab_order(roster, tabs)
    from xlcomp._version import __version__

    written_by = meta.get("xlcomp_version", "")
    if written_by and written_by != __version__:
        warnings.append(Problem(where_meta, f"the workbook was written by xlcomp {written_by} and is compared with "
                                            f"what xlcomp {__version__} writes: formulas that differ may come from "
                                            "the upgrade, not from an edit"))
    if meta.get("plan_id") and meta["plan_id"] != plan.id:
        warnings.append(Problem(where_meta, f'the metadata names plan "{meta["plan_id"]}" but the plan is '
                                            f'"{plan.id}"'))
    return UploadInputs(KIND_XLCOMP, plan, period, roster, book, meta, tuple(tabs), tuple(edits), tuple(warnings))


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


def _inputs(package: UploadPackage, plan: Plan | None) -> tuple[Roster | None, Book | None, list[Problem]]:
    """Roster and Accounts from their tables (or sheets), validated against the plan."""
    source = OpenXlsx(package.name, package.index, package.read_rows)  # the tables' rows are not kept
    try:
        roster, book = load_inputs(plan, source, source)
    except InputError as exc:
        return None, None, list(exc.problems)
    return roster, book, []


def _resolve_name(index: WorkbookIndex, name: str) -> tuple[str, int, int] | str | None:
    """``(sheet, row, column)`` a defined name points to; a message when it points nowhere usable;
    None when the name does not exist."""
    target = None
    for key, value in index.names.items():
        if key.lower() == name.lower():
            target = value
            break
    if target is None:
        return None
    match = _NAME_TARGET.match(target.strip())
    if not match:
        return f'points to "{target[:80]}", not to one cell'
    sheet = (match.group(1) or "").replace("''", "'") or match.group(2)
    try:
        row, column = parse_ref(match.group(3).upper())
    except ValueError:
        return f'points to "{target[:80]}", not to one cell'
    if index.sheet(sheet) is None:
        return f'points to sheet "{sheet}", which the workbook does not have'
    return sheet, row, column


class _PlanCells:
    """Applies the workbook's parameter cells to the plan's YAML data, remembering where each came from."""

    def __init__(self, index: WorkbookIndex, sheets: _Sheets, problems: list[Problem],
                 warnings: list[Problem]) -> None:
        self.index = index
        self.sheets = sheets
        self.problems = problems
        self.warnings = warnings
        self.edits: list[ParameterEdit] = []
        self.places: dict[str, str] = {}  # YAML field path -> cell

    def named(self, name: str, field_path: str, current: Any, apply: Callable[[Decimal], None]) -> None:
        """Read the cell of defined name ``name`` into the plan at ``field_path``."""
        resolved = _resolve_name(self.index, name)
        if resolved is None:
            self.warnings.append(Problem(layout.SHEET_PLAN, f'the defined name "{name}" is missing: the plan\'s '
                                                            f"{field_path} ({_fmt(_as_decimal(current))}) was used"))
            return
        if isinstance(resolved, str):
            self.problems.append(Problem(layout.SHEET_PLAN, f'the defined name "{name}" {resolved}', field_path))
            return
        sheet, row, column = resolved
        where = _address(sheet, row, column)
        self.places[field_path] = where
        try:
            value = _number(self.sheets.value(sheet, row, column))
        except (NumberParseError, ArithmeticError) as exc:
            self.problems.append(Problem(where, str(exc), name))
            return
        if value is None:
            self.problems.append(Problem(where, "is blank: the plan needs a number here", name))
            return
        self._record(where, name, _as_decimal(current), value)
        apply(value)

    def _record(self, where: str, name: str, before: Decimal | None, after: Decimal | None) -> None:
        if before != after:
            self.edits.append(ParameterEdit(where, name, _fmt(before), _fmt(after)))

    def table_rows(self, table_name: str, columns: tuple[str, ...], field_path: str
                   ) -> list[dict[str, tuple[str, Decimal | None]]] | None:
        """The data rows of a parameter table: per row, column -> (cell, number or None)."""
        table = self.index.table(table_name)
        if table is None:
            self.warnings.append(Problem(layout.SHEET_PLAN, f'the table "{table_name}" is missing: the plan\'s '
                                                            f"{field_path} were used"))
            return None
        (r0, c0), (r1, _) = split_ref(table.ref)
        names = [c.strip().lower() for c in table.columns]
        missing = [c for c in columns if c not in names]
        if missing:
            self.problems.append(Problem(_address(table.sheet, r0, c0), f'the table "{table_name}" has no column '
                                                                        f'"{missing[0]}"', field_path))
            return None
        out = []
        for row in range(r0 + 1, r1 + 1):
            cells: dict[str, tuple[str, Decimal | None]] = {}
            for column in columns:
                offset = c0 + names.index(column)
                where = _address(table.sheet, row, offset)
                try:
                    cells[column] = (where, _number(self.sheets.value(table.sheet, row, offset)))
                except (NumberParseError, ArithmeticError) as exc:
                    self.problems.append(Problem(where, str(exc), column))
                    cells[column] = (where, None)
            if all(value is None for _, value in cells.values()):
                continue  # a cleared row
            out.append(cells)
        return out


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return None


def _plan_from_workbook(plan_yaml: str, index: WorkbookIndex, sheets: _Sheets, problems: list[Problem],
                        warnings: list[Problem]) -> tuple[Plan | None, list[ParameterEdit]]:
    """The metadata's plan with every parameter, tier and band taken from the workbook's cells."""
    where_meta = f"{layout.META_SHEET}!B2"
    try:
        original = parse_plan(plan_yaml, filename="plan (workbook metadata)")
    except PlanError as exc:
        problems.extend(exc.problems)
        return None, []
    try:
        data = yaml.load(plan_yaml, Loader=_DecimalLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        problems.append(Problem(where_meta, f"the plan in the metadata is not valid YAML ({exc})"))
        return None, []
    cells = _PlanCells(index, sheets, problems, warnings)
    _apply_inputs(cells, data, index)
    for position, component in enumerate(data.get("components") or []):
        if isinstance(component, dict):
            _apply_component(cells, component, position)
    for position, multiplier in enumerate(data.get("multipliers") or []):
        if isinstance(multiplier, dict):
            _apply_bands(cells, multiplier, position)
    if not cells.edits:
        return original, []
    text = yaml.dump(data, Dumper=_DecimalDumper, sort_keys=False, allow_unicode=True)
    try:
        plan = parse_plan(text, filename="plan (edited in the workbook)")
    except PlanError as exc:
        for problem in exc.problems:
            place = _place_for(problem.field, cells.places)
            problems.append(Problem(place or problem.where, problem.message, problem.field))
        return None, cells.edits
    return plan, cells.edits


def _place_for(field_path: str, places: Mapping[str, str]) -> str:
    """The cell behind a plan field (or its nearest parent field), '' when none."""
    path = field_path
    while path:
        if path in places:
            return places[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return ""


def _apply_inputs(cells: _PlanCells, data: dict[str, Any], index: WorkbookIndex) -> None:
    inputs = data.get("inputs")
    if not isinstance(inputs, dict):
        inputs = {}
    names = dict.fromkeys([*inputs, *layout.ROI_INPUTS])
    for name in names:
        defined = layout.input_name(name)
        current = inputs.get(name)
        if name not in inputs and _resolve_name(index, defined) is None:
            continue

        def apply(value: Decimal, name: str = name) -> None:
            if name not in inputs and value == 0:
                return  # the workbook shows 0 for an input the plan does not have
            inputs[name] = value
            data["inputs"] = inputs

        cells.named(defined, f"inputs.{name}", current if name in inputs else Decimal(0), apply)


def _setter(mapping: dict[str, Any], key: str) -> Callable[[Decimal], None]:
    def set_value(value: Decimal) -> None:
        mapping[key] = value
    return set_value


def _apply_component(cells: _PlanCells, component: dict[str, Any], position: int) -> None:
    cid = str(component.get("id", ""))
    if not cid:
        return
    path = f"components[{position}]"

    def scalar(key: str, param: str) -> None:
        if key in component and isinstance(component[key], Decimal):
            cells.named(layout.param_name(cid, param), f"{path}.{key}", component[key], _setter(component, key))

    for key in ("weight", "threshold", "cap", "rate", "cap_amount"):
        scalar(key, key)
    for key in ("target", "quota"):
        target = component.get(key)
        if isinstance(target, Decimal):
            scalar(key, key)
        elif isinstance(target, dict) and isinstance(target.get("base"), Decimal):
            cells.named(layout.param_name(cid, key), f"{path}.{key}.base", target["base"],
                        _setter(target, "base"))
            risk = target.get("risk_adjust")
            if isinstance(risk, dict):
                for field_name in ("per_point", "reference", "floor", "ceiling"):
                    if isinstance(risk.get(field_name), Decimal):
                        cells.named(layout.param_name(cid, f"risk_{field_name}"),
                                    f"{path}.{key}.risk_adjust.{field_name}", risk[field_name],
                                    _setter(risk, field_name))
    gate = component.get("gate")
    if isinstance(gate, dict) and isinstance(gate.get("min"), Decimal):
        cells.named(layout.param_name(cid, "gate_min"), f"{path}.gate.min", gate["min"],
                    _setter(gate, "min"))
    curve = component.get("curve")
    if isinstance(curve, dict) and isinstance(curve.get("tiers"), list):
        _apply_tiers(cells, cid, curve, f"{path}.curve.tiers")


def _apply_tiers(cells: _PlanCells, cid: str, curve: dict[str, Any], path: str) -> None:
    table_name = layout.tier_table_name(cid)
    rows = cells.table_rows(table_name, ("upto", "rate"), path)
    if rows is None:
        return
    before = [(t.get("upto"), t.get("rate")) for t in curve["tiers"] if isinstance(t, dict)]
    tiers: list[dict[str, Any]] = []
    for number, row in enumerate(rows):
        tier: dict[str, Any] = {}
        upto_where, upto = row["upto"]
        rate_where, rate = row["rate"]
        cells.places[f"{path}[{number}].upto"] = upto_where
        cells.places[f"{path}[{number}].rate"] = rate_where
        cells.places.setdefault(f"{path}[{number}]", rate_where)
        if upto is not None:
            tier["upto"] = upto
        if rate is None:
            cells.problems.append(Problem(rate_where, "is blank: every tier needs a rate", "rate"))
            continue
        tier["rate"] = rate
        tiers.append(tier)
        old = before[number] if number < len(before) else (None, None)
        cells._record(rate_where, f"{table_name} tier {number + 1} rate", _as_decimal(old[1]), rate)
        cells._record(upto_where, f"{table_name} tier {number + 1} upto", _as_decimal(old[0]), upto)
    for number in range(len(rows), len(before)):
        cells.edits.append(ParameterEdit(f"{table_name}", f"{table_name} tier {number + 1}",
                                         f"upto {_fmt(_as_decimal(before[number][0]))} rate "
                                         f"{_fmt(_as_decimal(before[number][1]))}", "removed"))
    if not rows:
        cells.problems.append(Problem(table_name, "the tier table is empty: the curve needs at least one tier"))
        return
    cells.places.setdefault(path, cells.places.get(f"{path}[0].rate", ""))
    curve["tiers"] = tiers


def _apply_bands(cells: _PlanCells, multiplier: dict[str, Any], position: int) -> None:
    table_name = layout.band_table_name(position)
    path = f"multipliers[{position}].bands"
    rows = cells.table_rows(table_name, ("min", "factor"), path)
    if rows is None or not isinstance(multiplier.get("bands"), list):
        return
    before = [(b.get("min"), b.get("factor")) for b in multiplier["bands"] if isinstance(b, dict)]
    before_sorted = sorted(before, key=lambda b: (_as_decimal(b[0]) or Decimal(0)))
    bands = []
    for number, row in enumerate(rows):
        min_where, band_min = row["min"]
        factor_where, factor = row["factor"]
        cells.places[f"{path}[{number}].min"] = min_where
        cells.places[f"{path}[{number}].factor"] = factor_where
        cells.places.setdefault(f"{path}[{number}]", factor_where)
        if band_min is None or factor is None:
            blank_where = min_where if band_min is None else factor_where
            cells.problems.append(Problem(blank_where, "is blank: every band needs a min and a factor"))
            continue
        old = before_sorted[number] if number < len(before_sorted) else (None, None)
        cells._record(min_where, f"{table_name} band {number + 1} min", _as_decimal(old[0]), band_min)
        cells._record(factor_where, f"{table_name} band {number + 1} factor", _as_decimal(old[1]), factor)
        bands.append({"min": band_min, "factor": factor})
    if len(rows) < len(before_sorted):
        cells.edits.append(ParameterEdit(table_name, f"{table_name}", f"{len(before_sorted)} bands",
                                         f"{len(rows)} bands"))
    if bands:
        multiplier["bands"] = bands


# ---------------------------------------------------------------------------------------------
# a plain inputs workbook


def _read_plain(path: UploadPackage, index: WorkbookIndex, sheets: _Sheets, plan_text: str | None, plan_name: str,
                period_option: str | None) -> UploadInputs:
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
    roster, book, more = _inputs(path, plan)  # without a plan, the tables are still checked on their own
    problems += more
    if problems:
        raise _combined(problems)
    assert plan is not None and period is not None and roster is not None and book is not None
    if period.kind is not plan.period:
        raise InputError([Problem("", f"the plan {plan.id} pays per {plan.period.value}, but the period "
                                      f"{period.label} is a {period.kind.value}")])
    return UploadInputs(KIND_INPUTS, plan, period, roster, book, {}, (), (), tuple(warnings))


def _yaml_lines(rows: list[list[Any]]) -> tuple[list[str], int, int]:
    """The YAML lines of a Plan sheet: column A (or the first column with text), from its first row."""
    column = 0
    for row in rows:
        filled = [i for i, v in enumerate(row) if _text(v).strip()]
        if filled:
            column = filled[0]
            break
    first = next((i for i, row in enumerate(rows) if column < len(row) and _text(row[column]).strip()), 0)
    last = max((i for i, row in enumerate(rows) if column < len(row) and _text(row[column]).strip()), default=-1)
    lines = [(_text(rows[i][column]) if column < len(rows[i]) else "").rstrip() for i in range(first, last + 1)]
    return lines, first, column


def _sheet_place(problem: Problem, sheet: str, first_row: int, column: int) -> Problem:
    """``Plan:7`` (a YAML line) becomes the cell holding that line, ``Plan!A7``."""
    match = re.fullmatch(re.escape(sheet) + r":(\d+)", problem.where)
    if not match:
        return problem
    line = int(match.group(1))
    return Problem(f"{sheet}!{column_letter(column)}{first_row + line}", problem.message, problem.field)
