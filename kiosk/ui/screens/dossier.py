"""The dossier, read only: what the agent checks before receiving the holder.

Every value that came from an import is shown through ``safe_text``: as the characters
stored, never as markup or terminal control. Revocation answers are never shown, only how
many questions are on file.

F5 starts the delivery. A delivered dossier offers the holder's other journeys
(``docs/desk-journeys.md``), each an appointment with the same identity check and answers:
F6 unblocks the token's PIN, F7 revokes the certificate; « Certificat » shows what the
holder has. An administrator unlocks a dossier locked by wrong answers (F8).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import ClassVar

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
from kiosk.domain.model import Dossier, Role
from kiosk.domain.renewal import Renewal
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.certificate_facts import CertificateFacts, CertificateFactsService
from kiosk.services.container import KioskInfo
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow, services_of
from kiosk.ui.certificate_rows import certificate_section, has_certificate
from kiosk.ui.dossier_rows import (
    company_rows,
    dossier_rows,
    holder_rows,
    person_rows,
    product_rows,
    revocation_rows,
    state_banner,
)
from kiosk.ui.messages import LogoutRequested
from kiosk.ui.renewal_words import renewal_section
from kiosk.ui.safe_text import EMPTY
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.identity import IdentityScreen
from kiosk.ui.widgets.field_section import FieldSection
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

UNLOCKED = "Réponses déverrouillées : le titulaire peut de nouveau répondre aux questions."
LEFT = "Rendez-vous quitté avant tout contrôle : le dossier est libéré, son état n'a pas changé."


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

    class CertificateRead(Message):
        def __init__(self, facts: CertificateFacts | None) -> None:
            super().__init__()
            self.facts = facts

    def __init__(self, dossier: Dossier, session: AgentSession, info: KioskInfo) -> None:
        super().__init__()
        self.dossier = dossier
        self._session = session
        self._info = info
        self._busy = False
        self.renewal: Renewal | None = None  # read after the screen is up (a DB read)
        self.certificate: CertificateFacts | None = None  # idem; once read, None: no trace
        self.certificate_read = False

    def compose(self) -> ComposeResult:
        dossier = self.dossier
        state_class = "-deliverable" if dossier.state in DELIVERABLE else "-not-deliverable"
        yield Header()
        yield SessionBar(self._session, self._info)
        yield Static(state_banner(dossier), id="state-banner", classes=state_class, markup=False)
        yield StatusLine(id="dossier-status")
        with VerticalScroll(id="dossier-body"), Horizontal(id="dossier-columns"):
            with Vertical(classes="dossier-column"):
                yield FieldSection("Dossier", dossier_rows(dossier, self._info), id="sec-dossier")
                if self.certificate_read:
                    yield certificate_section(self.certificate)
                yield FieldSection("Entreprise", company_rows(dossier), id="sec-company")
                yield FieldSection("Produit", product_rows(dossier), id="sec-product")
                if self.renewal is not None:
                    yield renewal_section(self.renewal)
            with Vertical(classes="dossier-column"):
                yield FieldSection("Titulaire", holder_rows(dossier.holder), id="sec-holder")
                yield FieldSection(
                    "Représentant légal",
                    person_rows(dossier.legal_representative, EMPTY),
                    id="sec-legal",
                )
                yield FieldSection(
                    "Délégué", person_rows(dossier.delegate, "aucun"), id="sec-delegate"
                )
                yield FieldSection("Révocation", revocation_rows(dossier), id="sec-revocation")
        yield Footer()

    def on_mount(self) -> None:
        # Long imported values may need more than 24 lines: arrows and Page Down scroll.
        self.query_one("#dossier-body", VerticalScroll).focus()
        self.status.display = False
        services = services_of(self.app)
        if services.renewals is not None:
            self._read_renewal(self.dossier.reference)
        facts = services.certificate_facts
        if facts is not None and has_certificate(self.dossier):
            self._read_certificate(facts, self.dossier.reference)

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
        await self._mount_after("sec-product", renewal_section(message.renewal))

    # A delivered or revoked dossier: the certificate its holder has, before F6 or F7

    @work(thread=True, exclusive=True, group="dossier-cert", description="dossier-certificate")
    def _read_certificate(self, service: CertificateFactsService, reference: str) -> None:
        try:
            facts = service.certificate_facts(self._session, reference)
        except Exception:  # the journeys show the certificate again; the dossier reads well
            log.exception("certificate of the dossier could not be read")
            return
        self.post_message(self.CertificateRead(facts))

    @on(CertificateRead)
    async def _certificate_read(self, message: CertificateRead) -> None:
        self.certificate, self.certificate_read = message.facts, True
        await self._mount_after("sec-dossier", certificate_section(message.facts))

    async def _mount_after(self, anchor: str, section: FieldSection) -> None:
        """A section read after the screen came up, below ``anchor``, once."""
        if not self.query(f"#{section.id}"):
            above = self.query_one(f"#{anchor}", FieldSection)
            column = above.parent
            assert isinstance(column, Vertical)
            await column.mount(section, after=above)

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
