"""The back office's SO-PIN unblock service, played by the demo: ``SoPinRecovery`` that
reads the escrow from the token register and decrypts it with the back office's private
key (``var/demo-back-office/so-pin-escrow.key.pem`` in the demo).

DEMO ONLY. In production the private key never comes near a kiosk: the desk asks the
back office, which decrypts on its side after its own checks, and the same port is
implemented by a client of that service.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.adapters.crypto.escrow import oaep
from kiosk.domain.errors import ConfigError, IntegrityError, NotFoundError
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWorkFactory
from kiosk.domain.so_pin_recovery import EscrowContext

SETTING = "back_office_key"


class EscrowSoPinRecovery:
    """``SoPinRecovery`` with the back office's RSA private key in hand."""

    def __init__(
        self, private_key: rsa.RSAPrivateKey, uow: PersonalisationUnitOfWorkFactory
    ) -> None:
        self._key = private_key
        self._uow = uow
        spki = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self._key_id = hashlib.sha256(spki).hexdigest()

    def __repr__(self) -> str:
        return f"EscrowSoPinRecovery(key_id={self._key_id[:16]}…)"

    @classmethod
    def from_file(cls, path: Path, uow: PersonalisationUnitOfWorkFactory) -> EscrowSoPinRecovery:
        """The key in ``path`` (PEM, unencrypted), refused if group or others may read it."""
        try:
            mode = path.stat().st_mode
            pem = path.read_bytes()
        except OSError:
            raise ConfigError(SETTING, f"fichier absent ou illisible : {path}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(SETTING, f"{path} doit être lisible par son seul propriétaire")
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError):
            raise ConfigError(SETTING, "clé privée PEM illisible") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConfigError(SETTING, "une clé privée RSA est attendue")
        return cls(key, uow)

    def recover_so_pin(self, token_serial: str, dossier_ref: str) -> str:
        with self._uow() as uow:
            record = uow.token_register.get(token_serial)
        escrow = record.escrow if record is not None else None
        context = EscrowContext.parse(escrow.context) if escrow is not None else None
        if escrow is None or context is None or not context.names(token_serial, dossier_ref):
            raise NotFoundError(
                f"Aucun code PIN administrateur séquestré pour le support {token_serial} "
                f"dans le dossier {dossier_ref}."
            )
        if escrow.key_id != self._key_id:
            raise ConfigError(
                SETTING, "le code PIN administrateur a été séquestré pour une autre clé"
            )
        try:
            return self._key.decrypt(escrow.ciphertext, oaep(escrow.context)).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise IntegrityError(
                f"Le séquestre du code PIN administrateur du support {token_serial} ne se "
                "déchiffre pas : il a été altéré. Prévenez l'administrateur."
            ) from None
