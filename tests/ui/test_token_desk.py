"""The idle lock and the quit question on the token steps (in-memory token and CA): the
lock covers the token, the PIN, the run, the acceptance and the receipt, and the same
agent comes back to them; a run under way finishes beneath the lock; Ctrl+Q waits for a
run under way before asking, and ending the appointment then abandons the run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from kiosk.services.personalisation import PersonalisationResult, PersonalisationService
from kiosk.ui.screens.acceptance import AcceptanceScreen
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.holder_pin import PinEntryScreen
from kiosk.ui.screens.personalise_progress import PersonaliseProgressScreen
from kiosk.ui.screens.quit import QuitScreen
from kiosk.ui.screens.receipt_view import ReceiptViewScreen
from kiosk.ui.screens.token_insert import TokenInsertScreen
from tests.ui.app_env import Gate, KioskPilot, run_async, screen_text, settle
from tests.ui.appointment_env import AppointmentDesk
from tests.ui.desk_env import IdleClock
from tests.ui.lock_env import idle_for, is_locked, shown_of_dossier, unlock
from tests.ui.token_env import (
    choose_pin,
    fake_token_app,
    shows,
    to_personalised,
    to_pin_screen,
    to_receipt,
    to_token_step,
)

Step = Callable[[KioskPilot, AppointmentDesk], Awaitable[None]]


async def _token_ready(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await to_token_step(pilot, desk)
    await shows(pilot, "Entrée : passer au titulaire (code PIN).")


async def _pin(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await to_token_step(pilot, desk)
    await to_pin_screen(pilot)


async def _personalised(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await to_token_step(pilot, desk)
    await to_personalised(pilot)


async def _acceptance(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _personalised(pilot, desk)
    await pilot.press("enter")  # « Tournez l'écran vers le titulaire »
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def _receipt(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await to_token_step(pilot, desk)
    await to_personalised(pilot)
    await to_receipt(pilot)


STEPS = [
    pytest.param(_token_ready, TokenInsertScreen, id="token-ready"),
    pytest.param(_pin, PinEntryScreen, id="holder-pin"),
    pytest.param(_personalised, PersonaliseProgressScreen, id="run-done"),
    pytest.param(_acceptance, AcceptanceScreen, id="acceptance"),
    pytest.param(_receipt, ReceiptViewScreen, id="receipt"),
]


@pytest.mark.parametrize(("step", "screen"), STEPS)
@run_async
async def test_each_token_step_locks_and_comes_back(
    step: Step, screen: type[Any], tmp_path: Path
) -> None:
    app, desk, _ = fake_token_app(tmp_path / "home")
    idle = IdleClock()
    app.idle_clock = idle
    async with app.run_test(size=(80, 24)) as pilot:
        await step(pilot, desk)
        assert isinstance(app.screen, screen)
        before = app.screen

        await idle_for(pilot, idle, 180)
        assert is_locked(pilot)
        assert shown_of_dossier(pilot) == []

        await unlock(pilot)
        assert app.screen is before


def _held_run(gate: Gate) -> type[PersonalisationService]:
    class HeldRun(PersonalisationService):
        """A run that starts only once the test opens the gate."""

        def personalise(self, *args: Any, **kwargs: Any) -> PersonalisationResult:
            gate.wait()
            return super().personalise(*args, **kwargs)

    return HeldRun


async def _start_held_run(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await to_token_step(pilot, desk)
    await to_pin_screen(pilot)
    await choose_pin(pilot)  # the run starts once the holder hands the screen back...
    await pilot.press("enter")
    await pilot.pause()  # ... and is held


@run_async
async def test_a_run_under_way_finishes_beneath_the_lock(tmp_path: Path) -> None:
    gate = Gate(timeout=20)
    app, desk, _ = fake_token_app(tmp_path / "home", personalisation=_held_run(gate))
    idle = IdleClock()
    app.idle_clock = idle
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_held_run(pilot, desk)
        await idle_for(pilot, idle, 180, wait_workers=False)
        assert is_locked(pilot)
        gate.open()
        await settle(pilot)

        assert is_locked(pilot)
        assert shown_of_dossier(pilot) == []
        await unlock(pilot)
        assert isinstance(app.screen, PersonaliseProgressScreen)
        await shows(pilot, "Support personnalisé et vérifié")


@run_async
async def test_quitting_waits_for_the_run_then_ending_abandons_it(tmp_path: Path) -> None:
    gate = Gate(timeout=20)
    app, desk, _ = fake_token_app(tmp_path / "home", personalisation=_held_run(gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await _start_held_run(pilot, desk)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen) and app.screen.waiting
        await pilot.press("f9", "enter")  # nothing chosen while the run goes on
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen) and app.return_code is None

        gate.open()
        await settle(pilot)
        assert not app.screen.waiting
        assert "dossier CS-2026-000123, étape Support" in screen_text(app)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        await pilot.press("home", "down", "down", "down", "enter")  # « Support défectueux »
        await settle(pilot)
        assert app.return_code == 0

    kinds = [kind for kind, _ in desk.kinds()]
    assert kinds[-2:] == ["personalisation.abandoned", "appointment.end"]
    assert desk.last("appointment.end").details == {"reason": "token_defective"}
