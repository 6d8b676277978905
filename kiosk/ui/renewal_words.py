"""A renewal in words: what a renewal dossier renews (the dossier screen's section), and
what the login's catch-up did with the renewals whose old certificate was still in
service (the lookup screen's status)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text

from kiosk.domain.renewal import Renewal
from kiosk.ui.safe_text import neutralise, safe_text
from kiosk.ui.widgets.field_section import FieldSection, Row


def renewal_rows(renewal: Renewal) -> list[Row]:
    """The dossier it renews, the certificate it replaces, and whether the holder's
    current token may take the new certificate."""
    serial = renewal.superseded_serial
    if not renewal.token_reuse:
        token = Text("non réutilisable (offre) : prenez un support vierge")
    elif renewal.previous_token:
        token = Text.assemble("réutilisable : support n° ", safe_text(renewal.previous_token))
    else:
        token = Text("inconnu du kiosque : prenez un support vierge")
    return [
        ("Renouvelle", Text.assemble("dossier ", safe_text(renewal.renews))),
        (
            "Certificat remplacé",
            safe_text(serial) if serial else Text("inconnu : prévenez le back-office", "bold"),
        ),
        ("Support actuel", token),
    ]


def renewal_section(renewal: Renewal) -> FieldSection:
    return FieldSection("Renouvellement", renewal_rows(renewal), id="sec-renewal")


@dataclass(frozen=True)
class CaughtUp:
    """The catch-up's outcome: the renewals whose old certificate is now revoked, and
    what went wrong with the others (French)."""

    revoked: Sequence[str] = ()
    problems: Sequence[str] = ()


def caught_up_text(done: CaughtUp) -> str:
    """« 1 certificat remplacé révoqué (renouvellement CS-…) », then the problems."""
    parts = []
    count = len(done.revoked)
    if count:
        plural = "s" if count > 1 else ""
        references = ", ".join(neutralise(ref) for ref in done.revoked)
        parts.append(
            f"{count} certificat{plural} remplacé{plural} révoqué{plural} "
            f"(renouvellement{plural} {references})."
        )
    parts += [neutralise(problem) for problem in done.problems]
    return " ".join(parts)


def not_revoked(reference: str, why: str) -> str:
    """The old certificate of ``reference`` is still in service (the next login tries again)."""
    return f"Certificat remplacé par le renouvellement {reference} non révoqué : {why}"


def not_published(reference: str, why: str) -> str:
    """Revoked here, the CA not told yet."""
    return (
        f"Révocation du certificat remplacé par le renouvellement {reference} à publier par "
        f"le back-office : {why}"
    )
