"""python-pkcs11 exceptions turned into the kiosk's French errors.

python-pkcs11 messages are library texts; none of them is shown. PINs never reach a
message because the library never puts them in one and we build ours from fixed text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pkcs11 import exceptions as p11

from kiosk.domain.errors import DeviceError, KioskError, NotFoundError, ValidationError
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError, TokenRemovedError

_GONE = (
    p11.TokenNotPresent,
    p11.DeviceRemoved,
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.TokenNotRecognised,
    p11.SlotIDInvalid,
    p11.NoSuchToken,
)


def translate(exc: p11.PKCS11Error, *, action: str) -> KioskError:
    """The French error for a failed ``action`` (e.g. "la génération de la clé")."""
    if isinstance(exc, _GONE):
        return TokenRemovedError()
    if isinstance(exc, p11.PinIncorrect):
        return PinIncorrectError()
    if isinstance(exc, p11.PinLocked):
        return PinLockedError()
    if isinstance(exc, p11.PinLenRange | p11.PinInvalid | p11.PinTooWeak):
        return ValidationError("Code PIN refusé par le support : longueur ou caractères invalides.")
    if isinstance(exc, p11.PinExpired):
        return DeviceError("Le code PIN du support a expiré : il doit être changé avant usage.")
    if isinstance(exc, p11.NoSuchKey):
        return NotFoundError("Clé introuvable sur le support.")
    if isinstance(exc, p11.UserPinNotInitialized):
        return DeviceError("Le code PIN du support n'a pas été défini : initialisez le support.")
    if isinstance(exc, p11.DeviceMemory):
        return DeviceError("Le support est plein : il ne peut pas enregistrer cet objet.")
    if isinstance(exc, p11.TokenWriteProtected):
        return DeviceError("Le support est protégé en écriture.")
    return DeviceError(f"Le support a refusé {action}. Recommencez ou changez de support.")


@contextmanager
def token_errors(action: str) -> Iterator[None]:
    """Runs the block with every python-pkcs11 exception translated."""
    try:
        yield
    except p11.PKCS11Error as exc:
        raise translate(exc, action=action) from exc
