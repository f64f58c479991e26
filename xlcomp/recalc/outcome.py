"""What an upload's recalculation comes to: each CSM's three totals, the file's status, and what
became of its overrides (SPEC sections 4 and 8).

- **totals**: per CSM, ``issued`` (the total when xlcomp wrote the workbook, from its metadata;
  None for a plain workbook), ``workbook`` (the total cached in the upload's Summary table; None
  where no value was saved) and ``engine`` (the recomputed total).
- **status**: ``ok`` (nothing changed), ``inputs_changed`` (inputs edited, no override),
  ``overridden`` (at least one formula cell typed over or changed) or ``rejected``.
- **overrides** are never paid: each gets ``action: "discarded"`` and a message saying so and
  pointing at the Adjustments table, the one sanctioned way to pay a manual change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from xlcomp.money import fmt_amount, fmt_decimal, money
from xlcomp.recalc.package import UploadPackage
from xlcomp.workbook import layout

__all__ = ["ACTION_DISCARDED", "ADJUSTMENTS_HINT", "STATUSES", "STATUS_INPUTS_CHANGED", "STATUS_OK",
           "STATUS_OVERRIDDEN", "STATUS_REJECTED", "STATUS_TEXT", "discard_overrides", "reference_of", "status_of",
           "total_changed", "totals_rows", "workbook_totals"]

STATUS_OK = "ok"
STATUS_INPUTS_CHANGED = "inputs_changed"
STATUS_OVERRIDDEN = "overridden"
STATUS_REJECTED = "rejected"
STATUSES = (STATUS_OK, STATUS_INPUTS_CHANGED, STATUS_OVERRIDDEN, STATUS_REJECTED)
# One line each, for people (console, report.xlsx, the upload page, the docs).
STATUS_TEXT = {
    STATUS_OK: "nothing changed: every CSM's total is the one issued (or saved in the workbook), no override",
    STATUS_INPUTS_CHANGED: "inputs were edited (no override): the totals are recomputed from them",
    STATUS_OVERRIDDEN: "at least one formula cell was typed over or changed: those values are not paid",
    STATUS_REJECTED: "the upload could not be read or validated: nothing is paid from it",
}
ACTION_DISCARDED = "discarded"
ADJUSTMENTS_HINT = ("to pay a manual change, add a row to the Adjustments table (csm_id, amount, reason) and "
                    "upload again")


def workbook_totals(package: UploadPackage) -> dict[str, Decimal | None]:
    """Each CSM's total as cached in the upload's Summary table (``total_payout`` by ``csm_id``):
    None where no number was saved (a program that does not calculate, an error value, a text).
    Empty when the upload has no Summary table with those columns."""
    from defusedxml import ElementTree

    from xlcomp.ooxml.refs import split_ref

    table = package.index.table(layout.SUMMARY_TABLE)
    if table is None:
        return {}
    columns = [c.strip().lower() for c in table.columns]
    if "csm_id" not in columns or "total_payout" not in columns:
        return {}
    try:
        node = ElementTree.fromstring(package.parts[table.part], forbid_dtd=True)
        headers = int(node.get("headerRowCount", "1") or 1)
        totals_rows = int(node.get("totalsRowCount", "0") or 0)
        (r0, c0), (r1, _) = split_ref(table.ref)
        rows = package.rows(table.sheet)
    except Exception:  # a damaged table part: no cached totals, the comparison says the rest
        return {}
    key, total = c0 + columns.index("csm_id"), c0 + columns.index("total_payout")
    out: dict[str, Decimal | None] = {}
    for row in rows[r0 + headers:r1 + 1 - totals_rows]:
        csm_id = _text(row[key] if key < len(row) else "")
        if not csm_id:
            continue
        value = row[total] if total < len(row) else ""
        number: Decimal | None = None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = money(Decimal(format(float(value), ".15g")))
        out.setdefault(csm_id, number)
    return out


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "").strip()


def totals_rows(engine: Iterable[tuple[str, Decimal]], issued: Mapping[str, Decimal],
                workbook: Mapping[str, Decimal | None]) -> list[dict[str, str | None]]:
    """``[{csm_id, issued, workbook, engine}]``, amounts as text with two decimals or None: the
    CSMs the engine paid in its order, then CSMs only the upload knew (removed from the Roster)."""
    rows: list[dict[str, str | None]] = []
    seen: set[str] = set()

    def amount(value: Decimal | None) -> str | None:
        return None if value is None else fmt_decimal(value, 2)

    for csm_id, total in engine:
        seen.add(csm_id)
        rows.append({"csm_id": csm_id, "issued": amount(issued.get(csm_id)), "workbook": amount(workbook.get(csm_id)),
                     "engine": amount(total)})
    for csm_id in [*issued, *workbook]:
        if csm_id not in seen:
            seen.add(csm_id)
            rows.append({"csm_id": csm_id, "issued": amount(issued.get(csm_id)),
                         "workbook": amount(workbook.get(csm_id)), "engine": None})
    return rows


def reference_of(totals: Iterable[Mapping[str, str | None]]) -> str | None:
    """What an upload's recomputed totals are held against: ``"issued"`` when the workbook says
    what it was issued with, else ``"workbook"`` when it saved any Summary total, else None (a
    plain workbook: nothing to hold them against)."""
    rows = list(totals)
    for key in ("issued", "workbook"):
        if any(row[key] is not None for row in rows):
            return key
    return None


def total_changed(row: Mapping[str, str | None], reference: str | None) -> bool:
    """Does the engine's total differ from the ``reference`` total (:func:`reference_of`)? A CSM
    the reference does not know (added to the Roster) or the engine no longer pays (removed) has."""
    if reference is None:
        return False
    expected, engine = row[reference], row["engine"]
    return expected is None or engine is None or Decimal(expected) != Decimal(engine)


def status_of(entry: Mapping[str, Any], *, grown_tables: bool = False) -> str:
    """``overridden``, ``inputs_changed`` or ``ok`` for an entry that was read (see the module
    docstring). Inputs count as changed when a total moved, a plan parameter was edited or rows
    were read from under a table (``grown_tables``), even if the totals came out the same."""
    if entry.get("overrides"):
        return STATUS_OVERRIDDEN
    totals = entry.get("totals", [])
    reference = reference_of(totals)
    if grown_tables or entry.get("plan_edits") or any(total_changed(row, reference) for row in totals):
        return STATUS_INPUTS_CHANGED
    return STATUS_OK


def discard_overrides(overrides: list[dict[str, str]], differences: list[dict[str, str]], currency: str = ""
                      ) -> list[dict[str, str]]:
    """The overrides with ``action: "discarded"`` and a message a finance user reads: the value is
    not paid (the engine's is, quoted where known) and how to pay a manual change."""
    engine = {d["where"]: d["engine"] for d in differences}
    out = []
    for override in overrides:
        found, kind = override.get("found", ""), override.get("kind", "")
        if kind == "blank":
            what = "this formula cell was cleared"
        elif kind == "formula":
            what = f"this cell's formula was changed to {found}"
        else:
            what = f"the value {_shown(found, currency)} typed over this formula cell is not paid"
        paid = engine.get(override["where"])
        recomputed = (f"xlcomp recomputed it ({_shown(paid, currency)})" if paid not in (None, "")
                      else "xlcomp recomputed it")
        if kind == "formula":
            what += f": its result is not paid; {recomputed} with its own formula"
        elif kind == "blank":
            what += f"; {recomputed}"
        else:
            what += f": {recomputed} from the inputs"
        out.append({**override, "action": ACTION_DISCARDED, "message": f"{what}; {ADJUSTMENTS_HINT}"})
    return out


def _shown(value: str | None, currency: str) -> str:
    """An amount as finance reads it (``USD 9,999.99``); a finer number (a rate) as it is."""
    try:
        number = Decimal(value or "")
    except ArithmeticError:
        return f'"{value}"'
    return fmt_amount(number, currency) if number == money(number) else f"{number:f}"
