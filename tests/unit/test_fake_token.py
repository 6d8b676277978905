"""What SoftHSM cannot show, on the in-memory token: a PIN that locks, a token pulled out
in the middle of a step. Services rely on these errors to tell the agent what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key
from cryptography.x509.oid import NameOID

from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort, TokenStep
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import DeviceError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.token_ports import (
    PinIncorrectError,
    PinLockedError,
    TokenNotBlankError,
    TokenPort,
    TokenRemovedError,
)

SERIAL = "FAKE0001"
SO_PIN = "so-pin-4321"
PIN = "pin-1234"
KEY_ID = b"\x01"
HOLDER = SubjectSpec("Hélène", "Lefèvre", "Hélène Lefèvre", "Boulangerie", "NTRFR-732829320")
_CA_KEY = ec.generate_private_key(ec.SECP256R1())


def _certificate_for(public_key_der: bytes) -> bytes:
    """A certificate (any issuer will do here) for the token key."""
    public_key = load_der_public_key(public_key_der)
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hélène Lefèvre")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(_CA_KEY, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.DER)


def _port(max_pin_tries: int = 3) -> FakeTokenPort:
    return FakeTokenPort([FakeToken(serial=SERIAL)], max_pin_tries=max_pin_tries)


def _ready(port: FakeTokenPort) -> bytes:
    """Initialised with a P-256 key; returns the public key."""
    port.initialise(SERIAL, "TITULAIRE", SO_PIN, PIN)
    return port.generate_key_pair(SERIAL, PIN, KeyAlgorithm.EC_P256, KEY_ID)


def test_the_user_pin_locks_after_the_allowed_number_of_wrong_tries() -> None:
    port = _port(max_pin_tries=3)
    _ready(port)

    with pytest.raises(PinIncorrectError) as first:
        port.sign(SERIAL, "0000", KEY_ID, b"data")
    assert first.value.message == "Code PIN incorrect."
    with pytest.raises(PinIncorrectError) as second:
        port.sign(SERIAL, "0000", KEY_ID, b"data")
    assert "un essai avant le blocage" in second.value.message
    with pytest.raises(PinLockedError) as third:
        port.sign(SERIAL, "0000", KEY_ID, b"data")
    assert third.value.message.startswith("Code PIN bloqué")

    with pytest.raises(PinLockedError):  # even the right PIN
        port.sign(SERIAL, PIN, KEY_ID, b"data")
    assert port.list_tokens()[0].user_pin_locked


def test_a_right_pin_gives_back_every_try() -> None:
    port = _port(max_pin_tries=3)
    _ready(port)
    for _ in range(2):
        with pytest.raises(PinIncorrectError):
            port.sign(SERIAL, "0000", KEY_ID, b"data")

    port.sign(SERIAL, PIN, KEY_ID, b"data")

    with pytest.raises(PinIncorrectError) as again:
        port.sign(SERIAL, "0000", KEY_ID, b"data")
    assert "blocage" not in again.value.message


def test_pin_errors_never_show_the_pin() -> None:
    port = _port(max_pin_tries=2)
    _ready(port)
    for _ in range(3):
        with pytest.raises((DeviceError, PinIncorrectError)) as refused:
            port.sign(SERIAL, "9876-secret", KEY_ID, b"data")
        shown = f"{refused.value} {refused.value!r}"
        assert "9876-secret" not in shown and PIN not in shown


def _personalise(port: FakeTokenPort) -> None:
    port.initialise(SERIAL, "TITULAIRE", SO_PIN, PIN)
    port.discard_keys(SERIAL, PIN, [b"earlier"])  # as a resumed run does first
    public_key = port.generate_key_pair(SERIAL, PIN, KeyAlgorithm.EC_P256, KEY_ID)
    port.build_csr(SERIAL, PIN, KEY_ID, HOLDER)
    port.write_certificates(SERIAL, PIN, KEY_ID, _certificate_for(public_key), [b"ca"], "H. L.")
    port.sign(SERIAL, PIN, KEY_ID, b"challenge")


@pytest.mark.parametrize("step", list(TokenStep), ids=str)
def test_a_token_pulled_at_any_step_stops_it_with_a_french_message(step: TokenStep) -> None:
    port = _port()
    port.pull_at(step)

    with pytest.raises(DeviceError) as pulled:
        _personalise(port)

    assert isinstance(pulled.value, TokenRemovedError)
    assert pulled.value.message.startswith("Support retiré")
    assert port.list_tokens() == []
    with pytest.raises(TokenRemovedError):  # every later call meets the absent token
        port.public_key(SERIAL, KEY_ID)


def test_a_write_pulled_midway_can_be_run_again_to_completion() -> None:
    port = _port()
    public_key = _ready(port)
    cert = _certificate_for(public_key)
    chain = [b"issuing-ca", b"root-ca"]
    port.pull_at(TokenStep.WRITE_CHAIN)

    with pytest.raises(TokenRemovedError):
        port.write_certificates(SERIAL, PIN, KEY_ID, cert, chain, "H. L.")
    token = port.tokens[0]
    assert token.certificates[KEY_ID] == cert and token.authority_certificates == []

    port.reinsert(SERIAL)
    port.write_certificates(SERIAL, PIN, KEY_ID, cert, chain, "H. L.")
    port.write_certificates(SERIAL, PIN, KEY_ID, cert, chain, "H. L.")
    assert port.read_certificate(SERIAL, KEY_ID) == cert
    assert token.authority_certificates == chain


def test_an_initialised_token_is_wiped_only_on_request_and_with_its_so_pin() -> None:
    port = _port()
    _ready(port)

    with pytest.raises(TokenNotBlankError):
        port.initialise(SERIAL, "AUTRE", SO_PIN, "new-pin")
    with pytest.raises(PinIncorrectError, match="administrateur"):
        port.initialise(SERIAL, "AUTRE", "wrong-so", "new-pin", wipe=True)
    assert port.public_key(SERIAL, KEY_ID) is not None

    wiped = port.initialise(SERIAL, "AUTRE", SO_PIN, "new-pin", wipe=True)

    assert wiped.label == "AUTRE"
    assert port.public_key(SERIAL, KEY_ID) is None


def test_signatures_and_requests_verify_with_the_token_public_key() -> None:
    fake = _port()
    public_key_der = _ready(fake)
    port: TokenPort = fake  # the fake keeps the port's promises
    public_key = load_der_public_key(public_key_der)
    assert isinstance(public_key, ec.EllipticCurvePublicKey)

    signature = port.sign(SERIAL, PIN, KEY_ID, b"challenge")
    public_key.verify(signature, b"challenge", ec.ECDSA(hashes.SHA256()))
    request = x509.load_der_x509_csr(port.build_csr(SERIAL, PIN, KEY_ID, HOLDER))
    assert request.is_signature_valid
    assert request.public_key() == public_key
