"""A holder certificate that is the same, byte for byte, at every run: fixed keys, serial
and dates, signed with Ed25519 (whose signatures do not vary). For the acceptance
screen's tests and snapshots, where a random key would change every fingerprint."""

from __future__ import annotations

import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID, ObjectIdentifier

from kiosk.adapters.ca.qualified_profile import add_years, qc_statements
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.domain.certificates import IssuedCertificate, SubjectSpec

ISSUER_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
HOLDER_KEY = ec.derive_private_key(0x6B696F73717565, ec.SECP256R1())
SERIAL = 0x4C1D2E3F405162738495A6B7C8D9EAFB
POLICY_OID = "1.2.250.1.999.1.2.3"
ISSUER = x509.Name(
    [
        x509.NameAttribute(NameOID.COMMON_NAME, "AC Signature qualifiée de test"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CCI de test"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
    ]
)


def fixed_certificate(
    subject: SubjectSpec, not_before: datetime, *, qualified: bool = True
) -> IssuedCertificate:
    not_after = add_years(not_before, 3)
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    policy = x509.PolicyInformation(ObjectIdentifier(POLICY_OID), None)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject_name(subject))
        .issuer_name(ISSUER)
        .public_key(HOLDER_KEY.public_key())
        .serial_number(SERIAL)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(usage, critical=True)
        .add_extension(x509.CertificatePolicies([policy]), critical=False)
    )
    if qualified:
        builder = builder.add_extension(qc_statements(), critical=False)
    der = builder.sign(ISSUER_KEY, None).public_bytes(Encoding.DER)
    return IssuedCertificate(
        der, [], f"{SERIAL:x}", not_before, not_after, hashlib.sha256(der).hexdigest()
    )
