"""Messages screens send up to the app, which owns the agent's session."""

from __future__ import annotations

from textual.message import Message

from kiosk.services.auth import AgentSession


class SessionOpened(Message):
    """An agent logged in (posted by the login screen's worker)."""

    def __init__(self, session: AgentSession) -> None:
        super().__init__()
        self.session = session


class LogoutRequested(Message):
    """The agent asked to log out: the app ends the session and shows the login screen."""
