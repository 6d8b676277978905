"""« Nouveau PIN »: the holder chooses the new PIN of a blocked token (holder-facing).

The same rules and words as the PIN chosen at the delivery (``pin_entry``): typed twice,
masked, live feedback from the policy's own sentences (``kiosk.domain.pin_policy``), never
the PIN or any part of it; the holder's birth date is refused. The fields are emptied as
soon as the PIN is taken: it is then held (``HeldSecret``) only until the unblock call the
agent's screen makes, and the screen goes back to the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from kiosk.domain.errors import ValidationError
from kiosk.domain.pin_policy import PinPolicy, check_pin, pin_problem
from kiosk.ui.appointment_flow import AppointmentFlow
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_cue import hand_back_to_agent
from kiosk.ui.screens.pin_entry import (
    CHOOSE_KEYS,
    CONFIRM_NEXT,
    CONFIRM_TYPING,
    MISMATCH,
    READY,
    TAKEN,
    TYPE_IT,
)
from kiosk.ui.token_run import HeldSecret
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

INTRO = (
    "Choisissez le nouveau code PIN de votre support : il remplace le code bloqué. Vous "
    "seul le connaissez, l'agent ne le voit pas. Il vous sera demandé à chaque signature."
)


class NewPinScreen(AppointmentScreen):
    STEP = Step.MEDIUM
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Valider mon nouveau code PIN", priority=True),
        END_APPOINTMENT,
    ]

    def __init__(
        self,
        flow: AppointmentFlow,
        pin: HeldSecret,
        then: Callable[[], object],
        policy: PinPolicy,
        *,
        notice: str | None = None,
    ) -> None:
        super().__init__(flow)
        self.add_class("holder")
        self.pin = pin
        self.policy = policy
        self._then = then  # what the agent's screen does once the PIN is taken
        self._notice = notice  # why the holder types again (a PIN the service refused)

    def compose(self) -> ComposeResult:
        yield self.progress_header()
        with VerticalScroll(id="holder-body"):
            yield Static(self.flow.greeting(), classes="holder-greeting", markup=False)
            yield Static(INTRO, classes="holder-intro", markup=False)
            yield Static(self.policy.hint, id="pin-hint", markup=False)
            yield Label("Nouveau code PIN", classes="holder-question")
            yield SecretInput(max_length=self.policy.max_length, id="pin")
            yield Label("Confirmez le nouveau code PIN", classes="holder-question")
            yield SecretInput(max_length=self.policy.max_length, id="pin-confirm")
            yield StatusLine(CHOOSE_KEYS, id="pin-status")
        yield Footer()

    def on_mount(self) -> None:
        if self._notice:
            self.status.show(self._notice, Kind.ERROR)
        self.pin_field.focus()

    def on_unmount(self) -> None:
        if self.flow.appointment.ended:  # ended from here (F9): the PIN goes with it
            self.pin.forget()

    @property
    def pin_field(self) -> SecretInput:
        return self.query_one("#pin", SecretInput)

    @property
    def confirm_field(self) -> SecretInput:
        return self.query_one("#pin-confirm", SecretInput)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#pin-status", StatusLine)

    @on(Input.Changed)
    def _typed(self) -> None:
        """Live feedback, read from the fields (never from the message, never repeated)."""
        pin, confirm = self.pin_field.value, self.confirm_field.value
        if not pin and not confirm:
            return  # emptied (by the screen after a refusal): its message stays
        kind, text = self._feedback(pin, confirm)
        self.status.show(text, kind)

    def _feedback(self, pin: str, confirm: str) -> tuple[Kind, str]:
        if not pin:
            return Kind.HINT, CHOOSE_KEYS
        problem = pin_problem(pin, self.flow.dossier.holder.birth_date, self.policy)
        if problem is not None:
            return Kind.PROGRESS, problem
        if not confirm:
            return Kind.OK, CONFIRM_NEXT
        if confirm == pin:
            return Kind.OK, READY
        return (
            (Kind.PROGRESS, CONFIRM_TYPING) if len(confirm) < len(pin) else (Kind.ERROR, MISMATCH)
        )

    def action_submit(self) -> None:
        pin, confirm = self.pin_field.value, self.confirm_field.value
        if not pin:
            self.status.show(TYPE_IT, Kind.ERROR)
            self.pin_field.focus()
            return
        if not confirm and self.focused is self.pin_field:
            self.confirm_field.focus()
            return
        for field in self.query(SecretInput):
            field.clear_secret()
        try:
            check_pin(pin, confirm, self.flow.dossier.holder.birth_date, self.policy)
        except ValidationError as exc:
            self.status.show(exc.message, Kind.ERROR)
            self.pin_field.focus()
            return
        self.pin.keep(pin)
        hand_back_to_agent(self.app, TAKEN, self._then)
