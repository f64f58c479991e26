"""A close records its inputs as ``inputs.json`` does (absolute path and SHA-256 of each file), so
``xlcomp diff ledger:PERIOD@N …`` can recompute each step from them.

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


def downgrade() -> None:
    with op.batch_alter_table("ledger_closes") as batch:
        batch.drop_column("inputs")
