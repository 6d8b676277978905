"""What the embedded CA keeps on disk, and the checks made when it is read back.

ca.json          which token holds the issuing key (label, serial, key id): no secret
root-ca.pem      root certificate          issuing-ca.pem   issuing CA certificate
root-ca.key.pem  root private key (0600)   ca-token.pin     issuing token user PIN (0600)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from kiosk.adapters.token.key_folder import load_key_description, load_pin_file, read_file
from kiosk.domain.errors import ConfigError, StorageError

DESCRIPTION = "ca.json"
ROOT_CERT = "root-ca.pem"
ISSUING_CERT = "issuing-ca.pem"
ROOT_KEY = "root-ca.key.pem"
TOKEN_PIN = "ca-token.pin"  # noqa: S105 - a file name, not a PIN

_SETTING = "dossier de l'autorité de certification"


@dataclass(frozen=True)
class CaTokenRef:
    label: str
    serial: str
    key_id: bytes


def _write(path: Path, data: bytes, mode: int) -> None:
    """Writes through a temporary file created with ``mode``: never readable by others,
    never half written."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        raise StorageError(f"Écriture impossible dans le dossier de l'AC : {path.name}.") from exc


def write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Replaces ``path`` whole (temporary file, fsync, rename): readers see the old
    content or the new one. Raises ``StorageError``."""
    _write(path, data, mode)
    try:  # the rename itself must survive a power cut
        descriptor = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        raise StorageError(f"Écriture impossible dans le dossier de l'AC : {path.name}.") from exc


def prepare(folder: Path) -> None:
    if (folder / DESCRIPTION).exists():
        raise ConfigError(_SETTING, f"une autorité existe déjà dans {folder}")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"Création du dossier de l'AC impossible : {folder}.") from exc


def save(
    folder: Path,
    token: CaTokenRef,
    pin: str,
    root_key: PrivateKeyTypes,
    root: x509.Certificate,
    issuing: x509.Certificate,
) -> None:
    key_pem = root_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _write(folder / ROOT_KEY, key_pem, 0o600)
    _write(folder / TOKEN_PIN, pin.encode("utf-8"), 0o600)
    _write(folder / ROOT_CERT, root.public_bytes(Encoding.PEM), 0o644)
    _write(folder / ISSUING_CERT, issuing.public_bytes(Encoding.PEM), 0o644)
    description = {"token_label": token.label, "token_serial": token.serial}
    description["key_id"] = token.key_id.hex()
    _write(folder / DESCRIPTION, json.dumps(description, indent=2).encode(), 0o644)  # last


def _read(path: Path) -> bytes:
    return read_file(path, _SETTING)


def load_token_ref(folder: Path) -> CaTokenRef:
    label, serial, key_id = load_key_description(folder / DESCRIPTION, _SETTING)
    return CaTokenRef(label=label, serial=serial, key_id=key_id)


def load_certificate(folder: Path, name: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(_read(folder / name))
    except ValueError as exc:
        raise ConfigError(_SETTING, f"certificat illisible : {name}") from exc


def load_pin(folder: Path) -> str:
    """The CA token PIN, refused if the file is open to group or others."""
    return load_pin_file(folder / TOKEN_PIN, _SETTING)
