"""The personalisation run, watched by the agent (agent-facing): each step with its elapsed
time as the service reports it (from the worker thread, by message), the running step
with a spinner and « en cours », the run's total.

A failed run says why and the way forward: F5 takes the run up with the same token (the
journal knows where it stopped: a token pulled out is plugged back first), F3 starts
again with another token, F9 ends the appointment (« Support défectueux » proposed). A
wrong PIN on a run taken up goes back to the holder. Once the token is personalised and
verified, Entrée hands the screen to the holder for the acceptance.
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
from kiosk.domain.personalisation_journal import Phase, Step
from kiosk.domain.receipt import ReceiptCore
from kiosk.domain.token_ports import PinIncorrectError, TokenRemovedError
from kiosk.services.appointment import EndReason
from kiosk.services.personalisation import PersonalisationResult
from kiosk.services.personalisation_steps import StepProgress
from kiosk.services.renewal import ReusedTokenCheck
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.reader_step import ReaderStepScreen
from kiosk.ui.reader_watch import CardChanged, card_text
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT
from kiosk.ui.screens.holder_cue import TO_HOLDER, HolderCueScreen
from kiosk.ui.token_run import TokenRun
from kiosk.ui.token_words import failure_advice, token_facts
from kiosk.ui.widgets.progress_header import Step as FlowStep
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine
from kiosk.ui.widgets.step_progress import StepProgressView, seconds

log = logging.getLogger(__name__)

RUNNING = "Personnalisation en cours : ne retirez pas le support."
ACCEPTANCE = "Le titulaire va vérifier le contenu de son certificat et l'accepter."


class PersonaliseProgressScreen(ReaderStepScreen):
    STEP = FlowStep.MEDIUM
    ABANDONS_RUN = True
    READER_LINE = "#progress-reader"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go_on", "Continuer", priority=True),
        Binding("f5", "retry", "Reprendre"),
        Binding("f3", "another_token", "Autre support"),
        END_APPOINTMENT,
    ]

    class Progressed(Message):
        def __init__(self, progress: StepProgress) -> None:
            super().__init__()
            self.progress = progress

    class Personalised(Message):
        def __init__(self, result: PersonalisationResult, core: ReceiptCore) -> None:
            super().__init__()
            self.result = result
            self.core = core

    class Failed(Message):
        def __init__(self, error: KioskError | None) -> None:
            super().__init__()
            self.error = error  # None: unexpected (logged)

    def __init__(self, flow: AppointmentFlow, run: TokenRun) -> None:
        super().__init__(flow)
        self.run = run
        self.failure: KioskError | None = None
        self.failed = False
        self.so_pin_refused = False  # the erasure's SO PIN, not the holder's PIN
        self._attempts = 0

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with Center(), Vertical(id="progress-panel", classes="panel") as panel:
            panel.border_title = f"Personnalisation du support — dossier {self.flow.reference}"
            token = self.run.token
            yield Static(token_facts(token) if token else "", id="progress-token", markup=False)
            yield StepProgressView(id="steps")
            yield StatusLine(id="progress-status")
            yield StatusLine(id="progress-reader")
        yield Footer()

    def on_mount(self) -> None:
        self.start_watching(ask_for_card=False)  # the card is in: the run goes on
        self._start()

    def on_unmount(self) -> None:
        # The reader's watch stops in ReaderStepScreen.on_unmount (Textual calls both).
        self.run.forget_secrets()  # whatever comes next types the PIN again, if it needs it

    @property
    def status(self) -> StatusLine:
        return self.query_one("#progress-status", StatusLine)

    @property
    def steps(self) -> StepProgressView:
        return self.query_one("#steps", StepProgressView)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        wrong_pin = isinstance(self.failure, PinIncorrectError) and not self.so_pin_refused
        if action == "go_on":
            return not self.busy and (self.run.core is not None or wrong_pin)
        if action == "retry":
            return not self.busy and self.failed and not wrong_pin
        if action == "another_token":
            return not self.busy and self.failed
        return super().check_action(action, parameters)

    # The run

    def _start(self) -> None:
        self.failure, self.failed, self.so_pin_refused = None, False, False
        self.busy = True
        self.proposed_end = None
        self.steps.begin("support du titulaire" if self.run.keeps_holders_key else "reprise")
        self.status.show(RUNNING, Kind.BUSY)
        self.refresh_bindings()
        self._attempts += 1
        # After a first try, or once the PIN is on the token, the token has its serial
        # (a blank one may have had none): it is found again through the dossier's run.
        self._personalise(relocate=self._attempts > 1 or self.run.pin_on_token)

    @work(thread=True, exclusive=True, group="personalise", description="personalise")
    def _personalise(self, *, relocate: bool) -> None:
        services, appointment, run = self.flow.services, self.flow.appointment, self.run
        try:
            personalisation, delivery, media = (
                services.personalisation,
                services.delivery,
                services.media,
            )
            assert personalisation is not None and delivery is not None and media is not None
            if relocate:  # the token got its serial at initialisation: find it again
                run.token = media.token_in(
                    appointment, run.reader or "", preferred=run.serial or None
                )
            # A renewal wipes and personalises again the holder's current token; any other
            # token, and any other dossier, goes the usual way.
            result = (services.renewals or personalisation).personalise(
                appointment,
                run.serial,
                run.pin.reveal(),
                wipe=run.wipe,
                so_pin=run.so_pin.reveal() or None,
                progress=self._report,
            )
            core = delivery.receipt_core(appointment, result)
        except KioskError as exc:
            self.post_message(self.Failed(exc))
        except Exception:
            log.exception("personalisation failed")
            self.post_message(self.Failed(None))
        else:
            self.post_message(self.Personalised(result, core))

    def _report(self, progress: StepProgress) -> None:
        """Called by the service on the worker thread: handed to the app's thread."""
        self.post_message(self.Progressed(progress))

    @on(Progressed)
    def _progressed(self, message: Progressed) -> None:
        progress = message.progress
        self.steps.report(progress)
        if (progress.step, progress.phase) == (Step.SET_PIN, Phase.DONE):
            self.run.pin_on_token = True
            self.run.wipe = False  # erased and initialised: a retry must not erase again
            self.run.so_pin.forget()

    @on(Personalised)
    def _personalised(self, message: Personalised) -> None:
        result, run = message.result, self.run
        self.busy = False
        run.result, run.core = result, message.core
        run.forget_secrets()  # the holder types the PIN again to accept
        self.steps.finish(result.elapsed_seconds)
        self.query_one("#progress-token", Static).update(
            f"Support n° {neutralise(result.token_serial)} — personnalisé et vérifié"
        )
        resumed = " (personnalisation reprise)" if result.resumed else ""
        self.status.show(
            f"Support personnalisé et vérifié en {seconds(result.elapsed_seconds)}{resumed}. "
            "Entrée : passer au titulaire (acceptation du certificat).",
            Kind.OK,
        )
        self.refresh_bindings()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.busy = False
        self.failed = True
        self.failure = message.error
        self.steps.finish()
        run = self.run
        # Before the holder's PIN is on the token, only an erasure's SO PIN can be refused:
        # the agent's, or the back office's for the holder's current token (a renewal).
        reused = isinstance(run.check, ReusedTokenCheck)
        holders_key = run.keeps_holders_key  # their PIN, not an SO PIN, was refused
        self.so_pin_refused = (
            isinstance(message.error, PinIncorrectError)
            and (run.wipe or reused)
            and not (run.pin_on_token or holders_key)
        )
        if self.so_pin_refused:
            run.so_pin.forget()
            self.proposed_end = EndReason.TOKEN_DEFECTIVE
        elif isinstance(message.error, PinIncorrectError):
            run.pin.forget()
            run.pin_on_token = True
        else:
            self.proposed_end = EndReason.TOKEN_DEFECTIVE
        text = (
            UNEXPECTED
            if message.error is None
            else failure_advice(
                message.error,
                so_pin_refused=self.so_pin_refused,
                reused=reused,
                holders_key=holders_key,
            )
        )
        self.status.show(text, Kind.ERROR)
        self.refresh_bindings()

    # The reader, while the run goes on or after it failed

    def card_changed(self, message: CardChanged) -> None:
        self.run.reader, self.run.atr = message.event.reader, message.event.atr
        text = card_text(message.event)
        if message.inserted and isinstance(self.failure, TokenRemovedError):
            text += " F5 : reprendre la personnalisation."
        kind = Kind.OK if message.inserted else Kind.ERROR
        self.reader_status.show(text, kind)

    # The way forward

    def action_retry(self) -> None:
        if self.check_action("retry", ()) is True:
            self._start()

    def action_another_token(self) -> None:
        if self.check_action("another_token", ()) is not True:
            return
        from kiosk.ui.screens.token_insert import TokenInsertScreen

        self.card_watch.stop()
        self.run.forget_secrets()
        self.app.switch_screen(TokenInsertScreen(self.flow, TokenRun(another=True)))

    def action_go_on(self) -> None:
        if self.check_action("go_on", ()) is not True:
            return
        app, flow, run = self.app, self.flow, self.run
        self.card_watch.stop()
        if self.failed:  # go_on after a failure: the holder's PIN was refused
            from kiosk.ui.screens.holder_pin import PinEntryScreen

            then = lambda: app.switch_screen(PinEntryScreen(flow, run))  # noqa: E731
            detail = "Le titulaire va saisir à nouveau le code PIN de son support."
        else:
            from kiosk.ui.screens.acceptance import AcceptanceScreen

            then = lambda: app.switch_screen(AcceptanceScreen(flow, run))  # noqa: E731
            detail = ACCEPTANCE
        app.switch_screen(HolderCueScreen(TO_HOLDER, detail, then, holder_facing=False))
