"""The holder chooses the revocation questions at the desk (dossier without any).

Holder-facing, like the answers screen: one question from each list, one personal
question, each answer typed twice (masked). The rules and their messages are the
domain's (``kiosk.domain.answers``); the answers are hashed in a worker and never kept.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Footer, Input, Label, Static

from kiosk.domain.answers import (
    FIRST_QUESTIONS,
    MAX_QUESTION,
    MAX_RAW_ANSWER,
    SECOND_QUESTIONS,
    AnswerEntry,
)
from kiosk.domain.errors import KioskError
from kiosk.ui.appointment_flow import UNEXPECTED, AppointmentFlow
from kiosk.ui.journeys import after_answers
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_cue import hand_back_to_agent
from kiosk.ui.widgets.choice import Choice, in_choice
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

INTRO = (
    "Choisissez trois questions : elles vous seront posées pour révoquer votre "
    "certificat. Saisissez chaque réponse deux fois."
)
KEYS = "Tab : champ suivant — Entrée : enregistrer"
WIDE = 100  # columns: the app's "-wide" breakpoint
_MISSING = {
    "question": "Question {n} : choisissez une question.",
    "answer": "Question {n} : saisissez la réponse.",
    "confirm": "Question {n} : saisissez la réponse une seconde fois.",
}


def _answer_row(number: int) -> Horizontal:
    answer = SecretInput(max_length=MAX_RAW_ANSWER, id=f"answer-{number}")
    confirm = SecretInput(max_length=MAX_RAW_ANSWER, id=f"confirm-{number}")
    answer.compact = confirm.compact = True
    return Horizontal(
        Label("Réponse", classes="answer-label"),
        answer,
        Label("Confirmation", classes="answer-label"),
        confirm,
        classes="answer-row",
    )


class DefineQuestionsScreen(AppointmentScreen):
    STEP = Step.QUESTIONS
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, except on a list: there Entrée opens it or picks the highlighted question.
        Binding("enter", "submit", "Enregistrer mes questions", priority=True),
        END_APPOINTMENT,
    ]

    class Defined(Message):
        pass

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, flow: AppointmentFlow) -> None:
        super().__init__(flow)
        self.add_class("holder")

    def compose(self) -> ComposeResult:
        yield self.progress_header()
        with VerticalScroll(id="holder-body"):
            yield Static(self.flow.greeting(), classes="holder-greeting", markup=False)
            yield Static(INTRO, classes="holder-intro", markup=False)
            prompt = "Choisissez une question"
            yield Label("Question 1 (première liste)", classes="holder-question")
            first = [(q, q) for q in FIRST_QUESTIONS]
            yield Choice(first, prompt=prompt, compact=True, id="question-1")
            yield _answer_row(1)
            yield Label("Question 2 (seconde liste)", classes="holder-question")
            second = [(q, q) for q in SECOND_QUESTIONS]
            yield Choice(second, prompt=prompt, compact=True, id="question-2")
            yield _answer_row(2)
            yield Label(
                "Question 3 : votre question personnelle (sans sa réponse)",
                classes="holder-question",
            )
            yield Input(
                placeholder="ex. Quel était le nom de mon professeur de piano ?",
                max_length=MAX_QUESTION,
                compact=True,
                id="question-3",
            )
            yield _answer_row(3)
            yield StatusLine(KEYS, id="define-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#question-1", Choice).focus()

    def on_resize(self, event: events.Resize) -> None:
        # Nine fields fit 24 lines only without their borders; a larger terminal gets
        # the framed, roomier fields.
        compact = event.size.width < WIDE
        for field in self.query("#holder-body Input, #holder-body Choice"):
            if isinstance(field, Input | Choice):
                field.compact = compact
        self.set_class(not compact, "-roomy")

    @property
    def status(self) -> StatusLine:
        return self.query_one("#define-status", StatusLine)

    def _fields(self) -> list[tuple[str, int, Widget]]:
        return [
            (kind, n, self.query_one(f"#{kind}-{n}"))
            for n in (1, 2, 3)
            for kind in ("question", "answer", "confirm")
        ]

    @staticmethod
    def _value(widget: Widget) -> str:
        if isinstance(widget, Choice):
            return widget.chosen
        return widget.value if isinstance(widget, Input) else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "submit":
            return not in_choice(self.focused)
        return super().check_action(action, parameters)

    def action_submit(self) -> None:
        if self.busy:
            return
        fields = self._fields()
        empty = [(kind, n, w) for kind, n, w in fields if not self._value(w).strip()]
        if empty:
            focused = next(((k, n) for k, n, w in empty if w is self.focused), None)
            if focused is not None:
                kind, number = focused
                self.status.show(_MISSING[kind].format(n=number), Kind.ERROR)
            else:
                empty[0][2].focus()
            return
        values = {f"{kind}-{n}": self._value(w) for kind, n, w in fields}
        entries = [
            AnswerEntry(values[f"question-{n}"], values[f"answer-{n}"], values[f"confirm-{n}"])
            for n in (1, 2, 3)
        ]
        self._set_busy(True)
        self.status.show("Enregistrement de vos questions…", Kind.BUSY)
        self._define(entries)

    @work(thread=True, exclusive=True, group="define-questions", description="define-questions")
    def _define(self, entries: list[AnswerEntry]) -> None:
        first, second, personal = entries
        try:
            self.flow.services.answers.define(self.flow.appointment, first, second, personal)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("defining questions failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Defined())

    @on(Defined)
    def _defined(self) -> None:
        self._set_busy(False)
        for secret in self.query(SecretInput):
            secret.clear_secret()
        app, flow = self.app, self.flow
        hand_back_to_agent(
            app,
            "Vos questions sont enregistrées. Merci.",
            lambda: app.switch_screen(after_answers(flow)),
        )

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        self.status.show(message.text, Kind.ERROR)
        # "Question 2 : ..." names the question to type again; its answers are emptied.
        number = next((n for n in (1, 2, 3) if message.text.startswith(f"Question {n} ")), None)
        if number is None:
            return
        if "réponse" not in message.text:
            self.query_one(f"#question-{number}").focus()
            return
        for kind in ("answer", "confirm"):
            self.query_one(f"#{kind}-{number}", SecretInput).clear_secret()
        self.query_one(f"#answer-{number}").focus()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#holder-body").disabled = busy
