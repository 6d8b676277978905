"""How values read on screen, in French: dates, numbers, algorithms, people.

Stored times are UTC; the desk reads them in French local time.
"""

from __future__ import annotations

from datetime import date, datetime

from kiosk.domain.model import KeyAlgorithm, Person
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.siren import SIREN_LENGTH, SIRET_LENGTH, format_siren, format_siret

_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

_ALGORITHMS = {
    KeyAlgorithm.RSA_2048: "RSA 2048 bits",
    KeyAlgorithm.RSA_3072: "RSA 3072 bits",
    KeyAlgorithm.EC_P256: "ECDSA P-256",
}


def day(value: date) -> str:
    """``07/03/1985``."""
    return value.strftime("%d/%m/%Y")


def long_day(value: date) -> str:
    """``mardi 14/04/2026``."""
    return f"{_WEEKDAYS[value.weekday()]} {day(value)}"


def appointment(at: datetime) -> str:
    """``mardi 14/04/2026 à 09:30`` in desk time."""
    local = at.astimezone(OFFICES_TZ)
    return f"{long_day(local)} à {local:%H:%M}"


def siren(value: str) -> str:
    """``123 456 782``; a value that is not 9 digits is shown as stored."""
    digits = value.replace(" ", "")
    return format_siren(digits) if digits.isdigit() and len(digits) == SIREN_LENGTH else value


def siret(value: str) -> str:
    """``123 456 782 00010``; a value that is not 14 digits is shown as stored."""
    digits = value.replace(" ", "")
    return format_siret(digits) if digits.isdigit() and len(digits) == SIRET_LENGTH else value


def algorithm(value: KeyAlgorithm) -> str:
    return _ALGORITHMS.get(value, str(value))


def years(count: int) -> str:
    return f"{count} an" if count == 1 else f"{count} ans"


def surname(person: Person) -> str:
    """Surnames in capitals, the French administrative way."""
    return person.surname.upper()


def full_name(person: Person) -> str:
    """``Paul KERMARREC``."""
    return f"{person.given_names} {surname(person)}".strip()


def questions(count: int) -> str:
    if count == 0:
        return "aucune enregistrée"
    return "1 enregistrée" if count == 1 else f"{count} enregistrées"
