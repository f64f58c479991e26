"""Opening a ledger: an SQLAlchemy engine on SQLite (default) or PostgreSQL, its schema brought up to
date by the Alembic migrations shipped in this package, and clear errors for a database that is
unreachable, locked, or written by a newer xlcomp.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xlcomp.errors import Problem, ProblemsError

__all__ = ["SCHEMA_HEAD", "LedgerError", "connect", "ledger_place", "open_ledger", "transaction"]

SCHEMA_HEAD = "0003"
_MIGRATIONS = Path(__file__).parent / "migrations"
_VERSION_TABLE = "xlcomp_ledger_version"


class LedgerError(ProblemsError):
    """The ledger refuses: out of order, already closed, bad churn rows, locked or unreachable database…"""

    kind = "ledger"


def ledger_place(url: Any) -> str:
    """The database as people should see it (no password)."""
    try:
        return str(url.render_as_string(hide_password=True))
    except AttributeError:
        return str(url)


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def open_ledger(url: str, *, timeout: float = 10.0, create: bool = True) -> Any:
    """An engine on the ledger at ``url`` with its schema migrated to the newest revision.

    ``create=False`` (the commands that only read) refuses an SQLite file that does not exist
    rather than creating an empty ledger there.

    Raises :class:`LedgerError` when the database cannot be reached, is locked, or carries a
    schema revision this xlcomp does not know (written by a newer version).
    """
    from sqlalchemy import create_engine, event
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise LedgerError([Problem("--db", f'"{url}" is not a database URL (sqlite:///ledger.sqlite, '
                                           "postgresql+psycopg://user@host/db)")]) from None
    place = ledger_place(parsed)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).parent
            if not folder.is_dir():
                raise LedgerError([Problem(place, f"cannot open the ledger: the folder {folder} does not exist")])
            if not create and not Path(database).is_file():
                raise LedgerError([Problem(place, f"there is no ledger at {database}: close a period first "
                                                  "(xlcomp close … --db URL), or give --db")])
        if "timeout" not in parsed.query:
            kwargs["connect_args"] = {"timeout": timeout}
    elif parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() in ("", "psycopg2") and "psycopg2" not in url:
            parsed = parsed.set(drivername="postgresql+psycopg")
        kwargs["connect_args"] = {"connect_timeout": max(1, int(timeout))}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise LedgerError([Problem(place, f"no database driver for this URL: {exc} "
                                          '(PostgreSQL needs pip install "xlcomp[postgres]")')]) from None
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
            dbapi_connection.execute("PRAGMA foreign_keys=ON")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # one writer: a close sees and writes one state

    with translate_errors(place), engine.begin() as connection:
        _migrate(connection, place)
    return engine


def _at_head(connection: Any) -> bool:
    """Is the ledger's recorded schema revision this xlcomp's newest (no Alembic needed to open it)?"""
    from sqlalchemy import inspect, text

    if not inspect(connection).has_table(_VERSION_TABLE):
        return False
    rows = connection.execute(text(f"SELECT version_num FROM {_VERSION_TABLE}")).all()
    return [row[0] for row in rows] == [SCHEMA_HEAD]


def _migrate(connection: Any, place: str) -> None:
    if _at_head(connection):
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = _alembic_config(connection)
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection, opts={"version_table": _VERSION_TABLE}).get_current_heads()
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = [revision for revision in current if revision not in known]
    if unknown:
        raise LedgerError([Problem(place, f"the ledger was written by a newer xlcomp (schema revision "
                                          f"{', '.join(unknown)}; this xlcomp knows up to {script.get_current_head()})"
                                          ": upgrade xlcomp to use it; nothing was changed")])
    if tuple(current) != (script.get_current_head(),):
        command.upgrade(config, "head")


@contextlib.contextmanager
def translate_errors(place: str) -> Iterator[None]:
    """Turn database failures into a :class:`LedgerError` naming the database."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        yield
    except OperationalError as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in text.lower() or "lock timeout" in text.lower():
            message = ("the ledger is locked by another program (a close running elsewhere, or an open "
                       "database tool): try again when it is done; nothing was changed")
        else:
            message = f"cannot reach the ledger: {text.strip().splitlines()[0] if text.strip() else exc}"
        raise LedgerError([Problem(place, message)]) from None
    except DBAPIError as exc:
        text = str(exc.orig) if exc.orig is not None else str(exc)
        raise LedgerError([Problem(place, f"the database refused: {text.strip().splitlines()[0]}; "
                                          "nothing was changed")]) from None


@contextlib.contextmanager
def transaction(engine: Any, plan_id: str) -> Iterator[Any]:
    """One transaction holding the plan's close lock (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL)."""
    with translate_errors(ledger_place(engine.url)), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            from sqlalchemy import text

            key = zlib.crc32(plan_id.encode()) - 2**31
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        yield connection


def connect(engine: Any) -> Any:
    """A read-only look at the ledger (a plain connection)."""
    return engine.connect()
