"""Argon2id hashing of passwords and revocation answers (argon2-cffi), as PHC strings."""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    """Implements ``SecretHasher``. The defaults are OWASP's (19 MiB, 2 passes, 1 lane)."""

    def __init__(self, time_cost: int = 2, memory_kib: int = 19456, parallelism: int = 1) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    def __repr__(self) -> str:
        p = self._hasher
        return f"Argon2Hasher(t={p.time_cost}, m={p.memory_cost}, p={p.parallelism})"

    def hash(self, secret: str) -> str:
        return self._hasher.hash(secret)

    def verify(self, stored: str, secret: str) -> bool:
        """True only on a match; a mismatch or an unreadable stored hash is just False."""
        try:
            return self._hasher.verify(stored, secret)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters (or cannot be read)."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True
