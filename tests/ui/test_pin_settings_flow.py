"""A kiosk whose token model takes digits only (``pin_characters = "digits"``, 6 to 8, in
its kiosk.toml): the holder's PIN screen says so before anything is typed, refuses a PIN
with a letter without showing it, and the token is personalised with a PIN of digits.
The kiosk as built (bootstrap) gives the PIN unblock the same rules. A run taken up after
the rules changed still takes the PIN chosen under the old ones."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.adapters.fakes.memory import FixedClock
from kiosk.adapters.reader.simulated_reader import SimulatedReader
from kiosk.domain.pin_policy import PinPolicy
from kiosk.ui.app import KioskApp
from kiosk.ui.screens.holder_cue import HolderCueScreen
from kiosk.ui.screens.holder_pin import PinEntryScreen
from kiosk.ui.widgets.secret_input import SecretInput
from tests.integration.softhsm_env import ca_folder, softhsm
from tests.ui.app_env import run_async, screen_text, settle, status_text, type_into
from tests.ui.sample_data import NOW
from tests.ui.token_env import (
    FAKE_SERIALS,
    HOLDER_PIN,
    choose_pin,
    fake_token_app,
    interrupt_at_key_generation,
    said,
    shows,
    softhsm_app,
    take_up_interrupted,
    to_pin_screen,
    to_token_step,
    type_current_pin,
)

_FIXTURES = (softhsm, ca_folder)

DIGITS_6_TO_8 = 'pin_min_length = 6\npin_max_length = 8\npin_characters = "digits"\n'
LETTER_PIN = "48a2b9"
DIGIT_PIN = "48291573"


def configured_home(home: Path) -> Path:
    """A future test home whose kiosk.toml sets the PIN rules of a digits-only token."""
    home.mkdir(parents=True)
    (home / "kiosk.toml").write_text(DIGITS_6_TO_8, encoding="utf-8")
    return home


@run_async
async def test_a_kiosk_set_for_digit_pins_says_so_and_refuses_a_letter(tmp_path: Path) -> None:
    app, desk, devices = fake_token_app(configured_home(tmp_path / "home"))
    assert app.services.pin_policy == PinPolicy(6, 8, digits_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await to_pin_screen(pilot)
        assert isinstance(app.screen, PinEntryScreen)
        assert "De 6 à 8 chiffres, sans suite (123456)" in said(app)

        await type_into(pilot, "#pin", LETTER_PIN)
        assert status_text(app.screen, "#pin-status") == (
            "Saisie : Le code PIN ne doit contenir que des chiffres."
        )
        await pilot.press("enter")  # to the confirmation field
        await type_into(pilot, "#pin-confirm", LETTER_PIN)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PinEntryScreen)
        assert status_text(app.screen, "#pin-status") == (
            "✗ Erreur : Le code PIN ne doit contenir que des chiffres."
        )
        assert [field.value for field in app.screen.query(SecretInput)] == ["", ""]
        assert LETTER_PIN not in screen_text(app)

        await choose_pin(pilot, DIGIT_PIN)
        assert isinstance(app.screen, HolderCueScreen)
        assert app.screen.detail_text == "Code PIN enregistré. Merci."
        await pilot.press("enter")  # « Rendez l'écran à l'agent »
        await settle(pilot)
        await shows(pilot, "Support personnalisé et vérifié")
        assert DIGIT_PIN not in screen_text(app)

    personalised = [t for t in devices.tokens.tokens if t.serial in FAKE_SERIALS and t.user_pin]
    assert [t.user_pin for t in personalised] == [DIGIT_PIN]


@pytest.mark.integration
def test_the_kiosk_as_built_unblocks_pins_under_the_same_rules(
    tmp_path: Path, ca_folder: Path
) -> None:
    app, _ = softhsm_app(configured_home(tmp_path / "home"), ca_folder)
    unblock = app.services.pin_unblock
    assert unblock is not None  # the demo's back-office key beside the home
    assert unblock.policy is app.services.pin_policy
    assert unblock.policy.hint.startswith("De 6 à 8 chiffres")


@run_async
async def test_a_run_taken_up_after_the_rules_changed_takes_the_pin_chosen_before(
    tmp_path: Path,
) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")  # 6 to 16 characters
    # A 12-character PIN, set on the token before it was pulled out.
    await interrupt_at_key_generation(app, desk, devices)

    # The kiosk restarted with the rules of another token model: 6 to 8 digits.
    services = replace(
        app.services,
        reader=SimulatedReader(now=FixedClock(NOW).now),
        pin_policy=PinPolicy(6, 8, digits_only=True),
    )
    again = KioskApp(services)
    async with again.run_test(size=(80, 24)) as pilot:
        await take_up_interrupted(pilot)
        await shows(pilot, "Reprise de la personnalisation interrompue de ce dossier")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")  # the cue: the screen turned to the holder
        await settle(pilot)
        assert isinstance(again.screen, PinEntryScreen)
        assert "Saisissez le code PIN que vous avez choisi pour ce support." in said(again)

        await type_current_pin(pilot)
        await shows(pilot, "Support personnalisé et vérifié")
        assert HOLDER_PIN not in screen_text(again)
