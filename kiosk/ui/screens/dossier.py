"""The dossier, read only: what the agent checks before receiving the holder.

Every value that came from an import is shown through ``safe_text``: as the characters
stored, never as markup or terminal control. Revocation answers are never shown, only how
many questions are on file.

F5 starts the delivery (the service says, in French, when the dossier's state does not
allow it). A delivered dossier offers instead the holder's other journeys: F6 unblocks the
token's PIN, F7 revokes the certificate (``docs/desk-journeys.md``); each is an
appointment of its own, with the same identity check and answers. An administrator may
unlock a dossier locked by wrong answers.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.dossier_state import DELIVERABLE, DossierState
from kiosk.domain.errors import KioskError
from kiosk.domain.model import Dossier, Person, Role
from kiosk.domain.renewal import Renewal
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.ui import formatting as fmt
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow, services_of
from kiosk.ui.messages import LogoutRequested
from kiosk.ui.renewal_words import renewal_rows
from kiosk.ui.safe_text import EMPTY, safe_text
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.widgets.field_section import FieldSection, Row
from kiosk.ui.widgets.session_bar import SessionBar, office_label
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

UNLOCKED = "Réponses déverrouillées : le titulaire peut de nouveau répondre aux questions."
LEFT = "Rendez-vous quitté avant tout contrôle : le dossier est libéré, son état n'a pas changé."


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
        Binding("f5", "start_appointment('delivery')", "Commencer la remise"),
        Binding("f6", "start_appointment('pin_unblock')", "Débloquer le PIN"),
        Binding("f7", "start_appointment('revocation')", "Révoquer"),
        Binding("f8", "unlock_answers", "Déverrouiller les réponses"),
        Binding("f10", "logout", "Déconnexion"),
        Binding("ctrl+l", "logout", "Déconnexion", show=False),
    ]

    class Opened(Message):
        def __init__(self, appointment: Appointment) -> None:
            super().__init__()
            self.appointment = appointment

    class Unlocked(Message):
        pass

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class RenewalRead(Message):
        def __init__(self, renewal: Renewal) -> None:
            super().__init__()
            self.renewal = renewal

    def __init__(self, dossier: Dossier, session: AgentSession, info: KioskInfo) -> None:
        super().__init__()
        self.dossier = dossier
        self._session = session
        self._info = info
        self._busy = False
        self.renewal: Renewal | None = None  # read after the screen is up (a DB read)

    def compose(self) -> ComposeResult:
        dossier = self.dossier
        state_class = "-deliverable" if dossier.state in DELIVERABLE else "-not-deliverable"
        yield Header()
        yield SessionBar(self._session, self._info)
        yield Static(state_banner(dossier), id="state-banner", classes=state_class, markup=False)
        yield StatusLine(id="dossier-status")
        with VerticalScroll(id="dossier-body"), Horizontal(id="dossier-columns"):
            with Vertical(classes="dossier-column"):
                yield FieldSection("Dossier", _dossier_rows(dossier, self._info), id="sec-dossier")
                yield FieldSection("Entreprise", _company_rows(dossier), id="sec-company")
                yield FieldSection("Produit", _product_rows(dossier), id="sec-product")
                if self.renewal is not None:
                    yield self._renewal_section(self.renewal)
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
        self.status.display = False
        if services_of(self.app).renewals is not None:
            self._read_renewal(self.dossier.reference)

    # A renewal dossier: what it renews, in a section of its own once read

    @work(thread=True, exclusive=True, group="dossier-renewal", description="dossier-renewal")
    def _read_renewal(self, reference: str) -> None:
        renewals = services_of(self.app).renewals
        try:
            renewal = renewals.renewal(reference) if renewals is not None else None
        except Exception:  # the dossier reads well without it; the delivery says the rest
            log.exception("renewal of the dossier could not be read")
            return
        if renewal is not None:
            self.post_message(self.RenewalRead(renewal))

    @on(RenewalRead)
    async def _renewal_read(self, message: RenewalRead) -> None:
        self.renewal = message.renewal
        if not self.query("#sec-renewal"):
            product = self.query_one("#sec-product", FieldSection)
            column = product.parent
            assert isinstance(column, Vertical)
            await column.mount(self._renewal_section(message.renewal), after=product)

    @staticmethod
    def _renewal_section(renewal: Renewal) -> FieldSection:
        return FieldSection("Renouvellement", renewal_rows(renewal), id="sec-renewal")

    @property
    def status(self) -> StatusLine:
        return self.query_one("#dossier-status", StatusLine)

    def show_status(self, text: str, kind: Kind) -> None:
        self.status.display = True
        self.status.show(text, kind)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unlock_answers":
            return self._session.role is Role.ADMIN and self.dossier.answers_locked
        if action == "start_appointment":
            return self._offers(Purpose(str(parameters[0])))
        return True

    def _offers(self, purpose: Purpose) -> bool:
        """A delivered dossier offers the unblock and the revocation (when this kiosk can
        do them), any other dossier the delivery."""
        delivered = self.dossier.state is DossierState.DELIVERED
        if purpose is Purpose.DELIVERY:
            return not delivered
        services = services_of(self.app)
        available = (
            services.pin_unblock if purpose is Purpose.PIN_UNBLOCK else services.desk_revocation
        )
        return delivered and available is not None

    def action_back(self) -> None:
        self.dismiss()

    # Appointment

    def action_start_appointment(self, purpose: str = Purpose.DELIVERY.value) -> None:
        chosen = Purpose(purpose)
        if self._busy or not self._offers(chosen):
            return
        self._busy = True
        self.show_status(f"Ouverture du rendez-vous ({chosen.label.lower()})…", Kind.BUSY)
        self._open(chosen)

    @work(thread=True, exclusive=True, group="dossier", description="dossier")
    def _open(self, purpose: Purpose) -> None:
        try:
            appointments = services_of(self.app).appointments
            appointment = appointments.open(self._session, self.dossier, purpose=purpose)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("appointment could not be opened")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Opened(appointment))

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self._busy = False
        self.status.display = False
        services = services_of(self.app)
        flow = AppointmentFlow(services, self._session, self._info, message.appointment)
        self.app.push_screen(IdentityScreen(flow), self._appointment_left)

    def _appointment_left(self, _result: None) -> None:
        """The identity screen came back here before checking anything (Échap)."""
        self.show_status(LEFT, Kind.HINT)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self.show_status(message.text, Kind.ERROR)

    # Unlocking (administrators)

    def action_unlock_answers(self) -> None:
        if self._busy or self.check_action("unlock_answers", ()) is not True:
            return
        question = ConfirmScreen(
            "Déverrouiller les réponses ?",
            f"Le dossier {self.dossier.reference} a été verrouillé après trop de réponses "
            "erronées. Le déverrouiller remet son compteur d'erreurs à zéro.",
            "oui, déverrouiller",
            "revenir au dossier",
        )
        self.app.push_screen(question, self._unlock_answered)

    def _unlock_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self._busy = True
            self.show_status("Déverrouillage…", Kind.BUSY)
            self._unlock()

    @work(thread=True, exclusive=True, group="dossier", description="dossier")
    def _unlock(self) -> None:
        try:
            services_of(self.app).answers.unlock(self._session, self.dossier.reference)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("dossier could not be unlocked")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Unlocked())

    @on(Unlocked)
    async def _unlocked(self) -> None:
        self._busy = False
        self.dossier = replace(self.dossier, answers_locked=False, failed_answer_attempts=0)
        await self.recompose()
        self.query_one("#dossier-body", VerticalScroll).focus()
        self.show_status(UNLOCKED, Kind.OK)
        self.refresh_bindings()

    def action_logout(self) -> None:
        self.post_message(LogoutRequested())
