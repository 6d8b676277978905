"""An in-memory ``CertificateAuthority`` with software keys, for service tests.

It checks requests and builds certificates with the embedded CA's own code (same checks,
same qualified profile), so what a service gets back has the real form. A test can make
the next issuances fail as an unreachable CA would, and see every certificate signed.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from kiosk.adapters.ca.csr_checks import checked_request
from kiosk.adapters.ca.qualified_profile import add_years, ca_certificate, holder_certificate
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.domain.certificates import IssuedCertificate, IssueProfile, SubjectSpec
from kiosk.domain.errors import DeviceError
from kiosk.domain.ports import Clock

UNAVAILABLE = "L'autorité de certification ne répond pas (simulation) : réessayez plus tard."


class _NowClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kiosk - AC de test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class FakeCertificateAuthority:
    """Root and issuing CA on P-256 software keys, made at construction."""

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or _NowClock()
        start = self._clock.now().astimezone(UTC).replace(microsecond=0) - timedelta(days=1)
        self._root_key = ec.generate_private_key(ec.SECP256R1())
        self._issuing_key = ec.generate_private_key(ec.SECP256R1())
        self.root = ca_certificate(
            _name("AC racine de test"), self._root_key.public_key(), None,
            start, add_years(start, 20), path_length=1,
        ).sign(self._root_key, hashes.SHA256())  # fmt: skip
        self.issuing = ca_certificate(
            _name("AC émettrice de test"), self._issuing_key.public_key(), self.root,
            start, add_years(start, 10), path_length=0,
        ).sign(self._root_key, hashes.SHA256())  # fmt: skip
        self.issued: list[IssuedCertificate] = []
        self._failures: list[str] = []

    # Test controls -------------------------------------------------------------------------

    def fail_next(self, times: int = 1, message: str = UNAVAILABLE) -> None:
        """The next ``times`` issuances raise ``DeviceError(message)`` and sign nothing."""
        self._failures.extend([message] * times)

    @property
    def root_der(self) -> bytes:
        return self.root.public_bytes(Encoding.DER)

    # CertificateAuthority ---------------------------------------------------------------------

    def chain(self) -> list[bytes]:
        return [self.issuing.public_bytes(Encoding.DER), self.root_der]

    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        if self._failures:
            raise DeviceError(self._failures.pop(0))
        request = checked_request(csr_der, subject, expected_public_key_der)
        not_before = self._clock.now().astimezone(UTC).replace(microsecond=0)
        not_after = add_years(not_before, profile.validity_years)
        cert = holder_certificate(
            subject_name(subject), request.public_key(), self.issuing,
            not_before, not_after, profile,
        ).sign(self._issuing_key, hashes.SHA256())  # fmt: skip
        cert_der = cert.public_bytes(Encoding.DER)
        issued = IssuedCertificate(
            cert_der=cert_der,
            chain_der=self.chain(),
            serial_hex=f"{cert.serial_number:032x}",
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256_fingerprint=hashlib.sha256(cert_der).hexdigest(),
        )
        self.issued.append(issued)
        return issued
