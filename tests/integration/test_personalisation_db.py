"""Migration 0002 and the personalisation repositories on SQLite."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import kiosk.adapters.db.personalisation_schema as personalisation_schema
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import alembic_config, current_revision, head_revision, upgrade
from kiosk.adapters.db.schema import metadata
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.errors import NotFoundError, StorageError
from kiosk.domain.model import Office
from kiosk.domain.personalisation_journal import (
    AttemptStatus,
    Delivery,
    JournalEntry,
    Phase,
    RevocationRequest,
    RevocationStatus,
    Step,
)
from kiosk.domain.token_register import SoPinEscrowRecord, TokenRecord, TokenState
from tests.integration.personalisation_env import NOW, REFERENCE, SITE, dossier

pytestmark = pytest.mark.integration

OURS = {
    "token_register",
    "personalisation_attempts",
    "personalisation_journal",
    "revocation_requests",
    "deliveries",
}
CERT = IssuedCertificate(b"\x30\x82cert", [b"issuing", b"root"], "0a" * 16, NOW, NOW, "f" * 64)
ESCROW = SoPinEscrowRecord(b"\x00\x01ciphertext", "kiosk-so-pin/v1;token=T", "e" * 64)


def test_migration_0002_builds_exactly_the_declared_tables(tmp_path: Path) -> None:
    assert personalisation_schema.deliveries.metadata is metadata
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        assert current_revision(engine) == head_revision()  # 0002 and the later ones
        assert set(inspect(engine).get_table_names()) >= OURS
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()


def test_migration_0002_goes_down_to_0001_and_up_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0001")
    engine = make_engine(url)
    try:
        assert not OURS & set(inspect(engine).get_table_names())
        upgrade(url, engine)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.fixture
def uow(tmp_path: Path) -> SqlUnitOfWorkFactory:
    url = f"sqlite:///{tmp_path / 'kiosk.db'}"
    upgrade(url)
    factory = SqlUnitOfWorkFactory(make_engine(url), site=SITE, kiosk_id="k", clock=FixedClock(NOW))
    with factory() as tx:
        tx.offices.upsert(Office(SITE, "CCI", "Brest", "quai"))
        record = dossier()
        tx.products.upsert(record.product)
        tx.dossiers.add(record, [])
        tx.commit()
    return factory


def test_an_attempt_keeps_everything_a_resumed_run_needs(uow: SqlUnitOfWorkFactory) -> None:
    with uow() as tx:
        attempt = tx.journal.new_attempt(REFERENCE, "TOK-1", "amartin", "CCI X", False, NOW)
        known = replace(
            attempt,
            step=Step.ISSUE,
            phase=Phase.DONE,
            key_id=b"\x07" * 16,
            public_key_der=b"spki",
            escrow=ESCROW,
            certificate=CERT,
            error=None,
        )
        tx.journal.save_attempt(known, NOW)
        tx.journal.record(
            JournalEntry(known.id, REFERENCE, "TOK-1", Step.ISSUE, Phase.DONE, NOW, 12,
                         known.key_id, CERT.serial_hex, CERT.sha256_fingerprint)
        )  # fmt: skip
        tx.commit()
    with uow() as tx:
        assert tx.journal.attempts(REFERENCE) == [known]
        assert tx.journal.open_attempts_on_token("TOK-1") == [known]
        [entry] = tx.journal.entries(known.id)
        assert (entry.step, entry.elapsed_ms, entry.key_id) == (Step.ISSUE, 12, known.key_id)
        tx.journal.save_attempt(replace(known, status=AttemptStatus.ABANDONED), NOW)
        assert tx.journal.open_attempts_on_token("TOK-1") == []


def test_register_records_are_replaced_by_serial(uow: SqlUnitOfWorkFactory) -> None:
    first = TokenRecord("TOK-1", TokenState.BLANK, NOW)
    later = TokenRecord(
        "TOK-1", TokenState.PERSONALISING, NOW, REFERENCE, "CCI X", ESCROW, None, "amartin"
    )
    with uow() as tx:
        tx.token_register.save(first)
        tx.token_register.save(later)
        tx.commit()
    with uow() as tx:
        assert tx.token_register.list() == [later]


def test_a_revocation_request_is_decided_once(uow: SqlUnitOfWorkFactory) -> None:
    with uow() as tx:
        attempt = tx.journal.new_attempt(REFERENCE, "TOK-1", "amartin", "CCI X", False, NOW)
        request = tx.revocations.add(
            RevocationRequest(REFERENCE, attempt.id, "motif", RevocationStatus.PENDING, NOW,
                              "amartin", "TOK-1", CERT.serial_hex, certificate_der=CERT.cert_der)
        )  # fmt: skip
        assert request.id is not None
        tx.revocations.decide(request.id, RevocationStatus.CONFIRMED, NOW)
        with pytest.raises(NotFoundError):
            tx.revocations.decide(request.id, RevocationStatus.WITHDRAWN, NOW)
        [stored] = tx.revocations.for_dossier(REFERENCE)
        assert (stored.status, stored.decided_at, stored.certificate_der) == (
            RevocationStatus.CONFIRMED,
            NOW,
            CERT.cert_der,
        )


def test_a_dossier_is_delivered_once(uow: SqlUnitOfWorkFactory) -> None:
    delivery = Delivery(REFERENCE, CERT.serial_hex, CERT.sha256_fingerprint, NOW, NOW, "TOK-1",
                        b"\x07" * 16, b"\x01" * 32, b"signature", "amartin", NOW)  # fmt: skip
    with uow() as tx:
        tx.deliveries.add(delivery)
        tx.commit()
    with uow() as tx:
        assert tx.deliveries.get(REFERENCE) == delivery
        with pytest.raises(StorageError):
            tx.deliveries.add(delivery)
