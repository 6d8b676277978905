"""What the dossier screen shows, row by row: each imported value through ``safe_text``
(the characters stored, never markup or terminal control), dates and identifiers the
French way, and the state in words with what the desk can do with it."""

from __future__ import annotations

from rich.text import Text

from kiosk.domain.dossier_state import DELIVERABLE, DossierState
from kiosk.domain.model import Dossier, Person
from kiosk.services.container import KioskInfo
from kiosk.ui import formatting as fmt
from kiosk.ui.safe_text import safe_text
from kiosk.ui.widgets.field_section import Row
from kiosk.ui.widgets.session_bar import office_label


def _plain(value: str) -> Text:
    return safe_text(value)


def state_banner(dossier: Dossier) -> Text:
    """``CS-2026-000123 — État : Convoqué — remise possible``: the state in words."""
    if dossier.state is DossierState.DELIVERED:
        verdict = "déblocage du PIN ou révocation possibles"
    elif dossier.state in DELIVERABLE:
        verdict = "remise possible"
    else:
        verdict = "remise impossible dans cet état"
    return Text.assemble(
        ("Dossier ", "bold"),
        safe_text(dossier.reference, style="bold"),
        " — État : ",
        (dossier.state.label, "bold"),
        f" — {verdict}",
    )


def dossier_rows(dossier: Dossier, info: KioskInfo) -> list[Row]:
    rows: list[Row] = [
        (
            "Convocation",
            _plain(fmt.appointment(dossier.convocation_at))
            if dossier.convocation_at
            else safe_text(None),
        ),
        ("Bureau", _plain(office_label(dossier.office_code, info))),
    ]
    if dossier.state is DossierState.REFUSED:
        rows.append(("Motif du refus", safe_text(dossier.refusal_reason)))
    return rows


def company_rows(dossier: Dossier) -> list[Row]:
    company = dossier.company
    return [
        ("Raison sociale", safe_text(company.name)),
        ("Forme", safe_text(company.legal_form)),
        ("SIREN", safe_text(fmt.siren(company.siren))),
        ("SIRET", safe_text(fmt.siret(company.siret))),
    ]


def product_rows(dossier: Dossier) -> list[Row]:
    product = dossier.product
    return [
        ("Offre", safe_text(product.label)),
        ("Validité", _plain(fmt.years(product.validity_years))),
        ("Clé", _plain(fmt.algorithm(product.key_algorithm))),
    ]


def holder_rows(holder: Person) -> list[Row]:
    return [
        ("Nom", safe_text(fmt.surname(holder), style="bold")),
        ("Prénoms", safe_text(holder.given_names)),
        ("Naissance", _plain(fmt.day(holder.birth_date)) if holder.birth_date else safe_text(None)),
        ("Courriel", safe_text(holder.email)),
    ]


def person_rows(person: Person | None, none_label: str) -> list[Row]:
    if person is None:
        return [("Nom", Text(none_label, style="dim"))]
    return [
        ("Nom", safe_text(fmt.full_name(person))),
        ("Qualité", safe_text(person.role_title)),
    ]


def revocation_rows(dossier: Dossier) -> list[Row]:
    rows: list[Row] = [("Questions", _plain(fmt.questions(len(dossier.questions))))]
    if dossier.answers_locked:
        rows.append(("Réponses", Text("verrouillées (trop d'erreurs)", style="bold")))
    return rows
