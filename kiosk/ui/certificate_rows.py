"""The certificate a delivered or revoked dossier's holder has, in words: the dossier
screen's « Certificat » section. What the agent needs before a PIN unblock or a revocation,
or to answer « mon certificat a-t-il été révoqué ? ». A certificate at or near its end
says that a renewal, not an unblock, is what the holder needs."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Dossier
from kiosk.domain.offices import OFFICES_TZ
from kiosk.services.certificate_facts import CertificateFacts, RevocationFacts
from kiosk.ui import formatting as fmt
from kiosk.ui.safe_text import safe_text
from kiosk.ui.widgets.field_section import FieldSection, Row

UNTRACED = (
    "remis sans que ce kiosque en garde la trace (certificat et support inconnus ici) : "
    "adressez le titulaire au back-office"
)
RENEWAL_NOT_UNBLOCK = "le titulaire a besoin d'un renouvellement, pas d'un déblocage du PIN"


def has_certificate(dossier: Dossier) -> bool:
    """A dossier whose holder was handed a certificate: the screen shows it."""
    return dossier.state in (DossierState.DELIVERED, DossierState.REVOKED)


def certificate_section(facts: CertificateFacts | None) -> FieldSection:
    return FieldSection("Certificat", certificate_rows(facts), id="sec-certificate")


def certificate_rows(facts: CertificateFacts | None) -> list[Row]:
    if facts is None:
        return [("Certificat", Text(UNTRACED, style="bold"))]
    rows: list[Row] = [
        ("N° de série", safe_text(facts.certificate_serial)),
        (
            "Validité",
            Text(f"du {_local_day(facts.not_before)} au {_local_day(facts.not_after)}"),
        ),
        ("État", _state(facts)),
        ("Support", _token(facts)),
        ("Remise", _delivery(facts)),
    ]
    if facts.state is DossierState.REVOKED:
        rows += _revocation_rows(facts.revocation)
    return rows


def _local_day(at: datetime) -> str:
    return fmt.day(at.astimezone(OFFICES_TZ))


def _state(facts: CertificateFacts) -> Text:
    if facts.state is DossierState.REVOKED:
        when = facts.revocation.decided_at if facts.revocation else None
        revoked = f"révoqué le {_local_day(when)}" if when else "révoqué"
        return Text(revoked, style="bold")
    if facts.expired:
        return Text(
            f"expiré depuis le {_local_day(facts.not_after)} : {RENEWAL_NOT_UNBLOCK}",
            style="bold",
        )
    if facts.expires_soon:
        left = facts.days_left
        within = "aujourd'hui" if left == 0 else f"dans {left} jour{'s' if left > 1 else ''}"
        return Text(
            f"en service, expire {within} ({_local_day(facts.not_after)}) : {RENEWAL_NOT_UNBLOCK}",
            style="bold",
        )
    return Text("en service")


def _token(facts: CertificateFacts) -> Text:
    if facts.token_serial is None:
        return Text("inconnu", style="dim")
    state = facts.token_state.label if facts.token_state else "inconnu du registre"
    return Text.assemble("n° ", safe_text(facts.token_serial), f" — {state}")


def _delivery(facts: CertificateFacts) -> Text:
    when = fmt.appointment(facts.delivered_at) if facts.delivered_at else "date inconnue"
    return Text.assemble(f"{when}, ", safe_text(facts.office_name))


def _revocation_rows(revocation: RevocationFacts | None) -> list[Row]:
    if revocation is None:
        return [("Révocation", Text("décidée hors de ce kiosque (date et motif inconnus ici)"))]
    reason = (
        Text(revocation.reason.label) if revocation.reason else safe_text(revocation.reason_text)
    )
    if revocation.published is True:
        published = Text("publiée (liste de révocation à jour)")
    elif revocation.published is False:
        published = Text(
            "à publier par le back-office (l'autorité n'a pas confirmé la révocation)",
            style="bold",
        )
    else:
        published = Text("non suivie par ce kiosque : voir le back-office")
    return [
        ("Révocation", Text(f"le {fmt.appointment(revocation.decided_at)}")),
        ("Motif", reason),
        ("Publication", published),
    ]
