"""Appointments this kiosk left open (crash, power cut, an agent replaced at the idle
lock), offered for resumption at the next login.

The rule, chosen for safety and simplicity: a resumed appointment starts again at the
identity check, then the revocation answers. Both are recorded in the audit log, but
after an interruption nobody can vouch that the person at the desk is still the holder,
and both take seconds; the receipt also needs the identity check of the appointment
that delivers. What is never redone is the token work: once the answers pass again, the
token step takes the interrupted personalisation up from its journal with the same token
(``PersonalisationService``), so no second key or certificate is made for nothing.

The offer says how far the appointment had gone: « Identité ou questions » before any
token was touched, « Support » (and the last step journaled) once it had been.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kiosk.domain.appointment_lease import Lease, LeaseUnitOfWork, Purpose
from kiosk.domain.errors import NotFoundError
from kiosk.domain.model import Dossier
from kiosk.domain.personalisation_journal import Attempt
from kiosk.services.appointment import Appointment, AppointmentService
from kiosk.services.auth import AgentSession

BEFORE_MEDIUM = "Identité ou questions (aucun support n'avait été utilisé)"


class DossierAttempts(Protocol):
    """The part of the personalisation journal this service reads."""

    def attempts(self, dossier_ref: str) -> Sequence[Attempt]: ...


class ResumeUnitOfWork(LeaseUnitOfWork, Protocol):
    @property
    def journal(self) -> DossierAttempts: ...


class ResumeUnitOfWorkFactory(Protocol):
    def __call__(self) -> ResumeUnitOfWork: ...


@dataclass(frozen=True)
class InterruptedAppointment:
    lease: Lease
    dossier: Dossier
    token_attempt: Attempt | None  # the open personalisation attempt, if the token step began

    @property
    def reference(self) -> str:
        return self.dossier.reference

    @property
    def step_label(self) -> str:
        """How far it had gone, in words."""
        attempt = self.token_attempt
        if self.lease.purpose is not Purpose.DELIVERY:
            return f"{self.lease.purpose.label} : identité ou questions"
        if attempt is None:
            return BEFORE_MEDIUM
        done = f" ; dernière opération : {attempt.step.label}" if attempt.step else ""
        return f"Support (personnalisation commencée sur le support {attempt.token_serial}{done})"


class ResumptionService:
    def __init__(self, uow: ResumeUnitOfWorkFactory, appointments: AppointmentService) -> None:
        self._uow = uow
        self._appointments = appointments

    def interrupted(self, session: AgentSession) -> Sequence[InterruptedAppointment]:
        """This kiosk's open appointments on dossiers of the agent's office, oldest first."""
        leases = self._appointments.interrupted()
        found = []
        with self._uow() as uow:
            for lease in leases:
                dossier = uow.dossiers.get(lease.dossier_ref)
                if dossier is None or dossier.office_code != session.office_code:
                    continue
                attempt = next(
                    (a for a in uow.journal.attempts(dossier.reference) if a.status.open), None
                )
                found.append(InterruptedAppointment(lease, dossier, attempt))
        return found

    def resume(self, session: AgentSession, reference: str) -> Appointment:
        """Open the dossier's appointment again for ``session`` (audited as a start that
        resumes the interrupted one), for the purpose it was opened for (a delivery, a PIN
        unblock, a revocation). The flow goes on at the identity check."""
        with self._uow() as uow:
            dossier = uow.dossiers.get(reference)
            lease = uow.appointments.open_for(reference)
        if dossier is None or dossier.office_code != session.office_code:
            raise NotFoundError(f"Dossier {reference} introuvable pour votre bureau.")
        purpose = lease.purpose if lease is not None else Purpose.DELIVERY
        return self._appointments.open(session, dossier, purpose=purpose)
