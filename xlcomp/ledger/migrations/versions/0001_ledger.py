"""The first ledger: closes, lines, per-CSM periods, clawback shares, carries, year-to-date books.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from xlcomp.ledger.schema import Money

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_closes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(100), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("year_start", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("closed_by", sa.String(200), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("plan_sha256", sa.String(64), nullable=False),
        sa.Column("roster_sha256", sa.String(64), nullable=False),
        sa.Column("accounts_sha256", sa.String(64), nullable=False),
        sa.Column("adjustments_sha256", sa.String(64)),
        sa.Column("churn_sha256", sa.String(64)),
        sa.Column("plan_text", sa.Text, nullable=False),
        sa.UniqueConstraint("plan_id", "period", "version", name="uq_ledger_closes_version"),
    )
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("csm_id", sa.String(100), nullable=False),
        sa.Column("component", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("metric", sa.String(100), nullable=False),
        sa.Column("actual", sa.String(60)),
        sa.Column("target", sa.String(60)),
        sa.Column("attainment", sa.String(60)),
        sa.Column("share", sa.String(60)),
        sa.Column("target_incentive", sa.String(60)),
        sa.Column("multiplier", sa.String(60)),
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
        sa.Column("gross", Money, nullable=False),
        sa.Column("draw", Money, nullable=False),
        sa.Column("payable", Money, nullable=False),
        sa.Column("balance_in", Money, nullable=False),
        sa.Column("balance_out", Money, nullable=False),
    )
    op.create_table(
        "ledger_shares",
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
        sa.Column("component", sa.String(100), primary_key=True),
        sa.Column("account_id", sa.String(200), primary_key=True),
        sa.Column("csm_id", sa.String(100), nullable=False),
        sa.Column("amount", sa.String(60), nullable=False),
        sa.Column("share", Money, nullable=False),
    )
    op.create_index("ix_ledger_shares_account", "ledger_shares", ["account_id"])
    op.create_table(
        "ledger_carries",
        sa.Column("into_close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
        sa.Column("from_close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
    )
    op.create_table(
        "ledger_books",
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("ledger_books", "ledger_carries", "ledger_shares", "ledger_csm_periods", "ledger_lines",
                  "ledger_closes"):
        op.drop_table(table)
