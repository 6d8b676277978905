"""The cryptographic checks of a written certificate, on software keys and the fake CA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.token.token_keys import spki_der
from kiosk.adapters.token.x509_subject import build_csr
from kiosk.domain.certificates import IssuedCertificate, IssueProfile, SubjectSpec
from kiosk.domain.errors import ConfigError, ValidationError
from kiosk.domain.model import Company, Person

NOW = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
SUBJECT = SubjectSpec.for_holder(
    Person("Lefèvre", "Hélène"), Company("732829320", "73282932000074", "Boulangerie", "SARL")
)
PROFILE = IssueProfile(3, "1.2.250.1.999.1", "http://crl.test/a.crl", "http://aia.test/a.cer")
Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@cache
def _ca() -> FakeCertificateAuthority:
    return FakeCertificateAuthority(FixedClock(NOW))


@cache
def _issued(kind: str) -> tuple[Key, IssuedCertificate]:
    key: Key = (
        ec.generate_private_key(ec.SECP256R1())
        if kind == "p256"
        else rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    return key, _ca().issue(build_csr(key, SUBJECT), SUBJECT, PROFILE)


def _sign(key: Key, data: bytes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


CHECKER = X509CertificateChecker([_ca().root_der])


@pytest.mark.parametrize("kind", ["p256", "rsa2048"])
def test_a_good_certificate_passes_every_check(kind: str) -> None:
    key, issued = _issued(kind)
    challenge = b"fresh random challenge"

    assert CHECKER.public_key_matches(issued.cert_der, spki_der(key.public_key()))
    assert CHECKER.signature_verifies(issued.cert_der, challenge, _sign(key, challenge))
    assert CHECKER.chain_verifies(issued.cert_der, issued.chain_der, NOW)


def test_another_key_or_another_message_does_not_pass() -> None:
    key, issued = _issued("p256")
    other = ec.generate_private_key(ec.SECP256R1())

    assert not CHECKER.public_key_matches(issued.cert_der, spki_der(other.public_key()))
    assert not CHECKER.signature_verifies(issued.cert_der, b"challenge", _sign(other, b"challenge"))
    assert not CHECKER.signature_verifies(issued.cert_der, b"other", _sign(key, b"challenge"))
    assert not CHECKER.signature_verifies(b"not a certificate", b"x", b"y")


def test_a_chain_to_another_root_or_out_of_validity_does_not_pass() -> None:
    _, issued = _issued("p256")
    stranger = X509CertificateChecker([FakeCertificateAuthority(FixedClock(NOW)).root_der])

    assert not stranger.chain_verifies(issued.cert_der, issued.chain_der, NOW)
    assert not CHECKER.chain_verifies(issued.cert_der, issued.chain_der, NOW - timedelta(days=1))
    assert not CHECKER.chain_verifies(issued.cert_der, [], NOW)  # issuing CA missing


def test_the_checker_needs_a_readable_root() -> None:
    with pytest.raises(ConfigError):
        X509CertificateChecker([b"garbage"])
    with pytest.raises(ConfigError):
        X509CertificateChecker([])


def test_the_fake_ca_refuses_a_request_for_another_subject() -> None:
    key, _ = _issued("p256")
    other = SubjectSpec.for_holder(
        Person("Autre", "Nom"), Company("732829320", "73282932000074", "Boulangerie", "SARL")
    )
    with pytest.raises(ValidationError):
        _ca().issue(build_csr(key, other), SUBJECT, PROFILE)
    assert x509.load_der_x509_certificate(_ca().chain()[1]).subject == _ca().root.subject
