"""Looking a dossier up by its withdrawal code, within the agent's own office."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable

import pytest

from kiosk.domain import withdrawal
from kiosk.domain.audit import AuditEvent, Outcome
from kiosk.domain.errors import NotFoundError, ValidationError
from kiosk.services.auth import AgentSession
from kiosk.services.lookup import NOT_FOUND
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    REF_CONVOKED,
    REF_HOSTILE,
    REF_OTHER_OFFICE,
    World,
    build_world,
)
from tests.unit.world_env import session

_FIXTURES = (session,)


@pytest.fixture
def world() -> World:
    return build_world(fixed_codes=False)


def _lookups(world: World) -> list[AuditEvent]:
    return [e for e in world.db.audit_events() if e.event_type == "dossier.lookup"]


def test_a_printed_code_finds_its_dossier_and_is_audited(
    world: World, session: AgentSession
) -> None:
    dossier = world.services.lookup.lookup(session, world.code(REF_CONVOKED))

    assert dossier.reference == REF_CONVOKED
    [event] = _lookups(world)
    assert (event.outcome, event.dossier_ref) == (Outcome.SUCCESS, REF_CONVOKED)


@pytest.mark.parametrize(
    "retype",
    [
        lambda c: c.lower(),
        lambda c: c.replace("-", " "),
        lambda c: c.replace("-", ""),
        lambda c: " - ".join(c.split("-")).lower(),
    ],
    ids=["lowercase", "spaces", "no-dashes", "mixed"],
)
def test_typing_is_forgiving(
    world: World, session: AgentSession, retype: Callable[[str], str]
) -> None:
    typed = retype(world.code(REF_CONVOKED))

    assert world.services.lookup.lookup(session, typed).reference == REF_CONVOKED


def test_letters_o_i_l_read_as_zero_and_one() -> None:
    world = build_world(fixed_codes=True)
    session = world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    code = world.code(REF_HOSTILE)
    assert "0" in code and "1" in code
    typed = code.replace("0", "o", 1).replace("0", "O").replace("1", "l", 1).replace("1", "I")

    assert world.services.lookup.lookup(session, typed).reference == REF_HOSTILE


def test_code_of_another_office_gets_the_unknown_code_answer(
    world: World, session: AgentSession
) -> None:
    with pytest.raises(NotFoundError) as other:
        world.services.lookup.lookup(session, world.code(REF_OTHER_OFFICE))
    with pytest.raises(NotFoundError) as unknown:
        world.services.lookup.lookup(session, withdrawal.generate())

    assert other.value.message == unknown.value.message == NOT_FOUND
    reasons = [e.details["reason"] for e in _lookups(world)]
    assert reasons == ["other_office", "unknown_code"]


@pytest.mark.parametrize("typed", ["ABC", "7K2M9Q-4TX8HB-R3WZNU", "7K2M9Q-4TX8HB-R3WZN!"])
def test_malformed_code_is_refused_and_audited_without_the_code(
    world: World, session: AgentSession, typed: str
) -> None:
    with pytest.raises(ValidationError):
        world.services.lookup.lookup(session, typed)

    [event] = _lookups(world)
    assert (event.outcome, event.details["reason"]) == (Outcome.REFUSED, "malformed_code")
    assert typed not in json.dumps(dict(event.details))


def test_a_mistyped_symbol_is_caught_by_the_check_symbol(
    world: World, session: AgentSession
) -> None:
    code = world.code(REF_CONVOKED)
    first = "1" if code[0] != "1" else "2"

    with pytest.raises(ValidationError) as err:
        world.services.lookup.lookup(session, first + code[1:])

    assert "contrôle" in err.value.message


def test_codes_never_reach_the_audit_log(world: World, session: AgentSession) -> None:
    for reference in (REF_CONVOKED, REF_OTHER_OFFICE):
        with contextlib.suppress(NotFoundError):
            world.services.lookup.lookup(session, world.code(reference))

    dumped = json.dumps([dict(e.details) for e in world.db.audit_events()])
    for code in world.codes.values():
        assert code.replace("-", "") not in dumped.replace("-", "")
