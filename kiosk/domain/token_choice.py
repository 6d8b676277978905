"""Which PKCS#11 token the card in a reader stands for.

Card presence (PC/SC) and the token (PKCS#11) are two paths (``kiosk.domain.reader_ports``):
when a reader says "a card went in", the desk picks the token to work on among those the
module lists:

1. with reader pairings configured, only the tokens paired with that reader count (a
   reader nobody paired is not the desk's);
2. the token of the dossier's interrupted run, if it is there: taking the run up on the
   same token is what the personalisation journal expects (unless the agent asked for
   another token);
3. otherwise a blank token (SoftHSM's free slot in the demo, a fresh card at a real desk);
4. otherwise the only token there is, even if it is not blank: checking it then tells
   the agent why it cannot be used as it is (and whether wiping it would help).

Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from kiosk.domain.errors import DeviceError
from kiosk.domain.reader_ports import ReaderPairing, token_for
from kiosk.domain.token_ports import TokenInfo

NOT_PAIRED = (
    "Le lecteur « {reader} » n'est associé à aucun support dans la configuration du "
    "kiosque : insérez le support dans le lecteur du guichet."
)
NONE_FOUND = (
    "Aucun support reconnu dans le lecteur « {reader} » : vérifiez qu'il est bien "
    "inséré, ou essayez un autre support."
)
SEVERAL = (
    "Plusieurs supports déjà initialisés sont présents et aucun n'est vierge : "
    "retirez ceux qui ne servent pas à cette remise."
)


def token_in_reader(
    tokens: Sequence[TokenInfo],
    reader: str,
    pairings: Sequence[ReaderPairing],
    current_serial: str | None,
) -> TokenInfo:
    """The token to use for the card in ``reader``; ``current_serial`` is the token of the
    dossier's open personalisation attempt (None: none, or the agent wants another one).
    Raises ``DeviceError`` (French) when no token, or no single one, fits."""
    candidates = list(tokens)
    if pairings:
        selector = token_for(reader, pairings)
        if selector is None:
            raise DeviceError(NOT_PAIRED.format(reader=reader))
        candidates = [
            token
            for token in tokens
            if selector.matches(token.label, token.serial)
            or (current_serial and token.serial == current_serial)
        ]
    if current_serial:
        current = next((t for t in candidates if t.serial == current_serial), None)
        if current is not None:
            return current
    blank = next((t for t in candidates if t.blank), None)
    if blank is not None:
        return blank
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise DeviceError(NONE_FOUND.format(reader=reader))
    raise DeviceError(SEVERAL)
