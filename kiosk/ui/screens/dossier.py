"""The dossier, read only: what the agent checks before receiving the holder.

Every value that came from an import is shown through ``safe_text``: as the characters
stored, never as markup or terminal control. Revocation answers are never shown, only how
many questions are on file.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kiosk.domain.dossier_state import DELIVERABLE, DossierState
from kiosk.domain.model import Dossier, Person
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.ui import formatting as fmt
from kiosk.ui.messages import LogoutRequested
from kiosk.ui.safe_text import EMPTY, safe_text
from kiosk.ui.widgets.field_section import FieldSection, Row
from kiosk.ui.widgets.session_bar import SessionBar, office_label


def _plain(value: str) -> Text:
    return safe_text(value)


def state_banner(dossier: Dossier) -> Text:
    """``CS-2026-000123 — État : Convoqué — remise possible``: the state in words."""
    verdict = (
        "remise possible" if dossier.state in DELIVERABLE else "remise impossible dans cet état"
    )
    return Text.assemble(
        ("Dossier ", "bold"),
        safe_text(dossier.reference, style="bold"),
        " — État : ",
        (dossier.state.label, "bold"),
        f" — {verdict}",
    )


def _dossier_rows(dossier: Dossier, info: KioskInfo) -> list[Row]:
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


def _company_rows(dossier: Dossier) -> list[Row]:
    company = dossier.company
    return [
        ("Raison sociale", safe_text(company.name)),
        ("Forme", safe_text(company.legal_form)),
        ("SIREN", safe_text(fmt.siren(company.siren))),
        ("SIRET", safe_text(fmt.siret(company.siret))),
    ]


def _product_rows(dossier: Dossier) -> list[Row]:
    product = dossier.product
    return [
        ("Offre", safe_text(product.label)),
        ("Validité", _plain(fmt.years(product.validity_years))),
        ("Clé", _plain(fmt.algorithm(product.key_algorithm))),
    ]


def _holder_rows(holder: Person) -> list[Row]:
    return [
        ("Nom", safe_text(fmt.surname(holder), style="bold")),
        ("Prénoms", safe_text(holder.given_names)),
        ("Naissance", _plain(fmt.day(holder.birth_date)) if holder.birth_date else safe_text(None)),
        ("Courriel", safe_text(holder.email)),
    ]


def _person_rows(person: Person | None, none_label: str) -> list[Row]:
    if person is None:
        return [("Nom", Text(none_label, style="dim"))]
    return [
        ("Nom", safe_text(fmt.full_name(person))),
        ("Qualité", safe_text(person.role_title)),
    ]


def _revocation_rows(dossier: Dossier) -> list[Row]:
    rows: list[Row] = [("Questions", _plain(fmt.questions(len(dossier.questions))))]
    if dossier.answers_locked:
        rows.append(("Réponses", Text("verrouillées (trop d'erreurs)", style="bold")))
    return rows


class DossierScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour"),
        Binding("f10", "logout", "Déconnexion"),
        Binding("ctrl+l", "logout", "Déconnexion", show=False),
    ]

    def __init__(self, dossier: Dossier, session: AgentSession, info: KioskInfo) -> None:
        super().__init__()
        self.dossier = dossier
        self._session = session
        self._info = info

    def compose(self) -> ComposeResult:
        dossier = self.dossier
        state_class = "-deliverable" if dossier.state in DELIVERABLE else "-not-deliverable"
        yield Header()
        yield SessionBar(self._session, self._info)
        yield Static(state_banner(dossier), id="state-banner", classes=state_class, markup=False)
        with VerticalScroll(id="dossier-body"), Horizontal(id="dossier-columns"):
            with Vertical(classes="dossier-column"):
                yield FieldSection("Dossier", _dossier_rows(dossier, self._info), id="sec-dossier")
                yield FieldSection("Entreprise", _company_rows(dossier), id="sec-company")
                yield FieldSection("Produit", _product_rows(dossier), id="sec-product")
            with Vertical(classes="dossier-column"):
                yield FieldSection("Titulaire", _holder_rows(dossier.holder), id="sec-holder")
                yield FieldSection(
                    "Représentant légal",
                    _person_rows(dossier.legal_representative, EMPTY),
                    id="sec-legal",
                )
                yield FieldSection(
                    "Délégué", _person_rows(dossier.delegate, "aucun"), id="sec-delegate"
                )
                yield FieldSection("Révocation", _revocation_rows(dossier), id="sec-revocation")
        yield Footer()

    def on_mount(self) -> None:
        # Long imported values may need more than 24 lines: arrows and Page Down scroll.
        self.query_one("#dossier-body", VerticalScroll).focus()

    def action_back(self) -> None:
        self.dismiss()

    def action_logout(self) -> None:
        self.post_message(LogoutRequested())
