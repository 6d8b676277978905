"""The desk the personalisation service tests share: fake tokens, the fake CA, a real SQLite
database, and the end every run must reach. Import the fixtures explicitly:
``from tests.integration.fake_desk import ca, template, tokens, world``, with
``database_url`` (db_env) and ``postgres`` (pg_env): ``world`` runs on both engines."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.personalisation_journal import AttemptStatus, Phase, Step
from kiosk.domain.token_register import TokenState
from tests.integration.personalisation_env import (
    NOW,
    REFERENCE,
    USER_PIN,
    Desk,
    desk,
    migrated_template,
)

SERIAL, OTHER = "TOK-0001", "TOK-0002"
DIGEST = hashlib.sha256(b"Recu de remise CS-2026-000123").digest()


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_template(tmp_path_factory.mktemp("personalisation-db"))


@pytest.fixture
def tokens() -> FakeTokenPort:
    return FakeTokenPort([FakeToken(SERIAL), FakeToken(OTHER)])


@pytest.fixture
def ca() -> FakeCertificateAuthority:
    return FakeCertificateAuthority(FixedClock(NOW))


@pytest.fixture
def world(
    template: Path,
    tmp_path: Path,
    tokens: FakeTokenPort,
    ca: FakeCertificateAuthority,
    database_url: str,
) -> Iterator[Desk]:
    """The desk on each engine in turn (import ``database_url`` and ``postgres`` too)."""
    with desk(template, tmp_path, tokens, ca, ca.root_der, url=database_url) as opened:
        yield opened


def fake_token(tokens: FakeTokenPort, serial: str = SERIAL) -> FakeToken:
    return next(t for t in tokens.tokens if t.serial == serial)


def phases(world: Desk, attempt_id: int) -> list[tuple[Step, Phase]]:
    return [(e.step, e.phase) for e in world.entries(attempt_id)]


def deliver(world: Desk, serial: str = SERIAL) -> bytes:
    [attempt] = [a for a in world.attempts() if a.status is AttemptStatus.VERIFIED]
    assert attempt.key_id is not None
    return world.service().sign_acceptance(
        world.appointment(), serial, USER_PIN, attempt.key_id, DIGEST
    )


def assert_delivered_once(world: Desk, serial: str = SERIAL) -> None:
    """The end every retry must reach: one live certificate, on this token, delivered."""
    signature = deliver(world, serial)
    [live] = world.live()
    with world.db() as uow:
        delivery = uow.deliveries.get(REFERENCE)
    assert delivery is not None and delivery.certificate_serial == live
    assert delivery.token_serial == serial and delivery.acceptance_signature == signature
    assert world.dossier_state() is DossierState.DELIVERED
    record = world.record(serial)
    assert record is not None and record.state is TokenState.DELIVERED
