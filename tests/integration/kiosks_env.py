"""Several kiosks on one database: each has its own engine (its own connections, as a
separate machine would), kiosk id, fake tokens and fake CA; they share the dossiers.

Import the fixtures explicitly:
``from tests.integration.kiosks_env import shared_db``, with ``database_url`` (db_env) and
``postgres`` (pg_env): the tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.crypto.escrow import RsaOaepEscrow
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.audit import AuditEvent
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Dossier, Office, Role
from kiosk.services.appointment import Appointment, AppointmentService
from kiosk.services.auth import AgentSession
from kiosk.services.personalisation import PersonalisationService
from kiosk.services.personalisation_steps import JournalHook
from tests.integration.personalisation_env import (
    POLICY,
    SITE,
    dossier,
    escrow_private_key,
)

# 09:12 in Brest (CET) on the day of the tests.
NOW = datetime(2026, 3, 16, 8, 12, tzinfo=UTC)
CAMILLE = AgentSession("camille", "Camille Le Gall", Role.AGENT, SITE)
YANN = AgentSession("yann", "Yann Kerjean", Role.AGENT, SITE)
ADMIN = AgentSession("admin", "Administrateur", Role.ADMIN, SITE)


@dataclass
class Kiosk:
    """One kiosk of the office: its own connections, tokens and CA."""

    kiosk_id: str
    engine: Engine
    clock: FixedClock
    uow: SqlUnitOfWorkFactory
    tokens: FakeTokenPort
    ca: FakeCertificateAuthority

    @property
    def appointments(self) -> AppointmentService:
        return AppointmentService(self.uow, self.clock)

    def personalisation(self, hook: JournalHook | None = None) -> PersonalisationService:
        return PersonalisationService(
            self.uow,
            self.tokens,
            self.ca,
            X509CertificateChecker([self.ca.root_der]),
            RsaOaepEscrow(escrow_private_key().public_key()),
            POLICY,
            self.clock,
            journal_hook=hook,
        )

    def open(
        self, session: AgentSession, reference: str, *, take_over: bool = False
    ) -> Appointment:
        with self.uow() as uow:
            found = uow.dossiers.get(reference)
        assert found is not None
        return self.appointments.open(session, found, take_over=take_over)

    def token(self) -> FakeToken:
        return self.tokens.tokens[0]


@dataclass
class SharedDb:
    url: str
    clock: FixedClock = field(default_factory=lambda: FixedClock(NOW))
    engines: list[Engine] = field(default_factory=list)

    def kiosk(self, kiosk_id: str) -> Kiosk:
        engine = make_engine(self.url)
        self.engines.append(engine)
        uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=kiosk_id, clock=self.clock)
        tokens = FakeTokenPort([FakeToken(f"TOK-{kiosk_id}")])
        return Kiosk(
            kiosk_id, engine, self.clock, uow, tokens, FakeCertificateAuthority(self.clock)
        )

    def add_dossiers(self, count: int) -> list[str]:
        references = [f"CS-2026-{n:06d}" for n in range(1, count + 1)]
        records: list[Dossier] = [dossier(reference=ref) for ref in references]
        setup = self.kiosk("setup")
        with setup.uow() as uow:
            uow.offices.upsert(Office(SITE, "CCI Bretagne", "Bureau de Brest", "1 quai"))
            uow.products.upsert(records[0].product)
            for record in records:
                uow.dossiers.add(record, [])
            uow.commit()
        return references

    def state(self, reference: str) -> DossierState:
        with self.kiosk("reader").uow() as uow:
            found = uow.dossiers.get(reference)
        assert found is not None
        return found.state

    def audit(self) -> list[AuditEvent]:
        with self.kiosk("reader").uow() as uow:
            return list(uow.audit.events())

    def rows(self, statement: str) -> list[tuple[object, ...]]:
        with self.engines[0].connect() as conn:
            return [tuple(row) for row in conn.execute(text(statement))]

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()


@pytest.fixture
def shared_db(database_url: str) -> Iterator[SharedDb]:
    db = SharedDb(database_url)
    try:
        yield db
    finally:
        db.close()


def passed(appointment: Appointment) -> Appointment:
    """The identity check and the answers, done (their services are tested elsewhere)."""
    appointment.identity_passed = appointment.photo_confirmed = True
    appointment.answers_passed = True
    return appointment
