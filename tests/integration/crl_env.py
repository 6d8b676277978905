"""A copy of the session's embedded CA that a test may revoke with, and openssl reading the
CRL it publishes: what a relying party would see of a revocation at the desk.

Import the fixtures explicitly, with ``softhsm`` and ``ca_folder`` (softhsm_env) they use:
``from tests.integration.crl_env import ca_copy, revocable_ca``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from tests.integration.softhsm_env import SoftHsm


@pytest.fixture
def ca_copy(ca_folder: Path, tmp_path: Path) -> Path:
    """A copy of the session's CA folder: same issuing key on its token, its own CRL."""
    copy = tmp_path / "ca"
    shutil.copytree(ca_folder, copy)
    return copy


@pytest.fixture
def revocable_ca(softhsm: SoftHsm, ca_copy: Path) -> EmbeddedCA:
    return EmbeddedCA.load(ca_copy, module_path=softhsm.module)


def openssl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)


def crl_text(folder: Path) -> str:
    done = openssl("crl", "-in", str(folder / "crl.pem"), "-noout", "-text")
    assert done.returncode == 0, done.stderr
    return done.stdout


def verify_with_crl(
    folder: Path, cert_der: bytes, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """``openssl verify -crl_check`` of a certificate against the CA folder's chain and CRL."""
    pem = tmp_path / f"cert-{hashlib.sha256(cert_der).hexdigest()[:8]}.pem"
    pem.write_bytes(x509.load_der_x509_certificate(cert_der).public_bytes(Encoding.PEM))
    return openssl(
        "verify", "-crl_check", "-CRLfile", str(folder / "crl.pem"),
        "-CAfile", str(folder / "root-ca.pem"), "-untrusted", str(folder / "issuing-ca.pem"),
        str(pem),
    )  # fmt: skip


def serial_in_crl_text(serial_hex: str) -> str:
    """How ``openssl crl -text`` prints a serial: uppercase hex, even number of digits."""
    value = serial_hex.lstrip("0").upper() or "0"
    return value if len(value) % 2 == 0 else "0" + value
