"""SO PIN escrow: RSA-OAEP (SHA-256, MGF1-SHA-256) to the back office's public key.

The kiosk holds only the public key (a PEM file named in its settings); the private key
stays with the back office's PIN-unblock service. The escrow context (token serial and
dossier) is the OAEP label: a ciphertext decrypts only with the context it was made for,
so one token's escrow cannot be passed off as another's.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.domain.errors import ConfigError, StorageError

SETTING = "so_pin_escrow_public_key"
MIN_BITS = 2048


def oaep(context: str) -> padding.OAEP:
    """The padding both sides use (the back office decrypts with the same)."""
    return padding.OAEP(
        mgf=padding.MGF1(algorithm=hashes.SHA256()),
        algorithm=hashes.SHA256(),
        label=context.encode("utf-8"),
    )


class RsaOaepEscrow:
    """``SoPinEscrow`` over one RSA public key."""

    def __init__(self, public_key: rsa.RSAPublicKey) -> None:
        if public_key.key_size < MIN_BITS:
            raise ConfigError(SETTING, f"clé RSA de {MIN_BITS} bits au moins attendue")
        self._public_key = public_key
        spki = public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._key_id = hashlib.sha256(spki).hexdigest()

    def __repr__(self) -> str:
        return f"RsaOaepEscrow(key_id={self._key_id[:16]}…)"

    @classmethod
    def from_pem(cls, pem: bytes) -> RsaOaepEscrow:
        try:
            key = serialization.load_pem_public_key(pem)
        except ValueError:
            raise ConfigError(SETTING, "clé publique PEM illisible") from None
        if not isinstance(key, rsa.RSAPublicKey):
            raise ConfigError(SETTING, "une clé publique RSA est attendue")
        return cls(key)

    @classmethod
    def from_file(cls, path: Path) -> RsaOaepEscrow:
        try:
            pem = path.read_bytes()
        except OSError:
            raise ConfigError(SETTING, f"fichier absent ou illisible : {path}") from None
        return cls.from_pem(pem)

    @property
    def key_id(self) -> str:
        return self._key_id

    def encrypt(self, so_pin: str, context: str) -> bytes:
        return self._public_key.encrypt(so_pin.encode("utf-8"), oaep(context))


def create_key_pair(public_pem: Path, back_office_private_pem: Path, bits: int = 3072) -> str:
    """Make an escrow key pair (demo and tests): the public half for the kiosk's settings,
    the private half (0600) for the back office, in a folder of its own. Returns its key id."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        back_office_private_pem.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(back_office_private_pem, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private)
        public_pem.parent.mkdir(parents=True, exist_ok=True)
        public_pem.write_bytes(public)
    except OSError as exc:
        raise StorageError(f"Clé de séquestre non écrite : {exc.strerror}.") from exc
    return RsaOaepEscrow(key.public_key()).key_id
