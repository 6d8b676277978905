"""An appointment's state as the guided flow carries it, and why an appointment ends.

The flow holds one ``Appointment`` from the lookup to its end; each step's service asks it
whether the previous steps passed (``require_identity``, ``require_checks``), so a screen
cannot skip the identity check or the answers. ``require_receivable`` says whether a
dossier may be received at all for a purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.dossier_state import DELIVERABLE, DossierState
from kiosk.domain.errors import StateError
from kiosk.domain.identity import IdentityReport
from kiosk.domain.model import Dossier
from kiosk.services.auth import AgentSession


class EndReason(StrEnum):
    HOLDER_ABSENT = "holder_absent"
    DOCUMENT_REFUSED = "document_refused"
    ANSWERS_FAILED = "answers_failed"
    TOKEN_DEFECTIVE = "token_defective"  # noqa: S105 - a reason code, not a secret
    HOLDER_DECLINES = "holder_declines"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _REASON_LABELS[self]


_REASON_LABELS = {
    EndReason.HOLDER_ABSENT: "Titulaire absent",
    EndReason.DOCUMENT_REFUSED: "Pièce d'identité refusée",
    EndReason.ANSWERS_FAILED: "Réponses aux questions de révocation incorrectes",
    EndReason.TOKEN_DEFECTIVE: "Support défectueux",
    EndReason.HOLDER_DECLINES: "Le titulaire renonce",
    EndReason.OTHER: "Autre motif",
}


@dataclass
class Appointment:
    """The state of one appointment, held by the flow (not by the screens)."""

    session: AgentSession
    dossier: Dossier
    started_at: datetime
    identity_passed: bool = False
    photo_confirmed: bool = False
    answers_passed: bool = False
    answer_failures: int = 0
    answers_defined_at_desk: bool = False
    identity_report: IdentityReport | None = None  # the passing check, for the receipt
    ended: bool = False
    notes: list[str] = field(default_factory=list)
    lease_id: int | None = None  # this kiosk's claim on the dossier (None: not claimed)
    purpose: Purpose = Purpose.DELIVERY

    @property
    def reference(self) -> str:
        return self.dossier.reference

    def require_open(self) -> None:
        if self.ended:
            raise StateError("Ce rendez-vous est terminé : recherchez à nouveau le dossier.")

    def require_identity(self) -> None:
        self.require_open()
        if not (self.identity_passed and self.photo_confirmed):
            raise StateError("L'identité du titulaire doit d'abord être vérifiée.")

    def require_checks(self, purpose: Purpose) -> None:
        """An appointment opened for ``purpose`` whose identity check and revocation
        answers have passed: what every journey needs before it acts."""
        if self.purpose is not purpose:
            raise StateError(
                f"Ce rendez-vous a été ouvert pour « {self.purpose.label} », pas pour "
                f"« {purpose.label} » : ouvrez le dossier pour cette démarche."
            )
        self.require_identity()
        if not self.answers_passed:
            raise StateError("Les questions de révocation doivent d'abord être validées.")


# What a service tells an agent whose appointment this kiosk no longer holds.
LOST = (
    "Ce rendez-vous n'est plus ouvert à ce kiosque : le dossier a été libéré ou repris "
    "ailleurs. Recherchez à nouveau le dossier."
)


def _require_deliverable(dossier: Dossier) -> None:
    if dossier.state not in DELIVERABLE:
        raise StateError(
            f"Ce dossier est à l'état « {dossier.state.label} » : aucune remise n'est possible."
        )


def require_receivable(dossier: Dossier, purpose: Purpose) -> None:
    """A delivery needs a dossier still to deliver; the other journeys a delivered one."""
    if purpose is Purpose.DELIVERY:
        _require_deliverable(dossier)
    elif dossier.state is not DossierState.DELIVERED:
        raise StateError(
            f"Ce dossier est à l'état « {dossier.state.label} » : « {purpose.label} » n'est "
            "possible que pour un certificat remis et en service."
        )
