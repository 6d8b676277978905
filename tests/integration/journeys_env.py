"""A desk for the journeys after a delivery (renewal, PIN unblock, revocation at the desk):
the personalisation desk of ``personalisation_env`` with the real appointment, identity,
answers, lookup and delivery services around it, a holder whose passport and answers are
known, and a back office that gives SO PINs back from the escrow.

Import the fixtures explicitly, with those of ``fake_desk``, ``db_env``, ``pg_env``,
``softhsm_env`` and ``crl_env`` they use: ``from tests.integration.journeys_env import
journeys``. A module using ``journeys`` names its holders' references in a ``holders``
fixture; ``on_softhsm`` delivers a certificate by the revocable CA of ``crl_env``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.so_pin_recovery import EscrowSoPinRecovery
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeTokenPort
from kiosk.adapters.fakes.memory import FakeHasher
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.answers import fold
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.audit import AuditEvent
from kiosk.domain.certificate_revocation import CertificateRevocation
from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.model import Dossier, KeyAlgorithm, RevocationQuestion
from kiosk.domain.receipt import DeliveryReceipt, receipt_lines
from kiosk.domain.renewal import RenewalLink
from kiosk.services.answers import AnswersService
from kiosk.services.appointment import Appointment, AppointmentService
from kiosk.services.delivery import Delivered, DeliveryService
from kiosk.services.desk_revocation import DeskRevocationService
from kiosk.services.identity import IdentityService
from kiosk.services.lookup import LookupService
from kiosk.services.pin_unblock import PinUnblockService
from kiosk.services.renewal import RenewalService
from tests.integration.personalisation_env import (
    SESSION,
    USER_PIN,
    Desk,
    desk,
    dossier,
    escrow_private_key,
    unique_reference,
)
from tests.unit.mrz_samples import td3, text

KIOSK = "test-kiosk"
SITE_SECRET = bytes.fromhex("6b" * 32)
TERMS = "CGU-TEST"
QUESTIONS = (
    ("Quel était le nom de votre école primaire ?", "Les Tilleuls", False),
    ("Quelle était la marque de votre première voiture ?", "Citroën Visa", False),
    ("Quel est mon plat préféré ?", "Galettes saucisse", True),
)
RIGHT = [answer for _, answer, _ in QUESTIONS]
WRONG = ["les tilleuls", "citroen visa", "crêpes"]
PASSPORT = text(
    td3(
        name="LEFEVRE<<HELENE<MARIE",
        number="19FR84621",
        birth="840229",
        expiry="310210",
        personal="",
        country="FRA",
    )
)
NEW_PIN = "Nv8-renouveau"


reference = unique_reference  # a fresh reference: token labels on SoftHSM stay unique


def holder_dossier(
    ref: str, algorithm: KeyAlgorithm = KeyAlgorithm.EC_P256, *, questions: bool = True
) -> Dossier:
    hasher = FakeHasher()
    asked = tuple(
        RevocationQuestion(q, hasher.hash(fold(a)), personal) for q, a, personal in QUESTIONS
    )
    return replace(dossier(algorithm, ref), questions=asked if questions else ())


class TextRenderer:
    """The receipt's lines in a text file: what the holder reads, for the test to read."""

    def render(self, receipt: DeliveryReceipt, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{receipt.reference}.txt"
        path.write_text("\n".join(f"{k}: {v}" for k, v in receipt_lines(receipt)))
        return path


@dataclass
class Journeys:
    world: Desk
    authority: CertificateRevocation | None
    receipts: Path
    hasher: FakeHasher = field(default_factory=FakeHasher)

    def __post_init__(self) -> None:
        uow, clock = self.world.db, self.world.clock
        self.appointments = AppointmentService(uow, clock)
        self.identity = IdentityService(uow, clock, SITE_SECRET)
        self.answers = AnswersService(uow, self.hasher)
        self.lookup = LookupService(uow, SITE_SECRET)
        self.recovery = EscrowSoPinRecovery(escrow_private_key(), uow)
        self.renewals = RenewalService(
            uow, self.world.service(), clock, recovery=self.recovery, authority=self.authority
        )
        self.delivery = DeliveryService(
            uow, self.world.service(), TextRenderer(), None, self.receipts, clock, KIOSK, TERMS,
            renewals=self.renewals,
        )  # fmt: skip
        self.pin_unblock = PinUnblockService(uow, self.world.tokens, self.recovery, clock, KIOSK)
        self.revocation = DeskRevocationService(uow, self.authority, clock, KIOSK)

    # The holder at the desk ------------------------------------------------------------

    def add(self, record: Dossier, renews: str | None = None, serial: str | None = None) -> None:
        self.world.add_dossier(record)
        if renews is not None:
            with self.world.db() as uow:
                uow.lineage.record(RenewalLink(record.reference, renews, serial))
                uow.commit()

    def allow_token_reuse(self, product_code: str) -> None:
        with self.world.db() as uow:
            uow.product_options.set_token_reuse(product_code, True)
            uow.commit()

    def open(self, ref: str, purpose: Purpose = Purpose.DELIVERY) -> Appointment:
        with self.world.db() as uow:
            found = uow.dossiers.get(ref)
        assert found is not None
        return self.appointments.open(SESSION, found, purpose=purpose)

    def identify(self, appointment: Appointment) -> None:
        report = self.identity.check(appointment, self.identity.read_mrz(appointment, PASSPORT))
        assert report.passed, [c.explanation for c in report.failures]
        self.identity.confirm_photo(appointment, matches=True)

    def checked(
        self, ref: str, purpose: Purpose = Purpose.DELIVERY, answers: list[str] = RIGHT
    ) -> Appointment:
        """An appointment whose identity check passed and whose answers were checked."""
        appointment = self.open(ref, purpose)
        self.identify(appointment)
        self.answers.check(appointment, answers)
        return appointment

    def deliver(self, ref: str, serial: str = "") -> Delivered:
        """The whole delivery of ``ref`` on the token ``serial`` (blank SoftHSM slot: "")."""
        appointment = self.checked(ref)
        result = self.renewals.personalise(appointment, serial, USER_PIN)
        core = self.delivery.receipt_core(appointment, result)
        return self.delivery.accept(appointment, result, USER_PIN, core)

    # What a test looks at ----------------------------------------------------------------

    def events(self, ref: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (e.event_type, e.outcome.value, dict(e.details))
            for e in self.world.audit()
            if e.dossier_ref == ref
        ]

    def event_types(self, ref: str) -> list[str]:
        return [event for event, _, _ in self.events(ref)]

    def audit_text(self) -> str:
        return "\n".join(json.dumps(_event(e), ensure_ascii=False) for e in self.world.audit())


def _event(event: AuditEvent) -> dict[str, Any]:
    return {"type": event.event_type, "details": dict(event.details)}


def issued(journeys: Journeys, ref: str) -> IssuedCertificate:
    """The certificate of the dossier's one personalisation attempt."""
    with journeys.world.db() as uow:
        [attempt] = uow.journal.attempts(ref)
    assert attempt.certificate is not None
    return attempt.certificate


# The desks ------------------------------------------------------------------------------------


@pytest.fixture
def journeys(
    template: Path,
    tmp_path: Path,
    tokens: FakeTokenPort,
    ca: FakeCertificateAuthority,
    database_url: str,
    holders: Sequence[str],
) -> Iterator[Journeys]:
    """On the simulated token and CA, on each engine in turn, with a dossier for each of the
    ``holders``. No revocable authority: the back office publishes what the desk decides."""
    with desk(
        template, tmp_path, tokens, ca, ca.root_der, url=database_url,
        dossiers=[holder_dossier(ref) for ref in holders],
    ) as world:  # fmt: skip
        yield Journeys(world, None, tmp_path / "receipts")


@contextmanager
def softhsm_journeys(
    template: Path,
    folder: Path,
    token_adapter: Pkcs11TokenAdapter,
    authority: EmbeddedCA,
    dossiers: Sequence[Dossier],
) -> Iterator[Journeys]:
    """On SoftHSM with the embedded CA, which signs at the real time, on SQLite."""
    with desk(
        template, folder, token_adapter, authority, authority.chain()[-1],
        clock=SystemClock(), dossiers=dossiers,
    ) as world:  # fmt: skip
        yield Journeys(world, authority, folder / "receipts")


@dataclass
class OnSoftHsm:
    journeys: Journeys
    reference: str
    folder: Path  # the CA's own copy, with its CRL
    cert_der: bytes
    serial: str  # the certificate's
    token_serial: str


@pytest.fixture
def on_softhsm(
    template: Path,
    tmp_path: Path,
    token_adapter: Pkcs11TokenAdapter,
    revocable_ca: EmbeddedCA,
    ca_copy: Path,
) -> Iterator[OnSoftHsm]:
    """A certificate delivered on SoftHSM by the embedded CA (its own copy of the CA)."""
    ref = reference()
    with softhsm_journeys(
        template, tmp_path, token_adapter, revocable_ca, [holder_dossier(ref)]
    ) as found:
        token_serial = found.deliver(ref).receipt.core.token_serial
        cert = issued(found, ref)
        yield OnSoftHsm(found, ref, ca_copy, cert.cert_der, cert.serial_hex, token_serial)
