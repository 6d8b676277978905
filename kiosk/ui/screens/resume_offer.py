"""At login: « Un rendez-vous a été interrompu… Reprendre / Terminer ».

An appointment this kiosk left open (crash, power cut, an agent replaced at the idle
lock) is offered to the next agent of its office. Resuming starts again at the identity
check (see ``kiosk.services.resumption`` for why), and the token work, if it had begun,
is taken up from its journal. Ending asks for a reason, as any ending does. « Plus
tard » leaves it open: it is offered again at the next login.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from kiosk.domain.errors import KioskError
from kiosk.services.appointment import Appointment
from kiosk.services.auth import AgentSession
from kiosk.services.resumption import InterruptedAppointment, ResumptionService
from kiosk.ui import formatting as fmt
from kiosk.ui.appointment_flow import UNEXPECTED
from kiosk.ui.safe_text import neutralise
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

RESUME_RULE = (
    "Reprendre : le rendez-vous repart de la vérification d'identité, puis des "
    "questions ; un support déjà commencé sera repris là où il s'était arrêté."
)


def offer_text(offered: InterruptedAppointment) -> str:
    lease, dossier = offered.lease, offered.dossier
    return (
        "Un rendez-vous a été interrompu sur ce kiosque : "
        f"dossier {neutralise(dossier.reference)}, "
        f"titulaire {neutralise(fmt.full_name(dossier.holder))}, commencé le "
        f"{fmt.appointment(lease.started_at)} par {neutralise(lease.agent_name)}."
    )


@dataclass(frozen=True)
class Resumed:
    """The appointment, open again for this agent; ``end``: the agent chose to end it."""

    appointment: Appointment
    end: bool


class ResumeOfferScreen(ModalScreen[Resumed | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "resume(False)", "Reprendre", priority=True),
        Binding("f9", "resume(True)", "Terminer (motif)"),
        Binding("escape", "later", "Plus tard", priority=True),
    ]

    class Opened(Message):
        def __init__(self, resumed: Resumed) -> None:
            super().__init__()
            self.resumed = resumed

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        resumption: ResumptionService,
        session: AgentSession,
        offered: Sequence[InterruptedAppointment],
    ) -> None:
        super().__init__()
        self._resumption = resumption
        self._session = session
        self.offered = offered[0]
        self._others = len(offered) - 1
        self._busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="resume-panel", classes="panel modal-panel") as panel:
            panel.border_title = "Rendez-vous interrompu"
            yield Static(offer_text(self.offered), id="resume-text", markup=False)
            yield Static(
                f"Étape atteinte : {neutralise(self.offered.step_label)}.",
                id="resume-step",
                markup=False,
            )
            if self._others:
                others = "1 autre" if self._others == 1 else f"{self._others} autres"
                yield Static(f"({others} à traiter ensuite.)", markup=False)
            yield Static(RESUME_RULE, id="resume-rule", markup=False)
            yield Static("Entrée : reprendre le rendez-vous", classes="confirm-choice")
            yield Static("F9 : le terminer (choix du motif)", classes="confirm-choice")
            yield Static("Échap : plus tard (il reste à reprendre)", classes="confirm-choice")
            yield StatusLine(id="resume-status")
        yield Footer()

    def action_resume(self, end: bool) -> None:
        if self._busy:
            return
        self._busy = True
        self.query_one("#resume-status", StatusLine).show("Réouverture du rendez-vous…", Kind.BUSY)
        self._open(end)

    @work(thread=True, exclusive=True, group="resume", description="resume")
    def _open(self, end: bool) -> None:
        try:
            appointment = self._resumption.resume(self._session, self.offered.reference)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("interrupted appointment could not be resumed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Opened(Resumed(appointment, end)))

    @on(Opened)
    def _opened(self, message: Opened) -> None:
        self.dismiss(message.resumed)

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._busy = False
        self.query_one("#resume-status", StatusLine).show(message.text, Kind.ERROR)

    def action_later(self) -> None:
        if not self._busy:
            self.dismiss(None)
