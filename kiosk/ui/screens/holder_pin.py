"""The holder types a PIN (holder-facing): the token's PIN at the delivery
(``PinEntryScreen``: chosen, or typed again when an interrupted run is taken up after the
PIN was set) and the new PIN of a blocked token (``NewPinScreen``, PIN unblock).

A PIN chosen is typed twice, masked, with live feedback in the policy's own sentences
(``kiosk.domain.pin_policy``), never the PIN or any part of it; the holder's birth date
is refused. A PIN already chosen (a run taken up) is typed once, unchecked: the token
judges it. The fields are emptied as soon as the PIN is taken; each screen says what
becomes of it (``pin_taken``) and what it says around it (intro, labels, keys): the
delivery's PIN is held for the run (``TokenRun.pin``, with the kiosk's rules:
``Services.pin_policy``, from ``KIOSK_PIN_…``), the new PIN (``HeldSecret``) only until
the unblock call the agent's screen makes; both screens then go back to the agent.
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
from kiosk.domain.pin_policy import ABSOLUTE_MAX, PinPolicy, check_pin, pin_problem
from kiosk.ui.appointment_flow import AppointmentFlow
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.screens.holder_cue import hand_back_to_agent
from kiosk.ui.token_run import HeldSecret, TokenRun
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

CHOOSE_KEYS = "Tab : champ suivant — Entrée : valider"
CURRENT_KEYS = "Entrée : valider"
CONFIRM_NEXT = "Code PIN conforme. Saisissez-le une seconde fois."
CONFIRM_TYPING = "Confirmation en cours de saisie."
MISMATCH = "Les deux saisies ne correspondent pas."
READY = "Code PIN conforme, saisies identiques. Entrée : valider."
TYPE_IT = "Saisissez votre code PIN."
TAKEN = "Code PIN enregistré. Merci."
CHOOSE_INTRO = (
    "Choisissez le code PIN de votre support. Il protège votre signature : vous seul le "
    "connaissez, l'agent ne le voit pas. Il vous sera demandé à chaque signature."
)
CURRENT_INTRO = "Saisissez le code PIN que vous avez choisi pour ce support."
RENEWAL_INTRO = (
    "Saisissez le code PIN actuel de votre support : votre nouveau certificat y est créé, "
    "et l'actuel y reste utilisable jusqu'à ce que vous acceptiez le nouveau."
)
NEW_PIN_INTRO = (
    "Choisissez le nouveau code PIN de votre support : il remplace le code bloqué. Vous "
    "seul le connaissez, l'agent ne le voit pas. Il vous sera demandé à chaque signature."
)


class HolderPinScreen(AppointmentScreen):
    STEP = Step.MEDIUM

    def __init__(
        self,
        flow: AppointmentFlow,
        policy: PinPolicy,
        *,
        choosing: bool = True,
        notice: str | None = None,
    ) -> None:
        super().__init__(flow)
        self.add_class("holder")
        self.policy = policy
        self.choosing = choosing  # False: the PIN already chosen, typed once
        self._notice = notice  # why the holder types again (a PIN the service refused)

    # What each screen says and does

    def intro(self) -> str:
        raise NotImplementedError

    def labels(self) -> tuple[str, str]:
        """The PIN field's question, then the confirmation's."""
        return "Code PIN", "Confirmez le code PIN"

    def pin_taken(self, pin: str) -> None:
        """The PIN typed (and checked, when chosen): kept for the agent's screen."""
        raise NotImplementedError

    def forget_pin(self) -> None:
        """The appointment ended from here (F9): the PIN goes with it."""
        raise NotImplementedError

    # The fields and their feedback

    def compose(self) -> ComposeResult:
        question, confirmation = self.labels()
        yield self.progress_header()
        with VerticalScroll(id="holder-body"):
            yield Static(self.flow.greeting(), classes="holder-greeting", markup=False)
            yield Static(self.intro(), classes="holder-intro", markup=False)
            if self.choosing:
                yield Static(self.policy.hint, id="pin-hint", markup=False)
            yield Label(question, classes="holder-question")
            # A PIN set before the kiosk's rules changed must still be typed in full.
            longest = self.policy.max_length if self.choosing else ABSOLUTE_MAX
            yield SecretInput(max_length=longest, id="pin")
            if self.choosing:
                yield Label(confirmation, classes="holder-question")
                yield SecretInput(max_length=self.policy.max_length, id="pin-confirm")
            yield StatusLine(self._keys, id="pin-status")
        yield Footer()

    def on_mount(self) -> None:
        if self._notice:
            self.status.show(self._notice, Kind.ERROR)
        self.pin_field.focus()

    def on_unmount(self) -> None:
        if self.flow.appointment.ended:
            self.forget_pin()

    @property
    def _keys(self) -> str:
        return CHOOSE_KEYS if self.choosing else CURRENT_KEYS

    @property
    def pin_field(self) -> SecretInput:
        return self.query_one("#pin", SecretInput)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#pin-status", StatusLine)

    def _confirm_value(self) -> str:
        return self.query_one("#pin-confirm", SecretInput).value if self.choosing else ""

    @on(Input.Changed)
    def _typed(self) -> None:
        """Live feedback, read from the fields (never from the message, never repeated)."""
        pin, confirm = self.pin_field.value, self._confirm_value()
        if not pin and not confirm:
            return  # emptied (by the screen after a refusal): its message stays
        kind, text = self._feedback(pin, confirm)
        self.status.show(text, kind)

    def _feedback(self, pin: str, confirm: str) -> tuple[Kind, str]:
        if not pin:
            return Kind.HINT, self._keys
        if not self.choosing:
            return Kind.HINT, CURRENT_KEYS
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
        if self.busy:
            return
        pin, confirm = self.pin_field.value, self._confirm_value()
        if not pin:
            self.status.show(TYPE_IT, Kind.ERROR)
            self.pin_field.focus()
            return
        if self.choosing and not confirm and self.focused is self.pin_field:
            self.query_one("#pin-confirm", SecretInput).focus()
            return
        for field in self.query(SecretInput):
            field.clear_secret()
        if self.choosing:
            try:
                check_pin(pin, confirm, self.flow.dossier.holder.birth_date, self.policy)
            except ValidationError as exc:
                self.status.show(exc.message, Kind.ERROR)
                self.pin_field.focus()
                return
        self.pin_taken(pin)


