"""What an assignment says: each account's move and its reason in words, each CSM's book before and
after, and the quotas and risk-adjusted targets the new books imply (through :mod:`xlcomp.roi.quotas`
and the engine's :func:`~xlcomp.engine.run.risk_adjusted`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from xlcomp.assign.inputs import AssignInputs
from xlcomp.assign.model import Bounds, Solution
from xlcomp.engine.metrics import BookSums, MetricValue, aggregates_of
from xlcomp.engine.run import risk_adjusted
from xlcomp.model.people import Book
from xlcomp.model.plan import Target
from xlcomp.money import excel_round
from xlcomp.roi.quotas import QuotaRow, propose_quotas

__all__ = ["ASSIGNMENT_COLUMNS", "BALANCE_COLUMNS", "TARGET_COLUMNS", "AssignmentRow", "BalanceRow", "TargetRow",
           "assignment_rows", "balance_rows", "new_book", "target_rows"]

ASSIGNMENT_COLUMNS = ("account_id", "from_csm", "to_csm", "moved", "arr_start", "risk_score", "white_space",
                      "reason")
BALANCE_COLUMNS = ("csm_id", "name", "segment", "leaves", "skill_retention", "skill_expansion", "arr_before",
                   "arr_after", "arr_low", "arr_high", "accounts_before", "accounts_after", "accounts_low",
                   "accounts_high", "risk_before", "risk_after", "white_space_before", "white_space_after",
                   "fit_before", "fit_after")
TARGET_COLUMNS = ("csm_id", "segment", "accounts", "book_arr", "book_risk", "retention_target", "quota_renewal",
                  "quota_upsell", "quota_cross_sell")


@dataclass(frozen=True)
class AssignmentRow:
    """One account: who had it, who gets it, and why."""

    account_id: str
    from_csm: str
    to_csm: str
    arr_start: Decimal
    risk_score: Decimal | None
    white_space: Decimal
    reason: str

    @property
    def moved(self) -> bool:
        """Does the account change hands?"""
        return self.from_csm != self.to_csm


@dataclass(frozen=True)
class BalanceRow:
    """One CSM's book before and after (ARR and white space exact; risk ARR-weighted; fit in objective points)."""

    csm_id: str
    name: str
    segment: str
    leaves: str
    skill_retention: float
    skill_expansion: float
    arr_before: Decimal
    arr_after: Decimal
    arr_low: Decimal
    arr_high: Decimal
    accounts_before: int
    accounts_after: int
    accounts_low: int
    accounts_high: int
    risk_before: Decimal | None
    risk_after: Decimal | None
    white_space_before: Decimal
    white_space_after: Decimal
    fit_before: float
    fit_after: float

    def as_dict(self) -> dict[str, Any]:
        """The row by column name."""
        return {c: getattr(self, c) for c in BALANCE_COLUMNS}


@dataclass(frozen=True)
class TargetRow:
    """The quotas and the risk-adjusted retention target a CSM's new book implies."""

    csm_id: str
    segment: str
    accounts: int
    book_arr: Decimal
    book_risk: Decimal | None
    retention_target: Decimal | None
    quota_renewal: Decimal
    quota_upsell: Decimal
    quota_cross_sell: Decimal


def new_book(book: Book, owners: list[str]) -> Book:
    """The book with its accounts' csm_id set to ``owners``."""
    table = book.table
    index = table.schema.get_field_index("csm_id")
    return Book(table.set_column(index, "csm_id", pa.array(owners, pa.string())), book.locator, book.columns)


def _white_space(inputs: AssignInputs) -> list[Decimal]:
    return [excel_round(Decimal(repr(float(v))), 2) for v in inputs.white_space]


def _fit(inputs: AssignInputs, owners: np.ndarray) -> np.ndarray:
    """Each account's fit, importance matched to its CSM's skill (objective points, no move cost)."""
    rules = inputs.rules
    mean = np.ones(8)
    for s in np.unique(inputs.account_segment):
        mean[s] = max(1e-9, float(inputs.arr[inputs.account_segment == s].mean()))
    scale = mean[inputs.account_segment]
    sr, se = inputs.skill_retention[owners], inputs.skill_expansion[owners]
    return (float(rules.weight_arr) * inputs.arr / scale * (sr + se) / 2  # type: ignore[no-any-return]
            + float(rules.weight_risk) * inputs.arr * inputs.risk / scale * sr
            + float(rules.weight_white_space) * inputs.white_space / scale * se)


