"""The token step in words: what the inserted token is, what checking it said, and what a
failed run means for the agent (the way forward, always)."""

from __future__ import annotations

from kiosk.domain.ca_errors import CaOutcomeUnknownError
from kiosk.domain.errors import KioskError, StorageError
from kiosk.domain.token_ports import (
    PinIncorrectError,
    PinLockedError,
    TokenInfo,
    TokenRemovedError,
)
from kiosk.services.personalisation import TokenCheck, TokenRefusedError
from kiosk.services.renewal import ReusedTokenCheck
from kiosk.ui.safe_text import neutralise
from kiosk.ui.widgets.status_line import Kind

TO_HOLDER = "Entrée : passer au titulaire (code PIN)."
REMOVED = "Support retiré : rebranchez-le, puis F5 pour reprendre."
RETRY = "F5 : reprendre avec le même support (la personnalisation reprend où elle s'est arrêtée)"
ANOTHER = "F3 : prendre un autre support"
END = "F9 : terminer le rendez-vous (Support défectueux)"
RETRY_NEW_KEY = "F5 : reprendre avec le même support (une nouvelle clé sera générée)"
BACK_TO_SUPPORT = "F3 : revenir au support (F4 y redemande son code PIN administrateur)"
REUSED = (
    "Support actuel du titulaire (certificat du dossier {renews}, renouvelé) : il sera "
    "effacé avec son code PIN administrateur donné par le back-office, puis personnalisé "
    "pour le renouvellement."
)
REUSED_BESIDE = (
    "Support actuel du titulaire (certificat du dossier {renews}, renouvelé) : la nouvelle "
    "clé y est créée à côté de l'actuelle, qui reste utilisable jusqu'à l'acceptation du "
    "nouveau certificat ; le titulaire saisit son code PIN actuel. Code PIN oublié ou "
    "bloqué : F4 efface le support (code PIN administrateur donné par le back-office)."
)
HOLDERS_PIN_LOCKED = (
    "F3 : revenir au support, puis F4 : l'effacer (code PIN administrateur donné par le "
    "back-office) ; le titulaire choisira un nouveau code PIN"
)
REUSE_REFUSED = (
    "Le code PIN administrateur donné par le back-office ne convient pas à ce support : "
    "il ne peut pas être réutilisé."
)


def token_facts(token: TokenInfo) -> str:
    """``SoftHSM project SoftHSM v2 — n° 1a2b… — vierge``: what the desk reads of a token."""
    maker = " ".join(part.strip() for part in (token.manufacturer, token.model) if part.strip())
    serial = token.serial.strip() or "attribué à l'initialisation"
    state = "vierge" if token.blank else "déjà initialisé"
    label = f" — étiquette « {token.label.strip()} »" if token.label.strip() else ""
    return neutralise(f"Support : {maker or 'modèle inconnu'} — n° {serial} — {state}{label}")


def check_verdict(check: TokenCheck, wipe: bool) -> tuple[Kind, str]:
    """What checking the token said, and what the agent can do next."""
    if check.refusal is not None:
        if check.wipe_would_help and not wipe:
            return Kind.ERROR, f"{check.refusal} F4 : effacer ce support."
        return Kind.ERROR, f"Support refusé : {check.refusal} Insérez un autre support ; {END}."
    if isinstance(check, ReusedTokenCheck):
        text = (REUSED_BESIDE if check.keeps_key else REUSED).format(renews=check.renews)
    elif wipe:
        text = "Le support sera effacé, puis personnalisé pour ce dossier."
    elif check.resumes and check.first_step is not None:
        text = (
            "Reprise de la personnalisation interrompue de ce dossier, à partir de l'étape "
            f"« {check.first_step.label} »."
        )
    elif check.blank:
        text = "Support vierge : prêt pour la personnalisation."
    else:
        text = "Support prêt pour la personnalisation."
    return Kind.OK, f"{text} {TO_HOLDER}"


def failure_advice(
    error: KioskError,
    *,
    so_pin_refused: bool = False,
    reused: bool = False,
    holders_key: bool = False,
) -> str:
    """The message of a failed run, followed by the way forward. ``so_pin_refused``: the
    PIN refused was the SO PIN used to erase the token: the one the agent typed, or, for
    the holder's current token reused by a renewal (``reused``), the back office's.
    ``holders_key``: a renewal beside the holder's key, whose token stays theirs."""
    if isinstance(error, TokenRemovedError):
        return f"{REMOVED} Sinon, {ANOTHER} ; {END}."
    if so_pin_refused and reused:
        return f"{error.message} {REUSE_REFUSED} {ANOTHER} ; {END}."
    if so_pin_refused:
        return f"{error.message} {BACK_TO_SUPPORT} ; {END}."
    if isinstance(error, PinIncorrectError):
        return f"{error.message} Entrée : le titulaire saisit à nouveau son code PIN."
    if isinstance(error, PinLockedError) and holders_key:
        return f"{error.message} {HOLDERS_PIN_LOCKED} ; {END}."
    if isinstance(error, PinLockedError | TokenRefusedError):
        return f"{error.message} {ANOTHER} ; {END}."
    if isinstance(error, StorageError):
        return f"{error.message} Rien n'a été fait sur le support à cette étape. {RETRY}."
    if isinstance(error, CaOutcomeUnknownError):
        return (
            f"{error.message} La révocation à vérifier est enregistrée pour le back-office. "
            f"{RETRY_NEW_KEY} ; {ANOTHER} ; {END}."
        )
    return f"{error.message} {RETRY} ; {ANOTHER} ; {END}."
