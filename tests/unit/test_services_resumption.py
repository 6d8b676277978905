"""Appointments this kiosk left open, offered at the next login: which are offered, how
far each had gone, and resuming one (the dossier claimed again, audited as a start that
resumes the interrupted one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from kiosk.adapters.fakes.memory import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from kiosk.domain.errors import NotFoundError
from kiosk.domain.model import Dossier
from kiosk.domain.personalisation_journal import Attempt, AttemptStatus, Step
from kiosk.services.appointment import AppointmentService
from kiosk.services.auth import AgentSession
from kiosk.services.resumption import (
    BEFORE_MEDIUM,
    DossierAttempts,
    ResumptionService,
)
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    OTHER_AGENT_LOGIN,
    OTHER_AGENT_PASSWORD,
    REF_CONVOKED,
    REF_HOSTILE,
    World,
    build_world,
)


class _JournalUnitOfWork(MemoryUnitOfWork):
    """The in-memory unit of work with the journal's open attempts beside it."""

    def __init__(self, factory: MemoryUnitOfWorkFactory, found: list[Attempt]) -> None:
        super().__init__(factory)
        self._found = found

    @property
    def journal(self) -> DossierAttempts:
        return self

    def attempts(self, dossier_ref: str) -> Sequence[Attempt]:
        return [a for a in self._found if a.dossier_ref == dossier_ref]


class _Desk:
    def __init__(self, world: World) -> None:
        self.world = world
        self.attempts: list[Attempt] = []
        self.appointments = AppointmentService(world.db, world.clock)
        self.service = ResumptionService(self._uow, self.appointments)

    def _uow(self) -> _JournalUnitOfWork:
        return _JournalUnitOfWork(self.world.db, self.attempts)

    def dossier(self, reference: str) -> Dossier:
        with self.world.db() as tx:
            found = tx.dossiers.get(reference)
        assert found is not None
        return found


@pytest.fixture
def desk() -> _Desk:
    return _Desk(build_world())


@pytest.fixture
def session(desk: _Desk) -> AgentSession:
    return desk.world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)


def test_nothing_is_offered_when_every_appointment_ended(
    desk: _Desk, session: AgentSession
) -> None:
    appointment = desk.appointments.open(session, desk.dossier(REF_CONVOKED))
    desk.appointments.leave(appointment)

    assert desk.service.interrupted(session) == []


def test_an_open_appointment_is_offered_oldest_first_with_how_far_it_went(
    desk: _Desk, session: AgentSession
) -> None:
    desk.appointments.open(session, desk.dossier(REF_HOSTILE))
    desk.world.clock.advance(timedelta(minutes=3))
    desk.appointments.open(session, desk.dossier(REF_CONVOKED))
    desk.attempts.append(
        Attempt(1, REF_CONVOKED, "SOFTHSM-42", AGENT_LOGIN, desk.world.clock.now(), "x",
                step=Step.GENERATE_KEY)
    )  # fmt: skip

    offered = desk.service.interrupted(session)

    assert [o.reference for o in offered] == [REF_HOSTILE, REF_CONVOKED]
    assert offered[0].step_label == BEFORE_MEDIUM
    assert offered[1].step_label == (
        "Support (personnalisation commencée sur le support SOFTHSM-42 ; "
        "dernière opération : Génération de la clé)"
    )
    assert offered[1].lease.agent == AGENT_LOGIN


def test_a_closed_attempt_does_not_count_as_a_started_token_step(
    desk: _Desk, session: AgentSession
) -> None:
    desk.appointments.open(session, desk.dossier(REF_CONVOKED))
    desk.attempts.append(
        Attempt(1, REF_CONVOKED, "SOFTHSM-1", AGENT_LOGIN, desk.world.clock.now(), "x",
                status=AttemptStatus.ABANDONED)
    )  # fmt: skip

    [offered] = desk.service.interrupted(session)

    assert offered.token_attempt is None


def test_an_agent_of_another_office_is_offered_nothing(desk: _Desk, session: AgentSession) -> None:
    desk.appointments.open(session, desk.dossier(REF_CONVOKED))
    other = desk.world.services.auth.login(OTHER_AGENT_LOGIN, OTHER_AGENT_PASSWORD)

    assert desk.service.interrupted(other) == []
    with pytest.raises(NotFoundError):
        desk.service.resume(other, REF_CONVOKED)


def test_resuming_claims_the_dossier_again_and_says_it_resumes(
    desk: _Desk, session: AgentSession
) -> None:
    first = desk.appointments.open(session, desk.dossier(REF_CONVOKED))

    resumed = desk.service.resume(session, REF_CONVOKED)

    assert resumed.reference == REF_CONVOKED
    assert not (resumed.identity_passed or resumed.answers_passed)  # checked again
    assert resumed.lease_id != first.lease_id
    [offered] = desk.service.interrupted(session)
    assert offered.lease.id == resumed.lease_id
    start = [e for e in desk.world.audit_events() if e.event_type == "appointment.start"][-1]
    assert start.details is not None and start.details["resumes"] == first.lease_id
