"""What a delivered certificate says, read from the certificate itself, for the holder to
check before accepting it (ETSI EN 319 411-1: the subscriber is shown the certificate's
content and the terms of use, and accepts them).

The values come from the DER the CA issued and the token holds, not from the dossier:
what the holder accepts is what relying parties will read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier

from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.errors import ValidationError

ORGANISATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")  # ETSI EN 319 412-1
QC_STATEMENTS = ObjectIdentifier("1.3.6.1.5.5.7.1.3")  # RFC 3739
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


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return ", ".join(str(value.value) for value in values)


def _issuer(name: x509.Name) -> str:
    common = _attribute(name, NameOID.COMMON_NAME)
    organisation = _attribute(name, NameOID.ORGANIZATION_NAME)
    if common and organisation and organisation not in common:
        return f"{common} — {organisation}"
    return common or organisation or name.rfc4514_string()


def _usage(cert: x509.Certificate) -> str:
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return "non précisé"
    qualified = any(ext.oid == QC_STATEMENTS for ext in cert.extensions)
    if key_usage.content_commitment:
        return QUALIFIED_USAGE if qualified else SIGNATURE_USAGE
    others = [label for attr, label in _OTHER_USAGES if getattr(key_usage, attr)]
    return ", ".join(others) or "non précisé"


def _policies(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(policy.policy_identifier.dotted_string for policy in policies)


def summarise(certificate: IssuedCertificate) -> CertificateSummary:
    """The certificate's content in the words the acceptance screen uses."""
    try:
        cert = x509.load_der_x509_certificate(certificate.cert_der)
    except ValueError:
        raise ValidationError("Certificat illisible : il n'est pas au format X.509 DER.") from None
    subject = cert.subject
    return CertificateSummary(
        holder=_attribute(subject, NameOID.COMMON_NAME),
        organisation=_attribute(subject, NameOID.ORGANIZATION_NAME),
        organisation_identifier=_attribute(subject, ORGANISATION_IDENTIFIER),
        country=_attribute(subject, NameOID.COUNTRY_NAME),
        issuer=_issuer(cert.issuer),
        serial_hex=certificate.serial_hex.lower(),
        fingerprint=certificate.sha256_fingerprint.lower(),
        not_before=certificate.not_before,
        not_after=certificate.not_after,
        usage=_usage(cert),
        policies=_policies(cert),
    )
