"""« Motif »: revoking the holder's certificate at the desk (agent-facing).

Identity and answers are checked. The screen shows the certificate that the revocation
would revoke (read in a worker), the agent picks the reason the holder gives and ticks
« support perdu ou volé » if so; Entrée asks the holder's express confirmation (the
revocation is final and immediate), then the service revokes in a worker. A CA that
cannot be reached does not stop it: the attestation says the back office will publish.
The next step shows the attestation (``DeskReceiptViewScreen``).
"""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Footer, Label, Static

from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.errors import KioskError
from kiosk.services.desk_acts import DeliveredCertificate
from kiosk.services.desk_revocation import DeskRevocation, DeskRevocationService
from kiosk.ui import formatting as fmt
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.confirm import ConfirmScreen
from kiosk.ui.screens.receipt_view import DeskReceiptViewScreen
from kiosk.ui.widgets.choice import Choice, in_choice
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine
from kiosk.ui.widgets.tick_box import TickBox

log = logging.getLogger(__name__)

UNAVAILABLE = "Révocation indisponible sur ce kiosque : {problem}"
UNAVAILABLE_NEXT = "F9 : terminer le rendez-vous (le dossier reste remis, rien n'est révoqué)."
LOADING = "Lecture du certificat en service…"
CHOOSE = "Choisissez le motif donné par le titulaire, puis Entrée : révoquer."
CHOSEN = "Cochez « support perdu ou volé » s'il y a lieu (Espace), puis Entrée : révoquer."
NO_REASON = "Choisissez d'abord le motif de la révocation."
REVOKING = "Révocation en cours…"
NOT_REVOKED = "Révocation annulée : rien n'a été révoqué. Entrée : révoquer, F9 : terminer."
CONFIRM_TITLE = "Révocation du certificat"
CONFIRM_QUESTION = (
    "La révocation du certificat n° {serial} est DÉFINITIVE et IMMÉDIATE : il ne pourra "
    "plus servir à signer ni à s'authentifier, et elle ne peut pas être annulée.\n\n"
    "Motif : {reason}{lost}\n\n"
    "Le titulaire confirme-t-il expressément la révocation ?"
)
LOST_NOTE = "\nLe support sera déclaré perdu ou volé."
DONE = "Révocation effectuée : certificat n° {serial} du dossier {reference}."
LEFT_TO_BACK_OFFICE = (
    "{problem} La révocation est bien enregistrée ; sa publication est laissée au back-office."
)


def certificate_text(certificate: DeliveredCertificate) -> Text:
    """The facts the holder confirms against: serial, validity, token, product."""
    delivery = certificate.delivery
    rows = [
        ("Certificat (n° de série)", certificate.serial),
        ("Validité", f"du {fmt.day(delivery.not_before)} au {fmt.day(delivery.not_after)}"),
        ("Support (n° de série)", certificate.token_serial or "—"),
        ("Offre", certificate.dossier.product.label),
    ]
    text = Text()
    for label, value in rows:
        text.append(f"{label} : ".ljust(27), style="bold")
        text.append(neutralise(value) + "\n")
    return text


def revoked_notice(result: DeskRevocation, reference: str) -> str:
    return DONE.format(serial=result.certificate_serial, reference=reference)


def revocation_problems(result: DeskRevocation) -> list[str]:
    """The warnings of the attestation screen: publication to come, paper problems."""
    problems = []
    if result.problem:
        problems.append(LEFT_TO_BACK_OFFICE.format(problem=result.problem))
    problems.extend(result.problems)
    return problems


