"""The idle lock: after a while without a key the desk is covered and an agent must log in.

Nothing of the desk shows through: no dossier, no holder, not even which step an
appointment was at. The locked agent logs in again and finds everything as it was;
another agent may log in instead: the locked agent's appointment is then left open, to
be resumed, and the new agent starts at home.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Input, Label, Static

from kiosk.domain.errors import KioskError
from kiosk.services.auth import AgentSession, AuthService
from kiosk.ui.desk_overlay import DeskOverlay
from kiosk.ui.safe_text import neutralise
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

UNEXPECTED = "Erreur inattendue : la connexion n'a pas pu être vérifiée. Réessayez."


def idle_minutes(seconds: int) -> str:
    """``3 min`` ; ``45 s`` under a minute."""
    return f"{seconds // 60} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds} s"


class LockScreen(DeskOverlay[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Déverrouiller", priority=True),
    ]

    class Unlocked(Message):
        """An agent logged in on the lock screen (the app decides what follows)."""

        def __init__(self, session: AgentSession) -> None:
            super().__init__()
            self.session = session

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self, auth: AuthService, locked: AgentSession, idle_seconds: int, *, appointment: bool
    ) -> None:
        super().__init__()
        self._auth = auth
        self.locked = locked
        self._idle_seconds = idle_seconds
        self._appointment = appointment
        self._busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(), Vertical(id="lock-panel", classes="panel") as panel:
            panel.border_title = "Kiosque verrouillé"
            yield Static(
                f"Écran verrouillé après {idle_minutes(self._idle_seconds)} sans activité.",
                id="lock-reason",
                markup=False,
            )
            kept = (
                "Le rendez-vous en cours est conservé : il reprend là où il en était."
                if self._appointment
                else "Reconnectez-vous pour reprendre."
            )
            yield Static(
                f"{kept} Un autre agent peut aussi se connecter"
                + (" (le rendez-vous restera à reprendre)." if self._appointment else "."),
                id="lock-detail",
                markup=False,
            )
            yield Label("Identifiant", classes="field-label")
            yield Input(value=self.locked.login, max_length=64, id="lock-login")
            yield Label("Mot de passe", classes="field-label")
            yield SecretInput(max_length=256, id="lock-password")
            yield StatusLine(
                f"Verrouillé pour {neutralise(self.locked.display_name)}.", id="lock-status"
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lock-password", SecretInput).focus()

    @property
    def status(self) -> StatusLine:
        return self.query_one("#lock-status", StatusLine)

    def show_notice(self, text: str, kind: Kind = Kind.ERROR) -> None:
        self.status.show(text, kind)

    def action_submit(self) -> None:
        if self._busy:
            return
        login = self.query_one("#lock-login", Input)
        password = self.query_one("#lock-password", SecretInput)
        if not login.value.strip():
            self.status.show("Saisissez votre identifiant.", Kind.ERROR)
            login.focus()
            return
        if not password.value:
            self.status.show("Saisissez votre mot de passe.", Kind.ERROR)
            password.focus()
            return
        self._set_busy(True)
        self.status.show("Vérification…", Kind.BUSY)
        secret = password.value
        password.clear_secret()
        self._unlock(login.value, secret)

    @work(thread=True, exclusive=True, group="unlock", description="unlock")
    def _unlock(self, login: str, password: str) -> None:
        try:
            session = self._auth.unlock(self.locked, login, password)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("unlock failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Unlocked(session))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        self.status.show(message.text, Kind.ERROR)
        self.query_one("#lock-password", SecretInput).focus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.query_one("#lock-panel").disabled = busy
