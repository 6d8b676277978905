"""The PIN rules a kiosk is configured with (``KIOSK_PIN_…`` or kiosk.toml's ``pin_…``):
the policy built from them, and the start-up refusal, in French naming the setting, of
rules no token model could follow."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import PinSettings, Settings, load_settings
from kiosk.doctor import configuration
from kiosk.domain.errors import ConfigError, ValidationError
from kiosk.domain.pin_policy import PinPolicy, check_pin, pin_problem

BIRTH = date(1965, 12, 6)


def _settings(tmp_path: Path, toml: str = "", **pin: str) -> Settings:
    if toml:
        (tmp_path / "kiosk.toml").write_text(toml, encoding="utf-8")
    env = {"KIOSK_SITE": "BREST"} | {f"KIOSK_PIN_{k.upper()}": v for k, v in pin.items()}
    return load_settings(env=env, home=tmp_path)


def _refusal(tmp_path: Path, **pin: str) -> ConfigError:
    with pytest.raises(ConfigError) as err:
        _settings(tmp_path, **pin)
    return err.value


def test_without_pin_settings_the_policy_is_the_usual_one(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert settings.pin == PinSettings()
    assert settings.pin.policy() == PinPolicy()
    assert settings.pin.policy().hint.startswith("De 6 à 16 caractères")


def test_a_digits_only_token_of_6_to_8_gets_its_policy(tmp_path: Path) -> None:
    policy = _settings(tmp_path, min_length="6", max_length="8", characters="digits").pin.policy()
    assert policy == PinPolicy(6, 8, digits_only=True)
    assert policy.hint.startswith("De 6 à 8 chiffres, sans suite")
    check_pin("48291573", "48291573", BIRTH, policy)
    with pytest.raises(ValidationError, match="ne doit contenir que des chiffres"):
        check_pin("48a2b9", "48a2b9", BIRTH, policy)
    with pytest.raises(ValidationError, match="de 6 à 8 chiffres"):
        check_pin("482915736", "482915736", BIRTH, policy)


def test_an_alphanumeric_token_of_6_to_12_gets_its_policy(tmp_path: Path) -> None:
    policy = _settings(tmp_path, min_length="6", max_length="12", characters="alnum").pin.policy()
    assert policy == PinPolicy(6, 12, alphanumeric_only=True)
    assert policy.hint.startswith("De 6 à 12 lettres ou chiffres, sans suite")
    check_pin("Kp7tonnerre", "Kp7tonnerre", BIRTH, policy)
    for refused in ("Kp7-tonnerre", "Kp7tonnèrre", "Kp7 tonnerre"):
        with pytest.raises(ValidationError) as err:
            check_pin(refused, refused, BIRTH, policy)
        assert err.value.message == (
            "Le code PIN ne peut contenir que des lettres sans accent et des chiffres."
        )
    with pytest.raises(ValidationError, match="de 6 à 12 lettres ou chiffres"):
        check_pin("Kp7tonnerre42", "Kp7tonnerre42", BIRTH, policy)


def test_kiosk_toml_sets_the_rules_and_the_environment_wins(tmp_path: Path) -> None:
    toml = 'pin_min_length = 6\npin_max_length = 12\npin_characters = "ascii"\n'
    assert _settings(tmp_path, toml).pin == PinSettings(6, 12, "ascii")
    assert _settings(tmp_path, toml, max_length="8").pin == PinSettings(6, 8, "ascii")


@pytest.mark.parametrize(("low", "high"), [("4", "4"), ("4", "64"), ("64", "64")])
def test_the_widest_bounds_are_accepted(tmp_path: Path, low: str, high: str) -> None:
    policy = _settings(tmp_path, min_length=low, max_length=high).pin.policy()
    assert (policy.min_length, policy.max_length) == (int(low), int(high))


def test_a_minimum_above_the_maximum_is_refused_at_start_up(tmp_path: Path) -> None:
    err = _refusal(tmp_path, min_length="9", max_length="8")
    assert err.setting == "KIOSK_PIN_MAX_LENGTH"
    assert err.message == (
        "Configuration invalide : KIOSK_PIN_MAX_LENGTH — le maximum (8) est inférieur au"
        " minimum KIOSK_PIN_MIN_LENGTH (9)"
    )


def test_a_maximum_longer_than_a_token_takes_is_refused(tmp_path: Path) -> None:
    err = _refusal(tmp_path, max_length="65")
    assert err.setting == "KIOSK_PIN_MAX_LENGTH"
    assert err.message == (
        "Configuration invalide : KIOSK_PIN_MAX_LENGTH — au plus 64 caractères, la plus"
        " grande longueur de code PIN que le kiosque confie à un support PKCS#11"
    )


@pytest.mark.parametrize(
    ("pin", "setting", "problem"),
    [
        ({"min_length": "3"}, "KIOSK_PIN_MIN_LENGTH", "doit être compris entre 4 et 64"),
        ({"min_length": "65"}, "KIOSK_PIN_MIN_LENGTH", "doit être compris entre 4 et 64"),
        ({"min_length": "six"}, "KIOSK_PIN_MIN_LENGTH", "nombre entier attendu, reçu « six »"),
        ({"max_length": "huit"}, "KIOSK_PIN_MAX_LENGTH", "nombre entier attendu, reçu « huit »"),
        ({"max_length": "5"}, "KIOSK_PIN_MAX_LENGTH", "le maximum (5) est inférieur"),
        ({"characters": "lettres"}, "KIOSK_PIN_CHARACTERS", "« digits », « alnum » ou « ascii »"),
    ],
)
def test_an_impossible_setting_is_named_in_french(
    tmp_path: Path, pin: dict[str, str], setting: str, problem: str
) -> None:
    err = _refusal(tmp_path, **pin)
    assert err.setting == setting
    assert err.message.startswith(f"Configuration invalide : {setting} — {problem}")


def test_a_bad_value_in_kiosk_toml_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        _settings(tmp_path, "pin_min_length = 10\npin_max_length = 8\n")
    assert err.value.setting == "KIOSK_PIN_MAX_LENGTH"


@settings(max_examples=150)
@given(st.text(max_size=20))
def test_an_alphanumeric_policy_never_repeats_the_pin(pin: str) -> None:
    policy = PinSettings(6, 12, "alnum").policy()
    problem = pin_problem(pin, BIRTH, policy)
    # One of a few fixed sentences, or a PIN accepted: none can carry the PIN.
    assert problem is None or problem in ALNUM_MESSAGES


ALNUM_MESSAGES = {
    "Le code PIN doit compter de 6 à 12 lettres ou chiffres.",
    "Le code PIN ne peut contenir que des lettres sans accent et des chiffres.",
    "Le code PIN ne doit pas répéter un seul caractère.",
    "Le code PIN ne doit pas être une suite de caractères consécutifs.",
    "Le code PIN ne doit pas être la répétition d'un même motif.",
    "Le code PIN ne doit pas contenir la date de naissance du titulaire.",
}


def test_the_doctor_states_the_pin_rules_in_force(tmp_path: Path) -> None:
    settings = _settings(tmp_path, min_length="4", max_length="8", characters="digits")
    finding = configuration(settings)
    assert finding.ok
    assert finding.lines()[0].endswith("; code PIN du titulaire : de 4 à 8 chiffres.")
