"""The holder answers the revocation questions (holder-facing, large and plain).

No agent, session or dossier data here, except the holder's first name in the greeting.
Answers are masked, emptied once sent, checked in a worker (Argon2id), and the holder
learns only the service's message: never which answer was wrong. Three wrong sets end
the appointment (automatically, reason « réponses incorrectes »); the tenth wrong set
over the life of the dossier locks it.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Label, Static

from kiosk.domain.answers import MAX_RAW_ANSWER
from kiosk.domain.errors import KioskError
from kiosk.services.answers import AnswerResult
from kiosk.services.appointment import EndReason
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow, ended_notice
from kiosk.ui.journeys import after_answers
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_cue import back_to_lookup_after, hand_back_to_agent
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

INTRO = (
    "Répondez aux questions de révocation choisies lors de votre commande. "
    "Majuscules, accents et ponctuation ne comptent pas."
)
KEYS = "Tab : question suivante — Entrée : valider"


class AnswersScreen(AppointmentScreen):
    STEP = Step.QUESTIONS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Valider mes réponses", priority=True),
        END_APPOINTMENT,
    ]

    class Checked(Message):
        def __init__(self, result: AnswerResult, end_error: str | None) -> None:
            super().__init__()
            self.result = result
            self.end_error = end_error

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, flow: AppointmentFlow) -> None:
        super().__init__(flow)
        self.add_class("holder")
        self._questions = flow.services.answers.questions(flow.appointment)

    def compose(self) -> ComposeResult:
        yield self.progress_header()
        with VerticalScroll(id="holder-body"):
            yield Static(self.flow.greeting(), classes="holder-greeting", markup=False)
            yield Static(INTRO, classes="holder-intro", markup=False)
            for number, question in enumerate(self._questions, start=1):
                yield Label(
                    f"{number}. {neutralise(question)}", classes="holder-question", markup=False
                )
                yield SecretInput(max_length=MAX_RAW_ANSWER, id=f"answer-{number}")
            yield StatusLine(KEYS, id="answers-status")
        yield Footer()

    def on_mount(self) -> None:
        self.fields[0].focus()

    @property
    def fields(self) -> list[SecretInput]:
        return list(self.query(SecretInput))

    @property
    def status(self) -> StatusLine:
        return self.query_one("#answers-status", StatusLine)

    def action_submit(self) -> None:
        if self.busy:
            return
        fields = self.fields
        empty = [field for field in fields if not field.value.strip()]
        focused = self.focused
        if empty:
            if isinstance(focused, SecretInput) and focused in empty:
                number = fields.index(focused) + 1
                self.status.show(f"Répondez à la question {number}.", Kind.ERROR)
            else:
                empty[0].focus()
            return
        answers = [field.value for field in fields]
        for field in fields:
            field.clear_secret()
        self._set_busy(True)
        self.status.show("Vérification de vos réponses…", Kind.BUSY)
        self._check(answers)

    @work(thread=True, exclusive=True, group="answers", description="answers")
    def _check(self, answers: list[str]) -> None:
        flow = self.flow
        try:
            result = flow.services.answers.check(flow.appointment, answers)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
            return
        except Exception:
            log.exception("answers check failed")
            self.post_message(self.Refused(UNEXPECTED))
            return
        end_error = None
        if result.appointment_over:
            try:
                flow.services.appointments.end(flow.appointment, EndReason.ANSWERS_FAILED)
            except KioskError as exc:
                end_error = exc.message
            except Exception:
                log.exception("appointment end after failed answers failed")
                end_error = UNEXPECTED
        self.post_message(self.Checked(result, end_error))

    @on(Checked)
    def _checked(self, message: Checked) -> None:
        result = message.result
        self._set_busy(False)
        app, flow = self.app, self.flow
        if result.ok:
            hand_back_to_agent(
                app, "Réponses exactes. Merci.", lambda: app.switch_screen(after_answers(flow))
            )
        elif result.appointment_over and message.end_error is None:
            label = EndReason.ANSWERS_FAILED.label
            notice = ended_notice(
                label, locked=result.dossier_locked, purpose=flow.appointment.purpose
            )
            back_to_lookup_after(app, result.message, notice)
        elif result.appointment_over:
            self.status.show(
                f"{result.message} Clôture non enregistrée : {message.end_error} "
                "Agent : F9 pour terminer le rendez-vous.",
                Kind.ERROR,
            )
        else:
            self.status.show(result.message, Kind.ERROR)
            self.fields[0].focus()

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        self.status.show(message.text, Kind.ERROR)
        self.fields[0].focus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for field in self.fields:
            field.disabled = busy
