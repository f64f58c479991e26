"""The inputs of an assignment: roster and accounts through :mod:`xlcomp.load`, plus the columns only
assignment reads (roster ``skill_retention``, ``skill_expansion``, ``capacity_arr``; accounts
``upsell_potential``, ``cross_sell_potential``, ``pinned``), every problem with its cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from xlcomp.assign.rules import Rules
from xlcomp.errors import InputError, Problem
from xlcomp.load.decimals import parse_cell_number
from xlcomp.load.inputs import load_inputs
from xlcomp.load.sources import TableSource, cell_text, read_table
from xlcomp.model.people import SEGMENTS, Book, Csm, Roster
from xlcomp.model.period import Period, parse_period
from xlcomp.money import NumberParseError
from xlcomp.roi.quotas import SEGMENT_DEFAULTS, load_potentials

__all__ = ["AssignInputs", "default_period", "load_assign_inputs"]

_YES = {"true", "yes", "y", "1", "x", "pinned"}
_NO = {"false", "no", "n", "0", ""}


@dataclass
class AssignInputs:
    """Everything the model needs, as arrays in roster and book order."""

    roster: Roster
    book: Book
    rules: Rules
    period: Period
    potentials: dict[str, list[Decimal | None]]
    skill_retention: npt.NDArray[np.float64]
    skill_expansion: npt.NDArray[np.float64]
    capacity: npt.NDArray[np.float64]       # inf where the roster gives none
    leaver: npt.NDArray[np.bool_]
    csm_segment: npt.NDArray[np.int64]       # index into SEGMENTS
    account_segment: npt.NDArray[np.int64]
    arr: npt.NDArray[np.float64]
    risk: npt.NDArray[np.float64]            # 0-1; 0.5 where the book has no risk_score
    white_space: npt.NDArray[np.float64]
    current: npt.NDArray[np.int64]           # roster index of the current CSM
    pinned: npt.NDArray[np.int64]            # roster index, -1 when free
    pinned_where: dict[int, str]              # account row -> the place that pinned it

    @property
    def csm_ids(self) -> list[str]:
        """The roster's csm_ids in order."""
        return [c.csm_id for c in self.roster.csms]


def default_period(today: date | None = None) -> Period:
    """The quarter after ``today``: the books an assignment proposes are for the next period."""
    day = today or date.today()
    quarter = (day.month - 1) // 3 + 1
    year, quarter = (day.year + 1, 1) if quarter == 4 else (day.year, quarter + 1)
    return parse_period(f"{year}-Q{quarter}")


def _fraction(raw_value: object, where: str, column: str, problems: list[Problem]) -> float | None:
    try:
        number = parse_cell_number(raw_value)
    except NumberParseError as exc:
        problems.append(Problem(where, str(exc), column))
        return None
    if number is None:
        return None
    if not Decimal(0) <= number <= Decimal(1):
        problems.append(Problem(where, f"{number} is outside 0–1", column))
        return None
    return float(number)


