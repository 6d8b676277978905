"""Personal data kept apart from what the audit chain commits to, so it can be erased.

An event about a person does not put their name or birth date in its details: it puts a
salted commitment to them, under ``PERSONAL_DETAIL_KEY``::

    details = {..., "personal": commit_personal(fields, salt)}    # 64 hex characters

and the fields with their salt are stored apart, keyed by the event's seq, e.g.::

    CREATE TABLE audit_personal_data (
        seq        INTEGER PRIMARY KEY REFERENCES audit_events (seq),
        fields     TEXT,      -- canonical JSON of the fields; NULL once erased
        salt       BLOB,      -- 16 random bytes; NULL once erased
        erased_at  TIMESTAMP  -- set by the retention job
    );

While they are kept, ``verify_personal`` proves they are the very ones the event recorded.
The retention job erases fields *and* salt: the commitment stays in the committed details,
so the chain and the Merkle tree still verify, and without the salt nobody can test a guess
against it (a birth date or a surname alone would be easy to guess from an unsalted hash).

Never put a secret here (ID document numbers, PINs, answers): those are never stored at all.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

PERSONAL_DETAIL_KEY = "personal"
SALT_BYTES = 16
_DOMAIN = "kiosk.personal.v1"  # a commitment is never confused with another SHA-256 use


class SaltSource(Protocol):
    def token_bytes(self, n: int) -> bytes:
        """``n`` bytes from a cryptographically secure generator."""
        ...


def canonical_personal_bytes(fields: Mapping[str, str], salt: bytes) -> bytes:
    """The exact bytes a commitment hashes: sorted-key compact JSON, UTF-8, the salt in hex
    inside it, so no two (fields, salt) pairs share an encoding."""
    if len(salt) < SALT_BYTES:
        raise ValueError(f"a personal-data salt is at least {SALT_BYTES} bytes")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items()):
        raise TypeError("personal fields map names to strings")
    body = {"domain": _DOMAIN, "fields": dict(fields), "salt": salt.hex()}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def commit_personal(fields: Mapping[str, str], salt: bytes) -> str:
    """SHA-256 commitment (hex) to the fields under the salt."""
    return hashlib.sha256(canonical_personal_bytes(fields, salt)).hexdigest()


def verify_personal(fields: Mapping[str, str], salt: bytes, commitment: str) -> bool:
    """True only if these fields and salt are what ``commitment`` was made of."""
    try:
        recomputed = commit_personal(fields, salt)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(recomputed, commitment)


@dataclass(frozen=True)
class PersonalRecord:
    """What is stored apart from the event; its repr shows no personal data."""

    fields: Mapping[str, str] = field(repr=False)
    salt: bytes = field(repr=False)

    @property
    def commitment(self) -> str:
        return commit_personal(self.fields, self.salt)

    def details(self) -> dict[str, str]:
        """What goes into the event's committed details."""
        return {PERSONAL_DETAIL_KEY: self.commitment}


def new_personal_record(fields: Mapping[str, str], salts: SaltSource) -> PersonalRecord:
    return PersonalRecord(dict(fields), salts.token_bytes(SALT_BYTES))
