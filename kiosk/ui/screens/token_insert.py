"""« Support »: the agent puts the holder's token in the reader (agent-facing).

The reader's events come live (a card in, a card out); each card in is read: which token
it is (``MediumService``), then what the personalisation would do with it
(``check_token``: new token, interrupted run taken up, or refused and why). A token that
is not blank is erased only on the agent's explicit decision, with its SO PIN; the
holder's current token, for a renewal whose product allows it, is said to be reused (the
back office gives its SO PIN). Entrée
hands the screen to the holder, who chooses the PIN; F8 leaves the dossier as it is (the
appointment is released, the holder may come back).

When the kiosk cannot personalise (no CA, no escrow key...), the step says why and the
agent ends the appointment with F9.
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
from kiosk.services.personalisation import TokenCheck
from kiosk.services.renewal import ReusedTokenCheck
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow, ReturnToLookup
from kiosk.ui.reader_step import SIMULATE_KEYS, ReaderStepScreen
from kiosk.ui.reader_watch import INSERT, CardChanged, card_text
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT
from kiosk.ui.screens.holder_cue import TO_HOLDER, HolderCueScreen
from kiosk.ui.screens.wipe_token import WipeTokenScreen, wipe_holders_token
from kiosk.ui.token_run import TokenRun
from kiosk.ui.token_words import check_verdict, token_facts
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

UNAVAILABLE = "Personnalisation indisponible : {problem}"
UNAVAILABLE_NEXT = (
    "Le support ne peut pas être préparé sur ce kiosque. F9 : terminer le rendez-vous "
    "(le dossier reste disponible pour un autre rendez-vous)."
)
CHOOSE_PIN = "Le titulaire va choisir le code PIN de son support."
TYPE_PIN = "Le titulaire va saisir le code PIN déjà choisi pour ce support."
LEFT = (
    "Dossier {reference} : identité et réponses vérifiées ; la personnalisation du "
    "support reste à faire."
)


class TokenInsertScreen(ReaderStepScreen):
    STEP = Step.MEDIUM
    ABANDONS_RUN = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go_on", "Continuer", priority=True),
        Binding("f4", "wipe", "Effacer"),
        Binding("f5", "read_again", "Relire"),
        *SIMULATE_KEYS,
        Binding("f8", "back_to_lookup", "Retour recherche"),
        END_APPOINTMENT,
    ]

    class Read(Message):
        def __init__(self, generation: int, token: TokenInfo, check: TokenCheck) -> None:
            super().__init__()
            self.generation = generation
            self.token = token
            self.check = check

    class Refused(Message):
        def __init__(self, generation: int, text: str) -> None:
            super().__init__()
            self.generation = generation
            self.text = text

    class Left(Message):
        pass

    def __init__(self, flow: AppointmentFlow, run: TokenRun | None = None) -> None:
        super().__init__(flow)
        self.run = run or TokenRun()
        self._card_in = False
        services = flow.services
        self.available = None not in (services.personalisation, services.delivery, services.media)

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with Center(), Vertical(id="token-panel", classes="panel") as panel:
            panel.border_title = f"Support — dossier {self.flow.reference}"
            yield from self.checks_passed()
            yield Static("Personnalisation du support", id="token-title", markup=False)
            yield StatusLine(id="reader-status")
            yield Static(id="token-detail", markup=False)
            yield StatusLine(id="token-status")
            yield from self.demo_keys()
        yield Footer()

    def on_mount(self) -> None:
        if not self.available:
            why = self.flow.services.pki_problem or "service non configuré."
            self.token_status.show(UNAVAILABLE.format(problem=why), Kind.ERROR)
            self.query_one("#token-detail", Static).update(UNAVAILABLE_NEXT)
            self.reader_status.display = False
            return
        self.start_watching()

    def on_unmount(self) -> None:
        # The reader's watch stops in ReaderStepScreen.on_unmount (Textual calls both).
        if self.flow.appointment.ended:  # a wipe's SO PIN is kept only for this appointment
            self.run.forget_secrets()

    @property
    def token_status(self) -> StatusLine:
        return self.query_one("#token-status", StatusLine)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        check = self.run.check
        if action == "go_on":
            return check is not None and check.refusal is None and not self.busy
        if action == "wipe":
            offered = (check is not None and check.wipe_would_help) or self.run.keeps_holders_key
            return offered and not self.run.wipe
        if action == "read_again":
            return self._card_in and not self.busy
        if action == "back_to_lookup":
            return not self.busy and not self.flow.appointment.ended
        return super().check_action(action, parameters)

    # The reader

    def card_changed(self, message: CardChanged) -> None:
        event = message.event
        self.run.reader, self.run.atr = event.reader, event.atr
        self._card_in = message.inserted
        if message.inserted:
            self.reader_status.show(card_text(event), Kind.OK)
            self._read()
        else:
            self.run.card_gone()
            self.run.wipe = False
            self.run.so_pin.forget()
            self.reader_status.show(f"{card_text(event)} {INSERT}")
            self.token_status.show("")
            self.query_one("#token-detail", Static).update("")
            self.set_busy(False)

    # Reading the token

    def action_read_again(self) -> None:
        if self._card_in and not self.busy:
            self._read()

    def _read(self) -> None:
        reader = self.run.reader
        if reader is None:
            return
        self.run.card_gone()
        self.set_busy(True)
        self.token_status.show("Lecture du support…", Kind.BUSY)
        self._check(self.generation, reader, self.run.another, self.run.wipe)

    @work(thread=True, exclusive=True, group="token-check", description="token-check")
    def _check(self, generation: int, reader: str, another: bool, wipe: bool) -> None:
        services, appointment = self.flow.services, self.flow.appointment
        try:
            assert services.media is not None and services.personalisation is not None
            # A renewal knows the holder's current token (to reuse); the renewal service
            # sends any other token, and any other dossier, the usual way.
            renewals = services.renewals
            holders = (
                None
                if another or renewals is None
                else renewals.reusable_token(appointment.reference)
            )
            token = services.media.token_in(appointment, reader, another=another, preferred=holders)
            checker = renewals or services.personalisation
            check = checker.check_token(appointment, token.serial, wipe=wipe)
        except KioskError as exc:
            self.post_message(self.Refused(generation, exc.message))
        except Exception:
            log.exception("token check failed")
            self.post_message(self.Refused(generation, UNEXPECTED))
        else:
            self.post_message(self.Read(generation, token, check))

    @on(Read)
    def _token_read(self, message: Read) -> None:
        if not self.reading_is_current(message.generation):
            return
        self.set_busy(False)
        self.run.token_read(message.token, message.check)
        self.query_one("#token-detail", Static).update(token_facts(message.token))
        kind, text = check_verdict(message.check, self.run.wipe)
        self.token_status.show(text, kind)
        refused = message.check.refusal is not None and not message.check.wipe_would_help
        self.proposed_end = EndReason.TOKEN_DEFECTIVE if refused else None
        self.refresh_bindings()

    @on(Refused)
    def _token_refused(self, message: Refused) -> None:
        if not self.reading_is_current(message.generation):
            return
        self.set_busy(False)
        self.token_status.show(f"{message.text} F5 : relire le support.", Kind.ERROR)

    # Wiping a token that is not blank

    def action_wipe(self) -> None:
        token = self.run.token
        if token is None or self.check_action("wipe", ()) is not True:
            return
        if isinstance(self.run.check, ReusedTokenCheck):  # the back office has its SO PIN
            self.app.push_screen(wipe_holders_token(), self._wipe_answered)
            return
        self.app.push_screen(WipeTokenScreen(token, self.run.so_pin), self._wipe_answered)

    def _wipe_answered(self, confirmed: bool | None) -> None:
        if confirmed and self._card_in:
            self.run.wipe = True
            self._read()  # checked again, this time as a wipe

    # Leaving the dossier as it is (the holder comes back another day)

    def action_back_to_lookup(self) -> None:
        if self.check_action("back_to_lookup", ()) is True:
            self.set_busy(True)
            self.token_status.show("Retour à la recherche…", Kind.BUSY)
            self._leave()

    @work(thread=True, exclusive=True, group="token-leave", description="token-leave")
    def _leave(self) -> None:
        try:
            self.flow.services.appointments.leave(self.flow.appointment)
        except KioskError as exc:
            self.post_message(self.Refused(self.generation, exc.message))
        except Exception:
            log.exception("leaving the appointment failed")
            self.post_message(self.Refused(self.generation, UNEXPECTED))
        else:
            self.post_message(self.Left())

    @on(Left)
    def _left(self) -> None:
        self.card_watch.stop()
        self.run.forget_secrets()
        notice = LEFT.format(reference=self.flow.reference)
        self.post_message(ReturnToLookup(notice, Kind.HINT))

    # On to the holder

    def action_go_on(self) -> None:
        if self.check_action("go_on", ()) is not True:
            return
        from kiosk.ui.screens.holder_pin import PinEntryScreen  # the screens chain back here

        self.card_watch.stop()
        app, flow, run = self.app, self.flow, self.run
        detail = TYPE_PIN if run.asks_current_pin else CHOOSE_PIN
        then = lambda: app.switch_screen(PinEntryScreen(flow, run))  # noqa: E731
        app.switch_screen(HolderCueScreen(TO_HOLDER, detail, then, holder_facing=False))
