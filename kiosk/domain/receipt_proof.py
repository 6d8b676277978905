"""What ties a delivery receipt to the holder's signature and to the audit log.

- ``canonical_receipt_bytes(core)``: the receipt's canonical JSON; ``receipt_digest(core)``
  is its SHA-256, the 32 bytes the holder signs with the new certificate's key. A renewal's
  superseded certificate enters the JSON only for a renewal, so a first delivery's receipt,
  and its digest, are what they always were.
- ``receipt_audit_details(core)``: what the delivery's audit event records.
- The printed receipt's QR code (``qr_payload``)::

    KIOSK-PV1|<reference>|<audit seq>|<audit event hash>|<receipt digest hex>|<cert fingerprint hex>

  An auditor scans it (``parse_qr_payload``), runs ``kiosk audit verify`` to prove the chain
  intact, then checks with ``check_qr_against_event`` that event ``<seq>`` has that hash and
  records that receipt digest and certificate.

The receipt itself (``ReceiptCore``, ``DeliveryReceipt``) is in ``kiosk.domain.receipt``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kiosk.domain.audit import AuditEvent, DetailValue
from kiosk.domain.errors import IntegrityError, ValidationError

if TYPE_CHECKING:  # receipt.py imports this module: no import cycle at run time
    from kiosk.domain.receipt import DeliveryReceipt, ReceiptCore

RECEIPT_FORMAT = "KIOSK-PV1"
REFERENCE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")  # as the dossier import accepts it
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_SEQ = re.compile(r"[0-9]{1,18}")


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_receipt_bytes(core: ReceiptCore) -> bytes:
    """The exact bytes the holder's signature commits to (sorted-key compact JSON, UTF-8)."""
    body = {
        "format": RECEIPT_FORMAT,
        "reference": core.reference,
        "holder": {"surname": core.holder_surname, "given_names": core.holder_given_names},
        "company": {"name": core.company_name, "siren": core.company_siren},
        "product": core.product_label,
        "office": {"name": core.office_name, "address": core.office_address},
        "agent": {"name": core.agent_display_name, "login": core.agent_login},
        "kiosk": core.kiosk_id,
        "delivered_at": _utc_iso(core.delivered_at),
        "certificate": {
            "serial": core.certificate_serial,
            "sha256": core.certificate_fingerprint,
            "not_before": _utc_iso(core.not_before),
            "not_after": _utc_iso(core.not_after),
        },
        "token_serial": core.token_serial,
        "identity_checks": [[label, outcome] for label, outcome in core.identity_checks],
        "document": {
            "type": core.document_type,
            "country": core.document_country,
            "expiry": core.document_expiry.isoformat(),
        },
        "revocation_answers": core.revocation_answers.value,
        "terms_version": core.terms_version,
    }
    if core.superseded_certificate_serial is not None:
        body["renewal"] = {"supersedes": core.superseded_certificate_serial}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def receipt_digest(core: ReceiptCore) -> bytes:
    """SHA-256 of the canonical receipt: the 32 bytes the holder signs."""
    return hashlib.sha256(canonical_receipt_bytes(core)).digest()


def receipt_audit_details(core: ReceiptCore) -> dict[str, DetailValue]:
    """What the delivery's audit event must record for the receipt's QR code to check out."""
    details: dict[str, DetailValue] = {
        "receipt_format": RECEIPT_FORMAT,
        "receipt_digest": receipt_digest(core).hex(),
        "certificate_serial": core.certificate_serial,
        "certificate_fingerprint": core.certificate_fingerprint,
        "token_serial": core.token_serial,
        "terms_version": core.terms_version,
    }
    if core.superseded_certificate_serial is not None:
        details["supersedes_certificate_serial"] = core.superseded_certificate_serial
    return details


@dataclass(frozen=True)
class ReceiptQr:
    """The facts a receipt's QR code carries."""

    reference: str
    audit_seq: int
    audit_hash: str
    receipt_digest: str
    certificate_fingerprint: str

    def text(self) -> str:
        return "|".join(
            (
                RECEIPT_FORMAT,
                self.reference,
                str(self.audit_seq),
                self.audit_hash,
                self.receipt_digest,
                self.certificate_fingerprint,
            )
        )


def receipt_qr(receipt: DeliveryReceipt) -> ReceiptQr:
    return ReceiptQr(
        reference=receipt.reference,
        audit_seq=receipt.audit_seq,
        audit_hash=receipt.audit_hash,
        receipt_digest=receipt.signed_digest.hex(),
        certificate_fingerprint=receipt.core.certificate_fingerprint,
    )


def qr_payload(receipt: DeliveryReceipt) -> str:
    """The QR code's text: ``KIOSK-PV1|ref|seq|event hash|receipt digest|cert fingerprint``."""
    return receipt_qr(receipt).text()


def parse_qr_payload(text: str) -> ReceiptQr:
    """Read a scanned QR code; ValidationError (French) on anything but a kiosk receipt code."""
    parts = text.strip().split("|")
    if len(parts) != 6 or parts[0] != RECEIPT_FORMAT:
        raise ValidationError("Ce code QR n'est pas celui d'un PV de remise du kiosque.")
    _, reference, seq, audit_hash, digest, fingerprint = parts
    if not REFERENCE.fullmatch(reference):
        raise ValidationError("Code QR du PV illisible : référence de dossier invalide.")
    if not _SEQ.fullmatch(seq) or int(seq) < 1:
        raise ValidationError("Code QR du PV illisible : numéro d'événement d'audit invalide.")
    for label, value in (
        ("empreinte d'événement", audit_hash),
        ("condensat du PV", digest),
        ("empreinte du certificat", fingerprint),
    ):
        if not SHA256_HEX.fullmatch(value.lower()):
            raise ValidationError(f"Code QR du PV illisible : {label} invalide.")
    return ReceiptQr(reference, int(seq), audit_hash.lower(), digest.lower(), fingerprint.lower())


def check_qr_against_event(qr: ReceiptQr, event: AuditEvent) -> None:
    """Raise IntegrityError unless ``event`` (from a verified chain) is the one the QR names."""
    details = event.details
    require_audit_facts(
        f"Le PV {qr.reference}",
        (
            ("numéro d'événement", event.seq == qr.audit_seq),
            ("empreinte d'événement", event.hash == qr.audit_hash),
            ("dossier", event.dossier_ref == qr.reference),
            ("condensat du PV", details.get("receipt_digest") == qr.receipt_digest),
            ("certificat", details.get("certificate_fingerprint") == qr.certificate_fingerprint),
        ),
    )


def require_audit_facts(document: str, facts: Iterable[tuple[str, bool]]) -> None:
    """IntegrityError naming, in order, each (label, holds) fact a paper's code states and
    its audit event does not bear out: « <document> ne correspond pas au journal… »."""
    mismatches = [label for label, holds in facts if not holds]
    if mismatches:
        raise IntegrityError(
            f"{document} ne correspond pas au journal d'audit : {', '.join(mismatches)}."
        )