class PinEntryScreen(HolderPinScreen):
    ABANDONS_RUN = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Valider mon code PIN", priority=True),
        END_APPOINTMENT,
    ]

    def __init__(
        self, flow: AppointmentFlow, run: TokenRun, policy: PinPolicy | None = None
    ) -> None:
        policy = flow.services.pin_policy if policy is None else policy
        super().__init__(flow, policy, choosing=not run.asks_current_pin)
        self.run = run

    def intro(self) -> str:
        if self.run.keeps_holders_key:
            return RENEWAL_INTRO
        return CHOOSE_INTRO if self.choosing else CURRENT_INTRO

    def pin_taken(self, pin: str) -> None:
        from kiosk.ui.screens.personalise_progress import PersonaliseProgressScreen

        self.run.pin.keep(pin)
        app, flow, run = self.app, self.flow, self.run
        hand_back_to_agent(
            app, TAKEN, lambda: app.switch_screen(PersonaliseProgressScreen(flow, run))
        )

    def forget_pin(self) -> None:
        self.run.forget_secrets()


class NewPinScreen(HolderPinScreen):
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
        super().__init__(flow, policy, notice=notice)
        self.pin = pin
        self._then = then  # what the agent's screen does once the PIN is taken

    def intro(self) -> str:
        return NEW_PIN_INTRO

    def labels(self) -> tuple[str, str]:
        return "Nouveau code PIN", "Confirmez le nouveau code PIN"

    def pin_taken(self, pin: str) -> None:
        self.pin.keep(pin)
        hand_back_to_agent(self.app, TAKEN, self._then)

    def forget_pin(self) -> None:
        self.pin.forget()
