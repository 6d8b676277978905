"""Withdrawal numbers (codes de retrait).

A code is 17 random Crockford base32 symbols (85 bits from a CSPRNG) followed by one
check symbol (Crockford's mod-37 check, which catches any single mistyped symbol and any
swap of two adjacent symbols), printed in three groups of six: ``4ED2W7-937X32-Q2SWZG``.

Typing is forgiving: case, spaces and dashes do not matter, O reads as 0, I and L as 1,
and U (never generated) is rejected. Codes are stored only as a keyed hash (HMAC-SHA256
with the site's secret). Legacy numeric numbers from an ordering portal go through the
same keyed hash under their own prefix, so the two kinds can never collide.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from kiosk.domain.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
DATA_LENGTH = 17
CODE_LENGTH = DATA_LENGTH + 1
GROUP = 6
LEGACY_MIN, LEGACY_MAX = 6, 12

_ALIASES = {"O": "0", "I": "1", "L": "1"}
_IGNORED = " -_.\t"


def check_symbol(data: str) -> str:
    value = 0
    for ch in data:
        value = value * 32 + ALPHABET.index(ch)
    return CHECK_ALPHABET[value % 37]


def generate() -> str:
    """A fresh code, grouped for printing. The check symbol is kept inside the base32
    alphabet (draws that would need *~$=U are redrawn) so a convocation never shows them."""
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
        check = check_symbol(data)
        if check in ALPHABET:
            return format_code(data + check)


def format_code(canonical: str) -> str:
    return "-".join(canonical[i : i + GROUP] for i in range(0, len(canonical), GROUP))


def _clean(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch not in _IGNORED)


@dataclass(frozen=True)
class TypedCode:
    """Where a partially typed code stands, for live feedback while the agent types."""

    symbols: int
    complete: bool
    valid: bool
    message: str
    error: bool = False  # something already wrong, as opposed to not finished yet


def inspect(raw: str) -> TypedCode:
    """Feedback on what has been typed so far; never raises."""
    cleaned = _clean(raw)
    count = len(cleaned)
    if not cleaned:
        return TypedCode(0, False, False, f"Saisissez les {CODE_LENGTH} caractères du code.")
    if cleaned.isdigit() and count <= LEGACY_MAX and count != CODE_LENGTH:
        ok = count >= LEGACY_MIN
        msg = "Ancien numéro de retrait (numérique)." if ok else f"{count} chiffre(s)…"
        return TypedCode(count, ok, ok, msg)
    for position, ch in enumerate(cleaned):
        # Symbols beyond the base32 alphabet may only stand in the check position.
        symbol = _symbol(ch)
        check_only = position < DATA_LENGTH and symbol is not None and symbol not in ALPHABET
        if ch == "U" or symbol is None or check_only:
            return TypedCode(count, False, False, f"Caractère invalide : « {ch} ».", error=True)
    if count < CODE_LENGTH:
        return TypedCode(count, False, False, f"{count} / {CODE_LENGTH}")
    try:
        parse(raw)
    except ValidationError as exc:
        return TypedCode(count, True, False, exc.message, error=True)
    return TypedCode(CODE_LENGTH, True, True, "Code complet, caractère de contrôle correct.")


def _symbol(ch: str) -> str | None:
    ch = _ALIASES.get(ch, ch)
    return ch if ch in CHECK_ALPHABET else None


def parse(raw: str) -> str:
    """Canonical form of a typed code, or a ValidationError saying what is wrong."""
    cleaned = _clean(raw)
    if cleaned.isdigit() and LEGACY_MIN <= len(cleaned) <= LEGACY_MAX:
        return cleaned
    for ch in cleaned:
        if ch == "U" or _symbol(ch) is None:
            raise ValidationError(f"Le code de retrait contient un caractère invalide : « {ch} ».")
    cleaned = "".join(_ALIASES.get(ch, ch) for ch in cleaned)
    if len(cleaned) != CODE_LENGTH:
        raise ValidationError(
            f"Le code de retrait compte {CODE_LENGTH} caractères ({len(cleaned)} saisis)."
        )
    data, check = cleaned[:DATA_LENGTH], cleaned[DATA_LENGTH]
    if any(ch not in ALPHABET for ch in data):
        raise ValidationError("Le code de retrait contient un caractère invalide.")
    if check_symbol(data) != check:
        raise ValidationError(
            "Caractère de contrôle incorrect : le code a été mal saisi, vérifiez-le."
        )
    return cleaned


def keyed_hash(secret: bytes, raw: str) -> str:
    """The only form in which a code is stored or looked up (raises if the code is bad)."""
    canonical = parse(raw)
    kind = "legacy" if canonical.isdigit() and len(canonical) != CODE_LENGTH else "v1"
    mac = hmac.new(secret, f"withdrawal:{kind}:{canonical}".encode(), hashlib.sha256)
    return mac.hexdigest()
