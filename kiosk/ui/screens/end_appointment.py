"""Ending an appointment without a delivery: the agent picks a reason, the service refuses
the dossier with it (it stays available for another appointment) and audits it. On the
token steps, the personalisation run is abandoned first (its certificate, if any, is
confirmed for revocation). A PIN unblock or a revocation ended so leaves the dossier
delivered, its certificate in service: the dialog says that instead.

The chosen reason is written out (« Motif choisi : … »), not only highlighted. « Autre
motif » needs a few words. The modal dismisses with the notice for the lookup screen once
the appointment is really ended, or with ``None`` if the agent goes back to it.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.errors import KioskError
from kiosk.services.appointment import EndReason
from kiosk.services.renewal_retirement import Superseded
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow, ended_notice
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

MAX_TEXT = 200
NEEDS_TEXT = "Précisez le motif (quelques mots) pour « Autre motif »."
REFUSES = (
    "Le dossier passe à l'état « Refusé » avec ce motif ; "
    "il reste disponible pour un autre rendez-vous."
)
STAYS_DELIVERED = (
    "Le dossier reste « Remis » et son certificat reste en service ; "
    "le titulaire pourra revenir pour un autre rendez-vous."
)


def end_intro(purpose: Purpose) -> str:
    """What ending the appointment does to the dossier, for ``purpose``."""
    return REFUSES if purpose is Purpose.DELIVERY else STAYS_DELIVERED


class EndAppointmentScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: Entrée ends with the highlighted reason, from the list or the text.
        Binding("enter", "confirm", "Terminer le rendez-vous", priority=True),
        Binding("escape", "cancel", "Continuer le rendez-vous", priority=True),
    ]

    class Ended(Message):
        def __init__(self, notice: str) -> None:
            super().__init__()
            self.notice = notice

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self, flow: AppointmentFlow, proposed: EndReason | None = None, *, abandon_run: bool = False
    ) -> None:
        super().__init__()
        self._flow = flow
        self._proposed = proposed
        self._abandon_run = abandon_run
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="end-panel", classes="panel modal-panel") as panel:
            panel.border_title = f"Terminer le rendez-vous — dossier {self._flow.reference}"
            yield Static(end_intro(self._flow.appointment.purpose), markup=False)
            yield OptionList(
                *(Option(reason.label, id=reason.value) for reason in EndReason),
                id="end-reasons",
            )
            yield Static(id="end-chosen", markup=False)
            yield Label("Précisions (obligatoires pour « Autre motif »)", classes="field-label")
            yield Input(max_length=MAX_TEXT, id="end-text", compact=True)
            yield StatusLine("↑ ↓ : motif — Entrée : terminer — Échap : revenir", id="end-status")
        yield Footer()

    def on_mount(self) -> None:
        reasons = self.query_one("#end-reasons", OptionList)
        reasons.highlighted = list(EndReason).index(self._proposed) if self._proposed else 0
        self._show_chosen()
        reasons.focus()

    @property
    def chosen(self) -> EndReason:
        highlighted = self.query_one("#end-reasons", OptionList).highlighted or 0
        return list(EndReason)[highlighted]

    @on(OptionList.OptionHighlighted, "#end-reasons")
    def _highlighted(self) -> None:
        self._show_chosen()

    def _show_chosen(self) -> None:
        self.query_one("#end-chosen", Static).update(f"Motif choisi : {self.chosen.label}")

    def action_confirm(self) -> None:
        if self._busy:
            return
        reason = self.chosen
        text = self.query_one("#end-text", Input).value
        status = self.query_one("#end-status", StatusLine)
        if reason is EndReason.OTHER and not text.strip():
            status.show(NEEDS_TEXT, Kind.ERROR)
            self.query_one("#end-text", Input).focus()
            return
        self._busy = True
        status.show("Clôture du rendez-vous…", Kind.BUSY)
        self._end(reason, text)

    @work(thread=True, exclusive=True, group="end-appointment", description="end-appointment")
    def _end(self, reason: EndReason, text: str) -> None:
        services, appointment = self._flow.services, self._flow.appointment
        revoked: list[str] = []
        try:
            if self._abandon_run and services.personalisation is not None:
                # First: if ending fails after this, the agent tries again; a certificate
                # left live by an appointment ended without its abandon would be worse.
                revoked = services.personalisation.abandon(appointment)
            services.appointments.end(appointment, reason, text)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("appointment end failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            label = reason.label + (f" ({text.strip()})" if text.strip() else "")
            published = self._publish() if self._abandon_run else []
            notice = ended_notice(
                label,
                purpose=appointment.purpose,
                revoked=published,
                to_revoke=[s for s in revoked if s not in published],
                erased=self._old_key_erased() if self._abandon_run else None,
            )
            self.post_message(self.Ended(notice))

    def _publish(self) -> list[str]:
        """Ask the CA at once to revoke the certificates of the dossier left behind (this
        appointment's, or one an earlier step put aside: a token that failed its check);
        those it accepted. Never fails the end: the back office publishes the rest."""
        backlog, flow = self._flow.services.revocations, self._flow
        if backlog is None:
            return []
        try:
            report = backlog.publish(flow.session.login, flow.reference)
        except Exception:
            log.exception("the revocation of a certificate not handed over was not published")
            return []
        return [r.certificate_serial for r in report.published if r.certificate_serial]

    def _old_key_erased(self) -> Superseded | None:
        """A renewal that wiped the holder's token: the certificate it replaces has lost its
        key and is revoked now. Never fails the end: the appointment is over either way."""
        renewals, flow = self._flow.services.renewals, self._flow
        if renewals is None:
            return None
        try:
            return renewals.holder_key_erased(flow.session, flow.reference)
        except Exception:
            log.exception("the certificate whose key a renewal erased was not revoked")
            return None

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        self.dismiss(message.notice)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self.query_one("#end-status", StatusLine).show(message.text, Kind.ERROR)

    def action_cancel(self) -> None:
        if not self._busy:
            self.dismiss(None)
