"""A pause between the agent's side and the holder's: « Tournez l'écran vers le
titulaire », « Rendez l'écran à l'agent ». Nothing else is on screen, so neither side
sees what belongs to the other; Entrée goes on. Before the screen turns to the holder the
agent may still go back (Échap), e.g. to read the identity document again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from kiosk.ui.appointment_flow import ReturnToLookup
from kiosk.ui.widgets.status_line import Kind

TO_HOLDER = "Tournez l'écran vers le titulaire"
TO_AGENT = "Rendez l'écran à l'agent"


class HolderCueScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "go_on", "Continuer", priority=True),
        Binding("escape", "go_back", "Retour"),
    ]

    def __init__(
        self,
        title: str,
        detail: str,
        then: Callable[[], object],
        *,
        holder_facing: bool,
        back: tuple[str, Callable[[], object]] | None = None,
    ) -> None:
        super().__init__(classes="holder" if holder_facing else None)
        self._title = title
        self._detail = detail
        self._then = then
        self._back = back  # (what the Footer says, what it does)
        self._done = False

    def compose(self) -> ComposeResult:
        with Middle(), Center(), Vertical(id="cue-panel"):
            yield Static(self._title, id="cue-title", markup=False)
            if self._detail:
                yield Static(self._detail, id="cue-detail", markup=False)
            keys = "Entrée : continuer" + (f"\nÉchap : {self._back[0]}" if self._back else "")
            yield Static(keys, id="cue-key", markup=False)
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self._back is not None if action == "go_back" else True

    @property
    def title_text(self) -> str:
        return self._title

    @property
    def detail_text(self) -> str:
        return self._detail

    def action_go_on(self) -> None:
        if self._done:  # a second Enter must not run the next step twice
            return
        self._done = True
        self._then()

    def action_go_back(self) -> None:
        if self._back is not None and not self._done:
            self._done = True
            self._back[1]()


def hand_back_to_agent(app: App[Any], detail: str, then: Callable[[], object]) -> None:
    """Replace the holder's screen with « Rendez l'écran à l'agent »; Entrée runs ``then``."""
    app.switch_screen(HolderCueScreen(TO_AGENT, detail, then, holder_facing=True))


def back_to_lookup_after(app: App[Any], detail: str, notice: str) -> None:
    """The appointment is over: the holder reads ``detail``, hands the screen back, and
    the agent finds ``notice`` on the lookup screen."""
    hand_back_to_agent(app, detail, lambda: app.post_message(ReturnToLookup(notice, Kind.ERROR)))
