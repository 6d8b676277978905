"""The lookup screen: typing a withdrawal code, its live feedback, and what a lookup shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Input

from kiosk.domain import withdrawal
from kiosk.domain.audit import Outcome
from kiosk.services.lookup import NOT_FOUND
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine
from tests.ui.app_env import (
    Gate,
    KioskPilot,
    gated_world,
    log_in,
    look_up,
    memory_app,
    real_app,
    run_async,
    screen_text,
    settle,
    status_text,
    type_into,
)
from tests.ui.sample_data import (
    AGENT_LOGIN,
    REF_CONVOKED,
    REF_OTHER_OFFICE,
)


def _feedback(pilot: KioskPilot) -> StatusLine:
    return pilot.app.screen.query_one("#code-feedback", StatusLine)


def _code_field(pilot: KioskPilot) -> SecretInput:
    return pilot.app.screen.query_one("#code", SecretInput)


def _mistyped(code: str) -> str:
    """The code with its last (check) symbol changed: a typing mistake."""
    return code[:-1] + ("A" if code[-1] != "A" else "B")


@pytest.mark.parametrize(
    "retype",
    [str, str.lower, lambda c: c.replace("-", " "), lambda c: c.replace("-", "").lower()],
    ids=["as-printed", "lowercase", "spaces", "no-dashes-lowercase"],
)
@run_async
async def test_a_good_code_opens_its_dossier_however_it_is_typed(
    retype: Callable[[str], str], tmp_path: Path
) -> None:
    app, world = real_app(tmp_path, fixed_codes=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, retype(world.code(REF_CONVOKED)))

        assert isinstance(app.screen, DossierScreen)
        assert app.screen.dossier.reference == REF_CONVOKED


@run_async
async def test_typing_key_by_key_counts_symbols_then_confirms_the_check(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    code = world.code(REF_CONVOKED)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", code[:13], keys=True)  # 12 symbols and a dash
        assert (_feedback(pilot).kind, _feedback(pilot).text) == (
            Kind.PROGRESS,
            "Saisie : 12 / 18",
        )

        await type_into(pilot, "#code", code[13:], keys=True)
        assert _feedback(pilot).kind is Kind.OK
        assert _feedback(pilot).text.startswith("✓ Code complet, caractère de contrôle correct.")


@run_async
async def test_a_wrong_check_symbol_is_flagged_while_typing(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", _mistyped(world.code(REF_CONVOKED)))

        assert _feedback(pilot).kind is Kind.ERROR
        assert "Caractère de contrôle incorrect" in _feedback(pilot).text


@run_async
async def test_a_symbol_that_never_appears_in_codes_is_flagged_at_once(tmp_path: Path) -> None:
    app, _ = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", "7K2U")

        assert _feedback(pilot).kind is Kind.ERROR
        assert "Caractère invalide : « U »" in _feedback(pilot).text


@run_async
async def test_another_offices_code_gets_the_same_answer_as_an_unknown_one(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, world.code(REF_OTHER_OFFICE))
        other_office = status_text(app.screen, "#lookup-status")
        await look_up(pilot, withdrawal.generate())  # well formed, matches nothing
        unknown = status_text(app.screen, "#lookup-status")

        assert isinstance(app.screen, LookupScreen)
        assert other_office == unknown == f"✗ Erreur : {NOT_FOUND}"


@run_async
async def test_a_malformed_code_is_refused_with_a_french_message(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await look_up(pilot, _mistyped(world.code(REF_CONVOKED)))

        assert "Caractère de contrôle incorrect" in status_text(app.screen, "#lookup-status")
        [event] = [e for e in world.audit_events() if e.event_type == "dossier.lookup"]
        assert event.outcome is Outcome.REFUSED


@run_async
async def test_the_code_is_masked_cleared_after_each_lookup_and_never_on_screen(
    tmp_path: Path,
) -> None:
    app, world = real_app(tmp_path)
    code = world.code(REF_OTHER_OFFICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", code)
        assert _code_field(pilot).password
        assert code not in screen_text(app)

        await pilot.press("enter")
        await settle(pilot)

        assert _code_field(pilot).value == ""
        assert _feedback(pilot).text == "Saisissez les 18 caractères du code."


@run_async
async def test_f2_shows_and_hides_the_code_and_a_lookup_masks_it_again(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    code = world.code(REF_OTHER_OFFICE)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", code)
        await pilot.press("f2")
        await pilot.pause()
        assert code in screen_text(app)
        assert "Code affiché en clair" in screen_text(app)

        await pilot.press("f2")
        await pilot.pause()
        assert code not in screen_text(app)
        assert "Code masqué" in screen_text(app)

        await pilot.press("f2", "enter")
        await settle(pilot)
        assert _code_field(pilot).password
        assert "Code masqué" in screen_text(app)


@run_async
async def test_the_screen_says_searching_while_the_lookup_runs() -> None:
    gate = Gate()
    app, world = memory_app(gated_world(lookup=gate))
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", world.code(REF_CONVOKED))
        await pilot.press("enter")
        await pilot.pause()

        assert status_text(app.screen, "#lookup-status") == "En cours : Recherche du dossier…"
        assert app.screen.query_one("#lookup-panel").disabled
        gate.open()
        await settle(pilot)
        assert isinstance(app.screen, DossierScreen)


@run_async
async def test_a_database_failure_is_told_in_french_and_the_desk_stays_usable() -> None:
    app, world = memory_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        world.db.fail_commits = True
        await look_up(pilot, world.code(REF_CONVOKED))

        assert "Enregistrement impossible" in status_text(app.screen, "#lookup-status")
        world.db.fail_commits = False
        await look_up(pilot, world.code(REF_CONVOKED))
        assert isinstance(app.screen, DossierScreen)


@pytest.mark.parametrize("key", ["f10", "ctrl+l"])
@run_async
async def test_logout_returns_to_an_empty_login_screen_and_is_audited(
    key: str, tmp_path: Path
) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", world.code(REF_CONVOKED)[:6])
        await pilot.press(key)
        await settle(pilot)

        assert isinstance(app.screen, LoginScreen)
        assert app.session is None
        assert [s for s in app.screen_stack if isinstance(s, LookupScreen)] == []
        assert app.screen.query_one("#login", Input).value == ""
        assert app.screen.query_one("#password", SecretInput).value == ""
        [event] = [e for e in world.audit_events() if e.event_type == "agent.logout"]
        assert event.agent == AGENT_LOGIN


@run_async
async def test_a_masked_code_cannot_be_copied_to_the_clipboard(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await type_into(pilot, "#code", world.code(REF_CONVOKED))
        _code_field(pilot).select_all()
        await pilot.press("ctrl+c")
        assert app.clipboard == ""

        await pilot.press("f2", "ctrl+c")  # shown on purpose by the agent: copy allowed
        assert app.clipboard == world.code(REF_CONVOKED)


@run_async
async def test_a_logout_the_journal_could_not_record_is_told_on_the_login_screen() -> None:
    app, world = memory_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        world.db.fail_commits = True
        await pilot.press("f10")
        await settle(pilot)

        assert isinstance(app.screen, LoginScreen)
        assert "Déconnexion non enregistrée au journal : Enregistrement impossible" in (
            status_text(app.screen, "#login-status")
        )


@run_async
async def test_quitting_with_an_agent_logged_in_records_the_logout(tmp_path: Path) -> None:
    app, world = real_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot)
        await pilot.press("ctrl+q")  # « Quitter le kiosque ? »
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)

    [event] = [e for e in world.audit_events() if e.event_type == "agent.logout"]
    assert event.details["reason"] == "quit"
