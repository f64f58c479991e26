"""The check script of xlwings Lite: what ``xlcomp recalc`` reports of an xlcomp workbook, inside Excel.

xlwings Lite hands a script the workbook's *values* only (as Excel last calculated them), not its
formulas. So the check asks Excel for them: it keeps a sheet of formula probes, ``xlcomp formulas``,
one row per computed cell of the CSM tabs, ``=IF(ISFORMULA(ref),FORMULATEXT(ref),"none")``. The
first run writes the probes (Excel calculates them when the script ends); every later run reads
what they show, and the probes stay live in between. With them, :func:`check_book` reports:

- ``overrides`` [{where, formula, found, kind}]: a computed cell whose formula is not the one xlcomp
  wrote: typed over (``constant``, ``found`` its value), cleared (``blank``) or another formula
  (``formula``, ``found`` its text); formulas compared as :func:`formula_key` says;
- ``differences`` [{where, cached, engine}]: a payout, adjustments line or total shown on a CSM tab
  that is not the engine's (within half a cent), the engine computing from the tables as they are;
- ``totals`` [{csm_id, issued, workbook, engine}], ``status`` (``ok``, ``inputs_changed``,
  ``overridden``, ``rejected``), ``problems`` and ``warnings``, as ``xlcomp recalc`` words them.

:func:`restore_book` writes xlcomp's formula back into every computed cell the probes say lost it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from xlcomp.functions.lite_book import (
    LiteWorkbook,
    TableProblemsError,
    compute_book,
    payout_cells,
    present_tabs,
    read_table,
)
from xlcomp.money import exactly, fmt_decimal

__all__ = ["CHECK_SHEET", "PROBE_SHEET", "check_book", "formula_key", "probe_rows", "report_rows", "restore_book"]

CHECK_SHEET = "xlcomp check"
PROBE_SHEET = "xlcomp formulas"
NO_FORMULA = "none"
_HEADER = ["cell", "formula found (live: =FORMULATEXT of the cell; none: no formula)"]
_MONEY_TOLERANCE = Decimal("0.005")
_UNCHECKED = ("the formulas of the CSM tabs are not checked yet: this run wrote formula probes on the sheet "
              f'"{PROBE_SHEET}", which Excel calculates now; run the check again to see the overrides')


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _cells(wb: LiteWorkbook) -> list[tuple[str, str, str]]:
    """Every computed cell of the CSM tabs: (sheet, address, xlcomp's formula)."""
    return [(sheet, address, formula) for _, sheet in wb.tabs for address, formula in wb.tab.formulas]


def probe_rows(wb: LiteWorkbook) -> list[list[str]]:
    """The probe sheet's rows: a header, then per computed cell its place and its live probe."""
    rows = [list(_HEADER)]
    for sheet, address, _ in _cells(wb):
        ref = f"{_quoted(sheet)}!{address}"
        rows.append([_as_text(f"{sheet}!{address}"), f'=IF(ISFORMULA({ref}),FORMULATEXT({ref}),"{NO_FORMULA}")'])
    return rows


def _sheet_names(book: Any) -> list[str]:
    return [sheet.name for sheet in book.sheets]


def _read_probes(book: Any, wb: LiteWorkbook) -> dict[str, str] | None:
    """What the probes show, by ``Sheet!A1``; None when the sheet is missing, is not this workbook's
    probes, or Excel has not calculated them yet."""
    if PROBE_SHEET not in _sheet_names(book):
        return None
    expected = probe_rows(wb)
    found = book.sheets[PROBE_SHEET].range(f"A1:B{len(expected)}").options(ndim=2).value
    if [row[0] for row in found] != [_plain(row[0]) for row in expected]:
        return None
    shown = {row[0]: row[1] for row in found[1:]}
    if any(not isinstance(value, str) for value in shown.values()):
        return None  # not calculated (yet): an empty cell, or an error value
    return shown


def _write_probes(book: Any, wb: LiteWorkbook) -> None:
    sheet = book.sheets[PROBE_SHEET] if PROBE_SHEET in _sheet_names(book) else book.sheets.add(name=PROBE_SHEET)
    sheet.cells.clear_contents()
    sheet["A1"].value = probe_rows(wb)


_STRING = re.compile(r'("(?:[^"]|"")*")')
_SPACES = re.compile(r"\s+")
_PREFIXES = re.compile(r"_XLFN\.(?:_XLWS\.)?|_XLWS\.|_XLUDF\.")
_LOGICAL_CALL = re.compile(r"\b(TRUE|FALSE)\(\)")


def formula_key(formula: Any) -> str:
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


def _overrides(book: Any, wb: LiteWorkbook, probes: Mapping[str, str]) -> list[dict[str, str]]:
    out = []
    for sheet, address, formula in _cells(wb):
        where = f"{sheet}!{address}"
        found = probes[where]
        if found == NO_FORMULA:
            value = book.sheets[sheet].range(address).value
            out.append({"where": where, "formula": formula, "found": _shown(value),
                        "kind": "blank" if value in (None, "") else "constant"})
        elif formula_key(found) != formula_key(formula):
            out.append({"where": where, "formula": formula, "found": found, "kind": "formula"})
    return out


def _workbook_totals(book: Any, wb: LiteWorkbook) -> dict[str, Decimal | None]:
    try:
        header, rows, _ = read_table(book, wb.sheets["Summary"], wb.tables["Summary"])
    except (KeyError, ValueError):  # no Summary table: no totals shown
        return {}
    if "csm_id" not in header or "total_payout" not in header:
        return {}
    out: dict[str, Decimal | None] = {}
    for _, values in rows:
        csm_id = _shown(values[header.index("csm_id")]).strip()
        number = _money(values[header.index("total_payout")])
        out.setdefault(csm_id, None if number is None else number.quantize(Decimal("0.01")))
    return out


def _moved(expected: str | None, engine: str | None) -> bool:
    return expected is None or engine is None or Decimal(expected) != Decimal(engine)


@exactly
def check_book(book: Any, wb: LiteWorkbook) -> dict[str, Any]:
    """What ``xlcomp recalc`` reports of the workbook as it is open (see the module docstring); the
    formula probes are written first when the workbook has none (``formulas_checked`` false)."""
    wb, missing_tabs = present_tabs(book, wb)
    probes = _read_probes(book, wb)
    warnings = [{"where": "", "message": message} for message in missing_tabs]
    if probes is None:
        _write_probes(book, wb)
        warnings.append({"where": PROBE_SHEET, "message": _UNCHECKED})
    overrides = _overrides(book, wb, probes) if probes is not None else []
    try:
        results = compute_book(book, wb)
    except TableProblemsError as error:
        return {"status": "rejected", "totals": [], "overrides": overrides, "differences": [], "warnings": warnings,
                "problems": [{"where": where, "message": message} for where, message in error.problems],
                "formulas_checked": probes is not None}
    overridden = {override["where"] for override in overrides}
    differences = []
    missing = 0
    for csm_id, sheet in wb.tabs:
        result = results.get(csm_id)
        if result is None:
            continue
        tab = book.sheets[sheet]
        for address, engine in payout_cells(wb, result):
            cached = tab.range(address).value
            where = f"{sheet}!{address}"
            if cached in (None, "") and where not in overridden:
                missing += 1  # a formula with no value calculated: nothing to compare
                continue
            number = _money(cached)
            if number is None or abs(number - engine) > _MONEY_TOLERANCE:
                differences.append({"where": where, "cached": _shown(cached), "engine": _shown(engine)})
    workbook = _workbook_totals(book, wb)
    totals: list[dict[str, str | None]] = []
    # the CSMs the engine paid, then those only the workbook knew (removed from the Roster), as recalc lists them
    for csm_id in dict.fromkeys([*results, *wb.issued, *workbook]):
        seen, result = workbook.get(csm_id), results.get(csm_id)
        totals.append({"csm_id": csm_id, "issued": wb.issued.get(csm_id),
                       "workbook": None if seen is None else fmt_decimal(seen, 2),
                       "engine": None if result is None else fmt_decimal(result.total, 2)})
    reference = next((key for key in ("issued", "workbook") if any(t[key] is not None for t in totals)), None)
    changed = reference is not None and any(_moved(t[reference], t["engine"]) for t in totals)
    status = "overridden" if overrides else "inputs_changed" if changed else "ok"
    if missing:
        warnings.append({"where": "", "message": f"{missing:,} formula cells of the workbook hold no calculated "
                                                 "value (the file was saved by a program that does not calculate, "
                                                 "or with calculation off): those cells were not compared"})
    return {"status": status, "totals": totals, "overrides": overrides, "differences": differences, "problems": [],
            "warnings": warnings, "formulas_checked": probes is not None}


def restore_book(book: Any, wb: LiteWorkbook) -> int | None:
    """Write xlcomp's formula back into every computed cell of the CSM tabs that the probes say lost
    it (as xlwings Lite writes a formula: a value starting with ``=``); how many, or None when the
    probes are not there yet (run the check first)."""
    wb, _ = present_tabs(book, wb)
    probes = _read_probes(book, wb)
    if probes is None:
        return None
    overrides = _overrides(book, wb, probes)
    for override in overrides:
        sheet, _, address = override["where"].rpartition("!")
        book.sheets[sheet].range(address).value = override["formula"]
    return len(overrides)


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
        # a formula quoted in the report is text: "'" keeps Excel from entering it as a formula
        rows.extend([[_as_text(item.get(column)) for column in columns] for item in report[key]])
        rows.append([])
    width = max(len(row) for row in rows)
    return [row + [None] * (width - len(row)) for row in rows]


def _as_text(value: Any) -> Any:
    """A text Excel would take for a formula (``=``, ``+``, ``-``, ``@`` first) written with ``'`` first, which
    keeps it text (the ``'`` is not part of the value)."""
    return "'" + value if isinstance(value, str) and value.startswith(("=", "+", "-", "@")) else value


def _plain(value: Any) -> Any:
    return value[1:] if isinstance(value, str) and value.startswith("'") else value
