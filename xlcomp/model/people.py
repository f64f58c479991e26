"""CSMs and their book of business, as loaded by :mod:`xlcomp.load.roster` and :mod:`xlcomp.load.accounts`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

from xlcomp.errors import Problem
from xlcomp.ooxml.refs import column_letter

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ACCOUNT_TEXT_FIELDS", "DRAW_TYPES", "SEGMENTS", "Account", "Book", "Csm", "Draw", "Locator", "Roster",
           "column_letter"]

SEGMENTS = ("Enterprise", "Mid-Market", "SMB", "Startup")
DRAW_TYPES = ("recoverable", "guarantee")
ACCOUNT_TEXT_FIELDS = ("account_id", "csm_id", "segment")


@dataclass(frozen=True)
class Locator:
    """Names the cells of a loaded table in problems.

    A CSV cell is ``roster.csv:14`` plus the field; a workbook cell is ``Roster!F14``.
    ``row`` arguments are 0-based data rows.
    """

    name: str
    sheet: bool = False
    header_row: int = 1
    first_column: int = 0
    columns: tuple[str, ...] = ()

    def where(self, row: int | None = None, column: str | None = None) -> str:
        """The place of a data row (and column) of this table."""
        if row is None:
            return f"{self.name}!{column_letter(self.first_column)}{self.header_row}" if self.sheet \
                else self.name
        line = self.header_row + 1 + row
        if self.sheet:
            index = self.columns.index(column) if column in self.columns else 0
            return f"{self.name}!{column_letter(self.first_column + index)}{line}"
        return f"{self.name}:{line}"

    def problem(self, row: int | None, column: str | None, message: str) -> Problem:
        """A problem at a data row and column."""
        return Problem(self.where(row, column), message, column or "")


@dataclass(frozen=True)
class Draw:
    """A draw (SPEC section 9): ``amount`` per period, ``recoverable`` or ``guarantee``, until a day (inclusive)."""

    amount: Decimal
    type: str
    until: date | None = None

    @property
    def recoverable(self) -> bool:
        """Is the draw paid back from later earnings?"""
        return self.type == "recoverable"


@dataclass(frozen=True)
class Csm:
    """One CSM of the roster. ``values`` holds the per-CSM numeric columns a plan names."""

    csm_id: str
    name: str
    segment: str
    base_salary: Decimal
    target_variable: Decimal
    start_date: date | None
    end_date: date | None
    role: str = ""
    manager: str = ""
    values: Mapping[str, Decimal | None] = field(default_factory=lambda: MappingProxyType({}))
    row: int = 0
    draw: Draw | None = None

    def value(self, column: str) -> Decimal | None:
        """A per-CSM numeric column, ``None`` when blank or absent."""
        return self.values.get(column)


@dataclass(frozen=True)
class Roster:
    """The CSMs, in file order, and how to name their cells."""

    csms: tuple[Csm, ...]
    locator: Locator
    columns: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[Csm]:
        return iter(self.csms)

    def __len__(self) -> int:
        return len(self.csms)

    def by_id(self) -> dict[str, Csm]:
        """CSMs by csm_id."""
        return {csm.csm_id: csm for csm in self.csms}


@dataclass(frozen=True)
class Account:
    """One account, as a record (statements and traces; the engine works on columns)."""

    account_id: str
    csm_id: str
    segment: str
    values: Mapping[str, Decimal | None]
    row: int

    def value(self, column: str) -> Decimal | None:
        """A numeric column of the account (``None``: no data)."""
        return self.values.get(column)


@dataclass(frozen=True, eq=False)
class Book:
    """The accounts of the period as an Arrow table of exact decimals.

    Columns: ``account_id``, ``csm_id``, ``segment`` (strings) and every field of
    :data:`xlcomp.model.metrics.SUM_FIELDS` and ``SCORE_FIELDS`` as decimal128; sums have no
    nulls (blank is 0), scores keep nulls (no data). ``rows`` maps each table row back to its
    0-based data row in the source.
    """

    table: pa.Table
    locator: Locator
    columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.table.num_rows)

    def accounts(self, csm_id: str | None = None) -> Iterator[Account]:
        """Accounts as records, optionally only a CSM's (slow path: for people, not payroll)."""
        import pyarrow.compute as pc

        table = self.table
        if csm_id is not None:
            table = table.filter(pc.equal(table["csm_id"], csm_id))
        data = table.to_pydict()
        numeric = [name for name in data if name not in ACCOUNT_TEXT_FIELDS and name not in ("_row", "booked_on")]
        for i in range(table.num_rows):
            yield Account(
                account_id=data["account_id"][i], csm_id=data["csm_id"][i],
                segment=data["segment"][i] or "",
                values=MappingProxyType({name: data[name][i] for name in numeric}),
                row=data["_row"][i],
            )
