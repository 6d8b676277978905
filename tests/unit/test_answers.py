"""Revocation answers: one normal form however they are typed; question sets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.domain.answers import (
    FIRST_QUESTIONS,
    SECOND_QUESTIONS,
    AnswerEntry,
    fold,
    normalise_answer,
    validate_question_set,
)
from kiosk.domain.errors import KioskError, ValidationError


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("Saint-Étienne ", "saint etienne"),
        ("saint etienne", "saint etienne"),
        ("SAINT ÉTIENNE", "saint etienne"),
        ("L'Haÿ-les-Roses", "l hay les roses"),
        ("  Médor !!! ", "medor"),
        ("Œuvre", "oeuvre"),
        ("Ægir", "aegir"),
        ("Straße", "strasse"),
        ("Søren", "soren"),
        ("Ｐｅｕｇｅｏｔ　２０５", "peugeot 205"),  # full-width letters and space
        ("Peugeot\t205\n", "peugeot 205"),
        ("Cafe\u0301", "cafe"),  # decomposed accent
        ("« Rex »", "rex"),
        ("ﬁdèle", "fidele"),
    ],
)
def test_answers_are_normalised_however_typed(typed: str, normal: str) -> None:
    assert normalise_answer(typed) == normal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "La réponse est vide"),
        ("   ", "La réponse est vide"),
        ("?!…-'", "La réponse est vide"),
        ("x", "trop courte (2 caractères au moins)"),
        (" é ", "trop courte"),
        ("z" * 201, "trop longue (200 caractères au plus)"),
        ("z " * 600, "trop longue"),
    ],
)
def test_unusable_answers_are_refused_without_repeating_them(typed: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        normalise_answer(typed)
    assert message in err.value.message
    assert "zz" not in err.value.message


def test_answer_length_bounds_are_inclusive() -> None:
    assert normalise_answer("ab") == "ab"
    assert len(normalise_answer("Z" * 200)) == 200


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_fold_is_idempotent(raw: str) -> None:
    once = fold(raw)
    assert fold(once) == once


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_normalising_only_fails_with_a_french_message_and_is_stable(raw: str) -> None:
    try:
        normal = normalise_answer(raw)
    except KioskError as exc:
        failure: KioskError | None = exc
    else:
        failure = None
        assert normalise_answer(normal) == normal
        assert normal == normal.strip()
        assert "  " not in normal
    assert failure is None or (isinstance(failure, ValidationError) and failure.message.strip())


def test_the_two_question_lists() -> None:
    for questions in (FIRST_QUESTIONS, SECOND_QUESTIONS):
        assert len(questions) == 6
        assert len(set(questions)) == 6
        assert all(q.endswith(" ?") for q in questions)
    assert not set(FIRST_QUESTIONS) & set(SECOND_QUESTIONS)


PERSONAL = "Quel est le nom du chat de ma voisine ?"


def _entries(
    first: str = FIRST_QUESTIONS[0],
    second: str = SECOND_QUESTIONS[0],
    personal: str = PERSONAL,
    answers: tuple[str, str, str] = ("Dupont", "Renault", "Grisou"),
    confirmations: tuple[str, str, str] | None = None,
) -> tuple[AnswerEntry, AnswerEntry, AnswerEntry]:
    again = confirmations or answers
    return (
        AnswerEntry(first, answers[0], again[0]),
        AnswerEntry(second, answers[1], again[1]),
        AnswerEntry(personal, answers[2], again[2]),
    )


def test_a_valid_question_set_is_ready_to_hash() -> None:
    prepared = validate_question_set(
        *_entries(
            personal="  Quel est le nom   du chat de ma voisine ?",
            answers=("Dupont", "Saint-Étienne", "Grisou"),
            confirmations=("DUPONT", "saint etienne", "grisou !"),
        )
    )
    assert [p.normalised_answer for p in prepared] == ["dupont", "saint etienne", "grisou"]
    assert [p.personal for p in prepared] == [False, False, True]
    assert prepared[2].question == PERSONAL
    assert "grisou" not in repr(prepared)
    assert "Grisou" not in repr(_entries())


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (_entries(first=SECOND_QUESTIONS[1]), "Question 1 : choisissez-la dans la première liste."),
        (_entries(second=FIRST_QUESTIONS[1]), "Question 2 : choisissez-la dans la seconde liste."),
        (_entries(personal="Quoi ?"), "entre 10 et 150 caractères"),
        (_entries(personal="x" * 151), "entre 10 et 150 caractères"),
        (_entries(personal=FIRST_QUESTIONS[2]), "hors des listes"),
        (
            _entries(answers=("Dupont", "Renault", "x")),
            "Question 3 : La réponse est trop courte",
        ),
        (
            _entries(confirmations=("Dupont", "Renaud", "Grisou")),
            "Question 2 : les deux saisies de la réponse ne correspondent pas.",
        ),
        (
            _entries(personal="Mon chat Grisou a quel âge ?", answers=("a1", "b2", "grisou")),
            "ne doit pas contenir sa réponse",
        ),
    ],
)
def test_invalid_question_sets_are_refused(
    entries: tuple[AnswerEntry, AnswerEntry, AnswerEntry], message: str
) -> None:
    with pytest.raises(ValidationError) as err:
        validate_question_set(*entries)
    assert message in err.value.message
    assert "Renaud" not in err.value.message
    assert "Dupont" not in err.value.message
    assert "grisou" not in err.value.message.lower()
