"""The in-memory desk of ``tests.ui.sample_data`` for the service tests: a fresh world for
each test and the agent's session in it.

Import the fixtures explicitly: ``from tests.unit.world_env import session, world``; a
module that needs another world defines its own ``world`` and ``session`` logs into it.
"""

from __future__ import annotations

import pytest

from kiosk.services.auth import AgentSession
from tests.ui.sample_data import AGENT_LOGIN, AGENT_PASSWORD, World, build_world


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def session(world: World) -> AgentSession:
    """Alice Martin, agent at the world's office, logged in."""
    return world.services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)
