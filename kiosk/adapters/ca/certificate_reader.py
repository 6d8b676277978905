"""``CertificateReader`` with ``cryptography``: the fields the acceptance screen shows,
read from the certificate the CA issued and the token holds."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier

from kiosk.domain.certificate_content import KEY_USAGES, CertificateContent, NameContent
from kiosk.domain.errors import ValidationError

ORGANISATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")  # ETSI EN 319 412-1
QC_STATEMENTS = ObjectIdentifier("1.3.6.1.5.5.7.1.3")  # RFC 3739


def _attribute(name: x509.Name, oid: ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return ", ".join(str(value.value) for value in values)


def _name(name: x509.Name) -> NameContent:
    return NameContent(
        common_name=_attribute(name, NameOID.COMMON_NAME),
        organisation=_attribute(name, NameOID.ORGANIZATION_NAME),
        organisation_identifier=_attribute(name, ORGANISATION_IDENTIFIER),
        country=_attribute(name, NameOID.COUNTRY_NAME),
        rfc4514=name.rfc4514_string(),
    )


def _key_usage(cert: x509.Certificate) -> frozenset[str] | None:
    try:
        key_usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    return frozenset(usage for usage in KEY_USAGES if getattr(key_usage, usage))


def _policies(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return ()
    return tuple(policy.policy_identifier.dotted_string for policy in policies)


class X509CertificateReader:
    """``CertificateReader``: parses DER X.509 with ``cryptography``."""

    def read(self, cert_der: bytes) -> CertificateContent:
        try:
            cert = x509.load_der_x509_certificate(cert_der)
        except ValueError:
            raise ValidationError(
                "Certificat illisible : il n'est pas au format X.509 DER."
            ) from None
        return CertificateContent(
            subject=_name(cert.subject),
            issuer=_name(cert.issuer),
            key_usage=_key_usage(cert),
            qc_statements=any(ext.oid == QC_STATEMENTS for ext in cert.extensions),
            policies=_policies(cert),
        )
