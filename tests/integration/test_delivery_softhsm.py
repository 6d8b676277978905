"""The delivery end to end on SoftHSM with the embedded CA: personalisation, the receipt the
holder signs with the new key, its PDF. Checked as an auditor would: the QR code read from
the PDF names the stored ``dossier.delivered`` event, the holder's signature verifies with
the certificate, the audit log verifies. A printer that fails leaves the delivery
recorded, with a warning."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdf
import pytest
import zxingcpp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.receipt.pdf_receipt import PdfReceiptRenderer
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.checkpoint import log_origin
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import DeviceError
from kiosk.domain.identity import check_identity
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.mrz import parse_mrz
from kiosk.domain.receipt import (
    Printer,
    check_qr_against_event,
    parse_qr_payload,
    qr_payload,
    receipt_digest,
)
from kiosk.domain.token_register import TokenState
from kiosk.services.appointment import Appointment
from kiosk.services.audit_integrity import AuditIntegrity
from kiosk.services.audit_review import AuditReview
from kiosk.services.delivery import Delivered, DeliveryService
from tests.integration.fake_desk import template
from tests.integration.personalisation_env import (
    SITE,
    USER_PIN,
    Desk,
    desk,
    dossier,
    unique_reference,
)
from tests.integration.softhsm_env import (
    ca_folder,
    embedded_ca,
    softhsm,
    token_adapter,
)
from tests.unit.mrz_samples import td3

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, token_adapter, ca_folder, embedded_ca, template)
KIOSK = "test-kiosk"
TERMS = "CGU-2026-01"
PRINTER_DOWN = "Imprimante « accueil » injoignable : le PV reste disponible en PDF."


class DownPrinter:
    def print_file(self, path: Path) -> str:
        raise DeviceError(PRINTER_DOWN)


class RecordingPrinter:
    def __init__(self) -> None:
        self.printed: list[Path] = []

    def print_file(self, path: Path) -> str:
        self.printed.append(path)
        return "accueil-42"


@pytest.fixture
def reference() -> str:
    return unique_reference()


@pytest.fixture
def real_desk(
    template: Path,
    tmp_path: Path,
    token_adapter: Pkcs11TokenAdapter,
    embedded_ca: EmbeddedCA,
    reference: str,
) -> Iterator[Desk]:
    with desk(
        template, tmp_path, token_adapter, embedded_ca, embedded_ca.chain()[-1],
        clock=SystemClock(), dossiers=[dossier(KeyAlgorithm.RSA_2048, reference)],
    ) as world:  # fmt: skip
        yield world


def _identified(world: Desk, reference: str) -> Appointment:
    """The appointment with the identity report of Hélène Marie Lefèvre's passport."""
    appointment = world.appointment(reference)
    today = date.today()
    lines = td3(
        name="LEFEVRE<<HELENE<MARIE", number="24FR19374", birth="840229",
        expiry=f"{today.year % 100 + 5:02d}0101", personal="", country="FRA",
    )  # fmt: skip
    report = check_identity(parse_mrz("\n".join(lines), today), appointment.dossier.holder, today)
    assert report.passed, report.failures
    appointment.identity_report = report
    return appointment


def _deliver(world: Desk, reference: str, folder: Path, printer: Printer | None) -> Delivered:
    appointment = _identified(world, reference)
    service = world.service()
    result = service.personalise(appointment, "", USER_PIN)
    delivery = DeliveryService(
        world.db, service, PdfReceiptRenderer(), printer, folder, SystemClock(), KIOSK, TERMS
    )
    core = delivery.receipt_core(appointment, result)
    assert core.token_serial == result.token_serial and core.terms_version == TERMS
    delivered = delivery.accept(appointment, result, USER_PIN, core)
    assert appointment.ended
    return delivered


def _qr_codes(pdf: Path) -> list[str]:
    found: list[str] = []
    for page in pypdf.PdfReader(pdf).pages:
        for embedded in page.images:
            assert embedded.image is not None
            found += [code.text for code in zxingcpp.read_barcodes(embedded.image)]
    return found


def _verifies(cert_der: bytes, data: bytes, signature: bytes) -> bool:
    key = x509.load_der_x509_certificate(cert_der).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        raise AssertionError(f"unexpected key {type(key).__name__}")
    return True  # verify() raises InvalidSignature otherwise


def test_a_delivery_on_softhsm_is_recorded_signed_and_provable_from_its_receipt(
    real_desk: Desk, reference: str, tmp_path: Path
) -> None:
    printer = RecordingPrinter()

    delivered = _deliver(real_desk, reference, tmp_path / "receipts", printer)

    assert delivered.problems == () and delivered.print_job == "accueil-42"
    assert delivered.pdf is not None and printer.printed == [delivered.pdf]
    assert delivered.pdf.read_bytes().startswith(b"%PDF-")
    assert real_desk.dossier_state(reference) is DossierState.DELIVERED
    receipt = delivered.receipt
    record = real_desk.record(receipt.core.token_serial)
    assert record is not None and record.state is TokenState.DELIVERED

    [scanned] = _qr_codes(delivered.pdf)
    assert scanned == qr_payload(receipt)
    qr = parse_qr_payload(scanned)
    events = real_desk.audit()
    [stored] = [e for e in events if e.event_type == "dossier.delivered"]
    check_qr_against_event(qr, stored)
    assert stored.details["receipt_digest"] == receipt_digest(receipt.core).hex()

    [attempt] = real_desk.attempts(reference)
    assert attempt.certificate is not None
    cert_der = attempt.certificate.cert_der
    assert _verifies(cert_der, receipt.signed_digest, receipt.holder_signature)
    assert attempt.certificate.sha256_fingerprint == receipt.core.certificate_fingerprint

    issued = [e for e in events if e.event_type == "receipt.issued"]
    assert [(e.outcome.value, e.details["print_job"]) for e in issued] == [
        ("success", "accueil-42")
    ]
    assert AuditReview(real_desk.db).verify().ok
    integrity = AuditIntegrity(real_desk.db, None, log_origin(SITE, KIOSK)).verify()
    assert integrity.ok, integrity.lines
    assert USER_PIN.encode() not in real_desk.dump()


def test_a_printer_that_fails_leaves_the_delivery_recorded_with_a_warning(
    real_desk: Desk, reference: str, tmp_path: Path
) -> None:
    delivered = _deliver(real_desk, reference, tmp_path / "receipts", DownPrinter())

    assert delivered.problems == (PRINTER_DOWN,)
    assert delivered.print_job is None
    assert delivered.pdf is not None and delivered.pdf.is_file()
    assert real_desk.dossier_state(reference) is DossierState.DELIVERED
    [issued] = [e for e in real_desk.audit() if e.event_type == "receipt.issued"]
    assert issued.outcome.value == "failure" and issued.details["problems"] == 1
    assert AuditReview(real_desk.db).verify().ok
