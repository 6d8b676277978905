"""SIREN and SIRET numbers of French companies and their establishments.

A SIREN has 9 digits, a SIRET 14 (the SIREN then a 5-digit establishment number, NIC);
both end with a Luhn check digit. La Poste is the exception: its establishments share the
SIREN 356 000 000 and their SIRETs only need a digit sum that is a multiple of 5 (its head
office, 356 000 000 00048, follows Luhn like everyone else).
"""

from __future__ import annotations

from kiosk.domain.errors import ValidationError

SIREN_LENGTH = 9
SIRET_LENGTH = 14
LA_POSTE_SIREN = "356000000"
LA_POSTE_HEAD_OFFICE = "35600000000048"

_SEPARATORS = " .\u00a0\u202f"


def luhn_ok(digits: str) -> bool:
    """Luhn check over a string of digits (the last one is the check digit)."""
    total = 0
    for position, ch in enumerate(reversed(digits)):
        value = int(ch)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _compact(raw: str) -> str:
    return "".join(ch for ch in raw.strip() if ch not in _SEPARATORS)


def validate_siren(raw: str) -> str:
    """The 9 digits of a SIREN typed with or without spaces, or a French ValidationError."""
    number = _compact(raw)
    if not number:
        raise ValidationError("Le SIREN est requis.")
    if not number.isdigit():
        raise ValidationError("Le SIREN ne doit contenir que des chiffres.")
    if len(number) != SIREN_LENGTH:
        raise ValidationError(f"Le SIREN compte 9 chiffres ({len(number)} saisis).")
    if not luhn_ok(number):
        raise ValidationError("SIREN invalide : la clé de contrôle ne correspond pas.")
    return number


def validate_siret(raw: str, siren: str | None = None) -> str:
    """The 14 digits of a SIRET; when ``siren`` is given the SIRET must start with it."""
    number = _compact(raw)
    if not number:
        raise ValidationError("Le SIRET est requis.")
    if not number.isdigit():
        raise ValidationError("Le SIRET ne doit contenir que des chiffres.")
    if len(number) != SIRET_LENGTH:
        raise ValidationError(f"Le SIRET compte 14 chiffres ({len(number)} saisis).")
    if number.startswith(LA_POSTE_SIREN) and number != LA_POSTE_HEAD_OFFICE:
        checked = sum(int(ch) for ch in number) % 5 == 0
    else:
        checked = luhn_ok(number)
    if not checked:
        raise ValidationError("SIRET invalide : la clé de contrôle ne correspond pas.")
    if not luhn_ok(number[:SIREN_LENGTH]):
        raise ValidationError("SIRET invalide : les 9 premiers chiffres ne forment pas un SIREN.")
    if siren is not None and number[:SIREN_LENGTH] != _compact(siren):
        raise ValidationError("Le SIRET ne commence pas par le SIREN de l'entreprise.")
    return number


def format_siren(siren: str) -> str:
    """``123456782`` -> ``123 456 782``."""
    number = _compact(siren)
    return f"{number[0:3]} {number[3:6]} {number[6:9]}"


def format_siret(siret: str) -> str:
    """``12345678200010`` -> ``123 456 782 00010``."""
    number = _compact(siret)
    return f"{format_siren(number[:SIREN_LENGTH])} {number[SIREN_LENGTH:]}"
