"""Ctrl+Q, Ctrl+C and Ctrl+Z: « Quitter le kiosque ? », never a sudden exit or a suspended
kiosk. An open appointment is ended with a reason before quitting (or continued); an
operation under way is waited for before the question is even put; a locked kiosk does
not quit."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.domain.dossier_state import DossierState
from kiosk.services.appointment import Appointment, AppointmentService
from kiosk.ui.app import LOCKED_QUIT
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.screens.lock import LockScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.quit import MUST_END, NO_APPOINTMENT, WAITING, QuitScreen
from tests.ui.app_env import (
    Gate,
    KioskPilot,
    log_in,
    look_up,
    run_async,
    screen_text,
    settle,
)
from tests.ui.appointment_env import passport, scan, start_appointment
from tests.ui.desk_env import desk_app
from tests.ui.lock_env import idle_for
from tests.ui.sample_data import AGENT_LOGIN, REF_CONVOKED


async def ask(pilot: KioskPilot, key: str = "ctrl+q") -> None:
    await pilot.press(key)
    await pilot.pause()


def logouts(desk_events: list[tuple[str, str | None, object]]) -> list[object]:
    return [details for kind, _, details in desk_events if kind == "agent.logout"]


@pytest.mark.parametrize("key", ["ctrl+q", "ctrl+c", "ctrl+z"])
@run_async
async def test_each_key_asks_and_escape_stays(key: str, tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, desk.code())  # the focus is on the dossier, not in a field
        await ask(pilot, key)

        assert isinstance(app.screen, QuitScreen)
        assert NO_APPOINTMENT in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)

        assert app.return_code is None  # still running, not suspended
        assert type(app.screen).__name__ == "DossierScreen"


@run_async
async def test_quitting_without_an_appointment_logs_out_then_exits(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await ask(pilot)
        await pilot.press("enter")
        await settle(pilot)

        assert app.return_code == 0

    [logout] = [e for e in desk.desk.audit_events() if e.event_type == "agent.logout"]
    assert (logout.agent, logout.details) == (AGENT_LOGIN, {"reason": "quit"})


@run_async
async def test_an_open_appointment_is_ended_with_a_reason_before_quitting(
    tmp_path: Path,
) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await ask(pilot)

        shown = screen_text(app)
        assert f"Rendez-vous en cours : dossier {REF_CONVOKED}, étape Identité." in shown
        assert MUST_END.split(" : ")[0] in shown
        await pilot.press("enter")  # not a way out with an appointment open
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen) and app.return_code is None

        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, EndAppointmentScreen)
        await pilot.press("enter")  # « Titulaire absent », proposed first
        await settle(pilot)

        assert app.return_code == 0

    assert desk.dossier().state is DossierState.REFUSED
    assert desk.last("appointment.end").details == {"reason": "holder_absent"}
    with desk.uow() as tx:
        assert tx.appointments.open_for(REF_CONVOKED) is None
    [logout] = [e for e in desk.desk.audit_events() if e.event_type == "agent.logout"]
    assert logout.details == {"reason": "quit"}


@run_async
async def test_going_back_on_the_ending_keeps_the_appointment(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await ask(pilot)
        await pilot.press("f9")
        await settle(pilot)
        await pilot.press("escape")  # « Continuer le rendez-vous »
        await settle(pilot)

        assert isinstance(app.screen, IdentityScreen)
        assert app.return_code is None
        assert app.open_flow is not None

    assert desk.dossier().state is DossierState.CONVOKED


class _GatedOpen(AppointmentService):
    """Holds the opening of an appointment until the test opens the gate."""

    def __init__(self, inner: AppointmentService, gate: Gate) -> None:
        self.__dict__.update(inner.__dict__)
        self._gate = gate

    def open(self, *args: object, **kwargs: object) -> Appointment:
        self._gate.wait()
        return super().open(*args, **kwargs)  # type: ignore[arg-type]


@run_async
async def test_an_operation_under_way_is_waited_for_before_the_question(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    gate = Gate()
    app.services = replace(app.services, appointments=_GatedOpen(app.services.appointments, gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, desk.code())
        await pilot.press("f5")  # opening the appointment: held
        await pilot.pause()
        await ask(pilot)

        assert app.screen.query_one("#quit-status").render().plain == f"En cours : {WAITING}"  # type: ignore[union-attr]
        assert "Veuillez patienter." in screen_text(app)
        await pilot.press("enter", "f9")  # no way out while it runs
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen) and app.return_code is None

        gate.open()
        await settle(pilot)
        assert isinstance(app.screen, QuitScreen)  # still on top of the new step
        assert isinstance(app.screen_stack[-2], IdentityScreen)
        assert f"dossier {REF_CONVOKED}, étape Identité" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)


@run_async
async def test_a_locked_kiosk_does_not_quit(tmp_path: Path) -> None:
    app, desk, idle = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport())
        await idle_for(pilot, idle, 180)
        await ask(pilot)

        assert isinstance(app.screen, LockScreen)
        assert app.screen.status.text == f"✗ Erreur : {LOCKED_QUIT}"
        assert app.return_code is None


@run_async
async def test_in_a_text_field_ctrl_c_still_copies_a_code_shown_on_purpose(
    tmp_path: Path,
) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        field = app.screen.query_one("#code")
        field.insert_text_at_cursor(desk.code())  # type: ignore[attr-defined]
        await pilot.press("f2")
        field.select_all()  # type: ignore[attr-defined]
        await ask(pilot, "ctrl+c")

        assert isinstance(app.screen, LookupScreen)
        assert app.clipboard == desk.code()
