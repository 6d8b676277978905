"""SO PIN escrow: only the back office's private key, with the same context, opens it."""

from __future__ import annotations

from functools import cache

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kiosk.adapters.crypto.escrow import RsaOaepEscrow, oaep
from kiosk.domain.errors import ConfigError

SO_PIN = "Q7K2M9XW4TB8HR3Z"
CONTEXT = "kiosk-so-pin/v1;token=TOK-1;dossier=CS-2026-000123"


@cache
def _back_office_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_the_back_office_opens_the_escrow_with_its_context() -> None:
    escrow = RsaOaepEscrow.from_pem(_pem(_back_office_key().public_key()))

    sealed = escrow.encrypt(SO_PIN, CONTEXT)

    assert SO_PIN.encode() not in sealed
    assert _back_office_key().decrypt(sealed, oaep(CONTEXT)).decode() == SO_PIN
    assert escrow.encrypt(SO_PIN, CONTEXT) != sealed  # randomised: equal PINs do not show


def test_an_escrow_does_not_open_under_another_tokens_context() -> None:
    sealed = RsaOaepEscrow(_back_office_key().public_key()).encrypt(SO_PIN, CONTEXT)

    with pytest.raises(ValueError):
        _back_office_key().decrypt(sealed, oaep(CONTEXT.replace("TOK-1", "TOK-2")))


def test_the_key_id_names_the_public_key_and_nothing_secret_shows() -> None:
    escrow = RsaOaepEscrow(_back_office_key().public_key())
    assert len(escrow.key_id) == 64
    assert escrow.key_id == RsaOaepEscrow.from_pem(_pem(_back_office_key().public_key())).key_id
    assert escrow.key_id[:16] in repr(escrow)


@pytest.mark.parametrize(
    ("pem", "problem"),
    [
        (b"not a key", "illisible"),
        (_pem(ec.generate_private_key(ec.SECP256R1()).public_key()), "RSA"),
        (_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()), "2048"),
    ],
    ids=["garbage", "ec", "rsa1024"],
)
def test_an_unusable_escrow_key_is_a_configuration_error(pem: bytes, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as raised:
        RsaOaepEscrow.from_pem(pem)
    assert raised.value.setting == "so_pin_escrow_public_key"
