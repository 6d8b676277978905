"""The login screen, driven with the keyboard as an agent would."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from kiosk.services.auth import WRONG_CREDENTIALS
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine
from tests.ui.app_env import (
    Gate,
    gated_world,
    log_in,
    memory_app,
    real_app,
    run_async,
    screen_text,
    settle,
    type_into,
)
from tests.ui.sample_data import AGENT_LOGIN, AGENT_PASSWORD, INACTIVE_LOGIN


def _status(app_screen: object) -> StatusLine:
    assert isinstance(app_screen, LoginScreen)
    return app_screen.query_one("#login-status", StatusLine)


@run_async
async def test_right_password_opens_the_lookup_screen_with_who_is_logged_in(tmp_path: Path) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, keys=True)

        assert isinstance(app.screen, LookupScreen)
        shown = screen_text(app)
        assert "Alice Martin — Agent de retrait — Bureau de Brest (BREST)" in shown
        assert app.session is not None and app.session.login == AGENT_LOGIN


@run_async
async def test_wrong_password_says_so_in_french_and_empties_the_password(tmp_path: Path) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, password="pas-le-bon")

        assert isinstance(app.screen, LoginScreen)
        status = _status(app.screen)
        assert status.kind is Kind.ERROR
        assert status.text == f"✗ Erreur : {WRONG_CREDENTIALS}"
        assert app.screen.query_one("#password", SecretInput).value == ""
        assert app.screen.query_one("#login", Input).value == AGENT_LOGIN
        assert app.focused is app.screen.query_one("#password")
        assert "pas-le-bon" not in screen_text(app)


@run_async
async def test_an_unknown_login_gets_the_same_message_as_a_wrong_password(tmp_path: Path) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, login="personne")

        assert _status(app.screen).text == f"✗ Erreur : {WRONG_CREDENTIALS}"


@run_async
async def test_an_inactive_login_gets_the_same_message_as_a_wrong_password() -> None:
    app, _ = memory_app()  # the agent admin cannot deactivate anyone yet
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, login=INACTIVE_LOGIN)

        assert _status(app.screen).text == f"✗ Erreur : {WRONG_CREDENTIALS}"


@run_async
async def test_fifth_failure_locks_the_login_and_the_screen_says_for_how_long(
    tmp_path: Path,
) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#login", AGENT_LOGIN)
        for _ in range(5):
            await type_into(pilot, "#password", "mauvais")
            await pilot.press("enter")
            await settle(pilot)

        assert "verrouillé pendant 15 minutes" in _status(app.screen).text

        await type_into(pilot, "#password", AGENT_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Identifiant verrouillé" in _status(app.screen).text


@run_async
async def test_form_is_disabled_and_says_checking_while_the_password_is_verified() -> None:
    gate = Gate()
    app, _ = memory_app(gated_world(login=gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#login", AGENT_LOGIN)
        await type_into(pilot, "#password", AGENT_PASSWORD)
        await pilot.press("enter")
        await pilot.pause()

        assert _status(app.screen).text == "En cours : Vérification…"
        assert app.screen.query_one("#login-panel").disabled
        await pilot.press("enter")  # a second Enter while busy starts nothing
        gate.open()
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)


@run_async
async def test_enter_on_the_identifier_moves_to_the_password(tmp_path: Path) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#login", AGENT_LOGIN)
        await pilot.press("enter")
        await pilot.pause()

        assert app.focused is app.screen.query_one("#password")


@run_async
async def test_empty_fields_are_named_before_anything_is_checked(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert _status(app.screen).text == "✗ Erreur : Saisissez votre identifiant."

        await type_into(pilot, "#login", AGENT_LOGIN)
        await pilot.press("enter", "enter")
        await pilot.pause()
        assert _status(app.screen).text == "✗ Erreur : Saisissez votre mot de passe."
        assert [e for e in world.audit_events() if e.event_type == "agent.login"] == []


@run_async
async def test_the_password_is_masked_on_screen(tmp_path: Path) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#password", AGENT_PASSWORD)
        await pilot.pause()

        assert AGENT_PASSWORD not in screen_text(app)
        assert "•" * len(AGENT_PASSWORD) in screen_text(app)
