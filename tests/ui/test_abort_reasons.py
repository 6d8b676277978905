"""Every way an appointment ends without a delivery, each from the step where it happens:
the dossier is refused with the reason in words, the audit says which reason, the dossier
is released, and the home says how it ended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from kiosk.domain.audit import Outcome
from kiosk.domain.dossier_state import DossierState
from kiosk.services.appointment import EndReason
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.widgets.progress_header import Step
from tests.ui.app_env import KioskPilot, run_async, screen_text, settle
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    WRONG_ANSWERS,
    AppointmentDesk,
    answer,
    identified,
    passport,
    scan,
    start_appointment,
)
from tests.ui.desk_env import desk_app
from tests.ui.sample_data import REF_CONVOKED

Scenario = Callable[[KioskPilot, AppointmentDesk], Awaitable[None]]
OTHER_TEXT = "Alarme incendie"


async def _choose(pilot: KioskPilot, reason: EndReason, text: str = "") -> None:
    """F9, the reason picked in the list by the keyboard, Entrée."""
    await pilot.press("f9")
    await settle(pilot)
    assert isinstance(pilot.app.screen, EndAppointmentScreen)
    await pilot.press("home", *["down"] * list(EndReason).index(reason))
    await pilot.press("enter")
    if text:
        await pilot.pause()
        await pilot.press(*text)  # « Autre motif » asked for its words
        await pilot.press("enter")
    await settle(pilot)


async def _holder_absent(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)  # nobody came to the desk
    await _choose(pilot, EndReason.HOLDER_ABSENT)


async def _document_refused(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport(expiry="250101"))
    await pilot.press("f9", "enter")  # proposed by the failed check
    await settle(pilot)


async def _answers_failed(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk)
    for _ in range(3):  # the third wrong set ends it by itself
        await answer(pilot, WRONG_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)


async def _on_the_token_step(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk)
    await answer(pilot, RIGHT_ANSWERS)
    await pilot.press("enter")  # « Rendez l'écran à l'agent »
    await settle(pilot)
    assert f"▶ [{Step.MEDIUM.label}]" in screen_text(pilot.app)  # type: ignore[arg-type]


async def _token_defective(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await _on_the_token_step(pilot, desk)
    await _choose(pilot, EndReason.TOKEN_DEFECTIVE)


async def _holder_declines(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await identified(pilot, desk)  # on the holder's side: they would rather not go on
    await _choose(pilot, EndReason.HOLDER_DECLINES)


async def _other(pilot: KioskPilot, desk: AppointmentDesk) -> None:
    await start_appointment(pilot, desk)
    await scan(pilot, passport())
    await _choose(pilot, EndReason.OTHER, OTHER_TEXT)


SCENARIOS: dict[EndReason, Scenario] = {
    EndReason.HOLDER_ABSENT: _holder_absent,
    EndReason.DOCUMENT_REFUSED: _document_refused,
    EndReason.ANSWERS_FAILED: _answers_failed,
    EndReason.TOKEN_DEFECTIVE: _token_defective,
    EndReason.HOLDER_DECLINES: _holder_declines,
    EndReason.OTHER: _other,
}


def test_every_reason_has_its_scenario() -> None:
    assert set(SCENARIOS) == set(EndReason)


@pytest.mark.parametrize("reason", list(EndReason), ids=[r.value for r in EndReason])
@run_async
async def test_each_reason_refuses_the_dossier_audits_and_releases_it(
    reason: EndReason, tmp_path: Path
) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await SCENARIOS[reason](pilot, desk)

        assert isinstance(app.screen, LookupScreen)
        label = reason.label + (f" ({OTHER_TEXT})" if reason is EndReason.OTHER else "")
        assert f"Rendez-vous terminé : {label}." in app.screen.status.text

    dossier = desk.dossier()
    assert dossier.state is DossierState.REFUSED
    words = reason.label + (f" : {OTHER_TEXT}" if reason is EndReason.OTHER else "")
    assert dossier.refusal_reason == words
    [end] = [e for e in desk.events() if e.event_type == "appointment.end"]
    assert (end.outcome, end.details) == (Outcome.ABORTED, {"reason": reason.value})
    with desk.uow() as tx:
        assert tx.appointments.open_for(REF_CONVOKED) is None
