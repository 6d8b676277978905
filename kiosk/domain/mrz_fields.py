"""Field-level rules shared by every MRZ layout: check digits, dates, names, codes.

Check digits follow ICAO 9303 Part 3 (weights 7, 3, 1; digits count as themselves,
A–Z as 10–35 and the filler ``<`` as 0). A failed digit is never corrected: it raises a
``MrzCheckDigitError`` naming the field, so the agent re-reads the document or types it by
hand. No message ever repeats the document number or another field's value.
"""

from __future__ import annotations

import re
from datetime import date

from kiosk.domain.errors import ValidationError

FILLER = "<"
_WEIGHTS = (7, 3, 1)
_NAME_CHARS = re.compile(r"[A-Z<]*")
_CODE_CHARS = re.compile(r"[A-Z<]+")
_SEXES = {"M": "M", "F": "F", "<": "X", "X": "X"}

# French names of the fields, as they appear in "Chiffre de contrôle <field> invalide."
FIELD_LABELS = {
    "document_number": "du numéro de document",
    "birth_date": "de la date de naissance",
    "expiry_date": "de la date d'expiration",
    "optional_data": "des données facultatives (numéro personnel)",
    "composite": "global de la MRZ",
}


class MrzCheckDigitError(ValidationError):
    """A check digit that does not match its field; ``field`` names it for the UI."""

    def __init__(self, field: str) -> None:
        super().__init__(f"Chiffre de contrôle {FIELD_LABELS[field]} invalide.")
        self.field = field


def char_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    if ch == FILLER:
        return 0
    return ord(ch) - ord("A") + 10


def check_digit(data: str) -> str:
    """The ICAO 9303 check digit of ``data`` (A–Z, 0–9 and ``<`` only)."""
    total = sum(char_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(data))
    return str(total % 10)


def verify(data: str, digit: str, field: str, *, filler_allowed: bool = False) -> None:
    """Raise unless ``digit`` is the check digit of ``data``.

    ``filler_allowed``: a field made only of fillers may carry ``<`` as its check digit
    (ICAO allows it for an empty personal number).
    """
    if filler_allowed and digit == FILLER and set(data) <= {FILLER}:
        return
    if check_digit(data) != digit:
        raise MrzCheckDigitError(field)


def resolve_past(yy: int, mm: int, dd: int, today: date) -> date:
    """A two-digit-year date that cannot be in the future (births, issue dates)."""
    candidate = date(2000 + yy, mm, dd)
    return candidate if candidate <= today else date(1900 + yy, mm, dd)


def resolve_expiry(yy: int, mm: int, dd: int, today: date) -> date:
    """A two-digit-year expiry: within fifty years either side of today."""
    year = 2000 + yy if 2000 + yy <= today.year + 50 else 1900 + yy
    return date(year, mm, dd)


def read_date(raw: str, label: str, today: date, *, future_window: bool) -> date:
    """Read a YYMMDD field; ``label`` is the French field name for the error."""
    if len(raw) != 6 or not raw.isdigit():
        raise ValidationError(f"{label} illisible dans la MRZ (6 chiffres AAMMJJ attendus).")
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    try:
        if future_window:
            return resolve_expiry(yy, mm, dd, today)
        return resolve_past(yy, mm, dd, today)
    except ValueError:
        raise ValidationError(f"{label} impossible dans la MRZ (jour ou mois invalide).") from None


def read_year_month(raw: str, label: str, today: date) -> date:
    """Read a YYMM field in the past, as the first day of that month."""
    if len(raw) != 4 or not raw.isdigit() or not 1 <= int(raw[2:]) <= 12:
        raise ValidationError(f"{label} illisible dans la MRZ (4 chiffres AAMM attendus).")
    return resolve_past(int(raw[:2]), int(raw[2:]), 1, today)


def read_code(raw: str, label: str, *, allow_empty: bool = False) -> str:
    """A letters-and-fillers code (document type, country), fillers dropped."""
    if not _CODE_CHARS.fullmatch(raw) or (not allow_empty and not raw.strip(FILLER)):
        raise ValidationError(f"{label} illisible dans la MRZ (lettres attendues).")
    return raw.replace(FILLER, "")


def read_sex(raw: str) -> str:
    if raw not in _SEXES:
        raise ValidationError("Sexe illisible dans la MRZ (M, F ou « < » attendu).")
    return _SEXES[raw]


def read_document_number(number_field: str, digit: str, optional: str) -> tuple[str, str]:
    """The document number and what is left of the optional data.

    A number longer than nine characters (TD1, TD2) puts a filler in the check digit's
    place and continues at the start of the optional data, followed by its check digit.
    """
    if digit == FILLER and FILLER not in number_field:
        extension, _, rest = optional.partition(FILLER)
        if len(extension) < 2:
            raise MrzCheckDigitError("document_number")
        number = number_field + extension[:-1]
        verify(number, extension[-1], "document_number")
        return number, rest
    verify(number_field, digit, "document_number")
    number = number_field.rstrip(FILLER)
    if not number or FILLER in number:
        raise ValidationError("Numéro de document illisible dans la MRZ.")
    return number, optional


def check_name_field(raw: str) -> None:
    if not _NAME_CHARS.fullmatch(raw):
        raise ValidationError("Le nom dans la MRZ ne doit contenir que des lettres et « < ».")


def split_icao_name(field: str) -> tuple[str, tuple[str, ...], bool, bool]:
    """Surname, given names and truncation flags of an ICAO name field.

    The field is full (last character not a filler) when the issuer had to truncate: then
    the given names may be cut, and so may the surname if no ``<<`` follows it.
    """
    check_name_field(field)
    full = not field.endswith(FILLER)
    primary, separator, secondary = field.rstrip(FILLER).partition(FILLER * 2)
    surname = primary.replace(FILLER, " ").strip()
    if not surname:
        raise ValidationError("Nom absent de la MRZ.")
    given = tuple(part for part in secondary.split(FILLER) if part)
    return surname, given, full and not separator, full


def display_name(raw: str) -> str:
    """A MRZ name component as plain words: fillers become spaces."""
    return " ".join(raw.replace(FILLER, " ").split())
