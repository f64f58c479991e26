"""The task-pane scripts of xlwings Lite: recompute an xlcomp workbook open in Excel (the check is in
:mod:`xlcomp.functions.lite_check`).

They read the workbook through xlwings Lite's book API (``book.sheets[...]``, ``.tables[...]``,
``.range(...).value``: values only, as Excel last calculated them; xlwings Lite reads no formulas)
and compute with the engine on plain records (:func:`xlcomp.functions.lite_engine.csm_payouts`).
What the workbook cannot say about itself in a form the standard library reads (its plan, whose
YAML needs PyYAML; the formulas xlcomp wrote into its CSM tabs; where each payout cell is) is fixed
when ``main.py`` is generated for that workbook (``xlcomp lite --workbook F.xlsx``) as a
:class:`LiteWorkbook`.

- :func:`compute_book`: every CSM's component payouts, adjustments line and total, computed from
  the Roster, Accounts and Adjustments tables;
- :func:`recompute_book`: the same, written as values into the CSM tabs' payout and total cells.

Bad input is reported with its cell (``Accounts!F7 renewed_arr: "lots" is not a number``) and
nothing is written into the CSM tabs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from xlcomp.functions.lite_engine import AccountRow, CsmPayouts, csm_payouts
from xlcomp.functions.values import ArgumentError, date_value, optional_number
from xlcomp.load.accounts import SCORE_RANGES
from xlcomp.model.adjustments import Adjustment
from xlcomp.model.metrics import SUM_FIELDS
from xlcomp.model.people import Csm
from xlcomp.model.period import Period
from xlcomp.model.plan import Plan
from xlcomp.money import exactly

__all__ = ["LiteWorkbook", "TabLayout", "TableProblemsError", "compute_book", "payout_cells", "present_tabs",
           "read_table", "recompute_book"]

ZERO = Decimal(0)
_AMOUNT = Decimal("0.0001")  # amounts are quoted in problems as the loader reads them (4 decimals)
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
    roster_columns: Mapping[str, str]  # per-CSM column -> why the plan reads it ("renewal target")
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


def read_table(book: Any, sheet: str, table: str) -> tuple[list[str], list[tuple[int, list[Any]]], int]:
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
            self.problems.append((self.where(row, column), f"{column}: is blank"))
        return value

    def date(self, row: int, values: list[Any], column: str) -> Any:
        try:
            return date_value(self.cell(values, column), column)
        except ArgumentError as error:
            self.problems.append((self.where(row, column), error.message))
            return None


def _roster(book: Any, wb: LiteWorkbook, problems: list[tuple[str, str]]) -> list[Csm]:
    """The CSMs of the Roster table, checked as the loader checks them (:mod:`xlcomp.load.roster`, with its
    messages): ids present and unique, pay not blank nor negative, the end not before the start, targets
    and quotas the plan reads above 0."""
    header, rows, first_column = read_table(book, wb.sheets["Roster"], wb.tables["Roster"])
    reader = _Reader(wb.sheets["Roster"], header, first_column)
    csms = []
    first_of: dict[str, str] = {}
    for row, values in rows:
        if not any(reader.text(values, column) for column in header if column):
            continue  # an empty row of the table
        csm_id = reader.text(values, "csm_id")
        if not csm_id:
            reader.problems.append((reader.where(row, "csm_id"), "csm_id: is blank"))
        elif csm_id in first_of:
            reader.problems.append((reader.where(row, "csm_id"), f'csm_id: "{csm_id}" is also on {first_of[csm_id]}: '
                                                                 "csm_id must be unique"))
        else:
            first_of[csm_id] = reader.where(row, "csm_id")
        pay = {column: reader.number(row, values, column, required=True) for column in ("base_salary",
                                                                                         "target_variable")}
        start, end = reader.date(row, values, "start_date"), reader.date(row, values, "end_date")
        if start and end and end < start:
            reader.problems.append((reader.where(row, "end_date"), f"end_date: {end.isoformat()} is before "
                                                                   f"start_date {start.isoformat()}"))
        numbers = {column: reader.number(row, values, column) for column in wb.roster_columns}
        for column, number in [*pay.items(), *numbers.items()]:
            why = wb.roster_columns.get(column, "")
            if why.endswith(("target", "quota")):
                if number is None:
                    reader.problems.append((reader.where(row, column), f"{column}: is blank: the plan's {why} needs "
                                                                       "a positive number here"))
                elif number <= ZERO:
                    reader.problems.append((reader.where(row, column), f"{column}: {number} must be above 0 (the "
                                                                       f"plan's {why})"))
            elif number is not None and number < ZERO:
                reader.problems.append((reader.where(row, column), f"{column}: {number} is negative"))
        csms.append(Csm(
            csm_id=csm_id, name=reader.text(values, "name"), segment=reader.text(values, "segment"),
            base_salary=pay["base_salary"] or ZERO, target_variable=pay["target_variable"] or ZERO,
            start_date=start, end_date=end, role=reader.text(values, "role"), manager=reader.text(values, "manager"),
            values=MappingProxyType(numbers), row=row))
    problems.extend(reader.problems)
    return csms


def _accounts(book: Any, wb: LiteWorkbook, known: set[str], problems: list[tuple[str, str]]
              ) -> dict[str, list[AccountRow]]:
    """Each CSM's account rows, checked as the loader checks them (:mod:`xlcomp.load.accounts`, with its
    messages): ids present and unique, the CSM on the roster, sums not negative, renewed not above
    renewable, scores in range."""
    header, rows, first_column = read_table(book, wb.sheets["Accounts"], wb.tables["Accounts"])
    reader = _Reader(wb.sheets["Accounts"], header, first_column)
    numeric = [c for c in header if c and c not in _TEXT_COLUMNS]
    out: dict[str, list[AccountRow]] = {}
    first_of: dict[str, str] = {}
    for row, values in rows:
        if not any(reader.text(values, column) for column in header if column):
            continue  # an empty row of the table
        account_id, csm_id = reader.text(values, "account_id"), reader.text(values, "csm_id")
        for column, value in (("account_id", account_id), ("csm_id", csm_id)):
            if not value:
                reader.problems.append((reader.where(row, column), f"{column}: is blank"))
        if account_id in first_of:
            reader.problems.append((reader.where(row, "account_id"), f'account_id: "{account_id}" is also on '
                                                                     f"{first_of[account_id]}: account_id must be "
                                                                     "unique"))
        elif account_id:
            first_of[account_id] = reader.where(row, "account_id")
        if csm_id and csm_id not in known:
            reader.problems.append((reader.where(row, "csm_id"), f'csm_id: "{csm_id}" is not a CSM of the roster'))
        account = {column: reader.number(row, values, column) for column in numeric}
        _check_account(reader, row, account)
        out.setdefault(csm_id, []).append(account)
    problems.extend(reader.problems)
    return out


def _check_account(reader: _Reader, row: int, account: dict[str, Decimal | None]) -> None:
    for column in SUM_FIELDS:
        value = account.get(column)
        if value is not None and value < ZERO:
            shown = value.quantize(_AMOUNT)
            reader.problems.append((reader.where(row, column), f"{column}: {shown:f} is negative"))
    renewed, renewable = account.get("renewed_arr") or ZERO, account.get("renewable_arr") or ZERO
    if renewed > renewable:
        above = f"renewed_arr: {renewed.quantize(_AMOUNT):f} is above renewable_arr {renewable.quantize(_AMOUNT):f}"
        reader.problems.append((reader.where(row, "renewed_arr"), above))
    for column, (low, high) in SCORE_RANGES.items():
        value = account.get(column)
        if value is not None and not low <= value <= high:
            reader.problems.append((reader.where(row, column), f"{column}: {value.normalize():f} is outside "
                                                               f"{low}–{high}"))


def _adjustments(book: Any, wb: LiteWorkbook, known: set[str], problems: list[tuple[str, str]]) -> list[Adjustment]:
    try:
        header, rows, first_column = read_table(book, wb.sheets["Adjustments"], wb.tables["Adjustments"])
    except (KeyError, ValueError):  # no such sheet or table (a workbook written before it existed)
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
    known = {csm.csm_id for csm in csms}
    accounts = _accounts(book, wb, known, problems)
    adjustments = _adjustments(book, wb, known, problems)
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


def payout_cells(wb: LiteWorkbook, result: CsmPayouts) -> list[tuple[str, Decimal]]:
    """The payout, adjustments and total cells of a CSM tab with the engine's values."""
    return [*((address, result.payouts[component]) for component, address in wb.tab.payouts),
            (wb.tab.adjustments, result.adjustments), (wb.tab.total, result.total)]


def present_tabs(book: Any, wb: LiteWorkbook) -> tuple[LiteWorkbook, list[str]]:
    """``wb`` with only the CSM tabs the open workbook still has, and a message for each one it lacks."""
    names = {sheet.name.lower() for sheet in book.sheets}
    kept = tuple((csm_id, sheet) for csm_id, sheet in wb.tabs if sheet.lower() in names)
    missing = [f'the sheet "{sheet}" is not in the workbook (deleted or renamed): its cells were not compared'
               for _, sheet in wb.tabs if sheet.lower() not in names]
    return (wb if len(kept) == len(wb.tabs) else replace(wb, tabs=kept)), missing


def recompute_book(book: Any, wb: LiteWorkbook) -> dict[str, CsmPayouts]:
    """Compute every CSM from the tables and write each component's payout, the adjustments line and
    the total into the CSM's tab, as values; nothing is written when the tables have a problem."""
    results = compute_book(book, wb)
    wb, _ = present_tabs(book, wb)  # a tab deleted or renamed is not written
    for csm_id, sheet in wb.tabs:
        result = results.get(csm_id)
        if result is None:
            continue
        tab = book.sheets[sheet]
        for address, value in payout_cells(wb, result):
            tab.range(address).value = float(value)
    return results
