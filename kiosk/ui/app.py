"""The kiosk's Textual application: owns the agent's session and moves between screens.

Screens talk to the services only; every service call runs in a thread worker, so the
screen never freezes on a password hash or a database round trip.
"""

from __future__ import annotations

import asyncio
import logging
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message

from kiosk.domain.errors import KioskError
from kiosk.services.auth import AgentSession
from kiosk.services.container import Services
from kiosk.ui.appointment_flow import ReturnToLookup
from kiosk.ui.messages import LogoutRequested, SessionOpened
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.login import LoginScreen
from kiosk.ui.screens.lookup import LookupScreen

log = logging.getLogger(__name__)

_KEY_NAMES = {
    "enter": "Entrée",
    "escape": "Échap",
    "tab": "Tab",
    "space": "Espace",
    "backspace": "Retour arr.",
    "delete": "Suppr",
}


class KioskApp(App[None]):
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = False
    # Textual annotates this as ``ClassVar[...] | None``, which mypy reads as an instance
    # variable: re-annotating as ClassVar is refused, so the ruff rule is silenced instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quitter", show=False, priority=True),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]

    class LogoutNotRecorded(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.session: AgentSession | None = None
        self.title = f"Kiosque de remise — {neutralise(services.info.site_name)}"
        self.sub_title = neutralise(services.info.kiosk_id)

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(self.services.auth))

    async def on_session_opened(self, message: SessionOpened) -> None:
        self.session = message.session
        info = self.services.info
        await self.switch_screen(LookupScreen(self.services.lookup, message.session, info))

    async def on_return_to_lookup(self, message: ReturnToLookup) -> None:
        """An appointment is over: every screen above the lookup goes, and the lookup
        screen says how it ended."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, LookupScreen):
            await self.pop_screen()
        if isinstance(self.screen, LookupScreen):
            self.screen.status.show(message.notice, message.kind)

    async def on_logout_requested(self, _message: LogoutRequested) -> None:
        await self.end_session("manual")

    async def end_session(self, reason: str) -> None:
        """Forget the agent, record the logout, and show a fresh, empty login screen."""
        session, self.session = self.session, None
        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(LoginScreen(self.services.auth))
        # Recorded once the login screen is up, so that it can tell if the journal failed.
        if session is not None:
            self._record_logout(session, reason)

    @work(thread=True, group="logout")
    def _record_logout(self, session: AgentSession, reason: str) -> None:
        try:
            self.services.auth.logout(session, reason)
        except KioskError as exc:
            self.post_message(self.LogoutNotRecorded(exc.message))
        except Exception:
            log.exception("logout could not be recorded")
            self.post_message(self.LogoutNotRecorded("erreur inattendue"))

    @on(LogoutNotRecorded)
    def _logout_not_recorded(self, message: LogoutNotRecorded) -> None:
        text = f"Déconnexion non enregistrée au journal : {message.text}"
        if isinstance(self.screen, LoginScreen):
            self.screen.show_notice(text)
        else:
            self.notify(neutralise(text), title="Journal", severity="error", markup=False)

    async def action_quit(self) -> None:
        """Quitting with an agent logged in records the logout first."""
        session, self.session = self.session, None
        if session is not None:
            try:
                await asyncio.to_thread(self.services.auth.logout, session, "quit")
            except Exception:
                log.exception("logout on quit could not be recorded")
        self.exit()

    def action_help_quit(self) -> None:
        self.notify("Pour quitter le kiosque : Ctrl+Q.", title="Quitter ?", markup=False)

    def get_key_display(self, binding: Binding) -> str:
        if binding.key_display:
            return binding.key_display
        key = binding.key.split(",")[0]
        if key in _KEY_NAMES:
            return _KEY_NAMES[key]
        if key.startswith("f") and key[1:].isdigit():
            return key.upper()
        if key.startswith("ctrl+"):
            return "Ctrl+" + key.removeprefix("ctrl+").upper()
        return super().get_key_display(binding)
