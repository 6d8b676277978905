"""A desk for personalisation tests: a migrated SQLite database holding one convoked
dossier, the real service, and whatever token port and CA the test gives it.

The database is migrated once per session and copied for each test. The escrow key pair
is made once: the tests play the back office and decrypt what the kiosk escrowed.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Engine, text

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.crypto.escrow import RsaOaepEscrow, oaep
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.domain.audit import AuditEvent
from kiosk.domain.certificates import CertificateAuthority
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import (
    Company,
    Dossier,
    KeyAlgorithm,
    Office,
    Person,
    Product,
    Role,
)
from kiosk.domain.personalisation_journal import (
    Attempt,
    JournalEntry,
    RevocationRequest,
    live_certificates,
)
from kiosk.domain.personalisation_ports import IssuancePolicy, PersonalisationUnitOfWorkFactory
from kiosk.domain.ports import Clock
from kiosk.domain.token_ports import TokenPort
from kiosk.domain.token_register import TokenRecord
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.personalisation import PersonalisationResult, PersonalisationService
from kiosk.services.personalisation_steps import JournalHook, StepProgress
from kiosk.services.token_register import TokenRegisterService

SITE = "BREST"
REFERENCE = "CS-2026-000123"
OTHER_REFERENCE = "CS-2026-000999"  # another dossier of the same holder
NOW = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
USER_PIN = "Kp7-tonnerre"
SESSION = AgentSession("amartin", "Anne Martin", Role.AGENT, SITE)
POLICY = IssuancePolicy(
    policy_oid="1.2.250.1.999.1.2.3",
    crl_url="http://crl.kiosk.test/qualified.crl",
    ca_issuers_url="http://aia.kiosk.test/qualified.cer",
)
TABLES = (
    "token_register",
    "personalisation_attempts",
    "personalisation_journal",
    "revocation_requests",
    "deliveries",
    "audit_events",
    "dossiers",
)


def dossier(algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256, reference: str = REFERENCE) -> Dossier:
    return Dossier(
        reference=reference,
        state=DossierState.CONVOKED,
        office_code=SITE,
        company=Company("732829320", "73282932000074", "Boulangerie Lefèvre", "SARL"),
        product=Product(f"SIGN-{algorithm.value}", "Signature qualifiée", 3, algorithm),
        holder=Person("Lefèvre", "Hélène Marie", birth_date=date(1984, 2, 29)),
        legal_representative=Person("Lefèvre", "Jean"),
        convocation_at=NOW,
    )


def passed_appointment(record: Dossier) -> Appointment:
    return Appointment(
        SESSION, record, NOW, identity_passed=True, photo_confirmed=True, answers_passed=True
    )


def unique_reference() -> str:
    """A fresh dossier reference: token labels on the session's SoftHSM stay unique."""
    return f"CS-2026-{secrets.randbelow(10**6):06d}"


@cache
def escrow_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def back_office_decrypt(ciphertext: bytes, context: str) -> str:
    """What the back office's PIN-unblock service does with the escrow."""
    return escrow_private_key().decrypt(ciphertext, oaep(context)).decode("utf-8")


def migrated_template(folder: Path) -> Path:
    path = folder / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@dataclass
