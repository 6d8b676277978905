"""The kiosk's audit key: ECDSA P-256 on its own PKCS#11 token, signing the log's checkpoints.

What the audit folder (``$KIOSK_HOME/audit``) keeps, as the CA folder does for the CA::

    audit.json          which token holds the key (label, serial, CKA_ID): no secret
    audit-token.pin     the token's user PIN (0600, refused if readable by others)
    audit-key.pub.pem   the public key auditors verify checkpoints with (0644)

Signatures follow c2sp.org/signed-note's ECDSA type, as ``checkpoint_keys`` does in
software: the host hashes the note with SHA-256, the token signs with CKM_ECDSA, the raw
r||s is re-encoded as DER (``token_keys.TokenEcPrivateKey``); the 4-byte key ID is
``ecdsa_key_id`` of the public key. The private key is generated on the token, sensitive
and non-extractable: it never exists anywhere else.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from kiosk.adapters.crypto.checkpoint_keys import EcdsaP256CheckpointVerifier, NamedByVerifier
from kiosk.adapters.token.key_folder import load_key_description, load_pin_file, read_file
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.adapters.token.token_keys import public_key_from_spki
from kiosk.domain.errors import ConfigError, DeviceError, KioskError, StorageError
from kiosk.domain.model import KeyAlgorithm

DESCRIPTION = "audit.json"
TOKEN_PIN = "audit-token.pin"  # noqa: S105 - a file name, not a PIN
PUBLIC_KEY = "audit-key.pub.pem"
DEFAULT_TOKEN_LABEL = "KIOSK-AUDIT"  # noqa: S105 - a token label
KEY_ID = b"\x01"  # CKA_ID of the pair on its token (the signed-note key ID is another thing)
_KEY_LABEL = "Audit checkpoints"
_SETTING = "dossier de la clé d'audit"
_UNAVAILABLE = (
    "La clé d'audit ne répond pas : le point de contrôle n'a pas été signé. "
    "Vérifiez que son support est présent, puis prévenez l'administrateur."
)


@dataclass(frozen=True)
class AuditKeyRef:
    label: str
    serial: str
    key_id: bytes


def _write(path: Path, data: bytes, mode: int) -> None:
    """Through a temporary file created with ``mode``: never readable by others, never
    half written."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise StorageError(
            f"Écriture impossible dans le dossier de la clé d'audit : {path}."
        ) from exc


def _read(path: Path) -> bytes:
    return read_file(path, _SETTING)


def has_audit_key(folder: Path) -> bool:
    return (folder / DESCRIPTION).exists()


def create_audit_key(
    folder: Path, *, module_path: str, token_label: str = DEFAULT_TOKEN_LABEL
) -> AuditKeyRef:
    """Initialise a blank token of ``module_path`` for the audit key, generate the P-256
    pair on it, and write the folder (which must not hold a key yet)."""
    if has_audit_key(folder):
        raise ConfigError(_SETTING, f"une clé d'audit existe déjà dans {folder}")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Création du dossier de la clé d'audit impossible : {folder}.") from exc
    tokens = Pkcs11TokenAdapter(module_path, key_label=_KEY_LABEL)
    blank = tokens.find_blank()
    if blank is None:
        raise DeviceError("Aucun support vierge pour la clé d'audit.")
    pin = secrets.token_urlsafe(18)
    so_pin = secrets.token_urlsafe(18)  # not kept: the audit token is never re-initialised
    info = tokens.initialise(blank.serial, token_label, so_pin, pin)
    public_der = tokens.generate_key_pair(info.serial, pin, KeyAlgorithm.EC_P256, KEY_ID)
    ref = AuditKeyRef(token_label, info.serial, KEY_ID)
    _write(folder / TOKEN_PIN, pin.encode("utf-8"), 0o600)
    _write(folder / PUBLIC_KEY, _pem(public_der), 0o644)
    description = {"token_label": ref.label, "token_serial": ref.serial, "key_id": KEY_ID.hex()}
    _write(folder / DESCRIPTION, json.dumps(description, indent=2).encode(), 0o644)  # last
    return ref


