"""Revocation in the embedded CA: the revocation list in its folder and the CRL signed by
the issuing key on its SoftHSM token, checked from outside with openssl."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.domain.certificate_revocation import RevocableCertificateAuthority, RevocationReason
from kiosk.domain.certificates import CertificateAuthority, IssuedCertificate
from kiosk.domain.errors import ValidationError
from kiosk.domain.model import KeyAlgorithm
from tests.integration.crl_env import ca_copy, openssl, verify_with_crl
from tests.integration.softhsm_env import (
    HOLDER,
    PROFILE,
    SoftHsm,
    ca_folder,
    softhsm,
    unique_label,
)

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, ca_folder, ca_copy)


@pytest.fixture
def folder(ca_copy: Path) -> Path:
    """The revoking CA's folder, where its revocations and CRL are written."""
    return ca_copy


@pytest.fixture
def ca(softhsm: SoftHsm, folder: Path) -> EmbeddedCA:
    return EmbeddedCA.load(folder, module_path=softhsm.module, crl_validity=timedelta(days=7))


def _issue(ca: CertificateAuthority) -> IssuedCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(subject_name(HOLDER))
        .sign(key, hashes.SHA256())
    )
    return ca.issue(request.public_bytes(Encoding.DER), HOLDER, PROFILE)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_openssl_finds_a_revoked_certificate_revoked_and_another_one_good(
    ca: EmbeddedCA, folder: Path, tmp_path: Path
) -> None:
    revoked, good = _issue(ca), _issue(ca)
    authority: RevocableCertificateAuthority = ca  # what a desk journey will be given

    authority.revoke(revoked.serial_hex, RevocationReason.KEY_COMPROMISE, _now())

    crl = str(folder / "crl.pem")
    chain = tmp_path / "chain.pem"
    chain.write_bytes(
        (folder / "issuing-ca.pem").read_bytes() + (folder / "root-ca.pem").read_bytes()
    )
    signature = openssl("crl", "-in", crl, "-CAfile", str(chain), "-noout")
    assert signature.returncode == 0 and "verify OK" in signature.stderr + signature.stdout
    checked = [verify_with_crl(folder, issued.cert_der, tmp_path) for issued in (revoked, good)]
    assert checked[0].returncode != 0
    assert "certificate revoked" in checked[0].stdout + checked[0].stderr
    assert checked[1].returncode == 0, checked[1].stdout + checked[1].stderr
    assert checked[1].stdout.strip().endswith(": OK")


def test_the_crl_names_its_issuer_number_period_and_reasons(ca: EmbeddedCA, folder: Path) -> None:
    before = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    compromised, left, unspecified = _issue(ca), _issue(ca), _issue(ca)
    ca.revoke(compromised.serial_hex, RevocationReason.KEY_COMPROMISE, _now())
    ca.revoke(left.serial_hex, RevocationReason.AFFILIATION_CHANGED, _now())
    ca.revoke(unspecified.serial_hex, RevocationReason.UNSPECIFIED, _now())

    crl = x509.load_der_x509_crl(ca.crl())

    issuing = x509.load_der_x509_certificate(ca.chain()[0])
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    assert crl.issuer == issuing.subject

    def number(of: x509.CertificateRevocationList) -> int:
        return of.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number

    assert number(crl) == number(before) + 4  # a CRL for each revocation, then this one
    assert crl.next_update_utc is not None
    assert crl.next_update_utc - crl.last_update_utc == timedelta(days=7)
    aki = crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = issuing.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest

    def reason(issued: IssuedCertificate) -> x509.ReasonFlags | None:
        entry = crl.get_revoked_certificate_by_serial_number(int(issued.serial_hex, 16))
        assert entry is not None
        try:
            return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
        except x509.ExtensionNotFound:
            return None

    assert reason(compromised) is x509.ReasonFlags.key_compromise
    assert reason(left) is x509.ReasonFlags.affiliation_changed
    assert reason(unspecified) is None  # RFC 5280: left out rather than "unspecified"
    assert (folder / "crl.pem").read_bytes() == crl.public_bytes(Encoding.PEM)


def test_revoking_twice_keeps_the_first_revocation_and_a_later_process_sees_it(
    softhsm: SoftHsm, ca: EmbeddedCA, folder: Path
) -> None:
    issued = _issue(ca)
    first_at = _now() - timedelta(hours=1)
    first = ca.revoke(issued.serial_hex, RevocationReason.SUPERSEDED, first_at)

    again = ca.revoke(issued.serial_hex.upper(), RevocationReason.KEY_COMPROMISE, _now())

    assert again == first and first.revoked_at == first_at
    lines = (folder / "revocations.jsonl").read_text().splitlines()
    assert [json.loads(line)["reason"] for line in lines] == ["superseded"]
    later = EmbeddedCA.load(folder, module_path=softhsm.module)
    assert later.revocations() == [first]
    assert not list(folder.glob("*.tmp"))


def test_suspension_is_refused_for_qualified_certificates(ca: EmbeddedCA, folder: Path) -> None:
    issued = _issue(ca)

    with pytest.raises(ValidationError, match="suspension n'est pas admise"):
        ca.revoke(issued.serial_hex, RevocationReason.CERTIFICATE_HOLD, _now())
    assert not (folder / "revocations.jsonl").exists()


def test_a_certificate_from_another_authority_is_not_revoked_here(
    ca: EmbeddedCA, folder: Path
) -> None:
    other = FakeCertificateAuthority()
    stranger = _issue(other)

    with pytest.raises(ValidationError, match="pas été émis par cette autorité"):
        ca.revoke(
            stranger.serial_hex,
            RevocationReason.KEY_COMPROMISE,
            _now(),
            certificate_der=stranger.cert_der,
        )
    with pytest.raises(ValidationError, match="dans le futur"):
        ca.revoke(_issue(ca).serial_hex, RevocationReason.SUPERSEDED, _now() + timedelta(days=1))
    assert not (folder / "revocations.jsonl").exists()


def test_a_new_ca_publishes_an_empty_crl_from_the_start(softhsm: SoftHsm, tmp_path: Path) -> None:
    folder = tmp_path / "new-ca"

    ca = EmbeddedCA.create(
        folder,
        module_path=softhsm.module,
        token_label=unique_label("CA"),
        key_algorithm=KeyAlgorithm.EC_P256,
    )

    crl = x509.load_pem_x509_crl((folder / "crl.pem").read_bytes())
    issuing = x509.load_der_x509_certificate(ca.chain()[0])
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    assert len(crl) == 0
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 1
