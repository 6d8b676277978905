"""Screens the app puts over the desk (the idle lock, the quit question) and what keeps
them on top.

A service call may finish while such a screen is up: its screen, underneath, then moves
on (``switch_screen`` to the next step, ``dismiss`` of a dialog...). Textual would do
that to the TOP screen: replace or pop the lock, and show the dossier to whoever is in
front of a locked kiosk. So while overlays are on top, navigation asked for by any
other screen happens beneath them, as if they were not there, and they stay on top.

This reads one Textual internal (the current mode's stack); if a Textual upgrade moves
it, this module is the only place to change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from textual.app import App
from textual.await_complete import AwaitComplete
from textual.screen import Screen

ResultT = TypeVar("ResultT")

_OWN_NAVIGATION: ContextVar[bool] = ContextVar("overlay_own_navigation", default=False)


class DeskOverlay(Screen[ResultT]):
    """A screen that the app keeps on top of the desk's screens. Its own ``dismiss`` is
    the one navigation that acts on it rather than beneath it."""

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        token = _OWN_NAVIGATION.set(True)
        try:
            return super().dismiss(result)
        finally:
            _OWN_NAVIGATION.reset(token)


def overlays_on_top(app: App[Any]) -> list[Screen[Any]]:
    """The overlay screens at the top of the stack, top last."""
    stack = app.screen_stack
    count = 0
    while count < len(stack) and isinstance(stack[-1 - count], DeskOverlay):
        count += 1
    return stack[len(stack) - count :]


def asked_by_overlay() -> bool:
    """Whether the navigation asked for now is an overlay's own (its ``dismiss``)."""
    return _OWN_NAVIGATION.get()


@contextmanager
def beneath_overlays(app: App[Any]) -> Iterator[None]:
    """Run a navigation call on the screens under the overlays; the overlays stay on top.

    The overlays are lifted off the stack for the call only (no event, no repaint: the
    compositor draws the top screen, which is an overlay again when the call returns).
    """
    lifted = overlays_on_top(app)
    stack = app._screen_stack
    del stack[len(stack) - len(lifted) :]
    try:
        yield
    finally:
        stack.extend(lifted)
        if lifted:
            lifted[-1].refresh()
