"""An appointment at the desk: one holder, one dossier, one agent, from lookup to its end.

The appointment's state (``kiosk.services.appointment_state``) is what the guided flow
carries from step to step; this service opens and ends it. Ending an appointment
(refusal, abort) sets the dossier state and writes the audit event in one transaction.

Opening an appointment claims the dossier for this kiosk (``kiosk.domain.appointment_lease``):
another kiosk sharing the database is refused and told who holds it, until the
appointment ends, is left, or its kiosk has been silent for ``stale_after`` (then taken
over, audited), or an administrator releases it (audited). A kiosk restarted after a crash
finds its interrupted appointments in ``interrupted()``.

An appointment has a purpose (``Purpose``): a delivery (the default) for a dossier still to
deliver, or a PIN unblock or a revocation for a delivered dossier whose certificate is in
service. Every purpose goes through the identity check and the revocation answers; ending
an appointment that is not a delivery leaves the dossier's state as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from kiosk.domain.appointment_lease import (
    DEFAULT_STALE_AFTER,
    Lease,
    LeaseEnd,
    LeaseUnitOfWork,
    LeaseUnitOfWorkFactory,
    Purpose,
    close_own_lease,
    ensure_not_held_elsewhere,
)
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.dossier_state import DossierState, transition
from kiosk.domain.errors import AuthError, NotFoundError, StateError
from kiosk.domain.model import Dossier, Role
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.ports import Clock
from kiosk.services.appointment_state import LOST, Appointment, EndReason, require_receivable
from kiosk.services.auth import AgentSession
from kiosk.services.transactions import in_transaction

# The names the journeys' services and the screens import from here.
__all__ = [
    "LOST",
    "RELEASE_NEEDS_ADMIN",
    "Appointment",
    "AppointmentService",
    "EndReason",
    "close_own_lease",
    "ensure_not_held_elsewhere",
    "require_receivable",
]

RELEASE_NEEDS_ADMIN = "Seul un administrateur peut libérer un dossier en cours de remise."


class AppointmentService:
    def __init__(
        self,
        uow: LeaseUnitOfWorkFactory,
        clock: Clock,
        *,
        stale_after: timedelta = DEFAULT_STALE_AFTER,
        local_tz: tzinfo = OFFICES_TZ,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._stale_after = stale_after
        self._tz = local_tz

    def open(
        self,
        session: AgentSession,
        dossier: Dossier,
        *,
        take_over: bool = False,
        purpose: Purpose = Purpose.DELIVERY,
    ) -> Appointment:
        """Start receiving the holder of ``dossier``, claiming it for this kiosk. A dossier
        refused at an earlier appointment comes back for a new one. ``take_over`` (an
        administrator only) frees a dossier another kiosk holds. ``purpose``: a delivery,
        or a PIN unblock or a revocation of a delivered dossier's certificate."""
        require_receivable(dossier, purpose)
        if dossier.answers_locked:
            raise StateError(
                "Ce dossier est verrouillé après trop de réponses erronées : "
                "un administrateur doit le déverrouiller."
            )
        if take_over and session.role is not Role.ADMIN:
            raise AuthError(RELEASE_NEEDS_ADMIN)

        def claim(uow: LeaseUnitOfWork) -> tuple[Dossier, Lease, datetime]:
            now = self._clock.now()
            current = uow.dossiers.get(dossier.reference)
            if current is None:
                raise StateError("Ce dossier n'est plus disponible pour une remise.")
            require_receivable(current, purpose)  # as stored now: another kiosk may have acted
            details: dict[str, str | int | None] = {"previous_state": current.state.value}
            if purpose is not Purpose.DELIVERY:
                details["purpose"] = purpose.value
            held = uow.appointments.open_for(current.reference)
            if held is not None:
                details.update(self._free(uow, session, held, now, take_over))
            lease = uow.appointments.claim(
                current.reference, session.login, session.display_name, now, purpose
            )
            if lease is None:  # another kiosk claimed it since we looked
                winner = uow.appointments.open_for(current.reference)
                raise StateError(winner.held_elsewhere(now, self._tz) if winner else LOST)
            if current.state is DossierState.REFUSED:
                uow.dossiers.set_state(current.reference, DossierState.CONVOKED, None)
            details["appointment"] = lease.id
            uow.audit.append(
                AuditDraft(
                    "appointment.start", Outcome.SUCCESS, session.login, current.reference, details
                )
            )
            return current, lease, now

        current, lease, now = in_transaction(self._uow, claim)
        return Appointment(session, current, now, lease_id=lease.id, purpose=purpose)

    def _free(
        self,
        uow: LeaseUnitOfWork,
        session: AgentSession,
        held: Lease,
        now: datetime,
        take_over: bool,
    ) -> dict[str, str | int | None]:
        """Close ``held`` if this kiosk may take the dossier; what the start event adds."""
        if held.kiosk == uow.appointments.kiosk_id:
            # This kiosk's own appointment, interrupted (crash, or the agent went back to
            # the lookup): opening the dossier again resumes it.
            uow.appointments.close(held.id, LeaseEnd.RESUMED, now)
            return {"resumes": held.id}
        stale = held.is_stale(now, self._stale_after)
        if not (stale or take_over):
            raise StateError(held.held_elsewhere(now, self._tz))
        if uow.appointments.close(held.id, LeaseEnd.TAKEN_OVER, now):
            uow.audit.append(
                AuditDraft(
                    "appointment.taken_over",
                    Outcome.SUCCESS,
                    session.login,
                    held.dossier_ref,
                    {
                        "appointment": held.id,
                        "from_kiosk": held.kiosk,
                        "from_agent": held.agent,
                        "silent_since": held.heartbeat_at.isoformat(),
                        "why": "administrator" if take_over and not stale else "silent",
                    },
                )
            )
        return {"takes_over": held.id}

    def _require_held(self, uow: LeaseUnitOfWork, appointment: Appointment, now: datetime) -> None:
        if appointment.lease_id is None:  # not claimed (older callers): only refuse others
            ensure_not_held_elsewhere(uow.appointments, appointment.reference, now)
            return
        held = uow.appointments.open_for(appointment.reference)
        if held is None or held.id != appointment.lease_id:
            if held is not None and held.kiosk != uow.appointments.kiosk_id:
                raise StateError(f"{LOST} {held.held_elsewhere(now, self._tz)}")
            raise StateError(LOST)

    def end(self, appointment: Appointment, reason: EndReason, text: str = "") -> None:
        """End the appointment without a delivery: the dossier is refused with the reason
        and stays available for another appointment; the dossier is released. An
        appointment for a PIN unblock or a revocation leaves the dossier delivered."""
        appointment.require_open()
        if reason is EndReason.OTHER and not text.strip():
            raise StateError("Précisez le motif.")
        label = reason.label + (f" : {text.strip()}" if text.strip() else "")

        def refuse(uow: LeaseUnitOfWork) -> None:
            now = self._clock.now()
            current = uow.dossiers.get(appointment.reference)
            if current is None:
                raise StateError("Dossier introuvable.")
            self._require_held(uow, appointment, now)
            details: dict[str, str | int | bool | None] = {"reason": reason.value}
            if appointment.purpose is Purpose.DELIVERY:
                target = transition(current.state, DossierState.REFUSED, label)
                uow.dossiers.set_state(current.reference, target, label)
            else:
                details["purpose"] = appointment.purpose.value
            close_own_lease(uow.appointments, current.reference, LeaseEnd.ENDED, now)
            uow.audit.append(
                AuditDraft(
                    "appointment.end",
                    Outcome.ABORTED,
                    appointment.session.login,
                    appointment.reference,
                    details,
                )
            )

        in_transaction(self._uow, refuse)
        appointment.ended = True

    def leave(self, appointment: Appointment) -> None:
        """The agent goes back to the lookup: the dossier stays as it is and is released
        for another kiosk. Nothing happens if the appointment is already over."""
        if appointment.ended:
            return

        def release(uow: LeaseUnitOfWork) -> None:
            now = self._clock.now()
            held = close_own_lease(uow.appointments, appointment.reference, LeaseEnd.LEFT, now)
            if held is not None:
                uow.audit.append(
                    AuditDraft(
                        "appointment.left",
                        Outcome.SUCCESS,
                        appointment.session.login,
                        appointment.reference,
                        {"appointment": held.id},
                    )
                )

        in_transaction(self._uow, release)
        appointment.ended = True

    def heartbeat(self, appointment: Appointment) -> None:
        """Say this kiosk is still receiving the holder (call it every minute or so while
        an appointment is open): a silent claim may be taken over after ``stale_after``."""
        appointment.require_open()
        if appointment.lease_id is None:
            return
        lease_id = appointment.lease_id

        def beat(uow: LeaseUnitOfWork) -> None:
            if not uow.appointments.heartbeat(lease_id, self._clock.now()):
                raise StateError(LOST)

        in_transaction(self._uow, beat)

    def interrupted(self) -> Sequence[Lease]:
        """This kiosk's appointments left open (the kiosk stopped during them), oldest first:
        opening the dossier again resumes one (``open``); ``release`` drops it."""
        with self._uow() as uow:
            return uow.appointments.open_leases(uow.appointments.kiosk_id)

    def open_appointments(self) -> Sequence[Lease]:
        """Every open appointment of every kiosk sharing the database, oldest first."""
        with self._uow() as uow:
            return uow.appointments.open_leases()

    def release(self, reference: str, released_by: AgentSession | None) -> Lease:
        """Free a dossier held by an appointment (a kiosk that will not come back). Only an
        administrator; ``None`` is the machine's administrator at the console (the CLI)."""
        if released_by is not None and released_by.role is not Role.ADMIN:
            raise AuthError(RELEASE_NEEDS_ADMIN)

        def release(uow: LeaseUnitOfWork) -> Lease:
            now = self._clock.now()
            held = uow.appointments.open_for(reference)
            if held is None or not uow.appointments.close(held.id, LeaseEnd.RELEASED, now):
                raise NotFoundError(f"Aucun rendez-vous en cours pour le dossier {reference}.")
            uow.audit.append(
                AuditDraft(
                    "appointment.released",
                    Outcome.SUCCESS,
                    released_by.login if released_by else None,
                    reference,
                    {
                        "appointment": held.id,
                        "kiosk": held.kiosk,
                        "agent": held.agent,
                        "by": "agent" if released_by else "console",
                    },
                )
            )
            return held

        return in_transaction(self._uow, release)
