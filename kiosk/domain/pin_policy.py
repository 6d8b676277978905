"""The rules a token user PIN chosen by the holder must follow.

Length within bounds; digits only, letters without accents and digits only, or printable
ASCII without spaces (what every token middleware accepts), as the token model in service
takes (settings ``KIOSK_PIN_…``); no single repeated character, no run of consecutive
characters (123456, 654321, abcdef, 890123), no repeated pattern (121212, 123123), not
the holder's birth date in a common form; typed twice identically. Messages depend on
the policy only, never on the PIN, which they never repeat.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from kiosk.domain.errors import ConfigError, ValidationError

# The widest bounds a kiosk may be set to: below 4 a PIN guards little, and 64 is the
# longest PIN the kiosk hands to a PKCS#11 token, already above what card tokens report
# (CK_TOKEN_INFO ulMaxPinLen; SoftHSM, the demo's, takes up to 255).
ABSOLUTE_MIN, ABSOLUTE_MAX = 4, 64
_DATE_SEPARATORS = str.maketrans("", "", "./- ")


@dataclass(frozen=True)
class PinPolicy:
    min_length: int = 6
    max_length: int = 16
    digits_only: bool = False
    alphanumeric_only: bool = False
    """Letters without accents and digits only (``digits_only`` wins when both are set)."""

    def __post_init__(self) -> None:
        if not ABSOLUTE_MIN <= self.min_length <= ABSOLUTE_MAX:
            raise ConfigError("pin.min_length", f"doit être entre {ABSOLUTE_MIN} et {ABSOLUTE_MAX}")
        if not self.min_length <= self.max_length <= ABSOLUTE_MAX:
            raise ConfigError("pin.max_length", f"doit être entre pin.min_length et {ABSOLUTE_MAX}")

    @property
    def unit(self) -> str:
        if self.digits_only:
            return "chiffres"
        return "lettres ou chiffres" if self.alphanumeric_only else "caractères"

    @property
    def hint(self) -> str:
        """The rules in one French sentence, shown before the holder types."""
        return (
            f"De {self.min_length} à {self.max_length} {self.unit}, sans suite"
            " (123456), sans répétition (111111, 121212) ni date de naissance."
        )


def _allowed(ch: str, policy: PinPolicy) -> bool:
    if policy.digits_only:
        return "0" <= ch <= "9"
    if policy.alphanumeric_only:
        return ch.isascii() and ch.isalnum()
    return "!" <= ch <= "~"  # printable ASCII, space excluded


def _is_run(pin: str) -> bool:
    """Every step goes up by one, or every step down by one (digits wrap 9 -> 0)."""
    lowered = pin.lower()
    steps = {_step(a, b) for a, b in itertools.pairwise(lowered)}
    return len(steps) == 1 and steps <= {1, -1}


def _step(a: str, b: str) -> int:
    delta = ord(b) - ord(a)
    if a.isdigit() and b.isdigit() and abs(delta) == 9:
        return -1 if delta > 0 else 1
    return delta


def _shortest_period(pin: str) -> int:
    for period in range(1, len(pin)):
        if all(pin[i] == pin[i - period] for i in range(period, len(pin))):
            return period
    return len(pin)


def birth_date_forms(birth: date) -> tuple[str, ...]:
    """The birth date as people write it in a PIN: DDMMYYYY, DDMMYY, YYYYMMDD, YYMMDD."""
    return (
        birth.strftime("%d%m%Y"),
        birth.strftime("%d%m%y"),
        birth.strftime("%Y%m%d"),
        birth.strftime("%y%m%d"),
    )


def pin_problem(pin: str, birth_date: date | None, policy: PinPolicy) -> str | None:
    """Why this PIN is refused (French), or None; for live feedback while typing."""
    if not policy.min_length <= len(pin) <= policy.max_length:
        return (
            f"Le code PIN doit compter de {policy.min_length} à {policy.max_length} {policy.unit}."
        )
    if not all(_allowed(ch, policy) for ch in pin):
        if policy.digits_only:
            return "Le code PIN ne doit contenir que des chiffres."
        if policy.alphanumeric_only:
            return "Le code PIN ne peut contenir que des lettres sans accent et des chiffres."
        return (
            "Le code PIN ne peut contenir que des lettres sans accent, des chiffres et des"
            " signes courants, sans espace."
        )
    if len(set(pin)) == 1:
        return "Le code PIN ne doit pas répéter un seul caractère."
    if _is_run(pin):
        return "Le code PIN ne doit pas être une suite de caractères consécutifs."
    if _shortest_period(pin) <= len(pin) // 2:
        return "Le code PIN ne doit pas être la répétition d'un même motif."
    if birth_date is not None:
        compact = pin.translate(_DATE_SEPARATORS)
        if any(form in compact for form in birth_date_forms(birth_date)):
            return "Le code PIN ne doit pas contenir la date de naissance du titulaire."
    return None


def check_pin(
    pin: str, confirm: str, birth_date: date | None, policy: PinPolicy | None = None
) -> None:
    """Raise ``ValidationError`` (French, PIN never quoted) unless the PIN may be set."""
    problem = pin_problem(pin, birth_date, policy or PinPolicy())
    if problem is not None:
        raise ValidationError(problem)
    if pin != confirm:
        raise ValidationError("Les deux saisies du code PIN ne correspondent pas.")
