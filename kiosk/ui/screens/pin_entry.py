"""The holder chooses the PIN of the token (holder-facing), or types it again when an
interrupted run is taken up after the PIN was set.

Typed twice, masked; live feedback says which rule is not met yet (the policy's own
sentences, ``kiosk.domain.pin_policy``), never the PIN or any part of it; the holder's
birth date is refused. The fields are emptied as soon as the PIN is taken: it is then
held for the run (``TokenRun.pin``) and the screen goes back to the agent. The rules are
the kiosk's (``Services.pin_policy``, from ``KIOSK_PIN_…``), matched to its token model.
"""

from __future__ import annotations

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
from kiosk.ui.token_run import TokenRun
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

CHOOSE_INTRO = (
    "Choisissez le code PIN de votre support. Il protège votre signature : vous seul le "
    "connaissez, l'agent ne le voit pas. Il vous sera demandé à chaque signature."
)
CURRENT_INTRO = "Saisissez le code PIN que vous avez choisi pour ce support."
CHOOSE_KEYS = "Tab : champ suivant — Entrée : valider"
CURRENT_KEYS = "Entrée : valider"
CONFIRM_NEXT = "Code PIN conforme. Saisissez-le une seconde fois."
CONFIRM_TYPING = "Confirmation en cours de saisie."
MISMATCH = "Les deux saisies ne correspondent pas."
READY = "Code PIN conforme, saisies identiques. Entrée : valider."
TYPE_IT = "Saisissez votre code PIN."
TAKEN = "Code PIN enregistré. Merci."


class PinEntryScreen(AppointmentScreen):
    STEP = Step.MEDIUM
    ABANDONS_RUN = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Valider mon code PIN", priority=True),
        END_APPOINTMENT,
    ]

    def __init__(
        self, flow: AppointmentFlow, run: TokenRun, policy: PinPolicy | None = None
    ) -> None:
        super().__init__(flow)
        self.add_class("holder")
        self.run = run
        self.policy = flow.services.pin_policy if policy is None else policy
        self.choosing = not run.asks_current_pin

    def compose(self) -> ComposeResult:
        yield self.progress_header()
        with VerticalScroll(id="holder-body"):
            yield Static(self.flow.greeting(), classes="holder-greeting", markup=False)
            yield Static(
                CHOOSE_INTRO if self.choosing else CURRENT_INTRO,
                classes="holder-intro",
                markup=False,
            )
            if self.choosing:
                yield Static(self.policy.hint, id="pin-hint", markup=False)
            yield Label("Code PIN", classes="holder-question")
            # A PIN set before the kiosk's rules changed must still be typed in full.
            longest = self.policy.max_length if self.choosing else ABSOLUTE_MAX
            yield SecretInput(max_length=longest, id="pin")
            if self.choosing:
                yield Label("Confirmez le code PIN", classes="holder-question")
                yield SecretInput(max_length=self.policy.max_length, id="pin-confirm")
            yield StatusLine(self._keys, id="pin-status")
        yield Footer()

    def on_mount(self) -> None:
        self.pin_field.focus()

    def on_unmount(self) -> None:
        if self.flow.appointment.ended:  # ended from here (F9): the PIN goes with it
            self.run.forget_secrets()

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
        fields = list(self.query(SecretInput))
        for field in fields:
            field.clear_secret()
        if self.choosing:
            try:
                check_pin(pin, confirm, self.flow.dossier.holder.birth_date, self.policy)
            except ValidationError as exc:
                self.status.show(exc.message, Kind.ERROR)
                self.pin_field.focus()
                return
        self.run.pin.keep(pin)
        self._hand_back()

    def _hand_back(self) -> None:
        from kiosk.ui.screens.personalise_progress import PersonaliseProgressScreen

        app, flow, run = self.app, self.flow, self.run
        hand_back_to_agent(
            app, TAKEN, lambda: app.switch_screen(PersonaliseProgressScreen(flow, run))
        )
