"""A close's lines and per-CSM records are stored as one compressed Arrow table per close
(``ledger_line_sets``, ``ledger_csm_period_sets``; :mod:`xlcomp.ledger.records`) instead of a row per
line and per CSM: the rows of every earlier close are moved into that form (the same values, lines
in their order, records by csm_id) and the two row tables dropped.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from xlcomp.ledger.records import (
    CSM_PERIOD_FIELDS,
    LINE_FIELDS,
    CsmPeriod,
    Line,
    csm_periods_from,
    csm_periods_table,
    lines_from,
    lines_table,
    pack,
    unpack,
)
from xlcomp.ledger.schema import Money

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_MONEY = ("payout", "gross", "draw", "payable", "balance_in", "balance_out")
_DATES = ("start_date", "end_date")


def _column(name: str) -> sa.ColumnClause[Any]:
    if name in _MONEY:
        return sa.column(name, Money)
    if name in _DATES:
        return sa.column(name, sa.Date)
    return sa.column(name)


_LINES = sa.table("ledger_lines", *(_column(n) for n in ("close_id", "seq", *LINE_FIELDS)))
_CSM_PERIODS = sa.table("ledger_csm_periods", *(_column(n) for n in ("close_id", *CSM_PERIOD_FIELDS)))
_CLOSES = sa.table("ledger_closes", sa.column("id"))


def _set_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def upgrade() -> None:
    _set_table("ledger_line_sets")
    _set_table("ledger_csm_period_sets")
    bind = op.get_bind()
    line_sets = sa.table("ledger_line_sets", sa.column("close_id"), sa.column("rows"), sa.column("content"))
    csm_sets = sa.table("ledger_csm_period_sets", sa.column("close_id"), sa.column("rows"), sa.column("content"))
    for (close_id,) in bind.execute(sa.select(_CLOSES.c.id).order_by(_CLOSES.c.id)).all():
        rows = bind.execute(sa.select(*(_LINES.c[n] for n in LINE_FIELDS)).where(_LINES.c.close_id == close_id)
                            .order_by(_LINES.c.seq)).all()
        lines = [Line(**row._mapping) for row in rows]
        bind.execute(sa.insert(line_sets).values(close_id=close_id, rows=len(lines), content=pack(lines_table(lines))))
        rows = bind.execute(sa.select(*(_CSM_PERIODS.c[n] for n in CSM_PERIOD_FIELDS))
                            .where(_CSM_PERIODS.c.close_id == close_id)).all()
        csms = [CsmPeriod(**{**row._mapping, "target_variable": None if row.target_variable is None
                             else Decimal(row.target_variable),
                             "roster_values": {k: None if v is None else Decimal(v)
                                               for k, v in json.loads(row.roster_values).items()}})
                for row in rows]
        bind.execute(sa.insert(csm_sets).values(close_id=close_id, rows=len(csms),
                                                content=pack(csm_periods_table(csms))))
    op.drop_index("ix_ledger_lines_close", table_name="ledger_lines")
    op.drop_index("ix_ledger_lines_account", table_name="ledger_lines")
    op.drop_table("ledger_lines")
    op.drop_table("ledger_csm_periods")


def downgrade() -> None:
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("csm_id", sa.String(100), nullable=False),
        sa.Column("component", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        *(sa.Column(name, sa.String(60)) for name in ("actual", "target", "attainment", "share", "target_incentive",
                                                      "multiplier")),
        sa.Column("payout", Money, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("account_id", sa.String(200)),
        sa.Column("source_period", sa.String(16)),
        sa.Column("source_version", sa.Integer),
    )
    op.create_index("ix_ledger_lines_close", "ledger_lines", ["close_id"])
    op.create_index("ix_ledger_lines_account", "ledger_lines", ["account_id"])
    op.create_table(
        "ledger_csm_periods",
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
        sa.Column("csm_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("target_variable", sa.String(60)),
        sa.Column("start_date", sa.Date),
        sa.Column("end_date", sa.Date),
        sa.Column("roster_values", sa.Text, nullable=False),
        *(sa.Column(name, Money, nullable=False) for name in ("gross", "draw", "payable", "balance_in",
                                                              "balance_out")),
    )
    bind = op.get_bind()
    for close_id, content in bind.execute(sa.text("SELECT close_id, content FROM ledger_line_sets")).all():
        lines = lines_from(unpack(bytes(content)))
        if lines:
            bind.execute(sa.insert(_LINES), [{"close_id": close_id, "seq": i,
                                              **{n: getattr(line, n) for n in LINE_FIELDS}}
                                             for i, line in enumerate(lines)])
    for close_id, content in bind.execute(sa.text("SELECT close_id, content FROM ledger_csm_period_sets")).all():
        csms = csm_periods_from(unpack(bytes(content)))
        if csms:
            bind.execute(sa.insert(_CSM_PERIODS), [
                {"close_id": close_id, **{n: getattr(c, n) for n in CSM_PERIOD_FIELDS},
                 "target_variable": None if c.target_variable is None else f"{c.target_variable:f}",
                 "roster_values": json.dumps({k: None if v is None else f"{v:f}"
                                              for k, v in (c.roster_values or {}).items()})}
                for c in csms.values()])
    op.drop_table("ledger_csm_period_sets")
    op.drop_table("ledger_line_sets")
