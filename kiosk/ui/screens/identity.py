"""Checking the holder's identity document (agent-facing).

The agent scans the MRZ (a keyboard-wedge scanner types it, Enter between the lines) or
types it; a whole MRZ is read as soon as it is there, F2 reads on demand. The field is
emptied at every reading: the document number never stays on screen. The comparison
with the dossier follows, check by check; then the agent states, deliberately, whether
the photo is the holder's. A damaged document is entered by hand (F4).

Going back: before any document is checked, Échap returns to the dossier and leaves the
appointment (the dossier is released, its state unchanged: the wrong dossier was
opened); once checked, the appointment ends with a reason (F9). Until the holder has
answered, the identity can be checked again from the « turn the screen » cue.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Label

from kiosk.domain.errors import KioskError
from kiosk.domain.identity import IdentityReport
from kiosk.domain.mrz import MrzData
from kiosk.services.appointment import EndReason
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.identity_words import (
    PASSED,
    PHOTO_HINT,
    PHOTO_REFUSED,
    READING_HINT,
    failed_summary,
    photo_question,
)
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_steps import hand_over_to_holder
from kiosk.ui.screens.manual_entry import ManualEntryScreen
from kiosk.ui.widgets.comparison_table import ComparisonTable
from kiosk.ui.widgets.mrz_field import MrzField
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)


class IdentityScreen(AppointmentScreen):
    STEP = Step.IDENTITY
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "read_mrz", "Lire la MRZ"),
        Binding("f3", "new_reading", "Relire"),
        Binding("f4", "manual_entry", "Saisie manuelle"),
        Binding("f6", "photo(True)", "Photo conforme"),
        Binding("f7", "photo(False)", "Photo non conforme"),
        Binding("escape", "back_to_dossier", "Retour"),
        END_APPOINTMENT,
    ]

    class Checked(Message):
        def __init__(self, report: IdentityReport) -> None:
            super().__init__()
            self.report = report

    class PhotoRecorded(Message):
        def __init__(self, matches: bool) -> None:
            super().__init__()
            self.matches = matches

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Left(Message):
        """The appointment was left before any check: back to the dossier."""

    def __init__(self, flow: AppointmentFlow) -> None:
        super().__init__(flow)
        self.report: IdentityReport | None = None  # None while reading a document
        self.photo_refused = False
        self.checked = False  # a document was compared in this screen

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with VerticalScroll(id="identity-body"):
            with Vertical(id="mrz-panel"):
                yield Label(
                    "MRZ de la pièce (les 2 ou 3 lignes du bas, avec des « < »)",
                    classes="field-label",
                )
                yield MrzField(id="mrz")
            yield StatusLine(READING_HINT, id="identity-status")
            yield ComparisonTable(id="comparison")
            yield StatusLine(id="photo-status")
        yield Footer()

    def on_mount(self) -> None:
        self._show_phase()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#identity-status", StatusLine)

    @property
    def mrz_field(self) -> MrzField:
        return self.query_one("#mrz", MrzField)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        reading = self.report is None
        if action in ("read_mrz", "manual_entry"):
            return reading and not self.busy
        if action == "new_reading":
            return not reading and not self.busy
        if action == "photo":
            report = self.report
            return report is not None and report.passed and not self.photo_refused
        if action == "back_to_dossier":
            return not (self.checked or self.busy or self.flow.appointment.ended)
        return super().check_action(action, parameters)

    # Back to the dossier, before anything was checked

    def action_back_to_dossier(self) -> None:
        if self.check_action("back_to_dossier", ()) is not True:
            return
        self._set_busy(True, "Retour au dossier…")
        self._leave()

    @work(thread=True, exclusive=True, group="identity", description="identity")
    def _leave(self) -> None:
        try:
            self.flow.services.appointments.leave(self.flow.appointment)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("appointment could not be left")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Left())

    @on(Left)
    def _left(self) -> None:
        self.dismiss()

    # Reading

    @on(MrzField.Complete)
    def _complete(self) -> None:
        if self.report is None and not self.busy:
            self.action_read_mrz()

    def action_read_mrz(self) -> None:
        if self.busy or self.report is not None:
            return
        typed = self.mrz_field.take_text()  # whatever happens next, the number goes
        if not typed.strip():
            self.status.show(READING_HINT, Kind.ERROR)
            return
        self._set_busy(True, "Lecture de la MRZ…")
        self._read(typed)

    @work(thread=True, exclusive=True, group="identity", description="identity")
    def _read(self, typed: str) -> None:
        identity, appointment = self.flow.services.identity, self.flow.appointment
        try:
            report = identity.check(appointment, identity.read_mrz(appointment, typed))
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("MRZ reading failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Checked(report))

    def action_manual_entry(self) -> None:
        if not self.busy and self.report is None:
            self.app.push_screen(ManualEntryScreen(), self._entered)

    def _entered(self, document: MrzData | None) -> None:
        if document is not None:
            self._set_busy(True, "Contrôle de la pièce saisie…")
            self._check_manual(document)

    @work(thread=True, exclusive=True, group="identity", description="identity")
    def _check_manual(self, document: MrzData) -> None:
        try:
            report = self.flow.services.identity.check(self.flow.appointment, document)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("identity check failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Checked(report))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        self.mrz_field.take_text()  # a scanner's last Enter may have come in meanwhile
        self.status.show(f"{message.text} Relisez la pièce, ou F4 : saisie manuelle.", Kind.ERROR)
        self._show_phase()

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        report = message.report
        self._set_busy(False)
        self.mrz_field.take_text()
        self.report = report
        self.checked = True
        self.photo_refused = False
        self.query_one("#comparison", ComparisonTable).show_report(report)
        if report.passed:
            self.proposed_end = None
            self.status.show(PASSED, Kind.OK)
        else:
            self.proposed_end = EndReason.DOCUMENT_REFUSED
            self.status.show(failed_summary(report), Kind.ERROR)
        self._show_phase()

    def action_new_reading(self) -> None:
        if self.busy:
            return
        self.report = None
        self.photo_refused = False
        self.proposed_end = None
        self.query_one("#comparison", ComparisonTable).show_report(None)
        self.mrz_field.take_text()
        self.status.show(READING_HINT)
        self._show_phase()

    # Photo

    def action_photo(self, matches: bool) -> None:
        if self.busy or self.report is None or not self.report.passed:
            return
        question = photo_question(matches)
        self.app.push_screen(question, lambda yes: self._photo_answered(matches, yes))

    def _photo_answered(self, matches: bool, confirmed: bool | None) -> None:
        if confirmed:
            self._set_busy(True, "Enregistrement…")
            self._record_photo(matches)

    @work(thread=True, exclusive=True, group="identity", description="identity")
    def _record_photo(self, matches: bool) -> None:
        try:
            self.flow.services.identity.confirm_photo(self.flow.appointment, matches)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("photo statement failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.PhotoRecorded(matches))

    @on(PhotoRecorded)
    def _photo_recorded(self, message: PhotoRecorded) -> None:
        self._set_busy(False)
        if message.matches:
            app, flow = self.app, self.flow
            hand_over_to_holder(app, flow, back=lambda: app.switch_screen(IdentityScreen(flow)))
            return
        self.photo_refused = True
        self.proposed_end = EndReason.DOCUMENT_REFUSED
        self.status.show(PHOTO_REFUSED, Kind.ERROR)
        self._show_phase()
        self.open_end_dialog(EndReason.DOCUMENT_REFUSED)

    # Layout

    def _show_phase(self) -> None:
        reading = self.report is None
        self.query_one("#mrz-panel").display = reading
        self.query_one("#comparison").display = not reading
        photo = self.query_one("#photo-status", StatusLine)
        photo.display = self.check_action("photo", ()) is True
        photo.show(PHOTO_HINT)
        if reading:
            self.mrz_field.focus()
        else:
            self.query_one("#identity-body", VerticalScroll).focus()
        self.refresh_bindings()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.mrz_field.read_only = busy
        if busy:
            self.status.show(text, Kind.BUSY)
        self.refresh_bindings()
