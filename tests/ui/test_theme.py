"""The high-contrast theme: chosen by ``KIOSK_THEME=contrast`` or with F12 on any screen,
in any field; white on black, no muted text."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_settings
from kiosk.domain.errors import ConfigError
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.theme import CONTRAST, DEFAULT
from tests.ui.app_env import run_async
from tests.ui.appointment_env import start_appointment
from tests.ui.desk_env import desk_app


def test_the_setting_chooses_the_theme(tmp_path: Path) -> None:
    env = {"KIOSK_SITE": "BREST", "KIOSK_THEME": "contrast"}

    assert load_settings(env=env, home=tmp_path).theme == "contrast"
    assert load_settings(env={"KIOSK_SITE": "BREST"}, home=tmp_path).theme == "default"


def test_an_unknown_theme_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(env={"KIOSK_SITE": "BREST", "KIOSK_THEME": "rose"}, home=tmp_path)

    assert "KIOSK_THEME" in str(err.value)


@run_async
async def test_a_kiosk_set_to_contrast_starts_in_it_with_no_muted_text(tmp_path: Path) -> None:
    app, _, _ = desk_app(tmp_path / "home", theme="contrast")
    async with app.run_test(size=(80, 24)):
        assert app.theme == CONTRAST
        variables = app.theme_variables
        assert (variables["background"], variables["foreground"]) == ("#000000", "#FFFFFF")
        assert variables["text-muted"] == "#FFFFFF"


@run_async
async def test_f12_switches_on_any_screen_even_in_a_field(tmp_path: Path) -> None:
    app, desk, _ = desk_app(tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == DEFAULT
        await pilot.press("f12")  # on the login screen, in the login field
        assert app.theme == CONTRAST

        await start_appointment(pilot, desk)
        await pilot.press("f12")  # in the MRZ field
        assert isinstance(app.screen, IdentityScreen)
        assert app.theme == DEFAULT
        assert app.screen.mrz_field.text == ""
