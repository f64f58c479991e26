"""Bulk inserts for the ledger's big tables (lines, per-CSM periods): the driver's own fast path,
inside the close's transaction. SQLite: one ``executemany`` of pre-formatted rows; PostgreSQL:
``COPY … FROM STDIN`` (psycopg 3; another driver: its ``executemany``). Values come in storage
form: text for money and decimals (``f"{Decimal:f}"``, what :class:`~xlcomp.ledger.schema.Money`
stores), ISO text for dates, int, str or None.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table

__all__ = ["bulk_insert"]

_MARK = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def bulk_insert(connection: Any, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table`` on ``connection``."""
    names = ", ".join(table.c[name].name for name in columns)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    batch = list(rows)
    if not batch:
        return
    mark = _MARK.get(connection.dialect.paramstyle)
    if mark is None:   # another driver: SQLAlchemy's own executemany
        connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in batch])
        return
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))})",
                               batch)
