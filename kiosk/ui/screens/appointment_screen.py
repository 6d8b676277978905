"""What every step of an appointment has: the flow it belongs to, the progress header,
and F9 to end the appointment (refusal, holder absent...) whatever the step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static

from kiosk.services.appointment import EndReason
from kiosk.ui.appointment_flow import AppointmentFlow, ReturnToLookup
from kiosk.ui.screens.end_appointment import EndAppointmentScreen
from kiosk.ui.widgets.progress_header import ProgressHeader, Step

# Each step lists it last in its own BINDINGS, so that the Footer shows it last.
END_APPOINTMENT = Binding("f9", "end_appointment", "Terminer le rendez-vous")
# What the token and desk-act steps come after, said at the top of their panel.
CHECKS_PASSED = (
    "✓ Identité vérifiée, photo conforme.",
    "✓ Questions de révocation : réponses validées.",
)


class AppointmentScreen(Screen[None]):
    STEP: ClassVar[Step] = Step.DOSSIER
    # The token steps: ending the appointment there also abandons the personalisation run
    # (its certificate, if one was issued, is confirmed for revocation).
    ABANDONS_RUN: ClassVar[bool] = False

    def __init__(self, flow: AppointmentFlow) -> None:
        super().__init__()
        self.flow = flow
        self.busy = False
        # The reason F9 proposes first; a step that fails sets it (e.g. document refused).
        self.proposed_end: EndReason | None = None

    def progress_header(self) -> ProgressHeader:
        return ProgressHeader(self.STEP, self.flow.appointment.purpose)

    def checks_passed(self) -> Iterator[Static]:
        """The identity and the answers, checked before this step."""
        for line in CHECKS_PASSED:
            yield Static(line, markup=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "end_appointment" and self.flow.appointment.ended)

    def action_end_appointment(self) -> None:
        if self.busy or self.flow.appointment.ended:
            return
        self.open_end_dialog(self.proposed_end)

    def open_end_dialog(self, proposed: EndReason | None) -> None:
        dialog = EndAppointmentScreen(self.flow, proposed, abandon_run=self.ABANDONS_RUN)
        self.app.push_screen(dialog, self._after_end_dialog)

    def _after_end_dialog(self, notice: str | None) -> None:
        if notice is not None:
            self.appointment_over(notice)

    def appointment_over(self, notice: str) -> None:
        """Called once the appointment is ended: back to the lookup screen."""
        self.post_message(ReturnToLookup(notice))
