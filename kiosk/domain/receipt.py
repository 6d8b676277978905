"""The delivery receipt (procès-verbal de remise): what it states, what the holder signs.

A receipt is built in three steps by the delivery service:

1. ``ReceiptCore``: every fact of the delivery (holder, company, office, agent, certificate,
   token, checks performed). ``receipt_digest(core)`` is the SHA-256 of its canonical JSON:
   the holder signs these 32 bytes with the new certificate's key.
2. The audit event that records the delivery carries ``receipt_audit_details(core)``.
3. ``DeliveryReceipt`` joins the core, the holder's signature and that event's seq and hash.

The canonical bytes, the digest, the audit details and the printed receipt's QR code, with
its check against the audit event, are in ``kiosk.domain.receipt_proof`` (re-exported here).

The identity document's number is never part of a receipt: only its type, country and expiry.

A renewal's receipt says so and names the certificate it supersedes
(``superseded_certificate_serial``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.receipt_proof import (
    RECEIPT_FORMAT,
    REFERENCE,
    SHA256_HEX,
    ReceiptQr,
    canonical_receipt_bytes,
    check_qr_against_event,
    parse_qr_payload,
    qr_payload,
    receipt_audit_details,
    receipt_digest,
    receipt_qr,
    require_audit_facts,
)
from kiosk.domain.receipt_text import receipt_lines

__all__ = [
    "RECEIPT_FORMAT",
    "REFERENCE",
    "DeliveryReceipt",
    "Printer",
    "ReceiptCore",
    "ReceiptQr",
    "ReceiptRenderer",
    "RevocationAnswers",
    "canonical_receipt_bytes",
    "check_qr_against_event",
    "parse_qr_payload",
    "qr_payload",
    "receipt_audit_details",
    "receipt_digest",
    "receipt_lines",
    "receipt_qr",
    "require_audit_facts",
]

_SERIAL_HEX = re.compile(r"[0-9a-f]{1,64}")  # RFC 5280: at most 20 octets, some CAs overflow
_COUNTRY = re.compile(r"[A-Z]{1,3}")  # ICAO 9303 codes: FRA, D (Germany), ...


class RevocationAnswers(StrEnum):
    """What became of the holder's revocation answers at the desk."""

    VERIFIED = "vérifiées"
    SET_AT_DESK = "définies au guichet"

    @property
    def wording(self) -> str:
        if self is RevocationAnswers.VERIFIED:
            return "réponses du titulaire vérifiées"
        return "réponses définies par le titulaire au guichet"


@dataclass(frozen=True)
class ReceiptCore:
    """Every fact the receipt states; all of it is covered by ``receipt_digest``.

    Hex values are lowercase without separators. ``identity_checks`` are (label, outcome)
    pairs such as ("Contrôle de la bande MRZ", "conforme").
    """

    reference: str
    holder_surname: str
    holder_given_names: str
    company_name: str
    company_siren: str
    product_label: str
    office_name: str
    office_address: str
    agent_display_name: str
    agent_login: str
    kiosk_id: str
    delivered_at: datetime
    certificate_serial: str
    certificate_fingerprint: str  # SHA-256 of the certificate's DER
    not_before: datetime
    not_after: datetime
    token_serial: str
    identity_checks: tuple[tuple[str, str], ...]
    document_type: str  # a label ("Carte nationale d'identité"), never a number
    document_country: str
    document_expiry: date
    revocation_answers: RevocationAnswers
    terms_version: str
    superseded_certificate_serial: str | None = None  # a renewal: the certificate it replaces

    @property
    def renewal(self) -> bool:
        return self.superseded_certificate_serial is not None

    def __post_init__(self) -> None:
        if not REFERENCE.fullmatch(self.reference):
            raise ValidationError(f"Référence de dossier invalide pour le PV : {self.reference!r}")
        for label, value in (
            ("nom du titulaire", self.holder_surname),
            ("raison sociale", self.company_name),
            ("produit", self.product_label),
            ("bureau de retrait", self.office_name),
            ("adresse du bureau", self.office_address),
            ("nom de l'agent", self.agent_display_name),
            ("identifiant de l'agent", self.agent_login),
            ("poste", self.kiosk_id),
            ("numéro de série du support", self.token_serial),
            ("type de pièce d'identité", self.document_type),
            ("version des conditions générales", self.terms_version),
        ):
            if not value.strip():
                raise ValidationError(f"Le PV ne peut pas être établi : « {label} » est vide.")
        if not re.fullmatch(r"[0-9]{9}", self.company_siren):
            raise ValidationError("Le SIREN du PV doit comporter 9 chiffres.")
        for moment in (self.delivered_at, self.not_before, self.not_after):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValidationError("Les dates du PV doivent porter leur fuseau horaire.")
        if self.not_after <= self.not_before:
            raise ValidationError("La fin de validité du certificat précède son début.")
        _check_serials(self.certificate_serial, self.superseded_certificate_serial)
        if not SHA256_HEX.fullmatch(self.certificate_fingerprint):
            raise ValidationError("Empreinte du certificat : 64 caractères hexadécimaux attendus.")
        if not self.identity_checks or any(
            not label.strip() or not outcome.strip() for label, outcome in self.identity_checks
        ):
            raise ValidationError("Le PV doit nommer chaque vérification d'identité effectuée.")
        # A label has no digits: this keeps a document number from slipping onto the receipt.
        if any(ch.isdigit() for ch in self.document_type):
            raise ValidationError("Le type de pièce d'identité ne doit pas contenir de chiffres.")
        if not _COUNTRY.fullmatch(self.document_country):
            raise ValidationError("Pays de la pièce d'identité : code OACI (ex. FRA) attendu.")


def _check_serials(serial: str, superseded: str | None) -> None:
    for value in (serial, superseded):
        if value is not None and not _SERIAL_HEX.fullmatch(value):
            raise ValidationError("Numéro de série du certificat : hexadécimal minuscule attendu.")
    if superseded == serial:
        raise ValidationError("Un renouvellement ne remplace pas le certificat qu'il remet.")


@dataclass(frozen=True)
class DeliveryReceipt:
    """A sealed receipt: the core, the holder's acceptance and the audit event recording it."""

    core: ReceiptCore
    holder_signature: bytes  # over ``signed_digest``, with the delivered certificate's key
    signed_digest: bytes
    audit_seq: int
    audit_hash: str

    def __post_init__(self) -> None:
        if not self.holder_signature:
            raise ValidationError("Le PV ne porte pas la signature d'acceptation du titulaire.")
        if self.signed_digest != receipt_digest(self.core):
            raise IntegrityError("La signature du titulaire ne porte pas sur le contenu de ce PV.")
        if self.audit_seq < 1:
            raise ValidationError("Numéro d'événement d'audit invalide pour le PV.")
        if not SHA256_HEX.fullmatch(self.audit_hash):
            raise ValidationError("Empreinte d'événement d'audit invalide pour le PV.")

    @property
    def reference(self) -> str:
        return self.core.reference


class ReceiptRenderer(Protocol):
    def render(self, receipt: DeliveryReceipt, folder: Path) -> Path:
        """Write the receipt document into ``folder`` atomically; return its path.

        Raises StorageError if it cannot be stored (nothing partial is left), DeviceError if
        the renderer itself cannot work (font missing)."""
        ...


class Printer(Protocol):
    def print_file(self, path: Path) -> str:
        """Send a file to the printer; return the print job id ("" when nothing is printed).

        Raises DeviceError naming where the file stays available."""
        ...