class Desk:
    engine: Engine
    db: SqlUnitOfWorkFactory  # the plain database, to set up and to look
    uow: PersonalisationUnitOfWorkFactory  # what the service gets (a test may wrap it)
    clock: Clock
    tokens: TokenPort
    ca: CertificateAuthority
    root_der: bytes
    path: Path  # the SQLite file, for another process to open (none on PostgreSQL)
    hook: JournalHook | None = None
    progress: list[StepProgress] = field(default_factory=list)

    def service(self, hook: JournalHook | None = None) -> PersonalisationService:
        return PersonalisationService(
            self.uow,
            self.tokens,
            self.ca,
            X509CertificateChecker([self.root_der]),
            RsaOaepEscrow(escrow_private_key().public_key()),
            POLICY,
            self.clock,
            journal_hook=hook or self.hook,
        )

    @property
    def register(self) -> TokenRegisterService:
        return TokenRegisterService(self.uow, self.clock)

    def add_dossier(self, record: Dossier) -> None:
        with self.db() as uow:
            if uow.offices.get(SITE) is None:
                uow.offices.upsert(Office(SITE, "CCI Bretagne", "Bureau de Brest", "1 quai"))
            uow.products.upsert(record.product)
            uow.dossiers.add(record, [])
            uow.commit()

    def appointment(self, reference: str = REFERENCE) -> Appointment:
        """An appointment whose identity check and revocation answers have passed."""
        with self.db() as uow:
            found = uow.dossiers.get(reference)
        assert found is not None
        return passed_appointment(found)

    def personalise(
        self, serial: str, pin: str = USER_PIN, *, reference: str = REFERENCE, **options: Any
    ) -> PersonalisationResult:
        return self.service().personalise(
            self.appointment(reference), serial, pin, progress=self.progress.append, **options
        )

    # What a test looks at ----------------------------------------------------------------

    def attempts(self, reference: str = REFERENCE) -> Sequence[Attempt]:
        with self.db() as uow:
            return uow.journal.attempts(reference)

    def entries(self, attempt_id: int) -> Sequence[JournalEntry]:
        with self.db() as uow:
            return uow.journal.entries(attempt_id)

    def revocations(self, reference: str = REFERENCE) -> Sequence[RevocationRequest]:
        with self.db() as uow:
            return uow.revocations.for_dossier(reference)

    def live(self, reference: str = REFERENCE) -> list[str]:
        return live_certificates(self.attempts(reference), self.revocations(reference))

    def record(self, serial: str) -> TokenRecord | None:
        with self.db() as uow:
            return uow.token_register.get(serial)

    def dossier_state(self, reference: str = REFERENCE) -> DossierState:
        with self.db() as uow:
            found = uow.dossiers.get(reference)
            assert found is not None
            return found.state

    def audit(self) -> list[AuditEvent]:
        with self.db() as uow:
            return list(uow.audit.events())

    def dump(self) -> bytes:
        """Every row of the tables this use case touches, as raw bytes, to search."""
        chunks: list[bytes] = []
        with self.engine.connect() as conn:
            for table in TABLES:
                for row in conn.execute(text(f"SELECT * FROM {table}")):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            chunks.append(bytes(value))
                        else:
                            chunks.append(str(value).encode("utf-8"))
        return b"\n".join(chunks)


@contextmanager
def desk(
    template: Path,
    folder: Path,
    tokens: TokenPort,
    ca: CertificateAuthority,
    root_der: bytes,
    clock: Clock | None = None,
    dossiers: Sequence[Dossier] = (),
    wrap: Callable[[SqlUnitOfWorkFactory], PersonalisationUnitOfWorkFactory] | None = None,
    url: str | None = None,
) -> Iterator[Desk]:
    """A desk on a copy of the SQLite ``template``, or on the migrated database ``url``."""
    path = folder / "kiosk.db"
    if url is None:
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    engine = make_engine(url)
    clock = clock or FixedClock(NOW)
    uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id="test-kiosk", clock=clock)
    try:
        world = Desk(engine, uow, wrap(uow) if wrap else uow, clock, tokens, ca, root_der, path)
        for record in dossiers or (dossier(),):
            world.add_dossier(record)
        yield world
    finally:
        engine.dispose()


@contextmanager
def desk_with_another_dossier(
    template: Path, folder: Path, tokens: TokenPort, ca: FakeCertificateAuthority
) -> Iterator[Desk]:
    """A desk on SQLite holding the convoked ``REFERENCE`` and ``OTHER_REFERENCE``."""
    with desk(
        template, folder, tokens, ca, ca.root_der,
        dossiers=[dossier(), dossier(reference=OTHER_REFERENCE)],
    ) as world:  # fmt: skip
        yield world