class RevocationScreen(AppointmentScreen):
    STEP = Step.MEDIUM
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, except on the list: there Entrée opens it or picks the reason.
        Binding("enter", "revoke", "Révoquer…", priority=True),
        END_APPOINTMENT,
    ]

    class Loaded(Message):
        def __init__(self, certificate: DeliveredCertificate) -> None:
            super().__init__()
            self.certificate = certificate

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Revoked(Message):
        def __init__(self, result: DeskRevocation) -> None:
            super().__init__()
            self.result = result

    def __init__(self, flow: AppointmentFlow) -> None:
        super().__init__(flow)
        self.service: DeskRevocationService | None = flow.services.desk_revocation
        self.certificate: DeliveredCertificate | None = None
        self.reasons = self.service.reasons() if self.service else []

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with Center(), VerticalScroll(id="revocation-panel", classes="panel") as panel:
            panel.border_title = f"Révocation — dossier {neutralise(self.flow.reference)}"
            yield from self.checks_passed()
            yield Static(id="revocation-certificate", markup=False)
            yield Label("Motif de la révocation (donné par le titulaire)", id="reason-label")
            options = [(reason.label, reason.value) for reason in self.reasons]
            yield Choice(options, prompt="Choisissez le motif", compact=True, id="reason")
            yield TickBox(
                "Support perdu ou volé (il sera déclaré perdu)",
                compact=True,
                id="token-lost",
            )
            yield StatusLine(id="revocation-status")
        yield Footer()

    def on_mount(self) -> None:
        if self.service is None:
            why = self.flow.services.pki_problem or "service non configuré."
            self.status.show(UNAVAILABLE.format(problem=why), Kind.ERROR)
            self.query_one("#revocation-certificate", Static).update(UNAVAILABLE_NEXT)
            self._show_choices(False)
            return
        self._set_busy(True)
        self.status.show(LOADING, Kind.BUSY)
        self._load(self.service)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#revocation-status", StatusLine)

    def _show_choices(self, shown: bool) -> None:
        for selector in ("#reason-label", "#reason", "#token-lost"):
            self.query_one(selector).display = shown

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revoke":
            ready = self.certificate is not None and not self.flow.appointment.ended
            return ready and not self.busy and not in_choice(self.focused)
        return super().check_action(action, parameters)

    # The certificate in service

    @work(thread=True, exclusive=True, group="revocation", description="revocation-certificate")
    def _load(self, service: DeskRevocationService) -> None:
        try:
            certificate = service.certificate(self.flow.appointment)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("reading the certificate to revoke failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Loaded(certificate))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.certificate = message.certificate
        self.query_one("#revocation-certificate", Static).update(
            certificate_text(message.certificate)
        )
        self._set_busy(False)
        self.status.show(CHOOSE)
        self.query_one("#reason", Choice).focus()

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        self.status.show(message.text, Kind.ERROR)
        if self.certificate is None:  # nothing to revoke here: F9 is the way out
            self._show_choices(False)

    # The holder's confirmation, then the revocation

    def _reason(self) -> RevocationReason | None:
        chosen = self.query_one("#reason", Choice).chosen
        return RevocationReason(chosen) if chosen else None

    @on(Choice.Changed, "#reason")
    def _reason_chosen(self, event: Choice.Changed) -> None:
        # On to the next field: on the list, Entrée would open it again instead of revoking.
        if self._reason() is not None:
            self.query_one("#token-lost", Checkbox).focus()
            self.status.show(CHOSEN)

    def action_revoke(self) -> None:
        if self.check_action("revoke", ()) is not True or self.certificate is None:
            return
        reason = self._reason()
        if reason is None:
            self.status.show(NO_REASON, Kind.ERROR)
            self.query_one("#reason", Choice).focus()
            return
        lost = self.query_one("#token-lost", Checkbox).value
        question = CONFIRM_QUESTION.format(
            serial=neutralise(self.certificate.serial),
            reason=reason.label,
            lost=LOST_NOTE if lost else "",
        )
        dialog = ConfirmScreen(
            CONFIRM_TITLE,
            question,
            "le titulaire confirme, révoquer",
            "ne pas révoquer",
        )
        self.app.push_screen(dialog, lambda yes: self._confirmed(bool(yes), reason, lost))

    def _confirmed(self, yes: bool, reason: RevocationReason, lost: bool) -> None:
        if not yes or self.service is None:
            self.status.show(NOT_REVOKED)
            return
        self._set_busy(True)
        self.status.show(REVOKING, Kind.BUSY)
        self._revoke(self.service, reason, lost)

    @work(thread=True, exclusive=True, group="revocation", description="revocation-revoke")
    def _revoke(self, service: DeskRevocationService, reason: RevocationReason, lost: bool) -> None:
        try:
            result = service.revoke(self.flow.appointment, reason, True, token_lost=lost)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("the revocation at the desk failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Revoked(result))

    @on(Revoked)
    def _revoked(self, message: Revoked) -> None:
        result = message.result
        screen = DeskReceiptViewScreen(
            self.flow,
            result.receipt,
            revoked_notice(result, self.flow.reference),
            pdf=result.pdf,
            print_job=result.print_job,
            problems=revocation_problems(result),
        )
        self.app.switch_screen(screen)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh_bindings()