def load_assign_inputs(roster: TableSource, accounts: TableSource, rules: Rules,
                       period: Period | None = None) -> AssignInputs:
    """Read and check everything an assignment needs; raises :class:`InputError` with every problem."""
    roster_model, book = load_inputs(None, roster, accounts)
    the_period = period or (parse_period(rules.period) if rules.period else default_period())
    raw_roster = read_table(roster, "Roster")
    problems: list[Problem] = []
    csms = roster_model.csms
    n_csms = len(csms)
    skill_r = np.full(n_csms, 0.5)
    skill_e = np.full(n_csms, 0.5)
    capacity = np.full(n_csms, np.inf)
    columns = {c: raw_roster.values(c) for c in ("skill_retention", "skill_expansion", "capacity_arr")
               if c in raw_roster.columns}
    loc = roster_model.locator
    for i, csm in enumerate(csms):
        for column, target in (("skill_retention", skill_r), ("skill_expansion", skill_e)):
            if column in columns:
                value = _fraction(columns[column][csm.row], loc.where(csm.row, column), column, problems)
                if value is not None:
                    target[i] = value
        if "capacity_arr" in columns:
            try:
                cap = parse_cell_number(columns["capacity_arr"][csm.row])
            except NumberParseError as exc:
                problems.append(loc.problem(csm.row, "capacity_arr", str(exc)))
                continue
            if cap is not None and cap < 0:
                problems.append(loc.problem(csm.row, "capacity_arr", f"{cap} is negative"))
            elif cap is not None:
                capacity[i] = float(cap)
    leaver = np.array([c.end_date is not None and c.end_date <= the_period.end for c in csms], dtype=bool)
    index = {c.csm_id: i for i, c in enumerate(csms)}
    seg_index = {s: i for i, s in enumerate(SEGMENTS)}
    csm_segment = np.array([seg_index[c.segment] for c in csms], dtype=np.int64)

    data = book.table.select(["account_id", "csm_id", "segment", "arr_start", "risk_score"]).to_pydict()
    n = len(book)
    current = np.array([index[c] for c in data["csm_id"]], dtype=np.int64)
    account_segment = np.array([seg_index[s] if s else csm_segment[current[i]] for i, s in
                                enumerate(data["segment"])], dtype=np.int64)
    arr = np.array([float(v) for v in data["arr_start"]], dtype=np.float64)
    risk = np.array([float(v) / 100 if v is not None else 0.5 for v in data["risk_score"]], dtype=np.float64)
    potentials = load_potentials(accounts, book)
    white_space = np.zeros(n)
    for column, share in (("upsell_potential", "upsell_white_space"), ("cross_sell_potential",
                                                                         "cross_sell_white_space")):
        given = potentials.get(column) or [None] * n
        default_share = np.array([float(getattr(SEGMENT_DEFAULTS[SEGMENTS[s]], share)) for s in account_segment])
        white_space += np.array([float(g) if g is not None else np.nan for g in given], dtype=np.float64)
        white_space = np.where(np.isnan(white_space), 0.0, white_space)
        missing = np.array([g is None for g in given], dtype=bool)
        white_space += np.where(missing, arr * default_share, 0.0)

    pinned = np.full(n, -1, dtype=np.int64)
    pinned_where: dict[int, str] = {}
    raw_accounts = read_table(accounts, "Accounts")
    book_loc = book.locator
    rows = book.table["_row"].to_pylist()
    if "pinned" in raw_accounts.columns:
        values = raw_accounts.values("pinned")
        for i, row in enumerate(rows):
            text = (cell_text(values[row]) or "").strip()
            where = book_loc.where(row, "pinned")
            if text.lower() in _NO:
                continue
            if text.lower() in _YES or text == "True":
                pinned[i] = current[i]
            elif text in index:
                pinned[i] = index[text]
            else:
                problems.append(Problem(where, f'"{text}" is neither yes/no nor a csm_id of the roster', "pinned"))
                continue
            pinned_where[i] = where
    account_index = {a: i for i, a in enumerate(data["account_id"])}
    for account_id, csm_id in rules.pinned.items():
        where = rules.pinned_where.get(account_id, rules.source)
        if account_id not in account_index:
            problems.append(Problem(where, "is not an account of the book", f"pinned.{account_id}"))
        elif csm_id not in index:
            problems.append(Problem(where, f'"{csm_id}" is not a CSM of the roster', f"pinned.{account_id}"))
        else:
            pinned[account_index[account_id]] = index[csm_id]
            pinned_where[account_index[account_id]] = where
    for i, where in sorted(pinned_where.items()):
        csm = csms[pinned[i]]
        if leaver[pinned[i]]:
            assert csm.end_date is not None
            problems.append(Problem(where, f"{data['account_id'][i]} is pinned to {csm.csm_id}, who leaves on "
                                           f"{csm.end_date.isoformat()} (by the end of {the_period.label}) and "
                                           "can get no accounts", "pinned"))
        elif not rules.allows(SEGMENTS[account_segment[i]], csm.segment):
            problems.append(Problem(where, f"{data['account_id'][i]} ({SEGMENTS[account_segment[i]]}) is pinned "
                                           f"to {csm.csm_id} of segment {csm.segment}, which the rules do not "
                                           "allow (add the pair to neighbours)", "pinned"))
    if problems:
        raise InputError(problems)
    return AssignInputs(roster_model, book, rules, the_period, potentials, skill_r, skill_e, capacity, leaver,
                        csm_segment, account_segment, arr, risk, white_space, current, pinned, pinned_where)


def leaves_on(csm: Csm) -> str:
    """``"2027-05-31"`` or ``""``."""
    return csm.end_date.isoformat() if csm.end_date else ""

