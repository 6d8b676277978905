"""The audit chain on SQLite and PostgreSQL: events land with the change they record,
several processes chain correctly, tampering done with raw SQL is named, and a database
that refuses to store something stops the step with a French StorageError."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.retry import ReconnectPolicy
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import StorageError
from kiosk.services.audit_review import AuditReview
from tests.integration.audit_env import append_events, append_from_kiosks, append_in_one_transaction
from tests.integration.db_env import Db, database_url, migrated_db
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)

WORKERS, EVENTS_EACH = 3, 25


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Any:
    with migrated_db(tmp_path, url=database_url) as database:
        yield database


def test_events_chain_and_verify(db: Db) -> None:
    append_events(db, 5)
    report = AuditReview(db.uow).verify()
    assert (report.ok, report.checked) == (True, 5)
    assert report.message == "Journal intègre : 5 événement(s) vérifié(s)."


def test_an_event_not_committed_is_not_stored(db: Db) -> None:
    with db.uow() as tx:
        tx.audit.append(AuditDraft("dossier.lookup", Outcome.SUCCESS, "camille"))
        # leaving without commit: the step and its event are dropped together
    with db.uow() as tx:
        assert tx.audit.count() == 0


def test_several_kiosk_processes_append_to_one_unbroken_chain(db: Db) -> None:
    append_from_kiosks(db.url, WORKERS, EVENTS_EACH)
    report = AuditReview(db.uow).verify()
    assert (report.ok, report.checked) == (True, WORKERS * EVENTS_EACH)
    per_kiosk = db.sql("SELECT kiosk, count(*) FROM audit_events GROUP BY kiosk ORDER BY kiosk")
    assert [tuple(row) for row in per_kiosk] == [
        (f"kiosk-{i}", EVENTS_EACH) for i in range(WORKERS)
    ]


@pytest.mark.parametrize(
    ("tampering", "first_bad", "words"),
    [
        (["UPDATE audit_events SET details = '{\"n\": 99}' WHERE seq = 4"], 4, "contenu modifié"),
        (["UPDATE audit_events SET agent = 'yann' WHERE seq = 6"], 6, "contenu modifié"),
        (["DELETE FROM audit_events WHERE seq = 5"], 6, "supprimé ou déplacé"),
        (
            [
                "UPDATE audit_events SET seq = -1 WHERE seq = 3",
                "UPDATE audit_events SET seq = 3 WHERE seq = 4",
                "UPDATE audit_events SET seq = 4 WHERE seq = -1",
            ],
            3,
            "chaînage rompu",
        ),
    ],
    ids=["modified-details", "modified-agent", "deleted", "reordered"],
)
def test_tampering_with_raw_sql_is_named(
    db: Db, tampering: list[str], first_bad: int, words: str
) -> None:
    append_events(db, 8)
    for statement in tampering:
        db.sql(statement)
    report = AuditReview(db.uow).verify()
    assert not report.ok
    assert report.first_bad_seq == first_bad
    assert report.message.startswith(f"Journal altéré à l'événement n° {first_bad} : ")
    assert words in report.message


def test_a_database_locked_too_long_stops_the_step(tmp_path: Path) -> None:
    with migrated_db(tmp_path, busy_timeout_ms=50) as db:
        other_kiosk = sqlite3.connect(db.path, isolation_level=None)
        other_kiosk.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StorageError) as caught:
                append_events(db, 1, event_type="agent.login")
        finally:
            other_kiosk.execute("ROLLBACK")
            other_kiosk.close()
        assert caught.value.message == (
            "La base de données est occupée depuis trop longtemps : l'opération n'a pas eu "
            "lieu. Réessayez."
        )
        assert db.counts()["audit_events"] == 0


def test_a_full_disk_stops_the_step_and_keeps_nothing_of_it(tmp_path: Path) -> None:
    with migrated_db(tmp_path) as db:
        append_events(db, 3)
        pages = db.sql("PRAGMA page_count")[0][0]

        @event.listens_for(db.engine, "connect")
        def _no_room_left(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

        db.engine.dispose()  # new connections get the cap
        with pytest.raises(StorageError) as caught:
            append_in_one_transaction(db, 10_000)
        assert "disque de la base de données est plein" in caught.value.message
        assert "n'a pas eu lieu" in caught.value.message
        event.remove(db.engine, "connect", _no_room_left)
        db.engine.dispose()
        assert db.counts()["audit_events"] == 3
        assert AuditReview(db.uow).verify().ok


def test_a_database_never_migrated_says_what_to_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id="k")
    with pytest.raises(StorageError, match="lancez « kiosk db upgrade »"), uow() as tx:
        tx.offices.get("BREST")
    engine.dispose()


def test_an_unreachable_server_is_a_storage_error() -> None:
    engine = make_engine("postgresql://kiosk:secret-password@127.0.0.1:9/kiosk")
    uow = SqlUnitOfWorkFactory(engine, site="BREST", kiosk_id="k")
    uow.reconnect = ReconnectPolicy(window_s=0.2)  # a server that is not coming back
    with pytest.raises(StorageError) as caught, uow() as tx:
        tx.audit.count()
    assert (
        caught.value.message == "La base de données est injoignable : l'opération n'a pas eu lieu."
    )
    assert "secret-password" not in caught.value.message
    engine.dispose()
