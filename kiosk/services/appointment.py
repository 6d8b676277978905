"""An appointment at the desk: one holder, one dossier, one agent, from lookup to its end.

The appointment is what the guided flow carries from step to step. Each step's service
checks that the previous ones passed, so a screen cannot skip the identity check or the
answers. Ending an appointment (refusal, abort) sets the dossier state and writes the
audit event in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.dossier_state import DELIVERABLE, DossierState, transition
from kiosk.domain.errors import StateError
from kiosk.domain.identity import IdentityReport
from kiosk.domain.model import Dossier
from kiosk.domain.ports import Clock, UnitOfWorkFactory
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


class AppointmentService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def open(self, session: AgentSession, dossier: Dossier) -> Appointment:
        """Start receiving the holder of ``dossier``. A dossier refused at an earlier
        appointment comes back for a new one."""
        if dossier.state not in DELIVERABLE:
            raise StateError(
                f"Ce dossier est à l'état « {dossier.state.label} » : aucune remise n'est possible."
            )
        if dossier.answers_locked:
            raise StateError(
                "Ce dossier est verrouillé après trop de réponses erronées : "
                "un administrateur doit le déverrouiller."
            )
        with self._uow() as uow:
            current = uow.dossiers.get(dossier.reference)
            if current is None or current.state not in DELIVERABLE:
                raise StateError("Ce dossier n'est plus disponible pour une remise.")
            if current.state is DossierState.REFUSED:
                uow.dossiers.set_state(current.reference, DossierState.CONVOKED, None)
            uow.audit.append(
                AuditDraft(
                    "appointment.start",
                    Outcome.SUCCESS,
                    session.login,
                    current.reference,
                    {"previous_state": current.state.value},
                )
            )
            uow.commit()
        return Appointment(session, current, self._clock.now())

    def end(self, appointment: Appointment, reason: EndReason, text: str = "") -> None:
        """End the appointment without a delivery: the dossier is refused with the reason
        and stays available for another appointment."""
        appointment.require_open()
        if reason is EndReason.OTHER and not text.strip():
            raise StateError("Précisez le motif.")
        label = reason.label + (f" : {text.strip()}" if text.strip() else "")
        with self._uow() as uow:
            current = uow.dossiers.get(appointment.reference)
            if current is None:
                raise StateError("Dossier introuvable.")
            target = transition(current.state, DossierState.REFUSED, label)
            uow.dossiers.set_state(current.reference, target, label)
            uow.audit.append(
                AuditDraft(
                    "appointment.end",
                    Outcome.ABORTED,
                    appointment.session.login,
                    appointment.reference,
                    {"reason": reason.value},
                )
            )
            uow.commit()
        appointment.ended = True
