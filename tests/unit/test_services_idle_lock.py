"""The idle lock's audit: the lock, then the unlock by the same agent or by another one
(who replaces the locked session, logged out)."""

from __future__ import annotations

import pytest

from kiosk.domain.audit import AuditEvent, Outcome
from kiosk.domain.errors import AuthError
from kiosk.services.auth import WRONG_CREDENTIALS
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    OTHER_AGENT_LOGIN,
    OTHER_AGENT_PASSWORD,
    World,
)
from tests.unit.world_env import world

_FIXTURES = (world,)


def _desk_events(world: World) -> list[tuple[str, str, str | None]]:
    kinds = ("agent.idle_lock", "agent.unlock", "agent.logout", "agent.login")
    return [
        (e.event_type, e.outcome.value, e.agent)
        for e in world.audit_events()
        if e.event_type in kinds
    ]


def _last(world: World, event_type: str) -> AuditEvent:
    return [e for e in world.audit_events() if e.event_type == event_type][-1]


def test_the_same_agent_takes_the_session_back(world: World) -> None:
    auth = world.services.auth
    session = auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    auth.lock(session, 180)

    again = auth.unlock(session, AGENT_LOGIN, AGENT_PASSWORD)

    assert again == session
    assert _desk_events(world) == [
        ("agent.login", "success", AGENT_LOGIN),
        ("agent.idle_lock", "success", AGENT_LOGIN),
        ("agent.login", "success", AGENT_LOGIN),
        ("agent.unlock", "success", AGENT_LOGIN),
    ]
    assert _last(world, "agent.idle_lock").details == {"idle_seconds": 180}
    assert _last(world, "agent.unlock").details == {
        "same_agent": True,
        "locked_agent": AGENT_LOGIN,
    }


def test_another_agent_replaces_the_locked_session(world: World) -> None:
    auth = world.services.auth
    session = auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    auth.lock(session, 180)

    other = auth.unlock(session, OTHER_AGENT_LOGIN, OTHER_AGENT_PASSWORD)

    assert other.login == OTHER_AGENT_LOGIN
    assert _desk_events(world)[-3:] == [
        ("agent.login", "success", OTHER_AGENT_LOGIN),
        ("agent.logout", "success", AGENT_LOGIN),
        ("agent.unlock", "success", OTHER_AGENT_LOGIN),
    ]
    assert _last(world, "agent.logout").details == {"reason": "idle_lock_replaced"}
    assert _last(world, "agent.unlock").details == {
        "same_agent": False,
        "locked_agent": AGENT_LOGIN,
    }


def test_a_wrong_password_unlocks_nothing(world: World) -> None:
    auth = world.services.auth
    session = auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    auth.lock(session, 180)

    with pytest.raises(AuthError) as err:
        auth.unlock(session, AGENT_LOGIN, "pas le bon")

    assert err.value.message == WRONG_CREDENTIALS
    assert "agent.unlock" not in [kind for kind, _, _ in _desk_events(world)]
    assert _last(world, "agent.login").outcome is Outcome.FAILURE