def assignment_rows(inputs: AssignInputs, solution: Solution, bounds: Bounds) -> list[AssignmentRow]:
    """Every account with its reason in words."""
    csms = inputs.roster.csms
    data = inputs.book.table.select(["account_id", "arr_start", "risk_score"]).to_pydict()
    current, to = inputs.current, solution.to
    fit_before, fit_after = _fit(inputs, current), _fit(inputs, to)
    move_cost = float(inputs.rules.move_cost)
    arr_before = np.bincount(current, weights=inputs.arr, minlength=len(csms))
    count_before = np.bincount(current, minlength=len(csms))
    white = _white_space(inputs)
    rows = []
    for i in range(len(current)):
        old, new = csms[current[i]], csms[to[i]]
        gain = float(fit_after[i] - fit_before[i])
        if i in inputs.pinned_where:
            reason = f"pinned to {new.csm_id} ({inputs.pinned_where[i]})"
        elif inputs.leaver[current[i]]:
            assert old.end_date is not None
            reason = (f"{old.csm_id} leaves on {old.end_date.isoformat()}; {new.csm_id} fits best "
                      f"(skill retention {inputs.skill_retention[to[i]]:.2f}, expansion "
                      f"{inputs.skill_expansion[to[i]]:.2f})")
        elif solution.source:
            reason = (f"moved in {solution.source} (fit gain {gain:.3f}, move cost {move_cost:g})"
                      if current[i] != to[i] else f"stays in {solution.source}")
        elif current[i] == to[i]:
            reason = "stays: no move gains more than the move cost within the balance bounds"
        elif arr_before[current[i]] > bounds.high_arr[current[i]] * (1 + 1e-9) or \
                count_before[current[i]] > bounds.high_count[current[i]]:
            share = arr_before[current[i]] / max(1e-9, bounds.mean_arr.get(int(inputs.csm_segment[current[i]]), 1))
            reason = (f"balance: {old.csm_id}'s book was {share * 100:.0f}% of the segment mean ARR "
                      f"({count_before[current[i]]} accounts); {new.csm_id} has room")
        elif gain > move_cost:
            need = "retention" if inputs.risk[i] >= 0.5 else "expansion"
            skill = inputs.skill_retention if need == "retention" else inputs.skill_expansion
            reason = (f"better fit: risk {inputs.risk[i] * 100:.0f}, white space {white[i]:,.0f} to "
                      f"{new.csm_id} ({need} skill {skill[to[i]]:.2f} vs {skill[current[i]]:.2f}); gain "
                      f"{gain:.3f} > move cost {move_cost:g}")
        else:
            reason = (f"balance: makes room elsewhere or fills {new.csm_id}'s book to its lower bound "
                      f"(gain {gain:.3f}, move cost {move_cost:g})")
        rows.append(AssignmentRow(data["account_id"][i], old.csm_id, new.csm_id, data["arr_start"][i],
                                  data["risk_score"][i], white[i], reason))
    return rows


def _risk(book: Book, csm_id: str, places: int | None = 2) -> Decimal | None:
    agg = aggregates_of(book)
    position = agg.position.get(csm_id)
    if position is None:
        return None
    num, den = BookSums(aggregates=agg, position=position).weighted_parts("risk_score")
    if not den:
        return None
    return excel_round(num / den, places) if places is not None else num / den


def balance_rows(inputs: AssignInputs, solution: Solution, bounds: Bounds) -> list[BalanceRow]:
    """Every CSM's book before and after."""
    csms = inputs.roster.csms
    ids = inputs.csm_ids
    before = inputs.book
    after = new_book(before, [ids[c] for c in solution.to])
    data = before.table.select(["arr_start"]).to_pydict()["arr_start"]
    white = _white_space(inputs)
    fit_before, fit_after = _fit(inputs, inputs.current), _fit(inputs, solution.to)
    rows = []
    for c, csm in enumerate(csms):
        was = np.flatnonzero(inputs.current == c)
        now = np.flatnonzero(solution.to == c)
        rows.append(BalanceRow(
            csm.csm_id, csm.name, csm.segment, csm.end_date.isoformat() if inputs.leaver[c] and csm.end_date else "",
            float(inputs.skill_retention[c]), float(inputs.skill_expansion[c]),
            sum((data[i] for i in was), Decimal(0)), sum((data[i] for i in now), Decimal(0)),
            excel_round(Decimal(repr(float(bounds.low_arr[c]))), 2),
            excel_round(Decimal(repr(float(bounds.high_arr[c]))), 2) if np.isfinite(bounds.high_arr[c])
            else Decimal(0), len(was), len(now), int(bounds.low_count[c]), int(bounds.high_count[c]),
            _risk(before, csm.csm_id), _risk(after, csm.csm_id),
            sum((white[i] for i in was), Decimal(0)), sum((white[i] for i in now), Decimal(0)),
            round(float(fit_before[was].sum()), 4), round(float(fit_after[now].sum()), 4)))
    return rows


def target_rows(inputs: AssignInputs, solution: Solution) -> tuple[list[TargetRow], Book, list[QuotaRow]]:
    """Quotas (:func:`~xlcomp.roi.quotas.propose_quotas` for the period) and the risk-adjusted retention
    target (rules ``risk_target``) of every CSM's new book."""
    ids = inputs.csm_ids
    after = new_book(inputs.book, [ids[c] for c in solution.to])
    quotas = propose_quotas(inputs.roster, after, inputs.potentials, inputs.period)
    target = Target(value=inputs.rules.risk_base, risk_adjust=inputs.rules.risk_adjust)
    rows = []
    for quota in quotas:
        risk = _risk(after, quota.csm_id, None)
        retention = risk_adjusted(target, MetricValue("risk_score", risk)) if quota.accounts else None
        risk = excel_round(risk, 2) if risk is not None else None
        rows.append(TargetRow(quota.csm_id, quota.segment, quota.accounts, quota.book_arr, risk, retention,
                              quota.quota_renewal, quota.quota_upsell, quota.quota_cross_sell))
    return rows, after, quotas
