"""Getting a token's SO PIN back from the back office, to unblock its user PIN or wipe it.

The kiosk never keeps an SO PIN: it escrows it, encrypted to the back office's key, bound
to a context naming the token and the dossier (the OAEP label). Only the back office can
decrypt it, and only for that token in that dossier. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ESCROW_CONTEXT_PREFIX = "kiosk-so-pin/v1"


def escrow_context(token_serial: str, dossier_ref: str) -> str:
    """The context an SO PIN is escrowed under (``EscrowContext.parse`` reads it)."""
    return f"{ESCROW_CONTEXT_PREFIX};token={token_serial};dossier={dossier_ref}"


@dataclass(frozen=True)
class EscrowContext:
    """What an escrow context names. ``token`` is empty when the token had no serial
    before its initialisation (SoftHSM's free slot): the context was fixed before."""

    token: str
    dossier: str

    @classmethod
    def parse(cls, context: str) -> EscrowContext | None:
        """``kiosk-so-pin/v1;token=<serial>;dossier=<reference>``, or None."""
        prefix, *fields = context.split(";")
        if prefix != ESCROW_CONTEXT_PREFIX:
            return None
        values = dict(field.partition("=")[::2] for field in fields)
        if set(values) != {"token", "dossier"} or not values["dossier"]:
            return None
        return cls(token=values["token"], dossier=values["dossier"])

    def names(self, token_serial: str, dossier_ref: str) -> bool:
        return self.dossier == dossier_ref and self.token in (token_serial, "")


class SoPinRecovery(Protocol):
    def recover_so_pin(self, token_serial: str, dossier_ref: str) -> str:
        """The SO PIN escrowed when ``token_serial`` was last initialised for
        ``dossier_ref``. A secret: use it for one token call and forget it.

        Raises ``NotFoundError`` when nothing is escrowed for that token in that dossier,
        ``ConfigError`` when the escrow was made for another back-office key, and
        ``IntegrityError`` when the escrow does not decrypt.
        """
        ...
