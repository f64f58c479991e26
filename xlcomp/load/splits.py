"""The credit splits file (CSV ``--splits FILE``, or the Splits table of a workbook), SPEC section 10.

Columns ``account_id`` (an account of the book), ``csm_id`` (a CSM of the roster) and ``share`` (a
number at least 0, ``0.6`` or ``60%``, at most 8 decimals). An account's shares summing above 1 are
an overlay and one below 1 leaves the rest uncredited: both are notes (warnings); summing to 0 is a
problem. An account that is both split and moved is a problem (a split names every credited CSM).
"""

from __future__ import annotations

from decimal import Decimal

from xlcomp.errors import InputError, Problem
from xlcomp.load.changes import reference_ok
from xlcomp.load.decimals import parse_cell_number
from xlcomp.load.moves import load_moves, missing_columns
from xlcomp.load.sources import RawTable, TableSource, cell_text, read_table
from xlcomp.model.credit import Credits, Moves, Split, Splits, account_positions
from xlcomp.model.people import Book, Roster
from xlcomp.model.period import Period
from xlcomp.money import NumberParseError, exactly

__all__ = ["SPLIT_COLUMNS", "load_credits", "load_splits", "splits_from_table"]

SPLIT_COLUMNS = ("account_id", "csm_id", "share")
_MAX_SHARE = Decimal(10000)
ZERO = Decimal(0)
ONE = Decimal(1)


@exactly
def load_splits(source: TableSource | None, roster: Roster, book: Book, moves: Moves | None = None
                ) -> Splits | None:
    """Read and check the splits (None when no file is given); raise :class:`InputError` with every problem."""
    if source is None:
        return None
    splits, problems = splits_from_table(read_table(source, "Splits"), roster, book, moves)
    if problems or splits is None:
        raise InputError(problems)
    return splits


def _share(value: object) -> Decimal:
    text = cell_text(value) or ""
    number = parse_cell_number(value)
    if number is None:
        raise NumberParseError("is blank: give the share (0.6 or 60%)")
    if not number.is_finite() or abs(number) >= _MAX_SHARE:
        raise NumberParseError(f'"{text}" is out of range')
    if number < 0:
        raise NumberParseError(f"{text} must be at least 0")
    if number != number.quantize(Decimal("1e-8")):
        raise NumberParseError(f"{text} has more than 8 decimals")
    return number


@exactly
def splits_from_table(raw: RawTable, roster: Roster, book: Book, moves: Moves | None = None
                      ) -> tuple[Splits | None, list[Problem]]:
    """The splits of a table as read, and the problems found (each at its place)."""
    problems = list(raw.problems) or missing_columns(raw, SPLIT_COLUMNS, "splits")
    if problems:
        return None, problems
    loc = raw.locator
    known = {csm.csm_id for csm in roster}
    moved = {} if moves is None else {m.account_id: m for m in reversed(moves.rows)}
    account_ids, csm_ids = (raw.strings(c).to_pylist() for c in SPLIT_COLUMNS[:2])
    shares = raw.values("share")
    positions = account_positions(book, [(a or "").strip() for a in account_ids])
    rows: list[Split] = []
    seen: dict[tuple[str, str], int] = {}
    for row in range(raw.nrows):
        account_id, csm_id = (account_ids[row] or "").strip(), (csm_ids[row] or "").strip()
        if not account_id and not csm_id and shares[row] in (None, ""):
            continue  # a blank row
        ok = reference_ok(problems, loc, row, "account_id", account_id, positions[row] is not None,
                          "name the account whose credit is split", "an account of the book")
        if ok and account_id in moved:
            where = "" if moves is None else f" (at {moves.locator.where(moved[account_id].row)})"
            problems.append(loc.problem(row, "account_id", f"{account_id} is also moved{where}: an account is "
                                                           "either split or moved, list its owners' shares here"))
            ok = False
        ok = reference_ok(problems, loc, row, "csm_id", csm_id, csm_id in known, "name the CSM credited",
                          "a CSM of the roster") and ok
        share: Decimal | None = None
        try:
            share = _share(shares[row])
        except NumberParseError as exc:
            problems.append(loc.problem(row, "share", str(exc)))
            ok = False
        if not ok or share is None:
            continue
        key = (account_id, csm_id)
        if key in seen:
            problems.append(loc.problem(row, "csm_id", f"{csm_id} already has a share of {account_id} "
                                                       f"(at {loc.where(seen[key])}): keep one"))
            continue
        seen[key] = row
        rows.append(Split(account_id, csm_id, share, row))
    totals: dict[str, tuple[Decimal, int]] = {}
    for split in rows:
        total, first = totals.get(split.account_id, (ZERO, split.row))
        totals[split.account_id] = (total + split.share, first)
    notes: list[str] = []
    for account_id, (total, first) in totals.items():
        if total == 0:
            problems.append(loc.problem(first, "share", f"the shares of {account_id} sum to 0: credit someone, "
                                                        "or leave the account out of the splits"))
        elif total > ONE:
            notes.append(f"{loc.where(first)}: the shares of {account_id} sum to {total.normalize():f}, above 1: "
                         "an overlay (credited more than once)")
        elif total < ONE:
            notes.append(f"{loc.where(first)}: the shares of {account_id} sum to {total.normalize():f}, below 1: "
                         f"{(ONE - total).normalize():f} of it is credited to no one")
    if problems:
        return None, problems
    return Splits(tuple(rows), loc, tuple(notes)), []


def load_credits(moves: TableSource | None, splits: TableSource | None, roster: Roster, book: Book, period: Period
                 ) -> Credits | None:
    """The account moves and credit splits of a run (None when neither is given)."""
    if moves is None and splits is None:
        return None
    loaded = load_moves(moves, roster, book, period)
    return Credits(loaded, load_splits(splits, roster, book, loaded))
