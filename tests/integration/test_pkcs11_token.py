"""The PKCS#11 token adapter over SoftHSM2, checked with outside tools (OpenSC, OpenSSL).

A personalisation is only right if software other than ours sees it right: the middleware
lists the key pair and the certificate under one ID, signs with the key after a PIN login,
and OpenSSL verifies that signature and the certificate chain.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.errors import DeviceError, ValidationError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.token_ports import (
    DiscardedKeys,
    PinIncorrectError,
    TokenInfo,
    TokenNotBlankError,
    TokenPort,
    TokenRemovedError,
)
from tests.integration.softhsm_env import (
    HOLDER,
    POLICY_OID,
    PROFILE,
    SO_PIN,
    USER_PIN,
    SoftHsm,
    ca_folder,
    embedded_ca,
    softhsm,
    token_adapter,
    unique_label,
)

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, token_adapter, ca_folder, embedded_ca)

KEY_ID = bytes.fromhex("4b01")


def _fresh_token(adapter: Pkcs11TokenAdapter) -> TokenInfo:
    blank = adapter.find_blank()
    assert blank is not None, "SoftHSM always keeps one free slot"
    return adapter.initialise(blank.serial, unique_label(), SO_PIN, USER_PIN)


@dataclass(frozen=True)
class Personalised:
    token: TokenInfo
    public_key_der: bytes
    issued: IssuedCertificate


def _personalise(
    adapter: Pkcs11TokenAdapter, ca: EmbeddedCA, algorithm: KeyAlgorithm
) -> Personalised:
    token = _fresh_token(adapter)
    spki = adapter.generate_key_pair(token.serial, USER_PIN, algorithm, KEY_ID)
    csr = adapter.build_csr(token.serial, USER_PIN, KEY_ID, HOLDER)
    issued = ca.issue(csr, HOLDER, PROFILE, expected_public_key_der=spki)
    adapter.write_certificates(
        token.serial, USER_PIN, KEY_ID, issued.cert_der, issued.chain_der, "Hélène Lefèvre"
    )
    return Personalised(token, spki, issued)


def _objects(listing: str) -> list[tuple[str, str, str]]:
    """(kind, ID, access) for each object block of ``pkcs11-tool --list-objects``."""
    found: list[tuple[str, str, str]] = []
    for block in ("\n" + listing).split("\n")[1:]:
        if block and not block[0].isspace():
            found.append((block.split(";")[0], "", ""))
        elif found and block.strip().startswith(("ID:", "Access:")):
            kind, key_id, access = found[-1]
            name, _, value = block.strip().partition(":")
            found[-1] = (kind, value.strip(), access) if name == "ID" else (kind, key_id, value)
    return found


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)


def _check_objects(softhsm: SoftHsm, label: str) -> None:
    """The middleware sees the pair and the certificate under one ID, the key locked in."""
    listing = softhsm.pkcs11_tool(label, "--login", "--pin", USER_PIN, "--list-objects")
    objects = _objects(listing)
    with_our_id = {kind for kind, key_id, _ in objects if key_id == KEY_ID.hex()}
    assert with_our_id == {"Private Key Object", "Public Key Object", "Certificate Object"}
    private_access = next(access for kind, _, access in objects if kind == "Private Key Object")
    assert "never extractable" in private_access
    assert "sensitive" in private_access
    assert sum(kind == "Certificate Object" for kind, _, _ in objects) == 3  # holder + chain


def _check_certificate(softhsm: SoftHsm, issued: IssuedCertificate, folder: Path) -> None:
    """OpenSSL builds the chain to the root and reads the qualified profile."""
    pems = []
    ders = [issued.cert_der, *issued.chain_der]
    for name, der in zip(("cert", "issuing", "root"), ders, strict=True):
        der_path = _write(folder / f"{name}.der", der)
        pems.append(str(folder / f"{name}.pem"))
        softhsm.run("openssl", "x509", "-inform", "DER", "-in", der_path, "-out", pems[-1])
    cert, issuing, root = pems
    verified = softhsm.run("openssl", "verify", "-CAfile", root, "-untrusted", issuing, cert)
    assert verified.strip() == f"{cert}: OK"

    text = softhsm.run("openssl", "x509", "-in", cert, "-noout", "-text")
    assert "X509v3 Key Usage: critical\n                Non Repudiation\n" in text
    assert f"Policy: {POLICY_OID}" in text
    assert "CA:FALSE" in text


def _check_signatures(
    softhsm: SoftHsm,
    adapter: Pkcs11TokenAdapter,
    done: Personalised,
    algorithm: KeyAlgorithm,
    folder: Path,
) -> None:
    """OpenSSL verifies, with the certificate's key, what the token signs after a PIN login:
    through pkcs11-tool, and through the adapter (the challenge signature)."""
    pub = str(folder / "pub.pem")
    cert = str(folder / "cert.pem")
    softhsm.run("openssl", "x509", "-in", cert, "-pubkey", "-noout", "-out", pub)
    challenge = b"Remise du certificat - dossier CS-2026-000123"
    data = _write(folder / "challenge", challenge)
    if algorithm is KeyAlgorithm.EC_P256:  # SoftHSM offers raw CKM_ECDSA only: hash here
        digest = _write(folder / "digest", hashlib.sha256(challenge).digest())
        mechanism = ["-m", "ECDSA", "--signature-format", "openssl", "-i", digest]
    else:
        mechanism = ["-m", "SHA256-RSA-PKCS", "-i", data]
    tool_sig = str(folder / "tool.sig")
    login = ["--login", "--pin", USER_PIN]
    softhsm.pkcs11_tool(
        done.token.label, *login, "--sign", "--id", KEY_ID.hex(), *mechanism, "-o", tool_sig
    )
    ours = adapter.sign(done.token.serial, USER_PIN, KEY_ID, challenge)
    for signature in (tool_sig, _write(folder / "ours.sig", ours)):
        verdict = softhsm.run(
            "openssl", "dgst", "-sha256", "-verify", pub, "-signature", signature, data
        )
        assert "Verified OK" in verdict


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm), ids=str)
def test_a_personalised_token_is_seen_right_by_opensc_and_openssl(
    softhsm: SoftHsm,
    token_adapter: Pkcs11TokenAdapter,
    embedded_ca: EmbeddedCA,
    algorithm: KeyAlgorithm,
    tmp_path: Path,
) -> None:
    done = _personalise(token_adapter, embedded_ca, algorithm)

    _check_objects(softhsm, done.token.label)
    _check_certificate(softhsm, done.issued, tmp_path)
    _check_signatures(softhsm, token_adapter, done, algorithm, tmp_path)
    assert token_adapter.read_certificate(done.token.serial, KEY_ID) == done.issued.cert_der
    assert token_adapter.public_key(done.token.serial, KEY_ID) == done.public_key_der


def test_a_wrong_pin_is_refused_in_french_without_showing_it(
    token_adapter: Pkcs11TokenAdapter,
) -> None:
    token = _fresh_token(token_adapter)
    token_adapter.generate_key_pair(token.serial, USER_PIN, KeyAlgorithm.EC_P256, KEY_ID)

    with pytest.raises(PinIncorrectError) as refused:
        token_adapter.sign(token.serial, "0000-wrong", KEY_ID, b"data")

    assert refused.value.message.startswith("Code PIN incorrect")
    assert "0000-wrong" not in str(refused.value) and USER_PIN not in str(refused.value)
    # the failed login left nothing open that would block the right PIN
    assert token_adapter.sign(token.serial, USER_PIN, KEY_ID, b"data")


def test_an_initialised_token_is_only_reinitialised_when_a_wipe_is_asked(
    token_adapter: Pkcs11TokenAdapter,
) -> None:
    token = _fresh_token(token_adapter)
    token_adapter.generate_key_pair(token.serial, USER_PIN, KeyAlgorithm.EC_P256, KEY_ID)

    with pytest.raises(TokenNotBlankError) as refused:
        token_adapter.initialise(token.serial, "AUTRE", SO_PIN, "new-pin-9876")
    assert "pas vierge" in refused.value.message
    assert token_adapter.public_key(token.serial, KEY_ID) is not None

    with pytest.raises(PinIncorrectError) as wrong_so:
        token_adapter.initialise(token.serial, "AUTRE", "bad-so-pin", "new-pin-9876", wipe=True)
    assert "administrateur" in wrong_so.value.message

    wiped = token_adapter.initialise(
        token.serial, unique_label(), SO_PIN, "new-pin-9876", wipe=True
    )
    assert wiped.initialized and wiped.user_pin_initialized
    assert token_adapter.public_key(wiped.serial, KEY_ID) is None
    with pytest.raises(PinIncorrectError):
        token_adapter.sign(wiped.serial, USER_PIN, KEY_ID, b"data")


def test_a_certificate_for_another_key_is_not_written(
    token_adapter: Pkcs11TokenAdapter, embedded_ca: EmbeddedCA
) -> None:
    token = _fresh_token(token_adapter)
    token_adapter.generate_key_pair(token.serial, USER_PIN, KeyAlgorithm.EC_P256, KEY_ID)
    other_key = bytes.fromhex("4b02")
    token_adapter.generate_key_pair(token.serial, USER_PIN, KeyAlgorithm.EC_P256, other_key)
    csr = token_adapter.build_csr(token.serial, USER_PIN, other_key, HOLDER)
    issued = embedded_ca.issue(csr, HOLDER, PROFILE)

    with pytest.raises(ValidationError, match="ne correspond pas à la clé"):
        token_adapter.write_certificates(
            token.serial, USER_PIN, KEY_ID, issued.cert_der, issued.chain_der, "x"
        )
    assert token_adapter.read_certificate(token.serial, KEY_ID) is None


def test_writing_again_after_an_interruption_leaves_one_copy_of_each_certificate(
    softhsm: SoftHsm, token_adapter: Pkcs11TokenAdapter, embedded_ca: EmbeddedCA
) -> None:
    done = _personalise(token_adapter, embedded_ca, KeyAlgorithm.EC_P256)
    issued = done.issued
    token_adapter.write_certificates(
        done.token.serial, USER_PIN, KEY_ID, issued.cert_der, issued.chain_der, "Hélène Lefèvre"
    )

    listing = softhsm.pkcs11_tool(done.token.label, "--list-objects", "--type", "cert")
    assert listing.count("Certificate Object") == 3
    assert token_adapter.read_certificate(done.token.serial, KEY_ID) == issued.cert_der


def test_a_key_pair_left_behind_is_destroyed_with_its_certificate_and_nothing_else(
    softhsm: SoftHsm, token_adapter: Pkcs11TokenAdapter, embedded_ca: EmbeddedCA
) -> None:
    done = _personalise(token_adapter, embedded_ca, KeyAlgorithm.EC_P256)
    serial, new_key = done.token.serial, bytes.fromhex("4b02")
    token_adapter.generate_key_pair(serial, USER_PIN, KeyAlgorithm.EC_P256, new_key)

    discarded = token_adapter.discard_keys(serial, USER_PIN, [KEY_ID, bytes.fromhex("4b09")])
    again = token_adapter.discard_keys(serial, USER_PIN, [KEY_ID])

    assert discarded == DiscardedKeys(destroyed=1) and not again  # 4b09: never there
    # what OpenSC's tool sees: the new pair, the CA chain, nothing of the first key
    listing = softhsm.pkcs11_tool(done.token.label, "--login", "--pin", USER_PIN, "--list-objects")
    objects = _objects(listing)
    assert sorted((kind, key_id) for kind, key_id, _ in objects if key_id) == [
        ("Private Key Object", new_key.hex()),
        ("Public Key Object", new_key.hex()),
    ]
    assert sum(kind == "Certificate Object" for kind, _, _ in objects) == 2  # the chain
    assert token_adapter.public_key(serial, KEY_ID) is None
    assert token_adapter.sign(serial, USER_PIN, new_key, b"data")


def test_a_key_id_already_on_the_token_is_refused(token_adapter: Pkcs11TokenAdapter) -> None:
    token = _fresh_token(token_adapter)
    token_adapter.generate_key_pair(token.serial, USER_PIN, KeyAlgorithm.EC_P256, KEY_ID)

    with pytest.raises(DeviceError, match="déjà cet identifiant"):
        token_adapter.generate_key_pair(token.serial, USER_PIN, KeyAlgorithm.EC_P256, KEY_ID)


def test_a_token_that_is_not_there_is_reported_as_removed(
    token_adapter: Pkcs11TokenAdapter,
) -> None:
    with pytest.raises(TokenRemovedError) as gone:
        token_adapter.sign("0000000000000000", USER_PIN, KEY_ID, b"data")
    assert gone.value.message.startswith("Support retiré")


def test_the_adapter_lists_tokens_and_always_finds_softhsm_free_slot(
    token_adapter: Pkcs11TokenAdapter,
) -> None:
    token = _fresh_token(token_adapter)
    port: TokenPort = token_adapter

    listed = {info.serial: info for info in port.list_tokens()}
    assert listed[token.serial].label == token.label
    assert listed[token.serial].manufacturer == "SoftHSM project"
    blank = port.find_blank()
    assert blank is not None and not blank.initialized
