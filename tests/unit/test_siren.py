"""SIREN and SIRET: what an import file or an agent types is accepted only when it is a
real-looking number, and mistakes are named in French."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import ValidationError
from kiosk.domain.siren import (
    format_siren,
    format_siret,
    luhn_ok,
    validate_siren,
    validate_siret,
)


def with_check_digit(body: str) -> str:
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return body + digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


sirens = st.text("0123456789", min_size=8, max_size=8).map(with_check_digit)
nics = st.text("0123456789", min_size=4, max_size=4)


def test_a_well_known_siren_and_siret_are_accepted() -> None:
    assert validate_siren("732 829 320") == "732829320"
    assert validate_siret("732 829 320 00074", siren="732829320") == "73282932000074"


@given(sirens)
def test_every_luhn_siren_is_accepted_and_formatted_in_groups_of_three(siren: str) -> None:
    assert validate_siren(siren) == siren
    formatted = format_siren(siren)
    assert formatted.split(" ") == [siren[0:3], siren[3:6], siren[6:9]]
    assert validate_siren(formatted) == siren


@given(sirens, st.integers(0, 8), st.integers(1, 9))
def test_one_wrong_digit_is_caught(siren: str, position: int, shift: int) -> None:
    wrong = str((int(siren[position]) + shift) % 10)
    typo = siren[:position] + wrong + siren[position + 1 :]
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siren(typo)


@given(sirens, nics)
def test_a_siret_is_the_siren_then_the_establishment(siren: str, nic: str) -> None:
    if siren.startswith("356000000"):
        return  # La Poste has its own rule, tested below
    siret = with_check_digit(siren + nic)
    assert validate_siret(siret, siren=siren) == siret
    assert format_siret(siret) == f"{format_siren(siren)} {siret[9:]}"


def test_a_siret_of_another_company_is_refused() -> None:
    with pytest.raises(ValidationError, match="ne commence pas par le SIREN"):
        validate_siret("73282932000074", siren="356000000")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "requis"),
        ("73282932", "9 chiffres \\(8 saisis\\)"),
        ("7328293201", "9 chiffres \\(10 saisis\\)"),
        ("73282932O", "que des chiffres"),
        ("732829321", "clé de contrôle"),
    ],
)
def test_siren_mistakes_are_named(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_siren(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "requis"),
        ("7328293200007", "14 chiffres \\(13 saisis\\)"),
        ("732829320000-4", "que des chiffres"),
        ("73282932000075", "clé de contrôle"),
    ],
)
def test_siret_mistakes_are_named(raw: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_siret(raw)


def test_la_poste_establishments_use_the_digit_sum_rule() -> None:
    # 3+5+6 + 1+2+3+4+6 = 30: a multiple of 5, though not a Luhn number.
    assert not luhn_ok("35600000012346")
    assert validate_siret("356 000 000 12346", siren="356000000") == "35600000012346"
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_siret("35600000012345")


def test_la_poste_head_office_follows_luhn() -> None:
    assert validate_siret("35600000000048") == "35600000000048"
