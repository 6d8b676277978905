"""The agent's home: the holder's withdrawal code opens the dossier; below it, today's
convocations at the agent's office (who is expected, when, and where each dossier
stands).

The code is a secret of the holder: masked by default (screenshots, people behind the
desk), cleared after every lookup, and live feedback never repeats it. The list opens
nothing: choosing a row only reminds the agent that the holder's code is needed.

A holder who already has the certificate (PIN unblock, revocation) has no code left: F6
« Titulaire équipé » finds the delivered dossier by its reference or its certificate's
serial number (``kiosk.ui.screens.find_delivered``).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from kiosk.domain.errors import KioskError
from kiosk.domain.model import Dossier
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.services.convocations import Convocation, ConvocationsService
from kiosk.services.lookup import LookupService
from kiosk.ui import formatting as fmt
from kiosk.ui.code_feedback import code_feedback
from kiosk.ui.messages import LogoutRequested
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.dossier_search import DossierSearchScreen
from kiosk.ui.screens.find_delivered import FindDeliveredScreen
from kiosk.ui.widgets.convocation_list import ConvocationList
from kiosk.ui.widgets.secret_input import SecretInput
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

MASKED = "Code masqué — F2 pour l'afficher"
SHOWN = "Code affiché en clair — F2 pour le masquer"
LIST_FAILED = "Liste des convocations indisponible"
NEEDS_CODE = "pour ouvrir ce dossier, saisissez le code de retrait du titulaire."


def list_title(day: date, count: int) -> str:
    """``Convocations du mardi 14/04/2026 : 3 — Tab : liste ↔ code``."""
    if count == 0:
        return f"Aucune convocation le {fmt.long_day(day)} à votre bureau."
    return f"Convocations du {fmt.long_day(day)} : {count} — Tab : liste ↔ code"


class LookupScreen(DossierSearchScreen):
    PANEL = "#lookup-panel"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "search", "Rechercher", priority=True),
        Binding("f2", "toggle_mask", "Afficher / Masquer"),
        Binding("f6", "find_delivered", "Titulaire équipé"),
        Binding("f10", "logout", "Déconnexion"),
        Binding("ctrl+l", "logout", "Déconnexion", show=False),
    ]

    class Listed(Message):
        def __init__(self, convocations: list[Convocation], title: str) -> None:
            super().__init__()
            self.convocations = convocations
            self.title = title

    def __init__(
        self,
        lookup: LookupService,
        session: AgentSession,
        info: KioskInfo,
        convocations: ConvocationsService | None = None,
    ) -> None:
        super().__init__(lookup, session, info)
        self._convocations = convocations
        self._listed = False  # the first reading of the session is audited, refreshes not

    def compose(self) -> ComposeResult:
        yield Header()
        yield SessionBar(self.session, self._info)
        with Center(), Vertical(id="lookup-panel", classes="panel") as panel:
            panel.border_title = "Recherche d'un dossier"
            yield Label(
                "Code de retrait (18 caractères ; tirets et espaces facultatifs)",
                classes="field-label",
            )
            yield SecretInput(max_length=40, id="code")
            yield Static(MASKED, id="mask-state", markup=False)
            yield StatusLine(id="code-feedback")
            yield StatusLine("Le dossier s'ouvre en lecture seule.", id="lookup-status")
        if self._convocations is not None:
            with Vertical(id="home-list"):
                yield Static("Convocations du jour…", id="convocations-title", markup=False)
                yield ConvocationList(self._info.kiosk_id, id="convocations")
        yield Footer()

    def on_mount(self) -> None:
        self._refresh_feedback("")
        self.code_input.focus()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.code_input.focus()
            self._list_convocations()

    # Today's convocations

    @property
    def convocation_list(self) -> ConvocationList:
        return self.query_one("#convocations", ConvocationList)

    def _list_convocations(self) -> None:
        if self._convocations is not None:
            self._read_convocations(self._convocations, audit=not self._listed)
            self._listed = True

    @work(thread=True, exclusive=True, group="convocations", description="convocations")
    def _read_convocations(self, service: ConvocationsService, *, audit: bool) -> None:
        try:
            found = list(service.todays(self.session, audit=audit))
        except KioskError as exc:
            self.post_message(self.Listed([], f"{LIST_FAILED} : {exc.message}"))
        except Exception:
            log.exception("convocations could not be read")
            self.post_message(self.Listed([], f"{LIST_FAILED}."))
        else:
            self.post_message(self.Listed(found, list_title(service.today(), len(found))))

    @on(Listed)
    def _listed_now(self, message: Listed) -> None:
        self.query_one("#convocations-title", Static).update(message.title)
        self.convocation_list.show(message.convocations)

    @on(DataTable.RowSelected, "#convocations")
    def _row_chosen(self) -> None:
        self._remind_code()

    def _remind_code(self) -> None:
        chosen = self.convocation_list.selected
        if chosen is not None:
            who = neutralise(fmt.full_name(chosen.holder))
            self.status.show(f"{chosen.slot} {who} ({chosen.reference}) : {NEEDS_CODE}", Kind.HINT)
        self.code_input.focus()

    @property
    def code_input(self) -> SecretInput:
        return self.query_one("#code", SecretInput)

    @property
    def search_input(self) -> Input:
        return self.code_input

    @property
    def status(self) -> StatusLine:
        return self.query_one("#lookup-status", StatusLine)

    @on(Input.Changed, "#code")
    def _typed(self, event: Input.Changed) -> None:
        self._refresh_feedback(event.value)

    def _refresh_feedback(self, raw: str) -> None:
        kind, text = code_feedback(raw)
        self.query_one("#code-feedback", StatusLine).show(text, kind)

    def action_toggle_mask(self) -> None:
        code = self.code_input
        code.password = not code.password
        self._show_mask_state()

    def _show_mask_state(self) -> None:
        self.query_one("#mask-state", Static).update(MASKED if self.code_input.password else SHOWN)

    def action_search(self) -> None:
        if self.busy:
            return
        if self._convocations is not None and self.focused is self.convocation_list:
            self._remind_code()  # Entrée on a row: the list opens nothing
            return
        code = self.code_input
        raw = code.value
        code.clear_secret()  # whatever happens next, the code does not stay on screen
        self._show_mask_state()
        if not raw.strip():
            self.status.show("Saisissez un code de retrait.", Kind.ERROR)
            return
        self.start_search(raw, "Recherche du dossier…")

    def find(self, typed: str) -> Dossier:
        return self._lookup.lookup(self.session, typed)

    def action_find_delivered(self) -> None:
        """The holder comes back without a code: the dossier by reference or serial."""
        if self.busy:
            return
        self.code_input.clear_secret()  # a code half typed does not wait behind the screen
        self._show_mask_state()
        self.app.push_screen(FindDeliveredScreen(self._lookup, self.session, self._info))

    def action_logout(self) -> None:
        self.post_message(LogoutRequested())
