"""The benchmarks' PostgreSQL: a local cluster in ``var/bench/pg``, durable (the server's
defaults: fsync and synchronous commit on, as in production), made on first use and kept
between runs so that the million dossiers are built once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from tests.integration.pg_env import PostgresServer, find_bindir, server_in


def available() -> bool:
    return find_bindir() is not None


@contextmanager
def durable_server(folder: Path) -> Iterator[PostgresServer]:
    server = server_in((folder / "pg").resolve(), settings={})
    if not server.datadir.exists():
        print(f"(creating a PostgreSQL cluster in {server.folder} once…)", flush=True)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def has_database(server: PostgresServer, name: str) -> bool:
    engine = create_engine(server.url())
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
    finally:
        engine.dispose()
    return found is not None
