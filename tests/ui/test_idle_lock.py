"""The idle lock: after ``idle_lock_seconds`` without a key the desk is covered, at every
step of an appointment; the same agent comes back exactly where they were, another agent
starts at home and the appointment waits to be resumed. What finishes under the lock
stays under it. No test waits: the idle clock is moved by hand."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.domain.mrz import MrzData
from kiosk.services.appointment import Appointment, AppointmentService, EndReason
from kiosk.services.identity import IdentityService
from kiosk.ui.screens.holder_cue import TO_HOLDER, HolderCueScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.screens.resume_offer import ResumeOfferScreen
from tests.ui.app_env import Gate, KioskPilot, log_in, look_up, run_async, screen_text, settle
from tests.ui.appointment_env import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    RIGHT_ANSWERS,
    AppointmentDesk,
    answer,
    confirm_photo,
    identified,
    passport,
    scan,
    start_appointment,
)
from tests.ui.desk_env import desk_app
from tests.ui.lock_env import idle_for, is_locked, shown_of_dossier, unlock
from tests.ui.sample_data import AGENT_LOGIN, REF_CONVOKED

Step = Callable[[KioskPilot, AppointmentDesk], Awaitable[None]]


async def _home(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await log_in(pilot)


async def _dossier(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await log_in(pilot)
    await look_up(pilot, desk.code())


async def _identity(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)


async def _comparison(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport())


async def _end_dialog(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await pilot.press("f9")
    await pilot.pause()


async def _turn_to_holder(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport())
    await confirm_photo(pilot)


async def _answers(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk)


async def _medium(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


STEPS = [
    pytest.param(_home, id="home"),
    pytest.param(_dossier, id="dossier"),
    pytest.param(_identity, id="identity-reading"),
    pytest.param(_comparison, id="identity-comparison"),
    pytest.param(_end_dialog, id="end-dialog"),
    pytest.param(_turn_to_holder, id="turn-to-holder"),
    pytest.param(_answers, id="holder-answers"),
    pytest.param(_medium, id="medium"),
]


@pytest.mark.parametrize("step", STEPS)
@run_async
async def test_each_step_locks_hides_everything_and_comes_back_as_it_was(
    step: Step, tmp_path: Path
) -> None:
    app, desk, idle = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await step(pilot, desk)
        before = app.screen
        flow = app.open_flow

        await idle_for(pilot, idle, 180)

        assert is_locked(pilot)
        assert shown_of_dossier(pilot) == []
        assert "Écran verrouillé après 3 min sans activité." in screen_text(app)

        await unlock(pilot)

        assert app.screen is before
        assert app.open_flow is flow
        assert flow is None or not flow.appointment.ended

    kinds = [e.event_type for e in desk.desk.audit_events() if e.agent == AGENT_LOGIN]
    assert kinds[-3:] == ["agent.idle_lock", "agent.login", "agent.unlock"]


@run_async
async def test_every_key_puts_the_lock_off(tmp_path: Path) -> None:
    app, _, idle = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await idle_for(pilot, idle, 170)
        await pilot.press("f2")  # any key
        await idle_for(pilot, idle, 170)
        assert isinstance(app.screen, LookupScreen)

        await idle_for(pilot, idle, 10)
        assert is_locked(pilot)


@run_async
async def test_nothing_locks_before_anyone_logs_in(tmp_path: Path) -> None:
    app, _, idle = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await idle_for(pilot, idle, 3600)
        assert isinstance(app.screen, LoginScreen)


@run_async
async def test_a_wrong_password_keeps_the_desk_locked(tmp_path: Path) -> None:
    app, desk, idle = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await idle_for(pilot, idle, 180)
        await unlock(pilot, password="pas-le-bon")

        assert is_locked(pilot)
        status = app.screen.query_one("#lock-status").render()
        assert "Identifiant ou mot de passe incorrect." in str(status)
        assert shown_of_dossier(pilot) == []


@run_async
async def test_another_agent_starts_at_home_and_is_offered_the_appointment(
    tmp_path: Path,
) -> None:
    app, desk, idle = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await idle_for(pilot, idle, 180)
        await unlock(pilot, ADMIN_LOGIN, ADMIN_PASSWORD)

        assert app.session is not None and app.session.login == ADMIN_LOGIN
        assert isinstance(app.screen, ResumeOfferScreen)
        assert app.screen.offered.reference == REF_CONVOKED
        assert [type(s).__name__ for s in app.screen_stack[1:]] == [
            "LookupScreen",
            "ResumeOfferScreen",
        ]
        assert app.open_flow is None
        await pilot.press("escape")  # « plus tard »
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert "Gaëlle Le Bris" in screen_text(app)

    with desk.uow() as tx:
        assert tx.appointments.open_for(REF_CONVOKED) is not None  # still to be resumed
    logout = desk.desk.audit_events()
    assert [(e.event_type, e.agent, e.details) for e in logout if e.event_type in (
        "agent.logout", "agent.unlock")] == [
        ("agent.logout", AGENT_LOGIN, {"reason": "idle_lock_replaced"}),
        ("agent.unlock", ADMIN_LOGIN, {"same_agent": False, "locked_agent": AGENT_LOGIN}),
    ]  # fmt: skip


class _GatedIdentity(IdentityService):
    """Holds the photo statement until the test opens the gate."""

    def __init__(self, inner: IdentityService, gate: Gate) -> None:
        self._inner = inner
        self._gate = gate

    def read_mrz(self, appointment: Appointment, typed: str) -> MrzData:
        return self._inner.read_mrz(appointment, typed)

    def check(self, appointment: Appointment, document: MrzData):  # type: ignore[no-untyped-def]
        return self._inner.check(appointment, document)

    def confirm_photo(self, appointment: Appointment, matches: bool) -> None:
        self._gate.wait()
        self._inner.confirm_photo(appointment, matches)


class _GatedEnd(AppointmentService):
    """Holds the end of an appointment until the test opens the gate."""

    def __init__(self, inner: AppointmentService, gate: Gate) -> None:
        self.__dict__.update(inner.__dict__)
        self._gate = gate

    def end(self, appointment: Appointment, reason: EndReason, text: str = "") -> None:
        self._gate.wait()
        super().end(appointment, reason, text)


@run_async
async def test_a_step_that_finishes_under_the_lock_stays_under_it(tmp_path: Path) -> None:
    app, desk, idle = desk_app(tmp_path / "home")
    gate = Gate()
    app.services = replace(app.services, identity=_GatedIdentity(app.services.identity, gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport())
        await pilot.press("f6")
        await pilot.pause()
        await pilot.press("enter")  # the photo statement, held
        await pilot.pause()
        await idle_for(pilot, idle, 180, wait_workers=False)
        gate.open()
        await settle(pilot)

        assert is_locked(pilot)  # the turn to the holder happened beneath
        assert TO_HOLDER not in screen_text(app)
        assert shown_of_dossier(pilot) == []
        assert isinstance(app.screen_stack[-2], HolderCueScreen)

        await unlock(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        assert TO_HOLDER in screen_text(app)


@run_async
async def test_an_ending_that_finishes_under_the_lock_stays_under_it(tmp_path: Path) -> None:
    app, desk, idle = desk_app(tmp_path / "home")
    gate = Gate()
    app.services = replace(app.services, appointments=_GatedEnd(app.services.appointments, gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await pilot.press("f9", "enter")  # holder absent, held
        await pilot.pause()
        await idle_for(pilot, idle, 180, wait_workers=False)
        gate.open()
        await settle(pilot)

        assert is_locked(pilot)
        assert shown_of_dossier(pilot) == []
        assert isinstance(app.screen_stack[-2], LookupScreen)

        await unlock(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert "Rendez-vous terminé : Titulaire absent." in app.screen.status.text
