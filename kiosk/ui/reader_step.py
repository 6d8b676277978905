"""What every appointment step that watches the desk's reader shares (agent-facing).

The watch runs from the step's mount to its unmount; each card event bumps a
generation, so that a worker's late reading of a card already gone is dropped
(``reading_is_current``). The demo keys (F6 out, F7 in) move a simulated card; they stay
out of the footer, which keeps room for F9, and the panel says them instead
(``demo_keys``).

Textual calls ``on_unmount`` and the ``@on`` handlers of every class in the screen's
MRO: a step adds its own ``on_unmount`` beside this one, never calling ``super()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widgets import Static

from kiosk.ui.appointment_flow import AppointmentFlow
from kiosk.ui.reader_watch import INSERT, CardChanged, ReaderLost, ReaderWatch
from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.widgets.status_line import Kind, StatusLine

DEMO_KEYS = "Lecteur simulé (démonstration) : F6 retire le support, F7 l'insère."
# Demo only, told in the panel: the footer keeps room for F9.
SIMULATE_KEYS: list[BindingType] = [
    Binding("f6", "simulate_remove", "Retirer (démo)", show=False),
    Binding("f7", "simulate_insert", "Insérer (démo)", show=False),
]


class ReaderStepScreen(AppointmentScreen):
    # The line that says the reader's state (card in, card out, reader lost).
    READER_LINE: ClassVar[str] = "#reader-status"

    def __init__(self, flow: AppointmentFlow) -> None:
        super().__init__(flow)
        self.card_watch = ReaderWatch(flow.services.reader, self)
        self.generation = 0  # one per card event: a late reading of a gone card is dropped
        # False when the step cannot do its work: the reader is then neither watched
        # for it nor moved from the keyboard.
        self.available = True

    @property
    def reader_status(self) -> StatusLine:
        return self.query_one(self.READER_LINE, StatusLine)

    def demo_keys(self) -> Iterator[Static]:
        """The panel's line telling the demo keys, when the reader is simulated."""
        if self.card_watch.simulator is not None and self.available:
            yield Static(DEMO_KEYS, id="token-demo-keys", markup=False)

    def start_watching(self, *, ask_for_card: bool = True) -> None:
        """Called from the step's ``on_mount``; a reader that cannot start is said."""
        if ask_for_card:
            self.reader_status.show(INSERT)
        problem = self.card_watch.start()
        if problem is not None:
            self.reader_status.show(problem, Kind.ERROR)

    def on_unmount(self) -> None:
        self.card_watch.stop()

    def reading_is_current(self, generation: int) -> bool:
        """Whether a reading started at ``generation`` is of the card still in."""
        return generation == self.generation

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("simulate_remove", "simulate_insert"):
            return self.available and self.card_watch.simulator is not None
        return super().check_action(action, parameters)

    @on(CardChanged)
    def _card_event(self, message: CardChanged) -> None:
        self.generation += 1
        self.card_changed(message)

    def card_changed(self, message: CardChanged) -> None:
        """What the step does with a card in or out (the generation already bumped)."""

    @on(ReaderLost)
    def _reader_lost(self, message: ReaderLost) -> None:
        self.reader_status.show(message.text, Kind.ERROR)

    def action_simulate_remove(self) -> None:
        if self.card_watch.simulator is not None:
            self.card_watch.simulator.remove()

    def action_simulate_insert(self) -> None:
        if self.card_watch.simulator is not None:
            self.card_watch.simulator.insert()

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh_bindings()
