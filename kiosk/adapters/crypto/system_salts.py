"""Salts from the operating system's CSPRNG, for personal-data commitments."""

from __future__ import annotations

import secrets


class SystemSalts:
    """Implements ``personal_data.SaltSource``."""

    def token_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)
