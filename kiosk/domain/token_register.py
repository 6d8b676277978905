"""The register of tokens, as a token management system keeps one.

Every token the kiosk has seen is recorded by serial with its state; the states a token
may go to from each state are listed below and nowhere else. A defective or lost token is
refused when it is inserted again, and a token handed to a holder is never wiped at the
desk: its certificate is live. The one exception is a renewal whose product allows the new
certificate on the holder's current token: that token, handed back for the renewal of its
own dossier, is wiped with its escrowed SO PIN and personalised again
(``refusal_on_insert(..., reuse_for=...)``).

    (never seen) -> blank | foreign | defective
    blank         -> personalising | foreign | defective | lost
    foreign       -> wiped | blank | defective | lost
    personalising -> personalised | wiped | blank | defective | lost
    personalised  -> delivered | wiped | blank | defective | lost
    wiped         -> personalising | blank | defective | lost
    delivered     -> defective | lost | wiped (handed back for its dossier's renewal)
    defective, lost: final

"foreign" is a token found initialised by someone else (its content unknown); "blank"
is also reached when a token recorded otherwise is found blank again (wiped elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from kiosk.domain.errors import StateError


class TokenState(StrEnum):
    BLANK = "blank"
    FOREIGN = "foreign"
    PERSONALISING = "personalising"
    PERSONALISED = "personalised"
    DELIVERED = "delivered"
    WIPED = "wiped"
    DEFECTIVE = "defective"
    LOST = "lost"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def tied_to_dossier(self) -> bool:
        return self in _TIED


_LABELS: dict[TokenState, str] = {
    TokenState.BLANK: "vierge",
    TokenState.FOREIGN: "déjà initialisé (contenu inconnu)",
    TokenState.PERSONALISING: "en cours de personnalisation",
    TokenState.PERSONALISED: "personnalisé",
    TokenState.DELIVERED: "remis au titulaire",
    TokenState.WIPED: "effacé",
    TokenState.DEFECTIVE: "défectueux",
    TokenState.LOST: "perdu",
}

_TIED = frozenset({TokenState.PERSONALISING, TokenState.PERSONALISED, TokenState.DELIVERED})

_OUT_OF_SERVICE = frozenset({TokenState.DEFECTIVE, TokenState.LOST})

FIRST_STATES: frozenset[TokenState] = frozenset(
    {TokenState.BLANK, TokenState.FOREIGN, TokenState.DEFECTIVE}
)

TRANSITIONS: dict[TokenState, frozenset[TokenState]] = {
    TokenState.BLANK: frozenset({TokenState.PERSONALISING, TokenState.FOREIGN, *_OUT_OF_SERVICE}),
    TokenState.FOREIGN: frozenset({TokenState.WIPED, TokenState.BLANK, *_OUT_OF_SERVICE}),
    TokenState.PERSONALISING: frozenset(
        {TokenState.PERSONALISED, TokenState.WIPED, TokenState.BLANK, *_OUT_OF_SERVICE}
    ),
    TokenState.PERSONALISED: frozenset(
        {TokenState.DELIVERED, TokenState.WIPED, TokenState.BLANK, *_OUT_OF_SERVICE}
    ),
    TokenState.WIPED: frozenset({TokenState.PERSONALISING, TokenState.BLANK, *_OUT_OF_SERVICE}),
    # DELIVERED again: a renewal beside the holder's key hands their token over again, to
    # the renewal's dossier, once its holder accepted the new certificate.
    TokenState.DELIVERED: frozenset({TokenState.WIPED, TokenState.DELIVERED, *_OUT_OF_SERVICE}),
    TokenState.DEFECTIVE: frozenset(),
    TokenState.LOST: frozenset(),
}


@dataclass(frozen=True)
class SoPinEscrowRecord:
    """The token's SO PIN encrypted to the back office's escrow key (never in clear)."""

    ciphertext: bytes = field(repr=False)
    context: str  # the OAEP label the back office needs to decrypt it
    key_id: str  # SHA-256 of the escrow public key (SubjectPublicKeyInfo), hex


@dataclass(frozen=True)
class TokenRecord:
    serial: str
    state: TokenState
    updated_at: datetime
    dossier_ref: str | None = None
    label: str | None = None
    escrow: SoPinEscrowRecord | None = None
    note: str | None = None  # why it was marked defective or lost (French, no secret)
    updated_by: str | None = None


def can_transition(current: TokenState | None, target: TokenState) -> bool:
    if current is None:
        return target in FIRST_STATES
    return target in TRANSITIONS[current]


def transition(
    record: TokenRecord | None,
    serial: str,
    target: TokenState,
    at: datetime,
    *,
    dossier_ref: str | None = None,
    agent: str | None = None,
    note: str | None = None,
) -> TokenRecord:
    """The record after moving ``serial`` to ``target``; a move the table does not list is
    refused. States tied to a dossier name it; the others forget it."""
    current = record.state if record else None
    if not can_transition(current, target):
        shown = current.label if current else "jamais vu"
        raise StateError(
            f"Le support {serial} ne peut pas passer de l'état « {shown} » "
            f"à l'état « {target.label} »."
        )
    if target.tied_to_dossier and not dossier_ref:
        raise StateError(f"L'état « {target.label} » d'un support doit nommer son dossier.")
    if target in _OUT_OF_SERVICE and not (note and note.strip()):
        raise StateError("Un support mis hors service doit indiquer son motif.")
    base = record or TokenRecord(serial=serial, state=target, updated_at=at)
    return replace(
        base,
        state=target,
        updated_at=at,
        dossier_ref=dossier_ref if target.tied_to_dossier else None,
        note=note,
        updated_by=agent,
    )


def refusal_on_insert(
    record: TokenRecord | None, dossier_ref: str, *, reuse_for: str | None = None
) -> str | None:
    """Why a token inserted for ``dossier_ref`` must be refused whatever the agent chooses,
    or None. (A token merely not blank is the caller's business: it may be wiped.)
    ``reuse_for`` names the dossier a renewal renews, when its product allows the new
    certificate on the same token: the token delivered for that dossier is then accepted
    (it must be wiped)."""
    if record is None:
        return None
    if record.state is TokenState.DEFECTIVE:
        return (
            f"Ce support ({record.serial}) a été déclaré défectueux : il ne peut plus être "
            "utilisé. Mettez-le de côté et prenez un autre support."
        )
    if record.state is TokenState.LOST:
        return (
            f"Ce support ({record.serial}) a été déclaré perdu : il ne peut pas être utilisé. "
            "Remettez-le au responsable du bureau et prenez un autre support."
        )
    if record.state is TokenState.DELIVERED and reuse_for and record.dossier_ref == reuse_for:
        return None
    if record.state is TokenState.DELIVERED:
        same = " de ce dossier" if record.dossier_ref == dossier_ref else " d'un autre dossier"
        return (
            f"Ce support ({record.serial}) a déjà été remis au titulaire{same} : "
            "son certificat est en service, il ne peut pas être réutilisé."
        )
    return None
