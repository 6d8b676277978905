"""Agent login: right and wrong passwords, unknown logins, lockout, and what the audit keeps."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.domain.audit import AuditEvent, Outcome, verify_chain
from kiosk.domain.errors import AuthError, StorageError
from kiosk.domain.model import Role
from kiosk.services.auth import WRONG_CREDENTIALS
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    INACTIVE_LOGIN,
    SITE,
    World,
)
from tests.unit.world_env import world

_FIXTURES = (world,)


def _fail(world: World, times: int, password: str = "mauvais") -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(AuthError) as err:
            world.services.auth.login(AGENT_LOGIN, password)
        messages.append(err.value.message)
    return messages


def _events(world: World, event_type: str) -> list[AuditEvent]:
    return [e for e in world.db.audit_events() if e.event_type == event_type]


def test_right_password_opens_a_session_with_name_role_and_office(world: World) -> None:
    session = world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)

    assert (session.login, session.display_name) == (AGENT_LOGIN, "Alice Martin")
    assert (session.role, session.office_code) == (Role.AGENT, SITE)
    [event] = _events(world, "agent.login")
    assert (event.outcome, event.agent) == (Outcome.SUCCESS, AGENT_LOGIN)


def test_login_ignores_case_and_surrounding_spaces(world: World) -> None:
    session = world.services.auth.login("  AMartin ", AGENT_PASSWORD)

    assert session.login == AGENT_LOGIN


def test_wrong_password_is_refused_and_audited(world: World) -> None:
    [message] = _fail(world, 1)

    assert message == WRONG_CREDENTIALS
    [event] = _events(world, "agent.login")
    assert event.outcome is Outcome.FAILURE
    assert event.details["reason"] == "wrong_password"


@pytest.mark.parametrize("login", ["inconnu", INACTIVE_LOGIN])
def test_unknown_or_inactive_login_gets_the_wrong_password_message(
    world: World, login: str
) -> None:
    with pytest.raises(AuthError) as err:
        world.services.auth.login(login, AGENT_PASSWORD)

    assert err.value.message == WRONG_CREDENTIALS
    [event] = _events(world, "agent.login")
    assert event.outcome is Outcome.FAILURE


def test_fifth_failure_locks_the_login_for_fifteen_minutes(world: World) -> None:
    messages = _fail(world, 5)

    assert messages[:4] == [WRONG_CREDENTIALS] * 4
    assert "verrouillé pendant 15 minutes" in messages[4]
    [locked] = _events(world, "agent.locked")
    assert locked.agent == AGENT_LOGIN

    world.clock.advance(timedelta(minutes=14))
    with pytest.raises(AuthError) as err:
        world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    assert "verrouillé" in err.value.message
    assert _events(world, "agent.login")[-1].outcome is Outcome.REFUSED

    world.clock.advance(timedelta(minutes=1))
    assert world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD).login == AGENT_LOGIN


def test_lockout_message_tells_the_minutes_left_rounded_up(world: World) -> None:
    _fail(world, 5)
    world.clock.advance(timedelta(minutes=14))

    with pytest.raises(AuthError) as err:
        world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)

    assert "réessayez dans 1 min" in err.value.message


def test_a_success_forgets_earlier_failures(world: World) -> None:
    _fail(world, 4)
    world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)

    messages = _fail(world, 4)

    assert messages == [WRONG_CREDENTIALS] * 4


def test_passwords_never_reach_the_audit_log(world: World) -> None:
    _fail(world, 5, password="mot-de-passe-tape")
    world.clock.advance(timedelta(minutes=15))
    session = world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    world.services.auth.logout(session)

    events = world.db.audit_events()
    dumped = json.dumps([[e.event_type, e.agent, dict(e.details)] for e in events])
    assert "mot-de-passe-tape" not in dumped
    assert AGENT_PASSWORD not in dumped
    assert verify_chain(events).ok


def test_logout_is_audited(world: World) -> None:
    session = world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)

    world.services.auth.logout(session)

    [event] = _events(world, "agent.logout")
    assert (event.agent, event.details["reason"]) == (AGENT_LOGIN, "manual")


def test_a_database_that_cannot_store_says_so_in_french(world: World) -> None:
    world.db.fail_commits = True

    with pytest.raises(StorageError) as err:
        world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)

    assert "Enregistrement impossible" in err.value.message