def _pem(spki: bytes) -> bytes:
    return EcdsaP256CheckpointVerifier("pem", _p256(spki)).public_key_pem()


def _p256(spki: bytes) -> ec.EllipticCurvePublicKey:
    key = public_key_from_spki(spki)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(_SETTING, "la clé d'audit n'est pas une clé ECDSA P-256")
    return key


def load_key_ref(folder: Path) -> AuditKeyRef:
    label, serial, key_id = load_key_description(folder / DESCRIPTION, _SETTING)
    return AuditKeyRef(label=label, serial=serial, key_id=key_id)


def load_pin(folder: Path) -> str:
    """The audit token's PIN, refused if the file is open to group or others."""
    return load_pin_file(folder / TOKEN_PIN, _SETTING)


def load_audit_verifier(folder: Path, key_name: str) -> EcdsaP256CheckpointVerifier:
    """The verifier of the exported public key: all an auditor needs, no token."""
    try:
        key = load_pem_public_key(_read(folder / PUBLIC_KEY))
    except ValueError as exc:
        raise ConfigError(_SETTING, f"clé publique illisible : {folder / PUBLIC_KEY}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(_SETTING, "la clé d'audit n'est pas une clé ECDSA P-256")
    return EcdsaP256CheckpointVerifier(key_name, key)


class Pkcs11CheckpointSigner(NamedByVerifier[EcdsaP256CheckpointVerifier]):
    """``CheckpointSigner`` with the audit key on its token; each signature opens a short
    logged-in session and closes it."""

    def __init__(
        self,
        tokens: Pkcs11TokenAdapter,
        ref: AuditKeyRef,
        pin: str,
        verifier: EcdsaP256CheckpointVerifier,
    ) -> None:
        super().__init__(verifier)
        self._tokens = tokens
        self._ref = ref
        self._pin = pin

    def __repr__(self) -> str:  # the PIN stays out of logs
        return f"Pkcs11CheckpointSigner({self.key_name!r}, token={self._ref.label!r})"

    def sign(self, message: bytes) -> bytes:
        try:
            return self._tokens.sign(self._ref.serial, self._pin, self._ref.key_id, message)
        except KioskError as exc:
            raise DeviceError(_UNAVAILABLE) from exc


def token_public_key_der(folder: Path, *, module_path: str) -> bytes:
    """The audit key's public half as the token holds it (SubjectPublicKeyInfo DER)."""
    ref = load_key_ref(folder)
    tokens = Pkcs11TokenAdapter(module_path)
    try:
        on_token = tokens.public_key(ref.serial, ref.key_id)
    except KioskError as exc:
        raise DeviceError(_UNAVAILABLE) from exc
    if on_token is None:
        raise ConfigError(_SETTING, f"le support {ref.label} ne porte pas la clé d'audit")
    return on_token


def token_public_key_pem(folder: Path, *, module_path: str) -> bytes:
    return _pem(token_public_key_der(folder, module_path=module_path))


def load_audit_signer(folder: Path, *, module_path: str, key_name: str) -> Pkcs11CheckpointSigner:
    """The signer of ``create_audit_key``'s key; checks its token holds the key whose public
    half was exported (a swapped token would sign what no auditor can check)."""
    ref = load_key_ref(folder)
    pin = load_pin(folder)
    verifier = load_audit_verifier(folder, key_name)
    on_token = token_public_key_der(folder, module_path=module_path)
    if _pem(on_token) != verifier.public_key_pem():
        raise ConfigError(
            _SETTING, f"le support {ref.label} ne porte pas la clé publique exportée ({PUBLIC_KEY})"
        )
    return Pkcs11CheckpointSigner(Pkcs11TokenAdapter(module_path), ref, pin, verifier)
