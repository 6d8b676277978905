"""« Titulaire équipé »: the agent finds a delivered dossier without the withdrawal code.

A holder who already has the certificate comes back for a PIN unblock or a revocation; the
withdrawal code was used up at the delivery. The agent types the dossier's reference or
the certificate's serial number (printed on the delivery receipt): neither is a secret, so
the field is a plain one. The dossier opens read only, where F6 and F7 offer the two
journeys (``docs/desk-journeys.md``); Échap comes back here, where another dossier may be
looked for.
"""

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
from kiosk.domain.model import Dossier
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.services.lookup import LookupService
from kiosk.ui.screens.dossier import DossierScreen
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

TITLE = "Titulaire équipé — dossier remis"
INTRO = (
    "Le titulaire a déjà son certificat (déblocage du code PIN, révocation) : retrouvez "
    "son dossier sans le code de retrait."
)
FIELD = "Référence du dossier ou n° de série du certificat"
KEYS = "Entrée : rechercher — Échap : retour à l'accueil"
EMPTY = "Saisissez la référence du dossier ou le numéro de série du certificat."
UNEXPECTED = "Erreur inattendue : la recherche n'a pas abouti. Réessayez."
MAX_TYPED = 80  # a reference, or a 20-byte serial written with colons (59 characters)


class FindDeliveredScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "search", "Rechercher", priority=True),
        Binding("escape", "back", "Retour"),
    ]

    class Found(Message):
        def __init__(self, dossier: Dossier) -> None:
            super().__init__()
            self.dossier = dossier

    class Refused(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, lookup: LookupService, session: AgentSession, info: KioskInfo) -> None:
        super().__init__()
        self._lookup = lookup
        self.session = session
        self._info = info
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield SessionBar(self.session, self._info)
        with Center(), Vertical(id="find-panel", classes="panel") as panel:
            panel.border_title = TITLE
            yield Static(INTRO, id="find-intro", markup=False)
            yield Label(FIELD, classes="field-label")
            yield Input(max_length=MAX_TYPED, id="find-typed")
            yield StatusLine(KEYS, id="find-status")
        yield Footer()

    def on_mount(self) -> None:
        self.typed_input.focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.typed_input.focus()

    @property
    def typed_input(self) -> Input:
        return self.query_one("#find-typed", Input)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#find-status", StatusLine)

    def action_search(self) -> None:
        if self.busy:
            return
        typed = self.typed_input.value
        if not typed.strip():
            self.status.show(EMPTY, Kind.ERROR)
            return
        self._set_busy(True)
        self.status.show("Recherche du dossier remis…", Kind.BUSY)
        self._search(typed)

    @work(thread=True, exclusive=True, group="find-delivered", description="find-delivered")
    def _search(self, typed: str) -> None:
        try:
            dossier = self._lookup.find_delivered(self.session, typed)
        except KioskError as exc:
            self.post_message(self.Refused(exc.message))
        except Exception:
            log.exception("delivered dossier lookup failed")
            self.post_message(self.Refused(UNEXPECTED))
        else:
            self.post_message(self.Found(dossier))

    @on(Found)
    def _found(self, message: Found) -> None:
        self._set_busy(False)
        self.typed_input.clear()
        self.status.show(f"Dossier {message.dossier.reference} consulté.", Kind.OK)
        self.app.push_screen(DossierScreen(message.dossier, self.session, self._info))

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        self._set_busy(False)
        self.status.show(message.text, Kind.ERROR)

    def action_back(self) -> None:
        if not self.busy:
            self.dismiss()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.query_one("#find-panel").disabled = busy
        if not busy:
            self.typed_input.focus()
