"""One audit event, every field of it, and the proof that it is under the latest signed
checkpoint (when one covers it). Read only."""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kiosk.domain.appointment_lease import OFFICES_TZ
from kiosk.domain.audit import AuditEvent
from kiosk.domain.errors import KioskError
from kiosk.services.audit_browser import AuditBrowser
from kiosk.ui.safe_text import safe_text
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)


def event_text(event: AuditEvent) -> Text:
    """Every field, one a line; data neutralised (details come from services and imports)."""
    text = Text()

    def line(label: str, value: str | None) -> None:
        text.append(f"{label:<16}", style="bold")
        text.append_text(safe_text(value))
        text.append("\n")

    line("Numéro", str(event.seq))
    line("Date", f"{event.at.astimezone(OFFICES_TZ):%d/%m/%Y %H:%M:%S %Z}")
    line("Bureau", event.site)
    line("Kiosque", event.kiosk)
    line("Agent", event.agent)
    line("Dossier", event.dossier_ref)
    line("Type", event.event_type)
    line("Résultat", event.outcome.value)
    text.append("Détails\n", style="bold")
    if not event.details:
        text.append("  (aucun)\n", style="dim")
    for key in sorted(event.details):
        value = event.details[key]
        text.append("  ")
        text.append_text(safe_text(key))
        text.append(" : ")
        text.append_text(safe_text("null" if value is None else str(value)))
        text.append("\n")
    line("Empreinte", event.hash)
    line("Précédente", event.prev_hash)
    return text


class AuditEventScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour"),
    ]

    class Loaded(Message):
        def __init__(self, event: AuditEvent | None, proof: str, proof_ok: bool) -> None:
            super().__init__()
            self.event, self.proof, self.proof_ok = event, proof, proof_ok

    def __init__(self, browser: AuditBrowser, seq: int) -> None:
        super().__init__()
        self.browser = browser
        self.seq = seq

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="audit-detail", classes="panel") as panel:
            panel.border_title = f"Événement n° {self.seq}"
            yield Static("", id="audit-event", markup=False)
            yield StatusLine("recherche de la preuve d'inclusion…", Kind.BUSY, id="audit-proof")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-detail").focus()
        self._load(self.seq)

    @work(thread=True, exclusive=True, group="auditor-event", description="auditor-event")
    def _load(self, seq: int) -> None:
        try:
            event = self.browser.event(seq)
        except Exception:
            log.exception("audit event could not be read")
            self.post_message(self.Loaded(None, "lecture du journal impossible.", False))
            return
        if event is None:
            self.post_message(self.Loaded(None, f"L'événement n° {seq} n'existe pas.", False))
            return
        try:
            proof = self.browser.inclusion(seq)
        except KioskError as exc:
            self.post_message(self.Loaded(event, exc.message, False))
            return
        except Exception:
            log.exception("inclusion proof failed")
            self.post_message(self.Loaded(event, "preuve d'inclusion impossible.", False))
            return
        said = (
            f"Preuve d'inclusion vérifiée : {len(proof.hashes)} empreinte(s) jusqu'au "
            f"{proof.checkpoint.describe()}."
        )
        self.post_message(self.Loaded(event, said, True))

    def on_audit_event_screen_loaded(self, message: Loaded) -> None:
        if message.event is not None:
            self.query_one("#audit-event", Static).update(event_text(message.event))
        kind = Kind.OK if message.proof_ok else Kind.HINT if message.event else Kind.ERROR
        self.query_one("#audit-proof", StatusLine).show(message.proof, kind)

    def action_back(self) -> None:
        self.app.pop_screen()
