"""What the appointment screens share: the services, the agent's session and the open
appointment, and the message that brings the desk back to the lookup screen.

The appointment itself (``kiosk.services.appointment.Appointment``) is the flow's state:
each service call updates it, and each step's service refuses to run before the previous
step passed, so a screen cannot skip the identity check or the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from textual.app import App
from textual.message import Message

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.model import Dossier
from kiosk.domain.names import first_given_name
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo, Services
from kiosk.services.renewal_retirement import Superseded
from kiosk.ui.safe_text import neutralise
from kiosk.ui.widgets.status_line import Kind

STILL_AVAILABLE = "Le dossier reste disponible pour un autre rendez-vous."
STILL_DELIVERED = "Le dossier reste remis, son certificat en service."
LOCKED = "Le dossier est verrouillé : un administrateur doit le déverrouiller."
REVOKED_NOW = " Le certificat n° {serial}, émis mais non remis, est révoqué."
NOT_HANDED_OVER = (
    " Le certificat n° {serial}, émis mais non remis, est transmis au back-office pour révocation."
)
OLD_KEY_ERASED = " L'ancien certificat n° {serial}, dont la clé a été effacée du support, {fate}."
UNEXPECTED = "Erreur inattendue : l'opération n'a pas abouti. Réessayez."


class _HasServices(Protocol):
    services: Services


def services_of(app: App[Any]) -> Services:
    """The services of the kiosk app (screens built by others receive only their own)."""
    return cast(_HasServices, app).services


@dataclass(frozen=True)
class AppointmentFlow:
    services: Services
    session: AgentSession
    info: KioskInfo
    appointment: Appointment

    @property
    def dossier(self) -> Dossier:
        return self.appointment.dossier

    @property
    def reference(self) -> str:
        return self.appointment.reference

    def greeting(self) -> str:
        """``Bonjour Jeanne,``: the only dossier data a holder-facing screen shows."""
        name = neutralise(first_given_name(self.dossier.holder.given_names))
        return f"Bonjour {name}," if name else "Bonjour,"


def ended_notice(
    label: str,
    *,
    locked: bool = False,
    purpose: Purpose = Purpose.DELIVERY,
    revoked: Sequence[str] = (),
    to_revoke: Sequence[str] = (),
    erased: Superseded | None = None,
) -> str:
    """What the lookup screen says once an appointment is over. Certificates issued in it
    and never handed over: ``revoked`` by the CA at once, or ``to_revoke`` by the back
    office (the CA did not take it); ``erased``: the certificate a renewal replaces, whose
    key its wipe of the holder's token destroyed."""
    if locked:
        after = LOCKED
    else:
        after = STILL_AVAILABLE if purpose is Purpose.DELIVERY else STILL_DELIVERED
    after += "".join(REVOKED_NOW.format(serial=serial) for serial in revoked)
    after += "".join(NOT_HANDED_OVER.format(serial=serial) for serial in to_revoke)
    if erased is not None:
        fate = "est révoqué" if erased.published else "est transmis au back-office pour révocation"
        after += OLD_KEY_ERASED.format(serial=erased.certificate_serial, fate=fate)
    return f"Rendez-vous terminé : {label}. {after}"


class ReturnToLookup(Message):
    """The appointment is over (or left): the app goes back to the lookup screen and shows
    ``notice`` there."""

    def __init__(self, notice: str, kind: Kind = Kind.OK) -> None:
        super().__init__()
        self.notice = notice
        self.kind = kind
