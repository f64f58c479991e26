"""The ledger's tables (SQLAlchemy Core). The Alembic migrations in ``migrations/`` create them;
this module is what the code reads and writes through.

- ``ledger_closes``: one row per closed period version (plan, period, version, reason, who, when,
  SHA-256 of the plan and of every input, the plan text, and the inputs' paths as ``inputs.json``).
- ``ledger_line_sets``: every line of a close (kind bonus, commission, adjustment, prior_period,
  clawback or draw), in order, as one compressed Arrow table per close (:mod:`xlcomp.ledger.records`),
  never rewritten (revision 0003; before it, ``ledger_lines`` held a row per line).
- ``ledger_csm_period_sets``: per close, each CSM's roster facts the year to date needs and the balance
  rule's numbers (gross, draw, payable, balance_in, balance_out), one compressed Arrow table per close
  (revision 0003; before it, ``ledger_csm_periods`` held a row per CSM).
- ``ledger_share_sets``: each account's share of a clawback component's payout, recorded at close: one
  row per close and component holding the accounts' shares as a compressed Arrow table (account_id,
  csm_id, amount, share); ``ledger_shares`` holds them one row per account for closes recorded by
  schema revision 0001 (still read).
- ``ledger_carries``: which reopened version's differences a close carried as prior_period lines.
- ``ledger_books``: the accounts of a close, kept only for plans with ``measure: ytd`` components.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = ["BOOKS", "CARRIES", "CLOSES", "CSM_PERIOD_SETS", "LINE_SETS", "METADATA", "SHARES", "SHARE_SETS", "Money"]


class Money(TypeDecorator[Decimal]):
    """An exact amount: NUMERIC(20, 2) on PostgreSQL, the decimal's text on SQLite (which has no exact decimal)."""

    impl = Numeric(20, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(Numeric(20, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = Decimal(value)
        return f"{value:f}" if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


METADATA = MetaData()

CLOSES = Table(
    "ledger_closes", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("plan_id", String(100), nullable=False),
    Column("period", String(16), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("year_start", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("reason", Text),
    Column("closed_by", String(200), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("plan_sha256", String(64), nullable=False),
    Column("roster_sha256", String(64), nullable=False),
    Column("accounts_sha256", String(64), nullable=False),
    Column("adjustments_sha256", String(64)),
    Column("churn_sha256", String(64)),
    Column("plan_text", Text, nullable=False),
    Column("inputs", Text),   # inputs.json of the close: each file's absolute path and SHA-256 (revision 0002)
    UniqueConstraint("plan_id", "period", "version", name="uq_ledger_closes_version"),
)

LINE_SETS = Table(   # revision 0003: a close's lines in one compressed Arrow table (records.LINE_SCHEMA)
    "ledger_line_sets", METADATA,
    Column("close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

CSM_PERIOD_SETS = Table(   # revision 0003: a close's per-CSM records in one compressed Arrow table
    "ledger_csm_period_sets", METADATA,
    Column("close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

SHARES = Table(
    "ledger_shares", METADATA,
    Column("close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
    Column("component", String(100), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("csm_id", String(100), nullable=False),
    Column("amount", String(60), nullable=False),
    Column("share", Money, nullable=False),
    Index("ix_ledger_shares_account", "account_id"),
)

SHARE_SETS = Table(   # revision 0002: the shares of a close and component in one compressed Arrow table
    "ledger_share_sets", METADATA,
    Column("close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
    Column("component", String(100), primary_key=True),
    Column("rows", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

CARRIES = Table(
    "ledger_carries", METADATA,
    Column("into_close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
    Column("from_close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
)

BOOKS = Table(
    "ledger_books", METADATA,
    Column("close_id", Integer, ForeignKey("ledger_closes.id"), primary_key=True),
    Column("content", LargeBinary, nullable=False),
)
