"""A close records its inputs as ``inputs.json`` does (absolute path and SHA-256 of each file), so
``xlcomp diff ledger:PERIOD@N …`` can recompute each step from them; clawback shares are stored per
close and component as one compressed Arrow table (``ledger_share_sets``) instead of a row per
account (``ledger_shares`` keeps the rows of earlier closes and is still read).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_closes") as batch:
        batch.add_column(sa.Column("inputs", sa.Text))
    op.create_table(
        "ledger_share_sets",
        sa.Column("close_id", sa.Integer, sa.ForeignKey("ledger_closes.id"), primary_key=True),
        sa.Column("component", sa.String(100), primary_key=True),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_share_sets")
    with op.batch_alter_table("ledger_closes") as batch:
        batch.drop_column("inputs")
