"""« Titulaire équipé »: the agent finds a delivered dossier without the withdrawal code.

A holder who already has the certificate comes back for a PIN unblock or a revocation; the
withdrawal code was used up at the delivery. The agent types the dossier's reference or
the certificate's serial number (printed on the delivery receipt): neither is a secret, so
the field is a plain one. The dossier opens read only, where F6 and F7 offer the two
journeys (``docs/desk-journeys.md``); Échap comes back here, where another dossier may be
looked for.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.widgets import Footer, Header, Input, Label, Static

from kiosk.domain.model import Dossier
from kiosk.ui.screens.dossier_search import DossierSearchScreen
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

TITLE = "Titulaire équipé — dossier remis"
INTRO = (
    "Le titulaire a déjà son certificat (déblocage du code PIN, révocation) : retrouvez "
    "son dossier sans le code de retrait."
)
FIELD = "Référence du dossier ou n° de série du certificat"
KEYS = "Entrée : rechercher — Échap : retour à l'accueil"
EMPTY = "Saisissez la référence du dossier ou le numéro de série du certificat."
MAX_TYPED = 80  # a reference, or a 20-byte serial written with colons (59 characters)


class FindDeliveredScreen(DossierSearchScreen):
    PANEL = "#find-panel"
    FAILURE_LOG = "delivered dossier lookup failed"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "search", "Rechercher", priority=True),
        Binding("escape", "back", "Retour"),
    ]

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
    def search_input(self) -> Input:
        return self.typed_input

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
        self.start_search(typed, "Recherche du dossier remis…")

    def find(self, typed: str) -> Dossier:
        return self._lookup.find_delivered(self.session, typed)

    def dossier_found(self) -> None:
        self.typed_input.clear()  # another dossier may be looked for, once back here

    def action_back(self) -> None:
        if not self.busy:
            self.dismiss()
