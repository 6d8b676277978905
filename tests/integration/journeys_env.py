"""A desk for the journeys after a delivery (renewal, PIN unblock, revocation at the desk):
the personalisation desk of ``personalisation_env`` with the real appointment, identity,
answers, lookup and delivery services around it, a holder whose passport and answers are
known, and a back office that gives SO PINs back from the escrow.

Import the fixtures explicitly, with those of ``fake_desk`` and ``softhsm_env`` they use:
``from tests.integration.journeys_env import revocable_ca, ca_copy``.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.crypto.so_pin_recovery import EscrowSoPinRecovery
from kiosk.adapters.fakes.memory import FakeHasher
from kiosk.domain.answers import fold
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.audit import AuditEvent
from kiosk.domain.certificate_revocation import CertificateRevocation
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
    dossier,
    escrow_private_key,
)
from tests.integration.softhsm_env import SoftHsm
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


def reference() -> str:
    """A fresh reference: token labels on the session's SoftHSM stay unique."""
    return f"CS-2026-{secrets.randbelow(10**6):06d}"


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


# The embedded CA and openssl ----------------------------------------------------------------


@pytest.fixture
def ca_copy(ca_folder: Path, tmp_path: Path) -> Path:
    """A copy of the session's CA folder: same issuing key on its token, its own CRL."""
    copy = tmp_path / "ca"
    shutil.copytree(ca_folder, copy)
    return copy


@pytest.fixture
def revocable_ca(softhsm: SoftHsm, ca_copy: Path) -> EmbeddedCA:
    return EmbeddedCA.load(ca_copy, module_path=softhsm.module)


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def crl_text(folder: Path) -> str:
    done = openssl("crl", "-in", str(folder / "crl.pem"), "-noout", "-text")
    assert done.returncode == 0, done.stderr
    return done.stdout


def verify_with_crl(
    folder: Path, cert_der: bytes, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """``openssl verify -crl_check`` of a certificate against the CA folder's chain and CRL."""
    pem = tmp_path / f"cert-{hashlib.sha256(cert_der).hexdigest()[:8]}.pem"
    pem.write_bytes(x509.load_der_x509_certificate(cert_der).public_bytes(Encoding.PEM))
    return openssl(
        "verify", "-crl_check", "-CRLfile", str(folder / "crl.pem"),
        "-CAfile", str(folder / "root-ca.pem"), "-untrusted", str(folder / "issuing-ca.pem"),
        str(pem),
    )  # fmt: skip


def serial_in_crl_text(serial_hex: str) -> str:
    """How ``openssl crl -text`` prints a serial: uppercase hex, even number of digits."""
    value = serial_hex.lstrip("0").upper() or "0"
    return value if len(value) % 2 == 0 else "0" + value
