"""The auditor's home: the journal's integrity at a glance, and the way to the event
browser and the statistics. Everything on the auditor's desk is read only."""

from __future__ import annotations

import logging
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kiosk.domain.errors import KioskError
from kiosk.services.audit_browser import AuditBrowser, IntegrityView
from kiosk.services.auth import AgentSession
from kiosk.services.container import KioskInfo
from kiosk.ui.messages import LogoutRequested
from kiosk.ui.safe_text import neutralise
from kiosk.ui.screens.auditor_events import AuditEventsScreen
from kiosk.ui.screens.auditor_stats import AuditStatsScreen
from kiosk.ui.widgets.session_bar import SessionBar
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

UNAVAILABLE = "Bureau de l'auditeur indisponible sur ce kiosque (journal non configuré)."
MENU = (
    "Consultation en lecture seule : aucune touche ne modifie le journal ni un dossier.\n\n"
    "  J  Parcourir le journal (filtres, détail d'un événement)\n"
    "  S  Statistiques (remises, refus, bureaux, agents)\n"
    "  V  Vérifier à nouveau l'intégrité\n"
    "  F10  Déconnexion"
)


class AuditorHomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "browse", "Journal"),
        Binding("s", "stats", "Statistiques"),
        Binding("v", "verify", "Vérifier"),
        Binding("f10", "logout", "Déconnexion"),
    ]

    class Checked(Message):
        def __init__(self, text: str, ok: bool, details: tuple[str, ...]) -> None:
            super().__init__()
            self.text, self.ok, self.details = text, ok, details

    def __init__(
        self, browser: AuditBrowser | None, session: AgentSession, info: KioskInfo
    ) -> None:
        super().__init__()
        self.browser = browser
        self.session = session
        self._info = info

    def compose(self) -> ComposeResult:
        yield Header()
        yield SessionBar(self.session, self._info)
        with Center(), Vertical(id="auditor-panel", classes="panel") as panel:
            panel.border_title = "Bureau de l'auditeur — intégrité du journal"
            yield StatusLine("Vérification du journal…", Kind.BUSY, id="integrity")
            yield Static("", id="integrity-details", markup=False)
            yield Static(MENU, id="auditor-menu", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.action_verify()

    def action_verify(self) -> None:
        if self.browser is None:
            self.query_one("#integrity", StatusLine).show(UNAVAILABLE, Kind.ERROR)
            return
        self.query_one("#integrity", StatusLine).show("vérification du journal…", Kind.BUSY)
        self._verify(self.browser)

    @work(thread=True, exclusive=True, group="auditor-integrity", description="auditor-integrity")
    def _verify(self, browser: AuditBrowser) -> None:
        try:
            view: IntegrityView = browser.integrity()
        except KioskError as exc:
            self.post_message(self.Checked(f"✗ Vérification impossible : {exc.message}", False, ()))
            return
        except Exception:
            log.exception("audit integrity check failed")
            self.post_message(
                self.Checked("✗ Vérification impossible (erreur inattendue).", False, ())
            )
            return
        details = view.problems[1:] if not view.ok else ()
        self.post_message(self.Checked(view.headline, view.ok, details))

    def on_auditor_home_screen_checked(self, message: Checked) -> None:
        # The headline carries its own ✓ or ✗: shown as a hint line, coloured by kind.
        line = self.query_one("#integrity", StatusLine)
        line.show(message.text, Kind.HINT)
        line.add_class("-ok" if message.ok else "-error")
        self.query_one("#integrity-details", Static).update(
            "\n".join(neutralise(d) for d in message.details[:3])
        )

    @property
    def integrity_text(self) -> str:
        return self.query_one("#integrity", StatusLine).text

    def action_browse(self) -> None:
        if self.browser is not None:
            self.app.push_screen(AuditEventsScreen(self.browser))

    def action_stats(self) -> None:
        if self.browser is not None:
            self.app.push_screen(AuditStatsScreen(self.browser))

    def action_logout(self) -> None:
        self.post_message(LogoutRequested())
