"""The X.509 names of qualified certificates, and PKCS#10 requests built from them."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kiosk.domain.certificates import SubjectSpec


def subject_name(spec: SubjectSpec) -> x509.Name:
    """The DN in the order French qualified certificates usually show it."""
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, spec.country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, spec.organisation),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, spec.organisation_identifier),
        x509.NameAttribute(NameOID.SURNAME, spec.surname),
        x509.NameAttribute(NameOID.GIVEN_NAME, spec.given_name),
    ]
    if spec.serial_number is not None:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, spec.serial_number))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, spec.common_name))
    return x509.Name(attributes)


def same_name(requested: x509.Name, expected: x509.Name) -> bool:
    """Same attributes and values, whatever their order or string type."""

    def key(name: x509.Name) -> list[tuple[str, str]]:
        return sorted((a.oid.dotted_string, str(a.value)) for a in name)

    return key(requested) == key(expected)


def build_csr(
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, subject: SubjectSpec
) -> bytes:
    """A PKCS#10 request (DER) signed with SHA-256 by ``private_key``."""
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject_name(subject))
        .sign(private_key, hashes.SHA256())
    )
    return request.public_bytes(Encoding.DER)
