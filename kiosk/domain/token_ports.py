"""The hardware token (USB key, smart card) as the services see it.

Tokens are named by serial number, never by slot: slots move when a token is initialised.
A blank token may report an empty serial (SoftHSM's free slot does); ``initialise`` then
acts on the first blank token without a serial and returns the serial it got.

Errors are ``KioskError`` families with French messages that never carry a PIN; the
subclasses below let a service tell a wrong PIN (ask again) from a locked PIN or a pulled
token (take another token, or plug it back and start the step again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.errors import AuthError, DeviceError
from kiosk.domain.model import KeyAlgorithm


class PinIncorrectError(AuthError):
    def __init__(self, *, final_try: bool = False, so: bool = False) -> None:
        message = "Code PIN administrateur (SO) incorrect." if so else "Code PIN incorrect."
        if final_try:
            message += " Attention : il ne reste qu'un essai avant le blocage du support."
        super().__init__(message)
        self.final_try = final_try


class PinLockedError(DeviceError):
    def __init__(self) -> None:
        super().__init__(
            "Code PIN bloqué : ce support ne peut plus être utilisé. Prenez un autre support."
        )


class TokenRemovedError(DeviceError):
    def __init__(self) -> None:
        super().__init__(
            "Support retiré ou introuvable : rebranchez-le, puis recommencez l'étape en cours."
        )


class TokenNotBlankError(DeviceError):
    def __init__(self) -> None:
        super().__init__(
            "Le support n'est pas vierge : il est déjà initialisé. "
            "Il ne sera réinitialisé (effacé) que sur demande explicite."
        )


@dataclass(frozen=True)
class TokenInfo:
    label: str
    serial: str  # may be "" for a blank token that has none yet
    manufacturer: str
    model: str
    initialized: bool
    user_pin_initialized: bool
    user_pin_locked: bool
    user_pin_final_try: bool

    @property
    def blank(self) -> bool:
        return not self.initialized


@dataclass(frozen=True)
class DiscardedKeys:
    """What ``discard_keys`` did: key pairs destroyed, and those the token would not destroy
    (some cards forbid deleting a private key; their certificates are revoked anyway)."""

    destroyed: int = 0
    refused: int = 0

    def __bool__(self) -> bool:
        return bool(self.destroyed or self.refused)


class TokenPort(Protocol):
    def list_tokens(self) -> list[TokenInfo]:
        """Every token present, blank or not."""
        ...

    def find_blank(self) -> TokenInfo | None:
        """The first token present that was never initialised."""
        ...

    def initialise(
        self, serial: str, label: str, so_pin: str, user_pin: str, *, wipe: bool = False
    ) -> TokenInfo:
        """Initialise the token and set its user PIN; returns it as it now is.

        An initialised token is refused (``TokenNotBlankError``) unless ``wipe`` is true:
        then it is re-initialised with its SO PIN, which erases every object on it.
        """
        ...

    def generate_key_pair(
        self, serial: str, user_pin: str, algorithm: KeyAlgorithm, key_id: bytes
    ) -> bytes:
        """Generate a non-extractable signing key pair; returns its SubjectPublicKeyInfo DER."""
        ...

    def discard_keys(self, serial: str, user_pin: str, key_ids: Sequence[bytes]) -> DiscardedKeys:
        """Destroy the key pairs under ``key_ids``, and the holder certificate beside each
        (private key first); an id the token does not hold is skipped. Only what a run made
        itself is named: the keys a resumed run leaves behind (issuance lost, or a
        certificate to revoke) are never handed over with the new one, and nothing else on
        the token (CA certificates, a card's own objects) is touched."""
        ...

    def build_csr(self, serial: str, user_pin: str, key_id: bytes, subject: SubjectSpec) -> bytes:
        """A PKCS#10 request (DER) for ``subject``, signed by the token key ``key_id``."""
        ...

    def write_certificates(
        self,
        serial: str,
        user_pin: str,
        key_id: bytes,
        cert_der: bytes,
        chain_der: list[bytes],
        label: str,
    ) -> None:
        """Store the holder certificate under ``key_id`` and the CA chain beside it.

        Writing again replaces the holder certificate and skips CA certificates already
        there, so a step interrupted by a pulled token can simply be run again.
        """
        ...

    def sign(self, serial: str, user_pin: str, key_id: bytes, data: bytes) -> bytes:
        """Sign ``data`` with SHA-256: RSA PKCS#1 v1.5, or ECDSA as a DER ``Ecdsa-Sig-Value``."""
        ...

    def read_certificate(self, serial: str, key_id: bytes) -> bytes | None:
        """The holder certificate (DER) stored under ``key_id``, read without the PIN."""
        ...

    def public_key(self, serial: str, key_id: bytes) -> bytes | None:
        """The public key (SubjectPublicKeyInfo DER) stored under ``key_id``."""
        ...

    def unblock_pin(self, serial: str, so_pin: str, new_user_pin: str) -> None:
        """Log in as the security officer and set a new user PIN (C_InitPIN), which also
        unlocks a PIN blocked by wrong tries. Keys and certificates stay. A wrong SO PIN
        raises ``PinIncorrectError(so=True)``; a blocked SO PIN ``PinLockedError``."""
        ...
