"""The PIN unblock in words: why the kiosk cannot unblock, the token that is not the one
delivered, and what a failed unblock means for the agent (the way forward, always)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.errors import (
    ConfigError,
    DeviceError,
    IntegrityError,
    KioskError,
    NotFoundError,
    ValidationError,
)
from kiosk.domain.token_ports import PinIncorrectError, PinLockedError, TokenRemovedError
from kiosk.services.appointment import EndReason
from kiosk.services.container import Services
from kiosk.ui.safe_text import neutralise

END = "F9 : terminer le rendez-vous (le dossier reste remis, son certificat en service)."
BACK_OFFICE = "Adressez le titulaire au back-office."
NO_KEY = (
    "la clé du back-office qui rend le code PIN administrateur (SO) des supports n'est "
    "pas configurée (pki.back_office_key)"
)


class Next(StrEnum):
    AGAIN = "again"  # the holder chooses another PIN
    RETRY = "retry"  # the same PIN, F5 once the token is back
    END = "end"  # nothing more to try at the desk: F9


@dataclass(frozen=True)
class Failure:
    next: Next
    text: str
    proposed: EndReason = EndReason.OTHER


def unavailable(services: Services) -> str:
    """Why this kiosk cannot unblock a PIN, and what the agent does."""
    why = NO_KEY if services.pin_unblock is None else "supports illisibles sur ce kiosque"
    if services.personalisation is None and services.pki_problem:
        why = services.pki_problem.rstrip(".")
    return f"Déblocage du code PIN indisponible sur ce kiosque : {why}. {BACK_OFFICE} {END}"


def wrong_token(serial: str, expected: str) -> str:
    shown = neutralise(serial.strip()) or "sans numéro"
    return (
        f"Ce support (n° {shown}) n'est pas celui remis pour ce dossier : insérez le "
        f"support n° {expected}."
    )


def failure(error: KioskError) -> Failure:
    """What the desk does after ``PinUnblockService.unblock`` raised ``error``."""
    if isinstance(error, ValidationError):
        return Failure(Next.AGAIN, f"{error.message} Choisissez un autre code PIN.")
    if isinstance(error, TokenRemovedError):
        return Failure(
            Next.RETRY,
            "Support retiré ou introuvable : rebranchez-le, puis F5 : réessayer (le titulaire "
            f"ne ressaisit rien). Sinon, {END}",
        )
    if isinstance(error, PinLockedError):
        return Failure(
            Next.END,
            "Le code PIN administrateur (SO) de ce support est bloqué : il ne peut plus être "
            "débloqué. Un nouveau support est nécessaire (révocation puis nouveau dossier). "
            f"{END}",
            EndReason.TOKEN_DEFECTIVE,
        )
    if isinstance(error, PinIncorrectError):
        return Failure(
            Next.END,
            "Le code PIN administrateur (SO) séquestré au back-office ne correspond pas à ce "
            f"support : le déblocage est impossible au guichet. {BACK_OFFICE} {END}",
            EndReason.TOKEN_DEFECTIVE,
        )
    if isinstance(error, NotFoundError | ConfigError | IntegrityError):
        return Failure(
            Next.END,
            "Code PIN administrateur (SO) indisponible auprès du back-office : "
            f"{error.message} {BACK_OFFICE} {END}",
        )
    if isinstance(error, DeviceError):
        return Failure(Next.RETRY, f"{error.message} F5 : réessayer. Sinon, {END}")
    return Failure(Next.END, f"{error.message} {END}")  # StateError: token or certificate
