"""The task-pane scripts of xlwings Lite: recompute and check an xlcomp workbook open in Excel.

They read the workbook through xlwings Lite's book API (``book.sheets[...]``, ``.tables[...]``,
``.range(...).value`` and ``.formula``) and compute with the engine on plain records
(:func:`xlcomp.functions.lite_engine.csm_payouts`). What the workbook cannot say about itself in a
form the standard library reads (its plan, whose YAML needs PyYAML; the formulas xlcomp wrote into
its CSM tabs; where each payout cell is) is fixed when ``main.py`` is generated for that workbook
(``xlcomp lite --workbook F.xlsx``) as a :class:`LiteWorkbook`.

- :func:`recompute_book`: every CSM's component payouts, adjustments line and total, computed from
  the Roster, Accounts and Adjustments tables, written as values into the CSM tabs' cells;
- :func:`check_book`: what ``xlcomp recalc`` reports of the workbook as it is open: ``overrides``
  (a computed cell of a CSM tab typed over, cleared or given another formula), ``differences``
  (a payout or total shown that is not the engine's), ``totals`` (issued, workbook, engine) and
  the ``status``;
- :func:`restore_book`: xlcomp's formula back into every computed cell of the CSM tabs.

Bad input is reported with its cell (``Accounts!F7 renewed_arr: "lots" is not a number``) and
nothing is written into the CSM tabs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from xlcomp.functions.lite_engine import AccountRow, CsmPayouts, csm_payouts
from xlcomp.functions.values import ArgumentError, date_value, optional_number
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.people import Csm
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan
from xlcomp.money import exactly, fmt_decimal

__all__ = [
    "CHECK_SHEET",
    "LiteWorkbook",
    "TabLayout",
    "TableProblemsError",
    "check_book",
    "compute_book",
    "recompute_book",
    "report_rows",
    "restore_book",
]

CHECK_SHEET = "xlcomp check"
ZERO = Decimal(0)
_MONEY_TOLERANCE = Decimal("0.005")
_TEXT_COLUMNS = ("csm_id", "name", "segment", "role", "manager", "account_id", "reason", "component", "approved_by")


@dataclass(frozen=True)
class TabLayout:
    """The cells of a CSM tab (every tab has the same): each computed cell's address and the formula
    xlcomp wrote there; the payout cell of each component, the adjustments line and the total."""

    formulas: tuple[tuple[str, str], ...]
    payouts: tuple[tuple[str, str], ...]
    adjustments: str
    total: str


@dataclass(frozen=True)
class LiteWorkbook:
    """What the scripts know of one xlcomp workbook from its generation: the plan and period, the
    per-CSM roster columns the plan reads, the CSM tabs ``(csm_id, sheet)``, each CSM's total as
    issued (two-decimal text) and the tab layout."""

    plan: Plan
    period: Period
    roster_columns: tuple[str, ...]
    tabs: tuple[tuple[str, str], ...]
    issued: Mapping[str, str]
    tab: TabLayout
    sheets: Mapping[str, str]  # Roster, Accounts, Adjustments, Summary -> sheet name
    tables: Mapping[str, str]  # the same -> table name


class TableProblemsError(Exception):
    """The input tables have problems; each names its cell."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        super().__init__("\n".join(f"{where} {message}" for where, message in problems))
        self.problems = list(problems)  # (where, message): "Accounts!F7", 'renewed_arr: "lots" is not a number'


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _rows(value: Any) -> list[list[Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        return [[value]]
    if value and not isinstance(value[0], list):
        return [value]
    return value


def _read_table(book: Any, sheet: str, table: str) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
    """A table's header, its rows with their sheet row numbers (1-based), and its first column (0-based)."""
    found = book.sheets[sheet].tables[table]
    header = [str(h or "").strip() for h in _rows(found.header_row_range.value)[0]]
    body = found.data_body_range
    rows = _rows(body.options(ndim=2).value) if body is not None else []
    first = body.row if body is not None else 0
    return header, [(first + i, row) for i, row in enumerate(rows)], found.header_row_range.column - 1


class _Reader:
    """Cells of a table as the engine's values, each problem with its cell."""

    def __init__(self, sheet: str, header: list[str], first_column: int) -> None:
        self.sheet, self.header, self.first_column = sheet, header, first_column
        self.problems: list[tuple[str, str]] = []

    def where(self, row: int, column: str) -> str:
        return f"{self.sheet}!{_column_letter(self.first_column + self.header.index(column))}{row}"

    def cell(self, values: list[Any], column: str) -> Any:
        return values[self.header.index(column)] if column in self.header else None

    def text(self, values: list[Any], column: str) -> str:
        value = self.cell(values, column)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return "" if value is None else str(value).strip()

    def number(self, row: int, values: list[Any], column: str, *, required: bool = False) -> Decimal | None:
        try:
            value = optional_number(self.cell(values, column), column)
        except ArgumentError as error:
            self.problems.append((self.where(row, column), error.message))
            return None
        if value is None and required:
            self.problems.append((self.where(row, column), f"{column}: a number is required"))
        return value

    def date(self, row: int, values: list[Any], column: str) -> Any:
        try:
            return date_value(self.cell(values, column), column)
        except ArgumentError as error:
            self.problems.append((self.where(row, column), error.message))
            return None


def _roster(book: Any, wb: LiteWorkbook, problems: list[tuple[str, str]]) -> list[Csm]:
    header, rows, first_column = _read_table(book, wb.sheets["Roster"], wb.tables["Roster"])
    reader = _Reader(wb.sheets["Roster"], header, first_column)
    csms = []
    for row, values in rows:
        csm_id = reader.text(values, "csm_id")
        if not csm_id:
            continue
        csms.append(Csm(
            csm_id=csm_id, name=reader.text(values, "name"), segment=reader.text(values, "segment"),
            base_salary=reader.number(row, values, "base_salary") or ZERO,
            target_variable=reader.number(row, values, "target_variable", required=True) or ZERO,
            start_date=reader.date(row, values, "start_date"), end_date=reader.date(row, values, "end_date"),
            role=reader.text(values, "role"), manager=reader.text(values, "manager"),
            values=MappingProxyType({column: reader.number(row, values, column) for column in wb.roster_columns}),
            row=row))
    problems.extend(reader.problems)
    return csms


def _accounts(book: Any, wb: LiteWorkbook, problems: list[tuple[str, str]]) -> dict[str, list[AccountRow]]:
    header, rows, first_column = _read_table(book, wb.sheets["Accounts"], wb.tables["Accounts"])
    reader = _Reader(wb.sheets["Accounts"], header, first_column)
    numeric = [c for c in header if c and c not in _TEXT_COLUMNS]
    out: dict[str, list[AccountRow]] = {}
    for row, values in rows:
        csm_id = reader.text(values, "csm_id")
        if not csm_id and not reader.text(values, "account_id"):
            continue
        out.setdefault(csm_id, []).append({column: reader.number(row, values, column) for column in numeric})
    problems.extend(reader.problems)
    return out


def _adjustments(book: Any, wb: LiteWorkbook, known: set[str], problems: list[tuple[str, str]]) -> list[Adjustment]:
    try:
        header, rows, first_column = _read_table(book, wb.sheets["Adjustments"], wb.tables["Adjustments"])
    except KeyError:
        return []
    reader = _Reader(wb.sheets["Adjustments"], header, first_column)
    out = []
    for row, values in rows:
        csm_id, amount = reader.text(values, "csm_id"), reader.number(row, values, "amount")
        if not csm_id and amount is None:
            continue
        if csm_id not in known:
            reader.problems.append((reader.where(row, "csm_id"), f'csm_id: "{csm_id}" is not a CSM of the roster'))
            continue
        out.append(Adjustment(csm_id, amount or ZERO, reader.text(values, "reason"),
                              where=reader.where(row, "csm_id")))
    problems.extend(reader.problems)
    return out


@exactly
def compute_book(book: Any, wb: LiteWorkbook) -> dict[str, CsmPayouts]:
    """Every CSM's payouts from the workbook's tables, by csm_id; :class:`TableProblemsError` when the
    tables have problems."""
    problems: list[tuple[str, str]] = []
    csms = _roster(book, wb, problems)
    accounts = _accounts(book, wb, problems)
    adjustments = _adjustments(book, wb, {csm.csm_id for csm in csms}, problems)
    if problems:
        raise TableProblemsError(problems)
    out: dict[str, CsmPayouts] = {}
    for csm in csms:
        try:
            out[csm.csm_id] = csm_payouts(wb.plan, wb.period, csm, accounts.get(csm.csm_id, []), adjustments)
        except ValueError as error:
            problems.append((f"{wb.sheets['Roster']}!{csm.row}:{csm.row}", str(error)))
    if problems:
        raise TableProblemsError(problems)
    return out


def _cells(wb: LiteWorkbook, result: CsmPayouts) -> list[tuple[str, Decimal]]:
    return [*((address, result.payouts[component]) for component, address in wb.tab.payouts),
            (wb.tab.adjustments, result.adjustments), (wb.tab.total, result.total)]


def recompute_book(book: Any, wb: LiteWorkbook) -> dict[str, CsmPayouts]:
    """Compute every CSM from the tables and write each component's payout, the adjustments line and
    the total into the CSM's tab, as values; nothing is written when the tables have a problem."""
    results = compute_book(book, wb)
    for csm_id, sheet in wb.tabs:
        result = results.get(csm_id)
        if result is None:
            continue
        tab = book.sheets[sheet]
        for address, value in _cells(wb, result):
            tab.range(address).value = float(value)
    return results


def restore_book(book: Any, wb: LiteWorkbook) -> int:
    """Put xlcomp's formula back into every computed cell of the CSM tabs that lost it; how many."""
    restored = 0
    for _, sheet in wb.tabs:
        tab = book.sheets[sheet]
        for address, formula in wb.tab.formulas:
            cell = tab.range(address)
            if _formula_key(cell.formula) != _formula_key(formula):
                cell.formula = formula
                restored += 1
    return restored


_STRING = re.compile(r'("(?:[^"]|"")*")')
_SPACES = re.compile(r"\s+")
_PREFIXES = re.compile(r"_XLFN\.(?:_XLWS\.)?|_XLWS\.|_XLUDF\.")
_LOGICAL_CALL = re.compile(r"\b(TRUE|FALSE)\(\)")


def _formula_key(formula: Any) -> str:
    """A formula as compared: case, spaces and ``$`` outside text, the ``_xlfn.`` prefixes and
    ``FALSE()`` for ``FALSE`` (LibreOffice writes one for the other) do not matter."""
    parts = _STRING.split("" if formula is None else str(formula))
    for i in range(0, len(parts), 2):  # the even parts are outside "text"
        text = _SPACES.sub("", parts[i]).replace("$", "").upper()
        parts[i] = _LOGICAL_CALL.sub(r"\1", _PREFIXES.sub("", text))
    return "".join(parts)


def _shown(value: Any) -> str:
    """A cell's value as ``xlcomp recalc`` quotes it: 9999.99, 1400, text as it is."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return _shown(float(value))
    return str(value)


def _money(value: Any) -> Decimal | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(repr(float(value)))
    return None


def _workbook_totals(book: Any, wb: LiteWorkbook) -> dict[str, Decimal | None]:
    try:
        header, rows, _ = _read_table(book, wb.sheets["Summary"], wb.tables["Summary"])
    except KeyError:
        return {}
    if "csm_id" not in header or "total_payout" not in header:
        return {}
    out: dict[str, Decimal | None] = {}
    for _, values in rows:
        csm_id = _Reader("", header, 0).text(values, "csm_id")
        number = _money(values[header.index("total_payout")])
        out.setdefault(csm_id, None if number is None else number.quantize(Decimal("0.01")))
    return out


@exactly
def check_book(book: Any, wb: LiteWorkbook) -> dict[str, Any]:
    """What ``xlcomp recalc`` reports of the workbook as it is open: ``status``, ``totals``,
    ``overrides``, ``differences`` (payouts and totals), ``problems`` and ``warnings``."""
    overrides: list[dict[str, str]] = []
    shown: dict[str, dict[str, Any]] = {}
    for _, sheet in wb.tabs:
        tab = book.sheets[sheet]
        values: dict[str, Any] = {}
        for address, formula in wb.tab.formulas:
            cell = tab.range(address)
            found, value = cell.formula, cell.value
            values[address] = value
            if not (isinstance(found, str) and found.startswith("=")):
                kind = "blank" if value in (None, "") else "constant"
                overrides.append({"where": f"{sheet}!{address}", "formula": formula, "found": _shown(value),
                                  "kind": kind})
            elif _formula_key(found) != _formula_key(formula):
                overrides.append({"where": f"{sheet}!{address}", "formula": formula, "found": found,
                                  "kind": "formula"})
        shown[sheet] = values
    overridden = {override["where"] for override in overrides}
    try:
        results = compute_book(book, wb)
    except TableProblemsError as error:
        return {"status": "rejected", "totals": [], "overrides": overrides, "differences": [], "warnings": [],
                "problems": [{"where": where, "message": message} for where, message in error.problems]}
    differences = []
    missing = 0
    for csm_id, sheet in wb.tabs:
        result = results.get(csm_id)
        if result is None:
            continue
        for address, engine in _cells(wb, result):
            cached = shown[sheet].get(address)
            if cached in (None, "") and f"{sheet}!{address}" not in overridden:
                missing += 1  # a formula with no value calculated: nothing to compare
                continue
            number = _money(cached)
            if number is None or abs(number - engine) > _MONEY_TOLERANCE:
                differences.append({"where": f"{sheet}!{address}", "cached": _shown(cached),
                                    "engine": _shown(engine)})
    workbook = _workbook_totals(book, wb)
    totals: list[dict[str, str | None]] = []
    for csm_id, result in results.items():
        seen = workbook.get(csm_id)
        totals.append({"csm_id": csm_id, "issued": wb.issued.get(csm_id),
                       "workbook": None if seen is None else fmt_decimal(seen, 2),
                       "engine": fmt_decimal(result.total, 2)})
    reference = next((key for key in ("issued", "workbook") if any(t[key] is not None for t in totals)), None)
    changed = reference is not None and any(_moved(t[reference], t["engine"]) for t in totals)
    status = "overridden" if overrides else "inputs_changed" if changed else "ok"
    warnings = [{"where": "", "message": f"{missing:,} formula cells of the workbook hold no calculated value (the "
                                         "file was saved by a program that does not calculate, or with calculation "
                                         "off): those cells were not compared"}] if missing else []
    return {"status": status, "totals": totals, "overrides": overrides, "differences": differences, "problems": [],
            "warnings": warnings}


def _moved(expected: str | None, engine: str | None) -> bool:
    return expected is None or engine is None or Decimal(expected) != Decimal(engine)


def report_rows(report: Mapping[str, Any]) -> list[list[Any]]:
    """The check's report as rows for a sheet: the status, then a block per finding kind."""
    rows: list[list[Any]] = [["xlcomp check", report["status"]], []]
    blocks = (("totals", ("csm_id", "issued", "workbook", "engine")),
              ("overrides", ("where", "kind", "formula", "found")),
              ("differences", ("where", "cached", "engine")),
              ("problems", ("where", "message")),
              ("warnings", ("where", "message")))
    for key, columns in blocks:
        rows.append([f"{key} ({len(report[key])})"])
        rows.append(list(columns))
        rows.extend([[item.get(column) for column in columns] for item in report[key]])
        rows.append([])
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]
