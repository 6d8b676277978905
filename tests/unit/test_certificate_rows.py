"""The « Certificat » section in words, from facts alone: what the agent reads before an
unblock or a revocation, and when a renewal is what the holder needs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.token_register import TokenState
from kiosk.services.certificate_facts import CertificateFacts, RevocationFacts
from kiosk.ui.certificate_rows import UNTRACED, certificate_rows

NOW = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
FACTS = CertificateFacts(
    reference="CS-2026-000125",
    state=DossierState.DELIVERED,
    certificate_serial="5e7d94c1b38a26f0d4c9e1a7b5f3c802",
    not_before=NOW - timedelta(days=40),
    not_after=NOW + timedelta(days=1000),
    token_serial="FT-0042",
    token_state=TokenState.DELIVERED,
    delivered_at=NOW - timedelta(days=40),
    office_name="Bureau de Brest",
    read_at=NOW,
)


def rows(facts: CertificateFacts | None) -> dict[str, str]:
    return {label: value.plain for label, value in certificate_rows(facts)}


def test_a_certificate_in_service_names_its_token_and_delivery() -> None:
    shown = rows(FACTS)
    assert shown["État"] == "en service"
    assert shown["Validité"] == "du 05/03/2026 au 08/01/2029"
    assert shown["Support"] == "n° FT-0042 — remis au titulaire"
    assert shown["Remise"] == "jeudi 05/03/2026 à 09:00, Bureau de Brest"


@pytest.mark.parametrize(
    ("left", "said"),
    [
        (timedelta(days=30), "expire dans 30 jours"),
        (timedelta(days=1, hours=3), "expire dans 1 jour "),
        (timedelta(hours=5), "expire aujourd'hui"),
    ],
)
def test_a_certificate_ending_within_30_days_calls_for_a_renewal(
    left: timedelta, said: str
) -> None:
    state = rows(replace(FACTS, not_after=NOW + left))["État"]
    assert said in state and state.endswith("un renouvellement, pas d'un déblocage du PIN")


def test_an_expired_certificate_says_since_when() -> None:
    state = rows(replace(FACTS, not_after=NOW - timedelta(days=2)))["État"]
    assert state.startswith("expiré depuis le 12/04/2026 : le titulaire a besoin")


def test_a_token_the_register_does_not_know_is_said_so() -> None:
    assert rows(replace(FACTS, token_state=None))["Support"] == "n° FT-0042 — inconnu du registre"


def test_a_revocation_reads_with_its_reason_and_publication() -> None:
    revocation = RevocationFacts(NOW, RevocationReason.SUPERSEDED, "Certificat remplacé", True)
    shown = rows(replace(FACTS, state=DossierState.REVOKED, revocation=revocation))
    assert shown["État"] == "révoqué le 14/04/2026"
    assert shown["Révocation"] == "le mardi 14/04/2026 à 10:00"
    assert shown["Motif"] == "Certificat remplacé par un nouveau"
    assert shown["Publication"] == "publiée (liste de révocation à jour)"

    unknown = replace(
        revocation, reason=None, reason_text="Révoqué par le back-office", published=None
    )
    shown = rows(replace(FACTS, state=DossierState.REVOKED, revocation=unknown))
    assert shown["Motif"] == "Révoqué par le back-office"
    assert shown["Publication"].startswith("non suivie par ce kiosque")


def test_a_revocation_decided_elsewhere_and_an_untraced_delivery() -> None:
    shown = rows(replace(FACTS, state=DossierState.REVOKED))
    assert shown["État"] == "révoqué"
    assert shown["Révocation"].startswith("décidée hors de ce kiosque")
    assert rows(None) == {"Certificat": UNTRACED}
