"""Software checkpoint keys: Ed25519 and ECDSA P-256 signers and verifiers (cryptography).

Both follow c2sp.org/signed-note, so Go's ``sumdb/note`` and transparency-dev tools read
what they sign:

- Ed25519 (signature type 0x01): RFC 8032 over the note text;
  key ID = SHA-256(key name || 0x0A || 0x01 || 32-byte public key)[:4].
- ECDSA P-256 (type 0x02, as github.com/transparency-dev/witness): ASN.1 DER signature
  over SHA-256(note text); key ID = SHA-256(DER SubjectPublicKeyInfo)[:4]. This is what a
  PKCS#11 token signs with CKM_ECDSA_SHA256 (its raw r||s re-encoded as DER).

The desk's audit key will live on a token (a PKCS#11 signer comes later); these serve the
demo, tests and any verifier, which only needs the public key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Generic, TypeVar

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from kiosk.domain.checkpoint import CheckpointVerifier
from kiosk.domain.errors import ConfigError

SIG_ED25519 = 0x01
SIG_ECDSA = 0x02
PRIVATE_SETTING = "audit_checkpoint_private_key"
PUBLIC_SETTING = "audit_checkpoint_public_key"


def ed25519_key_id(key_name: str, public_key: ed25519.Ed25519PublicKey) -> bytes:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(key_name.encode() + b"\n" + bytes([SIG_ED25519]) + raw).digest()[:4]


def ecdsa_key_id(public_key: ec.EllipticCurvePublicKey) -> bytes:
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:4]


def _spki_pem(public_key: ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


_Verifier = TypeVar("_Verifier", bound=CheckpointVerifier)


class NamedByVerifier(Generic[_Verifier]):
    """A checkpoint signer (software or on a token) goes by its verifier's key name and ID."""

    def __init__(self, verifier: _Verifier) -> None:
        self._verifier = verifier

    def __repr__(self) -> str:  # names the key, never shows it
        return f"{type(self).__name__}({self.key_name!r}, id={self.key_id.hex()})"

    @property
    def key_name(self) -> str:
        return self._verifier.key_name

    @property
    def key_id(self) -> bytes:
        return self._verifier.key_id

    def verifier(self) -> _Verifier:
        return self._verifier


class Ed25519CheckpointVerifier:
    def __init__(self, key_name: str, public_key: ed25519.Ed25519PublicKey) -> None:
        self._key_name = key_name
        self._public_key = public_key
        self._key_id = ed25519_key_id(key_name, public_key)

    def __repr__(self) -> str:
        return f"Ed25519CheckpointVerifier({self._key_name!r}, id={self._key_id.hex()})"

    @property
    def key_name(self) -> str:
        return self._key_name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def public_key_pem(self) -> bytes:
        """The public key to hand auditors (SubjectPublicKeyInfo PEM)."""
        return _spki_pem(self._public_key)

    def vkey(self) -> str:
        """The verifier key as Go's ``note`` package writes it: name+hex(id)+base64(type||key)."""
        raw = self._public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        blob = base64.b64encode(bytes([SIG_ED25519]) + raw).decode("ascii")
        return f"{self._key_name}+{self._key_id.hex()}+{blob}"

    @classmethod
    def from_vkey(cls, vkey: str) -> Ed25519CheckpointVerifier:
        parts = vkey.strip().split("+")
        name, key_id_hex, blob = parts if len(parts) == 3 else ("", "", "")
        try:
            raw = base64.b64decode(blob, validate=True)
            if len(raw) != 33 or raw[0] != SIG_ED25519:
                raise ValueError(vkey)
            verifier = cls(name, ed25519.Ed25519PublicKey.from_public_bytes(raw[1:]))
        except (ValueError, binascii.Error):
            raise ConfigError(PUBLIC_SETTING, "clé de vérification Ed25519 illisible") from None
        if not name or verifier.key_id.hex() != key_id_hex.lower():
            raise ConfigError(PUBLIC_SETTING, "identifiant de clé incohérent")
        return verifier


class Ed25519CheckpointSigner(NamedByVerifier[Ed25519CheckpointVerifier]):
    def __init__(self, key_name: str, private_key: ed25519.Ed25519PrivateKey) -> None:
        super().__init__(Ed25519CheckpointVerifier(key_name, private_key.public_key()))
        self._private_key = private_key

    @classmethod
    def generate(cls, key_name: str) -> Ed25519CheckpointSigner:
        return cls(key_name, ed25519.Ed25519PrivateKey.generate())

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)


class EcdsaP256CheckpointVerifier:
    def __init__(self, key_name: str, public_key: ec.EllipticCurvePublicKey) -> None:
        if not isinstance(public_key.curve, ec.SECP256R1):
            raise ConfigError(PUBLIC_SETTING, "une clé ECDSA P-256 est attendue")
        self._key_name = key_name
        self._public_key = public_key
        self._key_id = ecdsa_key_id(public_key)

    def __repr__(self) -> str:
        return f"EcdsaP256CheckpointVerifier({self._key_name!r}, id={self._key_id.hex()})"

    @property
    def key_name(self) -> str:
        return self._key_name

    @property
    def key_id(self) -> bytes:
        return self._key_id

    def public_key_pem(self) -> bytes:
        return _spki_pem(self._public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True


class EcdsaP256CheckpointSigner(NamedByVerifier[EcdsaP256CheckpointVerifier]):
    def __init__(self, key_name: str, private_key: ec.EllipticCurvePrivateKey) -> None:
        super().__init__(EcdsaP256CheckpointVerifier(key_name, private_key.public_key()))
        self._private_key = private_key

    @classmethod
    def generate(cls, key_name: str) -> EcdsaP256CheckpointSigner:
        return cls(key_name, ec.generate_private_key(ec.SECP256R1()))

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message, ec.ECDSA(hashes.SHA256()))


CheckpointKeyVerifier = Ed25519CheckpointVerifier | EcdsaP256CheckpointVerifier


def verifier_from_public_pem(key_name: str, pem: bytes) -> CheckpointKeyVerifier:
    """A verifier for an exported public key (PEM SubjectPublicKeyInfo), Ed25519 or P-256."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, UnsupportedAlgorithm):
        raise ConfigError(PUBLIC_SETTING, "clé publique PEM illisible") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return Ed25519CheckpointVerifier(key_name, key)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return EcdsaP256CheckpointVerifier(key_name, key)
    raise ConfigError(PUBLIC_SETTING, "une clé Ed25519 ou ECDSA P-256 est attendue")


CheckpointKeySigner = Ed25519CheckpointSigner | EcdsaP256CheckpointSigner


def signer_from_private_pem(
    key_name: str, pem: bytes, password: bytes | None = None
) -> CheckpointKeySigner:
    """A software signer from a PKCS#8 PEM private key (demo and tests; the desk uses a token)."""
    try:
        key = serialization.load_pem_private_key(pem, password)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError(PRIVATE_SETTING, "clé privée PEM illisible") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519CheckpointSigner(key_name, key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return EcdsaP256CheckpointSigner(key_name, key)
    raise ConfigError(PRIVATE_SETTING, "une clé Ed25519 ou ECDSA P-256 est attendue")
