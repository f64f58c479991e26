"""The adjustments table (CSV ``--adjustments FILE``, or the Adjustments table of a workbook).

Columns ``csm_id``, ``amount`` and ``reason`` are required; ``component`` (default ``adjustment``)
and ``approved_by`` are optional. Amounts are read as finance writes them
(:func:`xlcomp.money.parse_amount`). Every problem names its row and field:
``adjustments.csv:4 reason: is blank: say why the CSM is paid this``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from xlcomp.errors import InputError, Problem
from xlcomp.load.sources import RawTable, TableSource, read_table
from xlcomp.model.adjustments import DEFAULT_COMPONENT, Adjustment
from xlcomp.model.people import Roster
from xlcomp.money import NumberParseError, exactly, parse_amount

__all__ = ["adjustments_from_table", "load_adjustments"]

_COMPONENT = re.compile(r"[a-z0-9_]+")
_MAX_AMOUNT = Decimal("1e12")


@exactly
def load_adjustments(source: TableSource, roster: Roster | None = None, *, currency: str | None = None,
                     decimal_comma: bool = False) -> tuple[Adjustment, ...]:
    """Read and check the adjustments; raise :class:`~xlcomp.errors.InputError` with every problem."""
    adjustments, problems = adjustments_from_table(read_table(source, "Adjustments"), roster, currency=currency,
                                                   decimal_comma=decimal_comma)
    if problems:
        raise InputError(problems)
    return adjustments


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@exactly
def adjustments_from_table(raw: RawTable, roster: Roster | None, *, currency: str | None = None,
                           decimal_comma: bool = False) -> tuple[tuple[Adjustment, ...], list[Problem]]:
    """The adjustments of a table as read, and the problems found (each at its place)."""
    problems = list(raw.problems)
    if problems:
        return (), problems
    loc = raw.locator
    missing = [c for c in ("csm_id", "amount", "reason") if c not in raw.columns]
    if missing:
        found = ", ".join(c for c in raw.columns if c) or "none"
        return (), [Problem(loc.where(None, None) if not loc.sheet else loc.where(None, raw.columns[0] if raw.columns
                                                                                else None),
                            f"the adjustments need the column{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(missing)} (found: {found})")]
    known = {csm.csm_id for csm in roster} if roster is not None else None
    ids, amounts, reasons = raw.values("csm_id"), raw.values("amount"), raw.values("reason")
    components, approvers = raw.values("component"), raw.values("approved_by")
    out: list[Adjustment] = []
    for row in range(raw.nrows):
        texts = [_text(v) for v in (ids[row], amounts[row], reasons[row], components[row], approvers[row])]
        if not any(texts):
            continue  # a blank row
        csm_id, amount_text, reason, component, approved_by = texts
        where = loc.where(row, "csm_id")
        ok = True
        if not csm_id:
            problems.append(loc.problem(row, "csm_id", "is blank: name the CSM this adjustment pays"))
            ok = False
        elif known is not None and csm_id not in known:
            problems.append(loc.problem(row, "csm_id", f'"{csm_id}" is not a CSM of the roster'))
            ok = False
        amount: Decimal | None = None
        value = amounts[row]
        try:
            if isinstance(value, bool):
                raise NumberParseError(f"{'TRUE' if value else 'FALSE'} is not a number")
            if isinstance(value, (int, float, Decimal)):
                amount = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
            elif not amount_text:
                raise NumberParseError("is blank: give the amount to pay (negative to take back)")
            else:
                amount = parse_amount(amount_text, currency=currency, decimal_comma=decimal_comma, percent=False)
            if not amount.is_finite() or abs(amount) >= _MAX_AMOUNT:
                raise NumberParseError(f'"{amount_text}" is out of range')
        except NumberParseError as exc:
            problems.append(loc.problem(row, "amount", str(exc)))
            ok = False
        if not reason:
            problems.append(loc.problem(row, "reason", "is blank: say why the CSM is paid this"))
            ok = False
        component = component or DEFAULT_COMPONENT
        if not _COMPONENT.fullmatch(component):
            problems.append(loc.problem(row, "component", f'"{component}" must be lowercase letters, digits and _'))
            ok = False
        if ok and amount is not None:
            out.append(Adjustment(csm_id, amount, reason, component, approved_by, where))
    return tuple(out), problems
