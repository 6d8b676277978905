"""The token user PIN a holder may choose, and the reasons given when refused."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.errors import ConfigError, ValidationError
from kiosk.domain.pin_policy import PinPolicy, birth_date_forms, check_pin, pin_problem

BIRTH = date(1965, 12, 6)
DIGITS = PinPolicy(min_length=6, max_length=8, digits_only=True)


@pytest.mark.parametrize("pin", ["482915", "Tr0ub4dor&3", "120611", "19561206", "A7k!p2Zq"])
def test_acceptable_pins(pin: str) -> None:
    check_pin(pin, pin, BIRTH)


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("48291", "de 6 à 16 caractères"),
        ("4829157364819273x", "de 6 à 16 caractères"),
        ("4829 15", "sans espace"),
        ("4829é5", "lettres sans accent"),
        ("000000", "un seul caractère"),
        ("aaaaaaaa", "un seul caractère"),
        ("123456", "suite de caractères consécutifs"),
        ("654321", "suite"),
        ("890123", "suite"),  # digits wrap from 9 to 0
        ("321098", "suite"),
        ("abcdef", "suite"),
        ("AbCdEfG", "suite"),
        ("121212", "répétition d'un même motif"),
        ("123123", "motif"),
        ("1212121", "motif"),
        ("abcabcab", "motif"),
        ("06121965", "date de naissance"),
        ("061265", "date de naissance"),
        ("19651206", "date de naissance"),
        ("651206", "date de naissance"),
        ("x06121965", "date de naissance"),
        ("06.12.65", "date de naissance"),
        ("06/12/1965", "date de naissance"),
    ],
)
def test_refused_pins_say_why(pin: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        check_pin(pin, pin, BIRTH)
    assert message in err.value.message
    assert pin not in err.value.message


def test_digits_only_policy() -> None:
    check_pin("482915", "482915", None, DIGITS)
    with pytest.raises(ValidationError, match="que des chiffres"):
        check_pin("48291a", "48291a", None, DIGITS)
    with pytest.raises(ValidationError, match="de 6 à 8 chiffres"):
        check_pin("482915736", "482915736", None, DIGITS)


def test_the_pin_must_be_typed_twice_identically() -> None:
    with pytest.raises(ValidationError) as err:
        check_pin("482915", "482916", BIRTH)
    assert err.value.message == "Les deux saisies du code PIN ne correspondent pas."


def test_the_pin_itself_is_judged_before_its_confirmation() -> None:
    with pytest.raises(ValidationError, match="suite"):
        check_pin("123456", "", BIRTH)


def test_without_a_birth_date_only_the_other_rules_apply() -> None:
    assert pin_problem("06121965", None, PinPolicy()) is None
    assert pin_problem("06121965", BIRTH, PinPolicy()) is not None


def test_birth_date_forms() -> None:
    assert birth_date_forms(BIRTH) == ("06121965", "061265", "19651206", "651206")


@pytest.mark.parametrize(
    ("min_length", "max_length", "setting"),
    [(3, 16, "pin.min_length"), (8, 6, "pin.max_length"), (6, 65, "pin.max_length")],
)
def test_an_impossible_policy_is_a_configuration_error(
    min_length: int, max_length: int, setting: str
) -> None:
    with pytest.raises(ConfigError) as err:
        PinPolicy(min_length=min_length, max_length=max_length)
    assert err.value.setting == setting


def test_the_hint_states_the_bounds() -> None:
    assert PinPolicy().hint.startswith("De 6 à 16 caractères")
    assert DIGITS.hint.startswith("De 6 à 8 chiffres")


def _all_messages(policy: PinPolicy) -> set[str]:
    samples = ["1", "12 456", "1é3456", "000000", "123456", "121212", "06121965", "ab"]
    messages = {pin_problem(pin, BIRTH, policy) for pin in samples}
    messages.add("Les deux saisies du code PIN ne correspondent pas.")
    return {m for m in messages if m}


@settings(max_examples=150)
@given(st.text(max_size=20), st.text(max_size=20), st.sampled_from([PinPolicy(), DIGITS]))
def test_refusals_never_depend_on_the_pin(pin: str, confirm: str, policy: PinPolicy) -> None:
    try:
        check_pin(pin, confirm, BIRTH, policy)
    except ValidationError as exc:
        message: str | None = exc.message
    else:
        message = None
    # Every message is one of a few fixed sentences: none can carry the PIN.
    assert message is None or message in _all_messages(policy)


@settings(max_examples=200)
@given(st.text(alphabet="0123456789", min_size=4, max_size=20))
def test_digit_pins_never_appear_in_messages(pin: str) -> None:
    problem = pin_problem(pin, BIRTH, PinPolicy())
    assert problem is None or pin not in problem
