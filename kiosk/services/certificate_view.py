"""What a delivered certificate says, read from the certificate itself, for the holder to
check before accepting it (ETSI EN 319 411-1: the subscriber is shown the certificate's
content and the terms of use, and accepts them).

The values come from the DER the CA issued and the token holds, not from the dossier:
what the holder accepts is what relying parties will read. The DER is read through the
``CertificateReader`` port; this module puts what it finds into the screen's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.certificate_content import CertificateContent, CertificateReader, NameContent
from kiosk.domain.certificates import IssuedCertificate

QUALIFIED_USAGE = "signature électronique qualifiée (non-répudiation)"
SIGNATURE_USAGE = "signature électronique (non-répudiation)"
_OTHER_USAGES = (
    ("digital_signature", "signature numérique"),
    ("key_encipherment", "chiffrement de clé"),
    ("data_encipherment", "chiffrement de données"),
    ("key_agreement", "accord de clé"),
    ("key_cert_sign", "signature de certificats"),
    ("crl_sign", "signature de listes de révocation"),
)


@dataclass(frozen=True)
class CertificateSummary:
    holder: str  # the subject's common name
    organisation: str
    organisation_identifier: str  # NTRFR-<SIREN>
    country: str
    issuer: str  # the issuing CA: common name, then organisation
    serial_hex: str
    fingerprint: str  # SHA-256 of the DER, lowercase hex
    not_before: datetime
    not_after: datetime
    usage: str
    policies: tuple[str, ...]


def _issuer(name: NameContent) -> str:
    common, organisation = name.common_name, name.organisation
    if common and organisation and organisation not in common:
        return f"{common} — {organisation}"
    return common or organisation or name.rfc4514


def _usage(content: CertificateContent) -> str:
    key_usage = content.key_usage
    if key_usage is None:
        return "non précisé"
    if "content_commitment" in key_usage:
        return QUALIFIED_USAGE if content.qc_statements else SIGNATURE_USAGE
    others = [label for usage, label in _OTHER_USAGES if usage in key_usage]
    return ", ".join(others) or "non précisé"


class CertificateView:
    """The certificate's content in the words the acceptance screen uses."""

    def __init__(self, reader: CertificateReader) -> None:
        self._reader = reader

    def summarise(self, certificate: IssuedCertificate) -> CertificateSummary:
        """Raises ``ValidationError`` when the certificate is not X.509 DER."""
        content = self._reader.read(certificate.cert_der)
        subject = content.subject
        return CertificateSummary(
            holder=subject.common_name,
            organisation=subject.organisation,
            organisation_identifier=subject.organisation_identifier,
            country=subject.country,
            issuer=_issuer(content.issuer),
            serial_hex=certificate.serial_hex.lower(),
            fingerprint=certificate.sha256_fingerprint.lower(),
            not_before=certificate.not_before,
            not_after=certificate.not_after,
            usage=_usage(content),
            policies=content.policies,
        )
