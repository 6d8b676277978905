"""Many kiosks appending to one audit log at once, on SQLite and on PostgreSQL: 2 processes
x 8 threads x 500 appends give one chain and one Merkle tree, with every event present
once and no fork (appends are serialised; the database refuses a second event on the
same previous hash)."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.audit import AuditDraft, Outcome, verify_chain
from kiosk.domain.log_verification import verify_log
from kiosk.domain.merkle_store import tree_root
from tests.integration.db_env import Db, database_url, migrated_db
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)

PROCESSES, THREADS, APPENDS = 2, 8, 500


def kiosk_process(url: str, kiosk: str, threads: int, appends: int) -> None:
    """One kiosk machine: its own engine, ``threads`` threads appending in a loop.

    16 writers on one SQLite file is far more than a site runs, and on a loaded CI machine
    SQLite's busy handler (polling, not a queue) can leave one waiting longer than the
    desk's 5 s: the writers here wait up to a minute rather than fail."""
    engine = make_engine(url, busy_timeout_ms=60_000)
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id=kiosk)
    failures: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            for n in range(appends):
                with uow() as tx:
                    details = {"thread": thread, "n": n}
                    tx.audit.append(
                        AuditDraft("test.concurrent", Outcome.SUCCESS, None, None, details)
                    )
                    tx.commit()
        except BaseException as exc:  # reported through the exit code
            failures.append(exc)

    workers = [threading.Thread(target=append, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    if failures:
        raise SystemExit(f"{kiosk}: {len(failures)} thread(s) failed: {failures[0]!r}")


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    with migrated_db(tmp_path, url=database_url) as database:
        yield database


def test_many_kiosks_appending_at_once_make_one_chain_and_one_tree(db: Db) -> None:
    context = multiprocessing.get_context("spawn")
    kiosks = [f"kiosk-{p}" for p in range(PROCESSES)]
    processes = [
        context.Process(target=kiosk_process, args=(db.url, kiosk, THREADS, APPENDS))
        for kiosk in kiosks
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
        assert process.exitcode == 0

    with db.uow() as tx:
        events = list(tx.audit.events())
    total = PROCESSES * THREADS * APPENDS
    assert verify_chain(events).ok and len(events) == total
    log = verify_log(events)  # the Merkle tree over the same events
    assert log.ok and log.size == total
    seen = Counter((e.kiosk, e.details["thread"], e.details["n"]) for e in events)
    expected = {(k, t, n) for k in kiosks for t in range(THREADS) for n in range(APPENDS)}
    assert set(seen) == expected and max(seen.values()) == 1
    assert len({e.prev_hash for e in events}) == total  # no two events on one tail
    with db.uow() as tx:  # the tree the appends stored is that very tree
        assert tx.audit_tree.size() == total
        assert tree_root(tx.audit_tree, total) == log.root_hash


def test_the_database_refuses_a_fork_even_if_an_appender_skipped_the_lock(db: Db) -> None:
    with db.uow() as tx:
        first = tx.audit.append(AuditDraft("test.first", Outcome.SUCCESS))
        tx.commit()
    with pytest.raises(IntegrityError):
        db.sql(
            "INSERT INTO audit_events (seq, at, site, kiosk, event_type, outcome, details,"
            " prev_hash, hash) VALUES (2, :at, 'BREST', 'rogue', 'test.fork', 'success', '{}',"
            " :prev, :hash)",
            at=first.at,
            prev=first.prev_hash,  # chained on the same tail as event 1
            hash="f" * 64,
        )
