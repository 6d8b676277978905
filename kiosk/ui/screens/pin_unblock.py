"""« Nouveau PIN »: the token delivered for the dossier, put in the reader (agent-facing).

Once the identity and the answers are checked, the screen names the token to insert (the
one delivered, ``PinUnblockService.delivered_token``: its serial and its certificate's)
and watches the reader: each card in is read (``MediumService``) and only the delivered
token is taken; any other is said to be the wrong one, with the right serial. Entrée
hands the screen to the holder, who chooses the new PIN; the unblock itself runs on the
agent's screen after it (``unblock_progress``).

Without the back office's key (the SO PIN service) the kiosk cannot unblock: the step
says so and F9 ends the appointment (the dossier stays delivered).
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Footer, Static

from kiosk.domain.errors import KioskError
from kiosk.domain.token_ports import TokenInfo
from kiosk.services.appointment import EndReason
from kiosk.services.desk_acts import DeliveredCertificate
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.reader_step import SIMULATE_KEYS, ReaderStepScreen
from kiosk.ui.reader_watch import INSERT, CardChanged, card_text
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT
from kiosk.ui.screens.unblock_progress import UnblockRun, to_holder
from kiosk.ui.token_words import token_facts
from kiosk.ui.unblock_words import END, unavailable, wrong_token
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

LOOKING = "Recherche du support remis pour ce dossier…"
TO_THE_HOLDER = "Entrée : passer au titulaire (nouveau code PIN)."
NEW_PIN = "Le titulaire va choisir le nouveau code PIN de son support."


def expected_text(expected: DeliveredCertificate) -> str:
    return (
        f"Insérez le support n° {expected.token_serial}, remis avec le certificat "
        f"n° {expected.serial}."
    )


def right_token_text(token: TokenInfo) -> str:
    locked = "son code PIN est bloqué" if token.user_pin_locked else "son code PIN n'est pas bloqué"
    return f"C'est le support remis pour ce dossier ; {locked}. {TO_THE_HOLDER}"


class PinUnblockScreen(ReaderStepScreen):
    STEP = Step.MEDIUM
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go_on", "Continuer", priority=True),
        Binding("f5", "read_again", "Relire"),
        *SIMULATE_KEYS,
        END_APPOINTMENT,
    ]

    class Expected(Message):
        def __init__(self, certificate: DeliveredCertificate) -> None:
            super().__init__()
            self.certificate = certificate

    class Read(Message):
        def __init__(self, generation: int, token: TokenInfo) -> None:
            super().__init__()
            self.generation = generation
            self.token = token

    class Failed(Message):
        """A read of the card event ``generation`` failed; ``final``: the load did."""

        def __init__(self, generation: int, text: str, *, final: bool = False) -> None:
            super().__init__()
            self.generation = generation
            self.text = text
            self.final = final

    def __init__(self, flow: AppointmentFlow, run: UnblockRun | None = None) -> None:
        super().__init__(flow)
        self.run = run or UnblockRun()
        self._reader: str | None = None  # the reader with a card in, if any
        services = flow.services
        self.available = services.pin_unblock is not None and services.media is not None
        self.final = False  # nothing more to try here: F9 ends the appointment

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with Center(), Vertical(id="unblock-panel", classes="panel") as panel:
            panel.border_title = f"Déblocage du code PIN — dossier {self.flow.reference}"
            yield from self.checks_passed()
            yield Static("Support à débloquer", id="unblock-title", markup=False)
            yield Static(LOOKING, id="unblock-expected", markup=False)
            yield StatusLine(id="reader-status")
            yield Static(id="token-detail", markup=False)
            yield StatusLine(id="unblock-status")
            yield from self.demo_keys()
        yield Footer()

    def on_mount(self) -> None:
        if not self.available:
            self.query_one("#unblock-expected", Static).display = False
            self.reader_status.display = False
            self._stop(unavailable(self.flow.services))
            return
        self._load()
        self.start_watching()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#unblock-status", StatusLine)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go_on":
            return self.run.token is not None and not self.busy and not self.final
        if action == "read_again":
            return self._reader is not None and not self.busy and not self.final
        return super().check_action(action, parameters)

    def _stop(self, text: str) -> None:
        """Nothing more to try here: the reason is said, F9 ends the appointment."""
        self.final = True
        self.run.token = None
        self.proposed_end = EndReason.OTHER
        self.card_watch.stop()
        self.status.show(text, Kind.ERROR)
        self.set_busy(False)

    # The token expected

    @work(thread=True, exclusive=True, group="unblock-load", description="unblock-load")
    def _load(self) -> None:
        services, appointment = self.flow.services, self.flow.appointment
        try:
            assert services.pin_unblock is not None
            certificate = services.pin_unblock.delivered_token(appointment)
        except KioskError as exc:
            self.post_message(self.Failed(-1, f"{exc.message} {END}", final=True))
        except Exception:
            log.exception("delivered token could not be read")
            self.post_message(self.Failed(-1, f"{UNEXPECTED} {END}", final=True))
        else:
            self.post_message(self.Expected(certificate))

    @on(Expected)
    def _expected(self, message: Expected) -> None:
        self.run.expected = message.certificate
        self.query_one("#unblock-expected", Static).update(expected_text(message.certificate))
        self._read()  # a card already in is read now

    # The reader

    def card_changed(self, message: CardChanged) -> None:
        event = message.event
        self.run.token = None
        if self.final:
            return
        if message.inserted:
            self._reader = event.reader
            self.reader_status.show(card_text(event), Kind.OK)
            self._read()
            return
        self._reader = None
        self.reader_status.show(f"{card_text(event)} {INSERT}")
        self.query_one("#token-detail", Static).update("")
        self.status.show("")
        self.set_busy(False)

    def action_read_again(self) -> None:
        if self.check_action("read_again", ()) is True:
            self._read()

    def _read(self) -> None:
        expected, reader = self.run.expected, self._reader
        if expected is None or reader is None or self.final:
            return  # read once both the card and the token expected are known
        self.run.token = None
        self.set_busy(True)
        self.status.show("Lecture du support…", Kind.BUSY)
        self._check(self.generation, reader, expected.token_serial)

    @work(thread=True, exclusive=True, group="unblock-read", description="unblock-read")
    def _check(self, generation: int, reader: str, expected: str) -> None:
        services, appointment = self.flow.services, self.flow.appointment
        try:
            assert services.media is not None
            token = services.media.token_in(appointment, reader, expected=expected)
        except KioskError as exc:
            self.post_message(self.Failed(generation, f"{exc.message} F5 : relire le support."))
        except Exception:
            log.exception("token could not be read")
            self.post_message(self.Failed(generation, UNEXPECTED))
        else:
            self.post_message(self.Read(generation, token))

    @on(Read)
    def _token_read(self, message: Read) -> None:
        expected = self.run.expected
        if not self.reading_is_current(message.generation) or expected is None:
            return
        self.set_busy(False)
        token = message.token
        self.query_one("#token-detail", Static).update(token_facts(token))
        if token.serial != expected.token_serial:
            self.status.show(wrong_token(token.serial, expected.token_serial), Kind.ERROR)
            return
        self.run.token = token
        self.status.show(right_token_text(token), Kind.OK)
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.final:
            self._stop(message.text)
        elif self.reading_is_current(message.generation):
            self.set_busy(False)
            self.status.show(message.text, Kind.ERROR)

    # On to the holder

    def action_go_on(self) -> None:
        if self.check_action("go_on", ()) is not True:
            return
        self.card_watch.stop()
        to_holder(self.app, self.flow, self.run, NEW_PIN)
