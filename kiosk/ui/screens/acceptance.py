"""The holder checks the certificate and accepts it (holder-facing), as ETSI EN 319 411-1
asks of a subscriber: the certificate's content as the certificate states it, the terms of
use and their version, a deliberate acceptance (a box ticked with Espace), then the PIN
typed once more: the new key signs the delivery receipt (``DeliveryService.accept``).

The PIN field is emptied as soon as it is read. A wrong PIN is said (with the last-try
warning); a refusal by the holder is the agent's F9 (« Le titulaire renonce » proposed):
the certificate is then revoked.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Footer, Label, Static

from kiosk.domain.errors import KioskError
from kiosk.domain.receipt_text import paris_time
from kiosk.domain.token_ports import PinLockedError, TokenRemovedError
from kiosk.services.appointment import EndReason
from kiosk.services.certificate_view import CertificateSummary
from kiosk.services.delivery import Delivered
from kiosk.ui import formatting as fmt
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_cue import hand_back_to_agent
from kiosk.ui.token_run import HeldSecret, TokenRun
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine
from kiosk.ui.widgets.tick_box import TickBox

log = logging.getLogger(__name__)

INTRO = "Vérifiez le certificat enregistré sur votre support avant de l'accepter :"
REPLACES = (
    "Renouvellement : ce certificat remplace votre certificat n° {serial}, qui sera "
    "révoqué dès votre acceptation."
)
KEYS = "Espace : cocher — Tab : champ suivant — Entrée : accepter et signer"
TICK_FIRST = "Cochez la case pour accepter le certificat et les conditions d'utilisation."
TYPE_PIN = "Saisissez le code PIN de votre support."
SIGNING = "Signature du procès-verbal de remise avec votre support…"
ACCEPTED = "Certificat accepté, procès-verbal de remise signé. Merci."
LABEL_WIDTH = 14


def certificate_rows(summary: CertificateSummary) -> list[tuple[str, str]]:
    valid = (
        f"du {fmt.day(paris_time(summary.not_before).date())} "
        f"au {fmt.day(paris_time(summary.not_after).date())}"
    )
    return [
        ("Titulaire", summary.holder),
        ("Entreprise", summary.organisation),
        ("Identifiant", f"{summary.organisation_identifier} (identifiant de l'organisation)"),
        ("Validité", valid),
        ("Usage", summary.usage),
        ("Émetteur", summary.issuer),
        ("N° de série", summary.serial_hex),
    ]


def certificate_text(summary: CertificateSummary) -> Text:
    text = Text()
    for label, value in certificate_rows(summary):
        text.append(f"{label} :".ljust(LABEL_WIDTH), style="bold")
        text.append(neutralise(value) + "\n")
    text.rstrip()  # no blank line inside the frame
    return text


class AcceptanceScreen(AppointmentScreen):
    STEP = Step.DELIVERY
    ABANDONS_RUN = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "accept", "Accepter et signer", priority=True),
        END_APPOINTMENT,
    ]

    class Accepted(Message):
        def __init__(self, delivered: Delivered) -> None:
            super().__init__()
            self.delivered = delivered

    class Refused(Message):
        def __init__(self, error: KioskError | None) -> None:
            super().__init__()
            self.error = error  # None: unexpected (logged)

    def __init__(self, flow: AppointmentFlow, run: TokenRun) -> None:
        super().__init__(flow)
        self.add_class("holder")
        self.run = run
        self.proposed_end = EndReason.HOLDER_DECLINES
        assert run.result is not None and run.core is not None
        self.summary = flow.services.certificates.summarise(run.result.certificate)
        self.terms_version = run.core.terms_version
        # Held, not passed to the worker: a worker's arguments are in its description.
        self._pin = HeldSecret()

    def compose(self) -> ComposeResult:
        terms = neutralise(self.terms_version)
        yield self.progress_header()
        with VerticalScroll(id="holder-body"):
            yield Static(self.flow.greeting(), classes="holder-greeting", markup=False)
            yield Static(INTRO, classes="holder-intro", markup=False)
            yield Static(certificate_text(self.summary), id="certificate", markup=False)
            replaced = self.run.core.superseded_certificate_serial if self.run.core else None
            if replaced:
                yield Static(
                    REPLACES.format(serial=neutralise(replaced)), id="replaces", markup=False
                )
            yield Static(
                f"Conditions générales d'utilisation : version {terms}. Cochez la case "
                "après avoir vérifié ces informations.",
                id="terms",
                markup=False,
            )
            yield TickBox(
                f"J'accepte ce certificat et les conditions {terms}",
                id="accept-box",
                compact=True,
            )
            yield Label(
                "Code PIN de votre support (il signe le procès-verbal de remise)",
                classes="holder-question",
            )
            pin = SecretInput(max_length=64, id="accept-pin")
            pin.compact = True
            yield pin
            yield StatusLine(KEYS, id="acceptance-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#accept-box", Checkbox).focus()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#acceptance-status", StatusLine)

    @property
    def pin_field(self) -> SecretInput:
        return self.query_one("#accept-pin", SecretInput)

    def action_accept(self) -> None:
        if self.busy:
            return
        box = self.query_one("#accept-box", Checkbox)
        if not box.value:
            self.status.show(TICK_FIRST, Kind.ERROR)
            box.focus()
            return
        pin = self.pin_field.value
        self.pin_field.clear_secret()
        if not pin:
            self.status.show(TYPE_PIN, Kind.ERROR)
            self.pin_field.focus()
            return
        self._pin.keep(pin)
        self._set_busy(True)
        self.status.show(SIGNING, Kind.BUSY)
        self._sign()

    @work(thread=True, exclusive=True, group="acceptance", description="acceptance")
    def _sign(self) -> None:
        services, run, pin = self.flow.services, self.run, self._pin
        try:
            assert services.delivery is not None
            assert run.result is not None and run.core is not None
            appointment = self.flow.appointment
            delivered = services.delivery.accept(appointment, run.result, pin.reveal(), run.core)
        except KioskError as exc:
            self.post_message(self.Refused(exc))
        except Exception:
            log.exception("acceptance failed")
            self.post_message(self.Refused(None))
        else:
            self.post_message(self.Accepted(delivered))
        finally:
            pin.forget()

    @on(Accepted)
    def _accepted(self, message: Accepted) -> None:
        from kiosk.ui.screens.receipt_view import ReceiptViewScreen

        self._set_busy(False)
        app, flow, delivered = self.app, self.flow, message.delivered
        hand_back_to_agent(
            app, ACCEPTED, lambda: app.switch_screen(ReceiptViewScreen(flow, delivered))
        )

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        error = message.error
        if error is None:
            self.status.show(UNEXPECTED, Kind.ERROR)
        elif isinstance(error, PinLockedError):
            self.proposed_end = EndReason.TOKEN_DEFECTIVE
            self.status.show(f"{error.message} Rendez l'écran à l'agent.", Kind.ERROR)
            return
        elif isinstance(error, TokenRemovedError):
            self.status.show("Support retiré : rebranchez-le, puis validez à nouveau.", Kind.ERROR)
        else:
            self.status.show(error.message, Kind.ERROR)
        self.pin_field.focus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#holder-body").disabled = busy
