"""Driving the kiosk app in tests.

``real_app`` is the app as it runs (bootstrap, SQLite, Argon2id); ``memory_app`` puts
in-memory services behind it for what a database cannot be asked to do (hold a call,
fail on demand, hold data an import refuses). The Pilot helpers wait on real conditions
(workers finished, messages handled), never on time."""

from __future__ import annotations

import asyncio
import functools
import io
import threading
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, ParamSpec

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from kiosk.adapters.fakes.memory import FakeHasher
from kiosk.domain.model import Dossier
from kiosk.services.auth import AgentSession, AuthService
from kiosk.services.lookup import LookupService
from kiosk.ui.app import KioskApp
from kiosk.ui.widgets.status_line import StatusLine
from tests.ui.sample_data import AGENT_LOGIN, AGENT_PASSWORD, World, build_world
from tests.ui.sql_env import SqlDesk, sql_desk

P = ParamSpec("P")
KioskPilot = Pilot[None]


def run_async(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test on a fresh event loop (the project has no pytest-asyncio)."""

    @functools.wraps(test)
    def runner(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return runner


def real_app(home: Path, *, fixed_codes: bool = True) -> tuple[KioskApp, SqlDesk]:
    """The app as ``kiosk run`` builds it (``kiosk.bootstrap.make_app``) on a fresh home."""
    desk = sql_desk(home, fixed_codes=fixed_codes)
    return desk.app(), desk


def memory_app(world: World | None = None) -> tuple[KioskApp, World]:
    """The app over in-memory services: for what a real database cannot be made to do on
    demand (wait, fail) and for data an import would refuse."""
    world = world or build_world()
    return KioskApp(world.services), world


async def settle(pilot: KioskPilot) -> None:
    """Let every worker finish and every resulting message be handled."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_into(pilot: KioskPilot, selector: str, text: str, *, keys: bool = False) -> None:
    """Focus the input and type ``text`` at the cursor.

    ``keys=True`` sends one key event per character (slower: Pilot waits for idle after
    each key); otherwise the text is inserted in one edit, which posts the same
    ``Input.Changed`` message the screens react to.
    """
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    if keys:
        await pilot.press(*text)
    else:
        field.insert_text_at_cursor(text)
    await pilot.pause()


async def log_in(
    pilot: KioskPilot,
    login: str = AGENT_LOGIN,
    password: str = AGENT_PASSWORD,
    *,
    keys: bool = False,
) -> None:
    await type_into(pilot, "#login", login, keys=keys)
    await type_into(pilot, "#password", password, keys=keys)
    await pilot.press("enter")
    await settle(pilot)


async def look_up(pilot: KioskPilot, typed: str, *, keys: bool = False) -> None:
    await type_into(pilot, "#code", typed, keys=keys)
    await pilot.press("enter")
    await settle(pilot)


def status_text(screen: Screen[Any], selector: str) -> str:
    return screen.query_one(selector, StatusLine).text


def screen_text(app: KioskApp) -> str:
    """Every character the terminal shows right now, line by line (what a person reads).

    Rendered the way ``App.export_screenshot`` renders, but kept as text.
    """
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False)


def no_blink(app: App[Any]) -> None:
    """A steady cursor, so screenshots do not depend on when they are taken."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False


class Gate:
    """Holds a service call in its worker thread until the test opens it, so the test can
    look at the screen while the call is in flight. Bounded: a forgotten gate fails the
    call after a few seconds instead of hanging the suite."""

    def __init__(self, timeout: float = 5.0) -> None:
        self._event = threading.Event()
        self._timeout = timeout

    def wait(self) -> None:
        if not self._event.wait(self._timeout):
            raise TimeoutError("gate never opened")

    def open(self) -> None:
        self._event.set()


class GatedHasher(FakeHasher):
    def __init__(self, gate: Gate) -> None:
        self._gate = gate

    def verify(self, stored: str, secret: str) -> bool:
        self._gate.wait()
        return super().verify(stored, secret)


class GatedLookup(LookupService):
    def __init__(self, inner: LookupService, gate: Gate) -> None:
        self._inner = inner
        self._gate = gate

    def lookup(self, session: AgentSession, typed_code: str) -> Dossier:
        self._gate.wait()
        return self._inner.lookup(session, typed_code)


def gated_world(*, login: Gate | None = None, lookup: Gate | None = None) -> World:
    """A world whose password checks and/or lookups wait for their gate."""
    world = build_world()
    services = world.services
    if login is not None:
        services = replace(services, auth=AuthService(world.db, GatedHasher(login), world.clock))
    if lookup is not None:
        services = replace(services, lookup=GatedLookup(services.lookup, lookup))
    return replace(world, services=services)
