"""Names as the MRZ writes them, and matching a dossier's names against a document.

ICAO 9303 Part 3 transliterates Latin letters to A–Z: diacritics are dropped
(É -> E, Ç -> C), ligatures and special letters spelled out (Œ -> OE, Æ -> AE,
ß -> SS, Þ -> TH), and a few letters have two accepted forms (Ä -> AE or A, Ö -> OE or O,
Ü -> UE or U, Å -> AA or A, Ø -> OE or O). Spaces and hyphens become the filler ``<``;
apostrophes become ``<`` (French practice: D'ARMOR -> D<ARMOR) or vanish (ICAO: DARMOR),
both accepted. Names are compared word by word, so every separator is equivalent.

When the MRZ name field is full the issuer may have truncated it: the MRZ must then be a
prefix of the dossier's name, word by word (its last word may be cut).
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterable, Sequence

from kiosk.domain.errors import ValidationError

FILLER = "<"
MAX_VARIANT_POINTS = 8  # 2**8 spellings at most; beyond, only the two uniform spellings

_SPECIAL: dict[str, tuple[str, ...]] = {
    "Ä": ("AE", "A"),
    "Ö": ("OE", "O"),
    "Ü": ("UE", "U"),
    "Å": ("AA", "A"),
    "Ø": ("OE", "O"),
    "Æ": ("AE",),
    "Œ": ("OE",),
    "ß": ("SS",),
    "ẞ": ("SS",),
    "Þ": ("TH",),
    "Ð": ("D",),
    "Đ": ("D",),
    "Ħ": ("H",),
    "Ł": ("L",),
    "Ŀ": ("L",),
    "Ŋ": ("N",),
    "Ĳ": ("IJ",),
    "ı": ("I",),
    "ĸ": ("K",),
    "ſ": ("S",),
}
_SEPARATORS = frozenset(" \t-‐‑‒–—,/_<")
_APOSTROPHES = frozenset("'’‘ʼ`´")
_IGNORED = frozenset(".")


def _segments(name: str) -> list[tuple[str, ...]]:
    """The name as a list of choices, one per character: each a tuple of spellings."""
    segments: list[tuple[str, ...]] = []
    for ch in unicodedata.normalize("NFKC", name):
        if ch in _SEPARATORS or ch.isspace():
            segments.append((FILLER,))
        elif ch in _APOSTROPHES:
            segments.append((FILLER, ""))
        elif ch in _IGNORED or unicodedata.category(ch).startswith("M"):
            continue
        else:
            segments.append(_letter(ch))
    return segments


def _letter(ch: str) -> tuple[str, ...]:
    upper = ch.upper() if ch not in _SPECIAL else ch
    if upper in _SPECIAL:
        return _SPECIAL[upper]
    if len(upper) > 1:  # e.g. a lowercase ligature whose uppercase is two letters
        return ("".join(_letter(c)[0] for c in upper),)
    base = "".join(c for c in unicodedata.normalize("NFD", upper) if not unicodedata.combining(c))
    if len(base) == 1 and "A" <= base <= "Z":
        return (base,)
    if base in _SPECIAL:
        return _SPECIAL[base]
    raise ValidationError(
        "Le nom contient un caractère qui ne peut pas être transcrit en lettres latines"
        " pour la MRZ."
    )


def _tidy(form: str) -> str:
    return FILLER.join(word for word in form.split(FILLER) if word)


def mrz_form(name: str) -> str:
    """The ICAO spelling of a name (first accepted form): ``LE<GUENNEC<D<ARMOR``."""
    return _tidy("".join(choice[0] for choice in _segments(name)))


def mrz_forms(name: str) -> frozenset[str]:
    """Every accepted ICAO spelling of a name (Ä as AE or A, apostrophe as < or nothing)."""
    segments = _segments(name)
    choices = [seg for seg in segments if len(seg) > 1]
    if len(choices) > MAX_VARIANT_POINTS:
        uniform = ("".join(seg[i % len(seg)] for seg in segments) for i in (0, 1))
        return frozenset(_tidy(form) for form in uniform)
    return frozenset(_tidy("".join(parts)) for parts in itertools.product(*segments))


def words(form: str) -> tuple[str, ...]:
    return tuple(word for word in form.split(FILLER) if word)


def _safe_forms(name: str) -> frozenset[str]:
    try:
        return mrz_forms(name)
    except ValidationError:
        return frozenset()


def _is_truncation(mrz_words: Sequence[str], full_words: Sequence[str]) -> bool:
    """True if ``mrz_words`` is ``full_words`` cut short (its last word possibly cut)."""
    if not mrz_words or len(mrz_words) > len(full_words):
        return False
    *whole, last = mrz_words
    return list(whole) == list(full_words[: len(whole)]) and full_words[len(whole)].startswith(last)


def _any_match(
    dossier_forms: Iterable[str], mrz_forms_: Iterable[str], truncated: bool, prefix: bool
) -> bool:
    mrz_word_lists = [words(form) for form in mrz_forms_]
    for dossier_form in dossier_forms:
        dossier_words = words(dossier_form)
        if not dossier_words:
            continue
        for mrz_words in mrz_word_lists:
            if truncated and _is_truncation(mrz_words, dossier_words):
                return True
            if prefix and mrz_words[: len(dossier_words)] == dossier_words:
                return True
            if mrz_words == dossier_words:
                return True
    return False


def names_match(dossier_name: str, mrz_name: str, truncated: bool) -> bool:
    """Does the dossier's name match the document's (``LE<GUENNEC<D<ARMOR`` or words)?

    ``truncated``: the MRZ field was full, so the MRZ may be a cut-down prefix.
    """
    return _any_match(_safe_forms(dossier_name), _safe_forms(mrz_name), truncated, False)


def first_given_name(given_names: str) -> str:
    """The first given name of a dossier: before the first comma ("Marie-Claire, Anne");
    without commas, the first word ("Anna Maria" -> "Anna")."""
    if "," in given_names:
        return next((part.strip() for part in given_names.split(",") if part.strip()), "")
    parts = given_names.split()
    return parts[0] if parts else ""


def given_names_match(dossier_given_names: str, mrz_given_names: str, truncated: bool) -> bool:
    """Does the document's list of given names start with the dossier's first given name?

    ``mrz_given_names`` is the MRZ field (``ANNA<MARIA``) or the names joined by spaces.
    """
    first = first_given_name(dossier_given_names)
    return _any_match(_safe_forms(first), _safe_forms(mrz_given_names), truncated, True)
