"""The agent's home: the holders convoked today at the agent's office, in time order.

The list tells the desk whom to expect and where each dossier stands; it opens nothing:
a dossier is opened only with its holder's withdrawal number (``LookupService``). Reading
the list is audited once per session (``convocations.viewed``), not at every refresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from kiosk.domain.appointment_lease import LeaseUnitOfWorkFactory
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Person
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.ports import Clock
from kiosk.services.auth import AgentSession


@dataclass(frozen=True)
class Convocation:
    """One expected holder: what the home list shows, nothing more (no code, no answer)."""

    reference: str
    at: datetime  # the convocation time, in the offices' local time
    holder: Person
    company: str
    state: DossierState
    in_progress_at: str | None = None  # the kiosk whose appointment holds the dossier

    @property
    def slot(self) -> str:
        """``09:30``."""
        return self.at.strftime("%H:%M")

    @property
    def state_label(self) -> str:
        """The state in words: « Convoqué », « Remis »..., « En cours (kiosque X) »."""
        if self.in_progress_at is not None:
            return f"En cours (kiosque {self.in_progress_at})"
        return self.state.label


class ConvocationsService:
    def __init__(
        self, uow: LeaseUnitOfWorkFactory, clock: Clock, *, local_tz: tzinfo = OFFICES_TZ
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._tz = local_tz

    def today(self) -> date:
        """The offices' calendar day."""
        return self._clock.now().astimezone(self._tz).date()

    def todays(self, session: AgentSession, *, audit: bool = True) -> Sequence[Convocation]:
        """Today's convocations (local calendar day) at the agent's office. ``audit``:
        record that the agent read the list (the first reading of a session)."""
        today = self.today()
        with self._uow() as uow:
            dossiers = uow.dossiers.convocations(session.office_code, today)
            found = []
            for dossier in dossiers:
                if dossier.convocation_at is None:  # the repository's filter guarantees it
                    continue
                held = uow.appointments.open_for(dossier.reference)
                found.append(
                    Convocation(
                        dossier.reference,
                        dossier.convocation_at.astimezone(self._tz),
                        dossier.holder,
                        dossier.company.name,
                        dossier.state,
                        held.kiosk if held is not None else None,
                    )
                )
            if audit:
                uow.audit.append(
                    AuditDraft(
                        "convocations.viewed",
                        Outcome.SUCCESS,
                        session.login,
                        details={
                            "office": session.office_code,
                            "day": today.isoformat(),
                            "count": len(found),
                        },
                    )
                )
                uow.commit()
        return found
