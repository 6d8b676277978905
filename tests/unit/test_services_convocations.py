"""Today's convocations, the agent's home: time order, the agent's office only, the
local calendar day, the state in words, and one audit event per session."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Person
from kiosk.services.auth import AgentSession
from kiosk.services.convocations import ConvocationsService
from tests.ui.sample_data import (
    AGENT_LOGIN,
    OTHER_AGENT_LOGIN,
    OTHER_AGENT_PASSWORD,
    REF_CONVOKED,
    REF_DELIVERED,
    REF_HOSTILE,
    REF_OTHER_OFFICE,
    SITE,
    World,
)
from tests.unit.world_env import session, world

_FIXTURES = (world, session)


def _service(world: World) -> ConvocationsService:
    assert world.services.convocations is not None
    return world.services.convocations


def _move(world: World, reference: str, at: datetime) -> None:
    """Convoke the dossier at another time (no repository method does: imports do)."""
    state = world.db.state
    state.dossiers[reference] = replace(state.dossiers[reference], convocation_at=at)


def test_the_agents_office_today_in_time_order_with_slot_and_state(
    world: World, session: AgentSession
) -> None:
    _move(world, REF_DELIVERED, datetime(2026, 4, 14, 6, 45, tzinfo=UTC))  # 08:45 in Brest

    found = _service(world).todays(session)

    assert [c.reference for c in found] == [REF_DELIVERED, REF_CONVOKED, REF_HOSTILE]
    first, second = found[0], found[1]
    assert (first.slot, first.state_label) == ("08:45", "Remis")
    assert (second.slot, second.state_label) == ("09:30", "Convoqué")
    assert second.holder == Person(
        "Le Goff", "Jeanne Marie", second.holder.birth_date, second.holder.email
    )
    assert second.company == "Exemple Industries"
    assert REF_OTHER_OFFICE not in [c.reference for c in found]


def test_another_office_sees_its_own_list(world: World) -> None:
    other = world.services.auth.login(OTHER_AGENT_LOGIN, OTHER_AGENT_PASSWORD)

    assert [c.reference for c in _service(world).todays(other)] == [REF_OTHER_OFFICE]


def test_other_days_are_not_listed(world: World, session: AgentSession) -> None:
    _move(world, REF_CONVOKED, datetime(2026, 4, 15, 7, 30, tzinfo=UTC))
    _move(world, REF_HOSTILE, datetime(2026, 4, 13, 7, 30, tzinfo=UTC))

    assert [c.reference for c in _service(world).todays(session)] == [REF_DELIVERED]


def test_today_is_the_offices_calendar_day(world: World, session: AgentSession) -> None:
    world.clock.set(datetime(2026, 4, 13, 22, 30, tzinfo=UTC))  # 00:30 on the 14th in Brest

    assert len(_service(world).todays(session)) == 3


def test_a_dossier_in_an_appointment_says_at_which_kiosk(
    world: World, session: AgentSession
) -> None:
    with world.db() as tx:
        dossier = tx.dossiers.get(REF_CONVOKED)
    assert dossier is not None
    world.services.appointments.open(session, dossier)

    found = {c.reference: c for c in _service(world).todays(session)}

    assert found[REF_CONVOKED].state_label == "En cours (kiosque kiosque-brest-01)"
    assert found[REF_CONVOKED].state is DossierState.CONVOKED


def test_reading_the_list_is_audited_once_per_session(world: World, session: AgentSession) -> None:
    service = _service(world)
    service.todays(session)
    world.clock.advance(timedelta(minutes=5))
    service.todays(session, audit=False)  # a refresh

    events = [e for e in world.audit_events() if e.event_type == "convocations.viewed"]
    assert [(e.agent, e.details) for e in events] == [
        (AGENT_LOGIN, {"office": SITE, "day": "2026-04-14", "count": 3})
    ]
    assert events[0].dossier_ref is None  # no holder's data in the event
