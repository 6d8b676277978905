"""What an X.509 certificate says, field by field, and the port that reads it from DER.

The acceptance screen shows the holder what the certificate itself says, not what the
dossier says (``kiosk.services.certificate_view`` puts it into words); reading the DER
takes a crypto library, so it stays behind ``CertificateReader``. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

KEY_USAGES = (
    "digital_signature",
    "content_commitment",  # non-repudiation
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)
"""The key usage bits (RFC 5280 §4.2.1.3) a reader reports, by name."""


@dataclass(frozen=True)
class NameContent:
    """A distinguished name's attributes; several values of one attribute are joined with
    ", ", a missing attribute is ""."""

    common_name: str
    organisation: str
    organisation_identifier: str  # ETSI EN 319 412-1, 2.5.4.97
    country: str
    rfc4514: str  # the whole name, for when the attributes above say nothing


@dataclass(frozen=True)
class CertificateContent:
    subject: NameContent
    issuer: NameContent
    key_usage: frozenset[str] | None  # names from KEY_USAGES; None: no key usage extension
    qc_statements: bool  # carries the RFC 3739 qcStatements extension
    policies: tuple[str, ...]  # certificate policy OIDs, dotted, in the certificate's order


class CertificateReader(Protocol):
    def read(self, cert_der: bytes) -> CertificateContent:
        """The content of a DER certificate; ``ValidationError`` when it does not parse."""
        ...
