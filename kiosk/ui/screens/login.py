"""The login screen: an agent's identifier and password, checked off the event loop."""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from kiosk.domain.errors import KioskError
from kiosk.services.auth import AuthService
from kiosk.ui.messages import SessionOpened
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

HINT = "Saisissez votre identifiant et votre mot de passe, puis Entrée."
UNEXPECTED = "Erreur inattendue : la connexion n'a pas pu être vérifiée. Réessayez."


class LoginScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Se connecter", priority=True),
        Binding("ctrl+q", "app.quit", "Quitter", priority=True),
    ]

    class Refused(Message):
        def __init__(self, message: str) -> None:
            super().__init__()
            self.text = message

    def __init__(self, auth: AuthService) -> None:
        super().__init__()
        self._auth = auth
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(), Vertical(id="login-panel", classes="panel") as panel:
            panel.border_title = "Connexion de l'agent"
            yield Label("Identifiant", classes="field-label")
            yield Input(placeholder="ex. amartin", max_length=64, id="login")
            yield Label("Mot de passe", classes="field-label")
            yield SecretInput(max_length=256, id="password")
            yield StatusLine(HINT, id="login-status")
        yield Static("Tab : champ suivant — Entrée : valider", classes="keys-hint", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#login", Input).focus()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#login-status", StatusLine)

    def action_submit(self) -> None:
        if self._busy:
            return
        login = self.query_one("#login", Input)
        password = self.query_one("#password", SecretInput)
        if not login.value.strip():
            self.status.show("Saisissez votre identifiant.", Kind.ERROR)
            login.focus()
            return
        if not password.value:
            if self.focused is not password:
                password.focus()
                return
            self.status.show("Saisissez votre mot de passe.", Kind.ERROR)
            return
        self._set_busy(True)
        self.status.show("Vérification…", Kind.BUSY)
        self._check(login.value, password.value)

    @work(thread=True, exclusive=True, group="login", description="login")
    def _check(self, login: str, password: str) -> None:
        try:
            session = self._auth.login(login, password)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("login check failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(SessionOpened(session))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        password = self.query_one("#password", SecretInput)
        password.clear_secret()
        self.status.show(message.text, Kind.ERROR)
        password.focus()

    def show_notice(self, text: str) -> None:
        """A problem left by the previous session (e.g. a logout the journal missed)."""
        self.status.show(text, Kind.ERROR)

    def on_session_opened(self, _message: SessionOpened) -> None:
        # The app switches screens; the typed values must not outlive this one.
        self.query_one("#password", SecretInput).clear_secret()
        self.query_one("#login", Input).clear()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.query_one("#login-panel").disabled = busy
