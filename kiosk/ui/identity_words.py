"""What the identity check says to the agent: the hints of its two phases (reading the
MRZ, comparing the photo), the summary of a refused document and the photo's question."""

from __future__ import annotations

from kiosk.domain.identity import IdentityReport
from kiosk.ui.screens.confirm import ConfirmScreen

READING_HINT = "Scannez la MRZ de la pièce, ou saisissez-la (Entrée entre les lignes)."
PHOTO_HINT = "Photo : comparez-la avec la personne présente. F6 : conforme ; F7 : non conforme."
PASSED = "Contrôles du document conformes. Vérifiez maintenant la photo."
PHOTO_REFUSED = "Photo non conforme : la pièce est refusée. F9 : terminer le rendez-vous."


def failed_summary(report: IdentityReport) -> str:
    count = len(report.failures)
    checks = "1 contrôle non conforme" if count == 1 else f"{count} contrôles non conformes"
    return (
        f"Pièce refusée : {checks} (voir ci-dessous). F9 : terminer le rendez-vous "
        "(motif proposé : Pièce d'identité refusée) ; F3 : relire la pièce ou une autre."
    )


def photo_question(matches: bool) -> ConfirmScreen:
    """The agent's statement on the photo is asked twice: it decides the appointment."""
    if matches:
        return ConfirmScreen(
            "Photo conforme ?",
            "Confirmez-vous que la photo de la pièce est bien celle de la personne "
            "présente au guichet ?",
            "oui, la photo est conforme",
            "revenir à la comparaison",
        )
    return ConfirmScreen(
        "Photo non conforme ?",
        "La photo de la pièce ne correspond pas à la personne présente : la pièce sera refusée.",
        "oui, refuser la pièce",
        "revenir à la comparaison",
    )
