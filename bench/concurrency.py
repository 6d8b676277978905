"""Audit appends per second with 1, 2 and 8 kiosk processes appending at once, on SQLite
(one file, WAL, synchronous FULL) and on PostgreSQL (a local durable server), each against
the floor of as many processes committing a bare INSERT of a row of the same size on the
same engine through the raw driver.

An append is what every step at the desk pays: its own transaction, the chain's tail read
under the lock that serialises appenders, the sealed event and its Merkle tree nodes
inserted, the commit. Each figure is the total over the processes during ``SECONDS``.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from pathlib import Path

import psycopg

from bench import pg
from bench.report import rate_line
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.audit import AuditDraft, Outcome

KIOSKS = (1, 2, 8)
SECONDS = 4.0
PAYLOAD = "x" * 300  # about an event's row
FLOOR_TABLE = "CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, payload TEXT)"
PG_FLOOR_TABLE = "CREATE TABLE IF NOT EXISTS bench_floor (id SERIAL PRIMARY KEY, payload TEXT)"


def _until_done(start: Barrier, step: Callable[[], None]) -> int:
    start.wait()  # every process connected: they all begin together
    count, stop = 0, time.monotonic() + SECONDS
    while time.monotonic() < stop:
        step()
        count += 1
    return count


def append_process(
    url: str, kiosk: str, start: Barrier, counts: multiprocessing.Queue[int]
) -> None:
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id=kiosk)
    draft = AuditDraft("bench.append", Outcome.SUCCESS, "bench", None, {"kiosk": kiosk})

    def append() -> None:
        with uow() as tx:
            tx.audit.append(draft)
            tx.commit()

    with uow() as tx:  # connected before the start, like a running kiosk
        tx.audit.count()
    counts.put(_until_done(start, append))
    engine.dispose()


def floor_process(
    url: str, _kiosk: str, start: Barrier, counts: multiprocessing.Queue[int]
) -> None:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=60)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")

        def insert() -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO bench_floor (payload) VALUES (?)", (PAYLOAD,))
            conn.execute("COMMIT")

        counts.put(_until_done(start, insert))
        conn.close()
        return
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as pg_conn:

        def pg_insert() -> None:
            pg_conn.execute("INSERT INTO bench_floor (payload) VALUES (%s)", (PAYLOAD,))
            pg_conn.commit()

        counts.put(_until_done(start, pg_insert))


def _rate(target: Callable[..., None], url: str, kiosks: int) -> float:
    context = multiprocessing.get_context("spawn")
    start, counts = context.Barrier(kiosks + 1, timeout=120), context.Queue()
    processes = [
        context.Process(target=target, args=(url, f"bench-{n}", start, counts))
        for n in range(kiosks)
    ]
    for process in processes:
        process.start()
    start.wait()
    total: int = sum(counts.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    return total / SECONDS


def _sqlite_url(folder: Path, kiosks: int) -> str:
    path = folder / f"concurrency-{kiosks}.db"
    for leftover in folder.glob(path.name + "*"):
        leftover.unlink()
    url = f"sqlite:///{path}"
    upgrade(url)
    with sqlite3.connect(path) as conn:
        conn.execute(FLOOR_TABLE)
    return url


def run(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    print(f"-- audit appends per second, N kiosk processes at once ({SECONDS:.0f} s each)")
    for kiosks in KIOSKS:
        url = _sqlite_url(folder, kiosks)
        rate_line(
            f"SQLite (WAL, sync FULL), {kiosks} kiosk(s)",
            _rate(append_process, url, kiosks),
            f"bare INSERT+COMMIT, {kiosks} process(es)",
            _rate(floor_process, url, kiosks),
        )
    if not pg.available():
        print("PostgreSQL: not installed (scripts/setup installs it), figures skipped")
        return
    with pg.durable_server(folder) as server:
        server.migrated_template()
        for kiosks in KIOSKS:
            name = server.fresh_database()
            try:
                url = server.url(name)
                with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
                    conn.execute(PG_FLOOR_TABLE)
                rate_line(
                    f"PostgreSQL (local, durable), {kiosks} kiosk(s)",
                    _rate(append_process, url, kiosks),
                    f"bare INSERT+COMMIT, {kiosks} process(es)",
                    _rate(floor_process, url, kiosks),
                )
            finally:
                server.drop_database(name)
