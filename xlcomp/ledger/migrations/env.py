"""Alembic environment: migrations run programmatically on the connection xlcomp hands over."""

from __future__ import annotations

from alembic import context

from xlcomp.ledger.schema import METADATA

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=METADATA, version_table="xlcomp_ledger_version",
                  render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
