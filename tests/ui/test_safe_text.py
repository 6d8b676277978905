"""Imported text is shown inert; values are formatted the French way."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.model import KeyAlgorithm, Person
from kiosk.ui import formatting as fmt
from kiosk.ui.code_feedback import code_feedback
from kiosk.ui.safe_text import EMPTY, neutralise, safe_text
from kiosk.ui.widgets.status_line import Kind


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("[bold red]X[/]", "[bold red]X[/]"),
        ("\x1b[31mRouge\x1b[0m", "␛[31mRouge␛[0m"),
        ("a\x07b", "a␇b"),
        ("ligne\nsuivante", "ligne␊suivante"),
        ("tab\there", "tab␉here"),
        ("del\x7f", "del␡"),
        ("c1\x9bx", "c1\ufffdx"),
        ("abc\u202edcba", "abc\ufffddcba"),
        ("Annaïg Le Dû-Kérouédan", "Annaïg Le Dû-Kérouédan"),
    ],
)
def test_neutralise_makes_controls_visible_and_keeps_everything_else(
    stored: str, shown: str
) -> None:
    assert neutralise(stored) == shown


@given(st.text())
def test_nothing_that_drives_a_terminal_survives(value: str) -> None:
    shown = neutralise(value)

    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown)
    assert "\u202e" not in shown and "\u2066" not in shown


def test_safe_text_is_never_parsed_as_markup() -> None:
    text = safe_text("[bold red]X[/] [link=https://exemple.invalid]clic[/link]")

    assert text.plain == "[bold red]X[/] [link=https://exemple.invalid]clic[/link]"
    assert text.spans == []


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_value_shows_a_dash(missing: str | None) -> None:
    assert safe_text(missing).plain == EMPTY


def test_appointments_read_in_french_desk_time_summer_and_winter() -> None:
    assert fmt.appointment(datetime(2026, 4, 14, 7, 30, tzinfo=UTC)) == "mardi 14/04/2026 à 09:30"
    assert fmt.appointment(datetime(2026, 1, 5, 13, 0, tzinfo=UTC)) == "lundi 05/01/2026 à 14:00"


def test_company_numbers_are_grouped_and_odd_ones_shown_as_stored() -> None:
    assert fmt.siren("123456782") == "123 456 782"
    assert fmt.siret("12345678200010") == "123 456 782 00010"
    assert fmt.siren("12345") == "12345"
    assert fmt.siret("not a siret") == "not a siret"


def test_people_dates_and_products_read_the_french_way() -> None:
    person = Person("Le Goff", "Jeanne", date(1985, 3, 7))

    assert fmt.surname(person) == "LE GOFF"
    assert fmt.full_name(person) == "Jeanne LE GOFF"
    assert fmt.day(date(1985, 3, 7)) == "07/03/1985"
    assert (fmt.years(1), fmt.years(3)) == ("1 an", "3 ans")
    assert fmt.algorithm(KeyAlgorithm.EC_P256) == "ECDSA P-256"
    assert (fmt.questions(0), fmt.questions(1), fmt.questions(2)) == (
        "aucune enregistrée",
        "1 enregistrée",
        "2 enregistrées",
    )


@pytest.mark.parametrize(
    ("typed", "kind", "says"),
    [
        ("", Kind.HINT, "Saisissez les 18 caractères du code."),
        ("7K2M9Q-4TX8", Kind.PROGRESS, "10 / 18"),
        ("7K2M9Q-4TX8HB-R3WZNH", Kind.OK, "Code complet"),
        ("7k2m9q 4tx8hb r3wznh", Kind.OK, "Code complet"),
        ("7K2M9Q-4TX8HB-R3WZNA", Kind.ERROR, "Caractère de contrôle incorrect"),
        ("7K2M9Q-4TX8HB-R3WZNHH", Kind.ERROR, "18 caractères"),
        ("123", Kind.PROGRESS, "3 chiffre(s)…"),
        ("12345678", Kind.OK, "Ancien numéro"),
    ],
)
def test_code_feedback_tells_progress_and_verdict(typed: str, kind: Kind, says: str) -> None:
    got_kind, message = code_feedback(typed)

    assert got_kind is kind
    assert says in message


@given(st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ-", min_size=6, max_size=30))
def test_code_feedback_never_repeats_the_code(typed: str) -> None:
    _, message = code_feedback(typed)
    cleaned = typed.replace("-", "")

    assert len(cleaned) < 3 or cleaned not in message.replace(" ", "")
