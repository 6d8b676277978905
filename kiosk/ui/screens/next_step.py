"""Where the appointment goes once the holder is identified and has answered: the
personalisation of the medium (USB token). A placeholder until that step exists: the
agent can end the appointment, or go back to the lookup leaving the dossier as it is."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Footer, Static

from kiosk.ui.appointment_flow import ReturnToLookup
from kiosk.ui.screens.appointment_screen import END_APPOINTMENT, AppointmentScreen
from kiosk.ui.widgets.progress_header import Step
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind

NEXT_STEP = "Étape suivante : personnalisation du support"


class NextStepScreen(AppointmentScreen):
    STEP = Step.MEDIUM
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f8", "back_to_lookup", "Retour à la recherche"),
        END_APPOINTMENT,
    ]

    def compose(self) -> ComposeResult:
        yield SessionBar(self.flow.session, self.flow.info)
        yield self.progress_header()
        with Center(), Vertical(id="next-panel", classes="panel") as panel:
            panel.border_title = f"Dossier {self.flow.reference}"
            yield Static("✓ Identité vérifiée, photo conforme.", markup=False)
            yield Static("✓ Questions de révocation : réponses validées.", markup=False)
            yield Static(NEXT_STEP, id="next-title", markup=False)
            yield Static(
                "Cette étape n'est pas encore disponible sur ce kiosque. "
                "F8 : revenir à la recherche (le dossier reste « Convoqué ») ; "
                "F9 : terminer le rendez-vous avec un motif.",
                markup=False,
            )
        yield Footer()

    def action_back_to_lookup(self) -> None:
        notice = (
            f"Dossier {self.flow.reference} : identité et réponses vérifiées ; "
            "la personnalisation du support reste à faire."
        )
        self.post_message(ReturnToLookup(notice, Kind.HINT))
