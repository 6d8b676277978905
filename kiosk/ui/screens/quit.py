"""« Quitter le kiosque ? », asked for Ctrl+C, Ctrl+Q and Ctrl+Z alike.

The kiosk never closes in the middle of something: an operation under way (a service
call, a token being personalised) is waited for before the question is even put; an
open appointment must be ended with a reason (the dossier's state and the audit say
why) or continued. Ctrl+Z does not suspend the kiosk: a suspended kiosk would hold a
dossier and a token with nobody at the desk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.worker import Worker

from kiosk.ui.desk_overlay import DeskOverlay
from kiosk.ui.widgets.status_line import Kind, StatusLine

WAITING = (
    "Une opération est en cours : le kiosque attend qu'elle se termine "
    "avant de pouvoir être quitté."
)
NO_APPOINTMENT = "Aucun rendez-vous en cours."
MUST_END = (
    "Le kiosque ne se ferme pas au milieu d'un rendez-vous : terminez-le avec un "
    "motif (le dossier et le journal le diront), ou continuez-le."
)


_LINES = ("#quit-state", "#quit-detail", "#quit-yes", "#quit-no")


class QuitChoice(StrEnum):
    STAY = "stay"
    QUIT = "quit"
    END_THEN_QUIT = "end_then_quit"


class QuitScreen(DeskOverlay[QuitChoice], ModalScreen[QuitChoice]):
    """``describe()`` says the open appointment (« dossier X, étape Y ») or ``None``; it is
    read again once the running operations are over, as they may have moved it on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose('quit')", "Quitter", priority=True),
        Binding("f9", "choose('end_then_quit')", "Terminer le rendez-vous et quitter"),
        Binding("escape", "choose('stay')", "Rester", priority=True),
    ]

    def __init__(
        self, describe: Callable[[], str | None], running: Sequence[Worker[Any]] = ()
    ) -> None:
        super().__init__()
        self._describe = describe
        self._operations = list(running)
        self.waiting = bool(self._operations)
        self.appointment: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="quit-panel", classes="panel modal-panel") as panel:
            panel.border_title = "Quitter le kiosque ?"
            yield Static(id="quit-state", markup=False)
            yield Static(id="quit-detail", markup=False)
            yield Static(id="quit-yes", classes="confirm-choice", markup=False)
            yield Static(id="quit-no", classes="confirm-choice", markup=False)
            yield StatusLine(id="quit-status")
        yield Footer()

    def on_mount(self) -> None:
        if self.waiting:
            self.query_one("#quit-status", StatusLine).show(WAITING, Kind.BUSY)
            self._wait_for(self._operations)
        # A finished operation may move the appointment on beneath: say it as it is.
        self.app.screen_change_signal.subscribe(self, lambda _screen: self._show())
        self._show()

    @work(exclusive=True, group="quit-wait", description="quit-wait")
    async def _wait_for(self, running: list[Worker[Any]]) -> None:
        await self.app.workers.wait_for_complete(running)
        self.waiting = False
        self._show()

    def _show(self) -> None:
        self.appointment = None if self.waiting else self._describe()
        if self.waiting:
            lines = ("Veuillez patienter.", "", "", "Échap : rester sur le kiosque")
        elif self.appointment is None:
            lines = (NO_APPOINTMENT, "", "Entrée : quitter le kiosque", "Échap : rester")
        else:
            lines = (
                f"Rendez-vous en cours : {self.appointment}.",
                MUST_END,
                "F9 : terminer le rendez-vous (choix du motif), puis quitter",
                "Échap : continuer le rendez-vous",
            )
        for selector, text in zip(_LINES, lines, strict=True):
            line = self.query_one(selector, Static)
            line.update(text)
            line.display = bool(text)
        if not self.waiting:
            self.query_one("#quit-status", StatusLine).display = False
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action != "choose" or not parameters:
            return True
        choice = QuitChoice(str(parameters[0]))
        if choice is QuitChoice.STAY:
            return True
        if self.waiting:
            return False
        return (choice is QuitChoice.QUIT) == (self.appointment is None)

    def action_choose(self, choice: str) -> None:
        if not self.waiting and self._describe() != self.appointment:
            self._show()  # the appointment moved on since it was shown: show it first
            return
        if self.check_action("choose", (choice,)) is True:
            self.dismiss(QuitChoice(choice))
