"""The embedded CA: what it refuses to sign, what it signs, and that a later process can
use the CA folder. Its issuing key is on its own SoftHSM token."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import AuthorityInformationAccessOID

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.ca.qualified_profile import QC_STATEMENTS, add_years
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import ConfigError, DeviceError, ValidationError
from kiosk.domain.model import KeyAlgorithm
from tests.integration.softhsm_env import (
    HOLDER,
    POLICY_OID,
    PROFILE,
    SoftHsm,
    ca_folder,
    embedded_ca,
    softhsm,
    unique_label,
)

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, ca_folder, embedded_ca)
_REPOSITORY = Path(__file__).resolve().parents[2]

SoftwareKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


def _request(subject: SubjectSpec = HOLDER, key: SoftwareKey | None = None) -> bytes:
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject_name(subject))
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


def _spki(key: SoftwareKey) -> bytes:
    return key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


class _LaterClock:
    def __init__(self, years: int) -> None:
        self._moment = add_years(datetime.now(UTC), years)

    def now(self) -> datetime:
        return self._moment


def _assert_qc_statements(softhsm: SoftHsm, value: bytes, folder: Path) -> None:
    """OpenSSL reads QcCompliance, QcSSCD and QcType esign in the qcStatements."""
    (folder / "qc.der").write_bytes(value)
    parsed = softhsm.run("openssl", "asn1parse", "-inform", "DER", "-in", str(folder / "qc.der"))
    oids = [line.rsplit(":", 1)[1] for line in parsed.splitlines() if "OBJECT" in line]
    assert oids == ["0.4.0.1862.1.1", "0.4.0.1862.1.4", "0.4.0.1862.1.6", "0.4.0.1862.1.6.1"]


def test_the_issued_certificate_follows_the_qualified_signature_profile(
    softhsm: SoftHsm, embedded_ca: EmbeddedCA, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())

    issued = embedded_ca.issue(
        _request(key=key), HOLDER, PROFILE, expected_public_key_der=_spki(key)
    )

    cert = x509.load_der_x509_certificate(issued.cert_der)
    issuing, root = (x509.load_der_x509_certificate(der) for der in issued.chain_der)
    cert.verify_directly_issued_by(issuing)
    issuing.verify_directly_issued_by(root)
    assert cert.subject == subject_name(HOLDER)
    assert cert.public_key() == key.public_key()
    extensions = cert.extensions
    usage = extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.content_commitment and not usage.value.digital_signature
    assert extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    policies = extensions.get_extension_for_class(x509.CertificatePolicies).value
    assert [p.policy_identifier.dotted_string for p in policies] == [POLICY_OID]
    crl = extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert crl[0].full_name == [x509.UniformResourceIdentifier(PROFILE.crl_url)]
    access = extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [(a.access_method, a.access_location.value) for a in access] == [
        (AuthorityInformationAccessOID.CA_ISSUERS, PROFILE.ca_issuers_url)
    ]
    statements = extensions.get_extension_for_oid(QC_STATEMENTS)
    assert statements.critical is False
    _assert_qc_statements(softhsm, statements.value.public_bytes(), tmp_path)
    aki = extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = issuing.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert len(issued.serial_hex) == 32 and int(issued.serial_hex, 16) == cert.serial_number > 0
    assert issued.not_after == add_years(issued.not_before, PROFILE.validity_years)
    assert issued.sha256_fingerprint == hashlib.sha256(issued.cert_der).hexdigest()


def test_a_request_whose_signature_does_not_verify_is_refused(embedded_ca: EmbeddedCA) -> None:
    request = bytearray(_request())
    request[-1] ^= 0x01  # last byte of the ECDSA signature

    with pytest.raises(ValidationError, match="signature ne correspond pas"):
        embedded_ca.issue(bytes(request), HOLDER, PROFILE)


@pytest.mark.parametrize(
    "asked",
    [
        SubjectSpec("Hélène", "Martin", "Hélène Martin", HOLDER.organisation, "NTRFR-732829320"),
        SubjectSpec("Hélène", "Lefèvre", "Hélène Lefèvre", HOLDER.organisation, "NTRFR-552100554"),
        SubjectSpec("Hélène", "Lefèvre", "Hélène Lefèvre", "Autre SA", "NTRFR-732829320"),
    ],
    ids=["surname", "siren", "organisation"],
)
def test_a_request_for_another_subject_is_refused(
    embedded_ca: EmbeddedCA, asked: SubjectSpec
) -> None:
    with pytest.raises(ValidationError, match="sujet ne correspond pas"):
        embedded_ca.issue(_request(subject=asked), HOLDER, PROFILE)


def test_a_request_for_a_key_other_than_the_token_one_is_refused(embedded_ca: EmbeddedCA) -> None:
    token_key = ec.generate_private_key(ec.SECP256R1())

    with pytest.raises(ValidationError, match="pas celle générée sur le support"):
        embedded_ca.issue(_request(), HOLDER, PROFILE, expected_public_key_der=_spki(token_key))


def test_a_weak_key_is_refused(embedded_ca: EmbeddedCA) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)

    with pytest.raises(ValidationError, match="taille de clé"):
        embedded_ca.issue(_request(key=weak), HOLDER, PROFILE)


def test_a_certificate_that_would_outlive_the_issuing_ca_is_refused(
    softhsm: SoftHsm, ca_folder: Path
) -> None:
    ca = EmbeddedCA.load(ca_folder, module_path=softhsm.module, clock=_LaterClock(years=8))

    with pytest.raises(DeviceError, match="expire avant"):
        ca.issue(_request(), HOLDER, PROFILE)


def test_a_pin_file_others_can_read_is_refused(
    softhsm: SoftHsm, ca_folder: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "ca"
    shutil.copytree(ca_folder, copy)
    (copy / "ca-token.pin").chmod(0o640)

    with pytest.raises(ConfigError, match="0600"):
        EmbeddedCA.load(copy, module_path=softhsm.module)


def test_a_folder_that_already_holds_a_ca_is_not_overwritten(
    softhsm: SoftHsm, ca_folder: Path
) -> None:
    root_before = (ca_folder / "root-ca.pem").read_bytes()

    with pytest.raises(ConfigError, match="existe déjà"):
        EmbeddedCA.create(ca_folder, module_path=softhsm.module)
    assert (ca_folder / "root-ca.pem").read_bytes() == root_before


_LATER_PROCESS = """
import sys
from pathlib import Path
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from tests.integration.softhsm_env import HOLDER, PROFILE
folder, module, request, out = sys.argv[1:]
ca = EmbeddedCA.load(Path(folder), module_path=module)
Path(out).write_bytes(ca.issue(Path(request).read_bytes(), HOLDER, PROFILE).cert_der)
"""


def test_a_later_process_signs_with_the_ca_folder_and_openssl_accepts_the_chain(
    softhsm: SoftHsm, ca_folder: Path, tmp_path: Path
) -> None:
    request, cert = tmp_path / "request.der", tmp_path / "cert.der"
    request.write_bytes(_request())
    env = {**softhsm.env(), "PYTHONPATH": str(_REPOSITORY)}
    args = [str(ca_folder), softhsm.module, str(request), str(cert)]

    done = subprocess.run(
        [sys.executable, "-c", _LATER_PROCESS, *args], env=env, capture_output=True, check=False
    )

    assert done.returncode == 0, done.stderr.decode()
    pem = str(tmp_path / "cert.pem")
    softhsm.run("openssl", "x509", "-inform", "DER", "-in", str(cert), "-out", pem)
    root, issuing = str(ca_folder / "root-ca.pem"), str(ca_folder / "issuing-ca.pem")
    verified = softhsm.run("openssl", "verify", "-CAfile", root, "-untrusted", issuing, pem)
    assert verified.strip() == f"{pem}: OK"
    assert oct(os.stat(ca_folder / "root-ca.key.pem").st_mode & 0o777) == "0o600"


def test_a_p256_ca_signs_on_its_token_and_openssl_accepts_the_chain(
    softhsm: SoftHsm, tmp_path: Path
) -> None:
    folder = tmp_path / "ec-ca"
    ca = EmbeddedCA.create(
        folder,
        module_path=softhsm.module,
        token_label=unique_label("CA"),
        key_algorithm=KeyAlgorithm.EC_P256,
    )

    issued = ca.issue(_request(), HOLDER, PROFILE)

    pem = str(tmp_path / "cert.pem")
    (tmp_path / "cert.der").write_bytes(issued.cert_der)
    softhsm.run("openssl", "x509", "-inform", "DER", "-in", str(tmp_path / "cert.der"), "-out", pem)
    root, issuing = str(folder / "root-ca.pem"), str(folder / "issuing-ca.pem")
    verified = softhsm.run("openssl", "verify", "-CAfile", root, "-untrusted", issuing, pem)
    assert verified.strip() == f"{pem}: OK"
    assert x509.load_der_x509_certificate(issued.cert_der).signature_hash_algorithm is not None
    assert issued.not_before <= datetime.now(UTC) < issued.not_before + timedelta(minutes=5)
