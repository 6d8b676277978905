"""The life of a dossier, as an explicit state machine.

A dossier is validated by the registration office (bureau d'enregistrement), then the
holder is convoked to a withdrawal office. At the desk the appointment ends in a delivery,
or in a refusal with a reason; a refused dossier may be convoked again. A delivered
dossier's certificate may later be revoked (at the desk, or superseded by a renewal):
the dossier is then revoked, which is final, like a cancelled dossier.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.domain.errors import StateError


class DossierState(StrEnum):
    VALIDATED = "validated"
    CONVOKED = "convoked"
    DELIVERED = "delivered"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    REVOKED = "revoked"  # its delivered certificate is revoked (final)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[DossierState, str] = {
    DossierState.VALIDATED: "Validé (en attente de convocation)",
    DossierState.CONVOKED: "Convoqué",
    DossierState.DELIVERED: "Remis",
    DossierState.REFUSED: "Refusé",
    DossierState.CANCELLED: "Annulé",
    DossierState.REVOKED: "Révoqué (certificat révoqué)",
}

TRANSITIONS: dict[DossierState, frozenset[DossierState]] = {
    DossierState.VALIDATED: frozenset({DossierState.CONVOKED, DossierState.CANCELLED}),
    DossierState.CONVOKED: frozenset(
        {DossierState.DELIVERED, DossierState.REFUSED, DossierState.CANCELLED}
    ),
    DossierState.REFUSED: frozenset({DossierState.CONVOKED, DossierState.CANCELLED}),
    DossierState.DELIVERED: frozenset({DossierState.REVOKED}),
    DossierState.CANCELLED: frozenset(),
    DossierState.REVOKED: frozenset(),
}

# States in which a holder may be received at the desk: a refusal ends one appointment,
# not the dossier, which stays available for another appointment.
DELIVERABLE: frozenset[DossierState] = frozenset({DossierState.CONVOKED, DossierState.REFUSED})


def can_transition(current: DossierState, target: DossierState) -> bool:
    return target in TRANSITIONS[current]


def transition(
    current: DossierState, target: DossierState, reason: str | None = None
) -> DossierState:
    """Return ``target`` if the move is allowed; a refusal must give its reason."""
    if not can_transition(current, target):
        raise StateError(
            f"Passage impossible de l'état « {current.label} » à l'état « {target.label} »."
        )
    if target is DossierState.REFUSED and not (reason and reason.strip()):
        raise StateError("Un refus doit indiquer son motif.")
    return target
