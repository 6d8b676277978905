"""Locking and unlocking the desk in tests, without waiting: the idle clock is moved by
hand and the app asked to check it (what its one-second timer does)."""

from __future__ import annotations

from kiosk.ui.screens.lock import LockScreen
from kiosk.ui.widgets.secret_input import SecretInput
from tests.ui.app_env import KioskPilot, screen_text, settle, type_into
from tests.ui.desk_env import IdleClock
from tests.ui.sample_data import AGENT_PASSWORD

# What a locked screen must never show of the sample appointment.
DOSSIER_DATA = ("CS-2026", "Le Goff", "LE GOFF", "Jeanne", "Exemple Industries", "Identité")


async def idle_for(
    pilot: KioskPilot, idle: IdleClock, seconds: float, *, wait_workers: bool = True
) -> None:
    """``seconds`` pass without a key. ``wait_workers=False`` while a call is held."""
    idle.advance(seconds)
    pilot.app.check_idle_lock()  # type: ignore[attr-defined]
    if wait_workers:
        await settle(pilot)
    else:
        await pilot.pause()


async def unlock(
    pilot: KioskPilot, login: str | None = None, password: str = AGENT_PASSWORD
) -> None:
    """Type the password (and another login, if given) on the lock screen, then Entrée."""
    if login is not None:
        field = pilot.app.screen.query_one("#lock-login")
        field.focus()
        await pilot.pause()
        await pilot.press("ctrl+u")  # the locked agent's login, prefilled, goes
        await type_into(pilot, "#lock-login", login)
    await type_into(pilot, "#lock-password", password)
    await pilot.press("enter")
    await settle(pilot)


def shown_of_dossier(pilot: KioskPilot) -> list[str]:
    """Which dossier data the terminal shows right now."""
    shown = screen_text(pilot.app)  # type: ignore[arg-type]
    return [value for value in DOSSIER_DATA if value in shown]


def is_locked(pilot: KioskPilot) -> bool:
    screen = pilot.app.screen
    return isinstance(screen, LockScreen) and bool(screen.query(SecretInput))
