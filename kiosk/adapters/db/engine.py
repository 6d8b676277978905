"""The SQLAlchemy engine of the kiosk: SQLite by default, PostgreSQL for a multi-kiosk site.

On SQLite every transaction starts with ``BEGIN IMMEDIATE``: the write lock is taken at
the start, so two processes appending to the audit chain queue up instead of both reading
the same tail. WAL lets readers go on meanwhile; ``synchronous=FULL`` makes a committed
delivery survive a power cut.

On PostgreSQL (``postgresql+psycopg://user@host/db``; ``postgresql://`` means the same)
transactions run at READ COMMITTED and the audit append takes an advisory lock (see
``audit_log``); the server bounds lock waits and idle transactions (``PG_OPTIONS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

DEFAULT_BUSY_TIMEOUT_MS = 5000


def _normalise_url(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        # psycopg 3 is the driver the project ships; SQLAlchemy's default is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str | URL, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    parsed = _normalise_url(url)
    if parsed.get_backend_name() != "sqlite":
        return _postgresql_engine(parsed)
    database = parsed.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    _configure_sqlite(engine, busy_timeout_ms)
    return engine


# Session settings, whatever the server's defaults. A commit is durable before it returns
# (``synchronous_commit=on``): a step's start must be on disk before its token operation,
# or a server crash could forget a step the token went through. One stuck kiosk cannot
# stall the others: a lock waited for longer than 10 s is refused (« occupée depuis trop
# longtemps »), and a transaction left idle (a kiosk hung between two statements, holding
# the audit lock) is ended.
PG_OPTIONS = (
    "-c synchronous_commit=on -c lock_timeout=10s -c idle_in_transaction_session_timeout=60s"
)
PG_CONNECT_TIMEOUT_S = 5


def _postgresql_engine(url: URL) -> Engine:
    # READ COMMITTED whatever the server's default: the audit append relies on each
    # statement seeing what was committed before it (the tail read after the lock).
    return create_engine(
        url,
        pool_pre_ping=True,  # a restarted server's dead connections are replaced on checkout
        isolation_level="READ COMMITTED",
        connect_args={
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            "application_name": "kiosk",
            "options": PG_OPTIONS,
        },
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module: it would otherwise
        # start deferred transactions of its own.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
