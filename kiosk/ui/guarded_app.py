"""The base of the kiosk app: the overlays stay on top, and the last key is known.

While an overlay (the idle lock, the quit question: ``kiosk.ui.desk_overlay``) is on top,
navigation asked for by any other screen happens beneath it. Every key and click notes
the time on ``idle_clock`` (monotonic; tests give their own) for the idle lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.screen import Screen

from kiosk.ui.desk_overlay import asked_by_overlay, beneath_overlays, overlays_on_top


class GuardedApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.idle_clock: Callable[[], float] = time.monotonic
        self.last_input = 0.0

    def note_input(self) -> None:
        self.last_input = self.idle_clock()

    def idle_seconds(self) -> float:
        return self.idle_clock() - self.last_input

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.note_input()
        await super().on_event(event)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        if not overlays_on_top(self) or asked_by_overlay():
            return super().push_screen(screen, *args, **kwargs)
        with beneath_overlays(self):
            return super().push_screen(screen, *args, **kwargs)

    def switch_screen(self, screen: Screen[Any] | str) -> AwaitComplete:
        if not overlays_on_top(self) or asked_by_overlay():
            return super().switch_screen(screen)
        with beneath_overlays(self):
            return super().switch_screen(screen)

    def pop_screen(self) -> AwaitComplete:
        if not overlays_on_top(self) or asked_by_overlay():
            return super().pop_screen()
        with beneath_overlays(self):
            return super().pop_screen()

    # What the app itself does to its overlays, or to the whole stack

    def push_overlay(self, screen: Screen[Any], callback: Any = None) -> None:
        App.push_screen(self, screen, callback)

    def pop_top(self) -> None:
        App.pop_screen(self)

    def clear_beneath(self, keep: int, then: Screen[Any] | None = None) -> None:
        """Pop the screens under the overlays down to ``keep`` screens, then switch the top
        one to ``then``; the overlays stay on top (nothing shows in between)."""
        with beneath_overlays(self):
            while len(self._screen_stack) > keep:
                App.pop_screen(self)
            if then is not None:
                App.switch_screen(self, then)
