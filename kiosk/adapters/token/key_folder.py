"""Files beside a key that lives on its own token (the CA's, the audit key's): where the
token and the key are (a small JSON description) and the token's PIN (a file its owner
alone may read). Errors name the setting of the folder they come from."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from kiosk.domain.errors import ConfigError


def read_file(path: Path, setting: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(setting, f"fichier illisible ou absent : {path}") from exc


def load_key_description(path: Path, setting: str) -> tuple[str, str, bytes]:
    """``(token label, token serial, key id)`` from the folder's JSON description."""
    try:
        description = json.loads(read_file(path, setting))
        return (
            str(description["token_label"]),
            str(description["token_serial"]),
            bytes.fromhex(description["key_id"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(setting, f"{path.name} est mal formé") from exc


def load_pin_file(path: Path, setting: str) -> str:
    """The token's PIN, refused if the file is open to group or others."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(setting, f"fichier du code PIN absent : {path}") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(setting, f"{path} doit être lisible par son seul propriétaire (0600)")
    return read_file(path, setting).decode("utf-8").strip()
