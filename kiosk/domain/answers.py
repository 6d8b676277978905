"""Revocation questions and the normal form of their answers.

An answer is stored only as a hash of its normal form, and checked the same way, so the
holder need not remember how it was typed: "Saint-Étienne " and "saint etienne" are one
answer. The normal form: Unicode NFKC, case folding, accents dropped (NFD then combining
marks removed), Œ -> oe, Æ -> ae, ß -> ss, Ø -> o, and every other character that is
not a letter or a digit (hyphens, apostrophes, punctuation) turned into a space, spaces
collapsed and trimmed. The fold is idempotent. Error messages never repeat an answer.

The ordering portal offers two lists of questions: the holder picks one in each, then
writes a third, personal, question.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from kiosk.domain.errors import ValidationError

MIN_ANSWER, MAX_ANSWER = 2, 200
MAX_RAW_ANSWER = 1000
MIN_QUESTION, MAX_QUESTION = 10, 150
_LETTERS = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})
_MAX_FOLD_PASSES = 4

FIRST_QUESTIONS: tuple[str, ...] = (
    "Quel est le nom de jeune fille de votre mère ?",
    "Quel était le nom de votre premier animal de compagnie ?",
    "Dans quelle ville vos parents se sont-ils rencontrés ?",
    "Quel est le prénom de votre meilleur ami d'enfance ?",
    "Quel était le nom de votre école primaire ?",
    "Quel est le deuxième prénom de votre aîné(e) ?",
)
SECOND_QUESTIONS: tuple[str, ...] = (
    "Quelle était la marque de votre première voiture ?",
    "Quel est le prénom de votre grand-père paternel ?",
    "Quel était le métier de votre grand-mère maternelle ?",
    "Quel est le titre de votre livre préféré ?",
    "Dans quelle rue avez-vous grandi ?",
    "Quel était votre surnom d'enfance ?",
)


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))
    text = text.translate(_LETTERS)
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def fold(text: str) -> str:
    """The normal form of any text; never raises. ``fold(fold(x)) == fold(x)``."""
    # A pass can expose a character that a further pass changes (a compatibility form
    # that only appears once a mark is gone): repeat until nothing moves.
    for _ in range(_MAX_FOLD_PASSES):
        folded = _fold_once(text)
        if folded == text:
            break
        text = folded
    return text


def normalise_answer(answer: str) -> str:
    """The form of an answer that is hashed and compared; ``ValidationError`` if unusable."""
    if len(answer) > MAX_RAW_ANSWER:
        raise ValidationError(f"La réponse est trop longue ({MAX_ANSWER} caractères au plus).")
    folded = fold(answer)
    if not folded:
        raise ValidationError("La réponse est vide : saisissez des lettres ou des chiffres.")
    if len(folded) < MIN_ANSWER:
        raise ValidationError(f"La réponse est trop courte ({MIN_ANSWER} caractères au moins).")
    if len(folded) > MAX_ANSWER:
        raise ValidationError(f"La réponse est trop longue ({MAX_ANSWER} caractères au plus).")
    return folded


@dataclass(frozen=True)
class AnswerEntry:
    """A question and its answer as typed twice on the form."""

    question: str
    answer: str = field(repr=False)
    confirmation: str = field(repr=False)


@dataclass(frozen=True)
class PreparedAnswer:
    """A validated question with its answer in normal form, ready to be hashed."""

    question: str
    normalised_answer: str = field(repr=False)
    personal: bool = False


def _prepared(entry: AnswerEntry, number: int, personal: bool) -> PreparedAnswer:
    try:
        answer = normalise_answer(entry.answer)
    except ValidationError as exc:
        raise ValidationError(f"Question {number} : {exc.message}") from None
    if fold(entry.confirmation) != answer:
        raise ValidationError(
            f"Question {number} : les deux saisies de la réponse ne correspondent pas."
        )
    return PreparedAnswer(" ".join(entry.question.split()), answer, personal)


def validate_question_set(
    first: AnswerEntry, second: AnswerEntry, personal: AnswerEntry
) -> tuple[PreparedAnswer, PreparedAnswer, PreparedAnswer]:
    """Check a set of three revocation questions; return them ready to be hashed.

    The first question comes from ``FIRST_QUESTIONS``, the second from
    ``SECOND_QUESTIONS``; the third is the holder's own question, which must not give
    its answer away.
    """
    if " ".join(first.question.split()) not in FIRST_QUESTIONS:
        raise ValidationError("Question 1 : choisissez-la dans la première liste.")
    if " ".join(second.question.split()) not in SECOND_QUESTIONS:
        raise ValidationError("Question 2 : choisissez-la dans la seconde liste.")
    own = " ".join(personal.question.split())
    if not MIN_QUESTION <= len(own) <= MAX_QUESTION:
        raise ValidationError(
            f"Question 3 : la question personnelle doit compter entre {MIN_QUESTION}"
            f" et {MAX_QUESTION} caractères."
        )
    if own in FIRST_QUESTIONS or own in SECOND_QUESTIONS:
        raise ValidationError("Question 3 : rédigez une question personnelle, hors des listes.")
    prepared = (
        _prepared(first, 1, False),
        _prepared(second, 2, False),
        _prepared(personal, 3, True),
    )
    if f" {prepared[2].normalised_answer} " in f" {fold(own)} ":
        raise ValidationError(
            "Question 3 : la question personnelle ne doit pas contenir sa réponse."
        )
    return prepared
