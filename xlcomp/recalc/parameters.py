"""The plan of an xlcomp workbook read back from its cells (:mod:`.read` calls it for an xlcomp upload).

The plan is the canonical YAML kept in the ``_xlcomp`` metadata, with every parameter read back
from the cell its defined name points to (``renewal_weight``, ``input_company_attainment`` …) and
every tier and band from its table (``Tiers_renewal``, ``Bands_1``): a rate or weight finance
edited is honoured, and reported as a :class:`ParameterEdit`. Numbers stay exact (Decimal) from
the YAML to the re-dumped plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from xlcomp.errors import PlanError, Problem
from xlcomp.load.plan import parse_plan
from xlcomp.model.plan import Plan
from xlcomp.money import NumberParseError, excel_serial_to_date, parse_number
from xlcomp.ooxml.index import WorkbookIndex
from xlcomp.ooxml.refs import column_letter, parse_ref, split_ref
from xlcomp.recalc.package import UploadPackage
from xlcomp.rules.ramp import RAMP_COLUMNS
from xlcomp.workbook import layout

__all__ = ["ParameterEdit", "cell_number", "cell_text", "plan_from_workbook"]

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


_Sheets = UploadPackage  # cell values by sheet: ``rows(sheet)``, ``value(sheet, row, column)``


def cell_text(value: Any) -> str:
    """A cell value as the text Excel shows for it (``""`` for blank)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def cell_number(value: Any) -> Decimal | None:
    """A cell as a Decimal (the number Excel shows, 15 significant digits); None when blank."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, datetime, date)):
        raise NumberParseError(f"{cell_text(value)} is not a number")
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
# the plan's parameters, tiers and bands from their cells


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
            value = cell_number(self.sheets.value(sheet, row, column))
        except (NumberParseError, ArithmeticError) as exc:
            self.problems.append(Problem(where, str(exc), name))
            return
        if value is None:
            self.problems.append(Problem(where, "is blank: the plan needs a number here", name))
            return
        self._record(where, name, _as_decimal(current), value)
        apply(value)

    def named_date(self, name: str, field_path: str, current: date, apply: Callable[[date], None]) -> None:
        """Read the date cell of defined name ``name`` (a date, or its serial day number) into the plan."""
        resolved = _resolve_name(self.index, name)
        if resolved is None or isinstance(resolved, str):
            self.warnings.append(Problem(layout.SHEET_PLAN, f'the defined name "{name}" is missing: the plan\'s '
                                                            f"{field_path} ({current.isoformat()}) was used"))
            return
        sheet, row, column = resolved
        where = _address(sheet, row, column)
        self.places[field_path] = where
        value = _cell_date(self.sheets.value(sheet, row, column))
        if value is None:
            self.problems.append(Problem(where, "is not a date: the plan needs a day here (YYYY-MM-DD)", name))
            return
        if value != current:
            self.edits.append(ParameterEdit(where, name, current.isoformat(), value.isoformat()))
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
                    cells[column] = (where, cell_number(self.sheets.value(table.sheet, row, offset)))
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


def plan_from_workbook(plan_yaml: str, index: WorkbookIndex, sheets: _Sheets, problems: list[Problem],
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
    _apply_ramp(cells, data)
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


def _cell_date(value: Any) -> date | None:
    """A cell as a date: a date cell, its serial day number, or ISO text; None for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466 \
            and float(value).is_integer():
        return excel_serial_to_date(float(value))
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _apply_ramp(cells: _PlanCells, data: dict[str, Any]) -> None:
    """The plan's ramp from the ``Ramp`` table: row ``k`` (months_from, factor) is the table the rule reads, so
    step ``k`` is (months: the next row's months_from, factor: row ``k``'s factor); the first row starts at 0
    months and the last is the full quota (factor 1)."""
    steps = data.get("ramp")
    if not isinstance(steps, list) or not steps:
        return
    rows = cells.table_rows(layout.RAMP_TABLE, RAMP_COLUMNS, "ramp")
    if rows is None:
        return
    before = [(Decimal(0), *(s.get("months") for s in steps)), (*(s.get("factor") for s in steps), Decimal(1))]
    problems = len(cells.problems)
    for row in rows:
        for column, (where, value) in row.items():
            if value is None:
                cells.problems.append(Problem(where, "is blank: the ramp needs a number here", column))
            elif column == "months_from" and (value != value.to_integral_value() or value < 0):
                cells.problems.append(Problem(where, f"{_fmt(value)} is not a whole number of months", column))
    if len(cells.problems) > problems:
        return
    months = [row["months_from"][1] or Decimal(0) for row in rows]
    factors = [row["factor"][1] or Decimal(0) for row in rows]
    if months[0] != 0:
        cells.problems.append(Problem(rows[0]["months_from"][0], f"{_fmt(months[0])}: the first row of the ramp "
                                                                 "starts at 0 months in post", "months_from"))
        return
    if factors[-1] != 1:
        cells.problems.append(Problem(rows[-1]["factor"][0], f"{_fmt(factors[-1])}: the last row of the ramp is the "
                                                             "full quota, factor 1 (add a row for another step)",
                                      "factor"))
        return
    for k, row in enumerate(rows):
        for i, column in enumerate(RAMP_COLUMNS):
            old = before[i][k] if k < len(before[i]) else None
            cells._record(row[column][0], f"{layout.RAMP_TABLE}[{k + 1}].{column}", _as_decimal(old),
                          row[column][1])
    data["ramp"] = [{"months": Decimal(int(months[k + 1])), "factor": factors[k]} for k in range(len(rows) - 1)]
    cells.places["ramp"] = rows[0]["months_from"][0]


def _setter(mapping: dict[str, Any], key: str) -> Callable[[Any], None]:
    def set_value(value: Any) -> None:
        mapping[key] = value
    return set_value


def _apply_component(cells: _PlanCells, component: dict[str, Any], position: int, named: str | None = None) -> None:
    """Read a component's parameters and tiers from their cells; ``named``: the id the workbook names them by
    (a plan version's part: ``renewal@2027-02-15``), the component's own by default."""
    cid = str(component.get("id", ""))
    if not cid:
        return
    cid = named or cid
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
    window = component.get("window")
    if isinstance(window, dict):
        for key in ("from", "to"):
            if isinstance(window.get(key), date):
                cells.named_date(layout.param_name(cid, f"window_{key}"), f"{path}.window.{key}", window[key],
                                 _setter(window, key))
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


def _apply_bands(cells: _PlanCells, multiplier: dict[str, Any], position: int, table: int | None = None) -> None:
    """Read a multiplier's bands from their table; ``table``: its number in the workbook (a plan version's
    multipliers follow the earlier versions'), ``position`` by default."""
    table_name = layout.band_table_name(position if table is None else table)
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
