"""Going back where it makes sense: from the identity check to the dossier before anything
was checked (the appointment is left, the dossier released as it was); from « turn the
screen to the holder » to the identity check, to read the document again. Nothing goes
back once the holder has answered."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.dossier_state import DossierState
from kiosk.ui.screens.answers import AnswersScreen
from kiosk.ui.screens.dossier import LEFT, DossierScreen
from kiosk.ui.screens.holder_cue import TO_AGENT, TO_HOLDER, HolderCueScreen
from kiosk.ui.screens.holder_steps import BACK_TO_IDENTITY
from kiosk.ui.screens.identity import IdentityScreen
from tests.ui.app_env import run_async, screen_text, settle, status_text
from tests.ui.appointment_env import (
    RIGHT_ANSWERS,
    answer,
    confirm_photo,
    identity_status,
    passport,
    scan,
    start_appointment,
)
from tests.ui.desk_env import desk_app
from tests.ui.sample_data import REF_CONVOKED


@run_async
async def test_before_any_check_escape_leaves_the_appointment_for_the_dossier(
    tmp_path: Path,
) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await pilot.press("escape")
        await settle(pilot)

        assert isinstance(app.screen, DossierScreen)
        assert status_text(app.screen, "#dossier-status") == LEFT
        assert app.open_flow is None

    assert desk.dossier().state is DossierState.CONVOKED
    assert [k for k in desk.kinds() if k[0].startswith("appointment")] == [
        ("appointment.start", "success"),
        ("appointment.left", "success"),
    ]
    with desk.uow() as tx:
        assert tx.appointments.open_for(REF_CONVOKED) is None


@run_async
async def test_once_a_document_was_checked_escape_does_not_leave(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport(expiry="250101"))
        await pilot.press("f3")  # read another document...
        await pilot.press("escape")  # ... but the refused one is on record: F9 ends it
        await settle(pilot)

        assert isinstance(app.screen, IdentityScreen)
        assert "Échap" not in screen_text(app).splitlines()[-1]  # the Footer

    assert "appointment.left" not in [kind for kind, _ in desk.kinds()]


@run_async
async def test_the_identity_can_be_checked_again_before_the_holder_answers(
    tmp_path: Path,
) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport())
        await confirm_photo(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        assert f"Échap : {BACK_TO_IDENTITY}" in screen_text(app)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, IdentityScreen)
        assert app.screen.report is None  # reading again, from the start

        await scan(pilot, passport())
        assert "Contrôles du document conformes" in identity_status(pilot)
        await confirm_photo(pilot)
        assert app.screen.title_text == TO_HOLDER
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AnswersScreen)

    checks = [e.outcome.value for e in desk.events() if e.event_type == "identity.check"]
    assert checks == ["success", "success"]


@run_async
async def test_nothing_goes_back_once_the_holder_has_answered(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await start_appointment(pilot, desk)
        await scan(pilot, passport())
        await confirm_photo(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # on the holder's side: no way back to the agent's
        await settle(pilot)
        assert isinstance(app.screen, AnswersScreen)

        await answer(pilot, RIGHT_ANSWERS)
        assert isinstance(app.screen, HolderCueScreen)
        assert app.screen.title_text == TO_AGENT
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HolderCueScreen)
        assert "Échap" not in screen_text(app)
