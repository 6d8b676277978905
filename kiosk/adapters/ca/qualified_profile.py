"""Certificate contents: the CA certificates and the qualified signature certificate profile
(ETSI EN 319 412-2 for natural persons: non-repudiation only, policy, CRL, AIA, qcStatements).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ObjectIdentifier

from kiosk.adapters.token import der
from kiosk.domain.certificates import IssueProfile

QC_STATEMENTS = ObjectIdentifier("1.3.6.1.5.5.7.1.3")
_QC_COMPLIANCE = "0.4.0.1862.1.1"  # EU qualified certificate
_QC_SSCD = "0.4.0.1862.1.4"  # private key on a qualified signature creation device
_QC_TYPE = "0.4.0.1862.1.6"
_QC_TYPE_ESIGN = "0.4.0.1862.1.6.1"


def qc_statements() -> x509.UnrecognizedExtension:
    """QCStatements (RFC 3739) with QcCompliance, QcSSCD and QcType = esign."""
    body = der.sequence(
        der.sequence(der.oid(_QC_COMPLIANCE)),
        der.sequence(der.oid(_QC_SSCD)),
        der.sequence(der.oid(_QC_TYPE), der.sequence(der.oid(_QC_TYPE_ESIGN))),
    )
    return x509.UnrecognizedExtension(QC_STATEMENTS, body)


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a year that has none
        return moment.replace(year=moment.year + years, day=28)


def random_serial() -> int:
    """A positive serial that always takes 16 bytes in DER (high bit clear, next bit set)."""
    return secrets.randbits(126) | (1 << 126)


def ca_certificate(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: x509.Certificate | None,
    not_before: datetime,
    not_after: datetime,
    path_length: int,
) -> x509.CertificateBuilder:
    """A root (``issuer`` None: self-signed) or an issuing CA certificate, not yet signed."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(random_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_key_usage(certificate_signing=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(_authority_key_id(issuer), critical=False)
    return builder


def holder_certificate(
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: x509.Certificate,
    not_before: datetime,
    not_after: datetime,
    profile: IssueProfile,
) -> x509.CertificateBuilder:
    """A qualified signature certificate for a natural person, not yet signed."""
    access = [
        x509.AccessDescription(
            AuthorityInformationAccessOID.CA_ISSUERS,
            x509.UniformResourceIdentifier(profile.ca_issuers_url),
        )
    ]
    if profile.ocsp_url:
        access.append(
            x509.AccessDescription(
                AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(profile.ocsp_url)
            )
        )
    crl = x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(profile.crl_url)],
        relative_name=None,
        reasons=None,
        crl_issuer=None,
    )
    policy = x509.PolicyInformation(ObjectIdentifier(profile.policy_oid), None)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.subject)
        .public_key(public_key)
        .serial_number(random_serial())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(certificate_signing=False), critical=True)
        .add_extension(x509.CertificatePolicies([policy]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_authority_key_id(issuer), critical=False)
        .add_extension(x509.CRLDistributionPoints([crl]), critical=False)
        .add_extension(x509.AuthorityInformationAccess(access), critical=False)
    )
    if profile.qualified:
        builder = builder.add_extension(qc_statements(), critical=False)
    return builder


def _key_usage(*, certificate_signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=not certificate_signing,  # nonRepudiation: qualified e-signature
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certificate_signing,
        crl_sign=certificate_signing,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_id(issuer: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    ski = issuer.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
