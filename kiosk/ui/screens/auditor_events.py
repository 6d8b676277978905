"""The auditor's event browser: the audit log a page at a time, narrowed by date range,
office, agent, event type, outcome and dossier reference. Enter on a row opens the
event's detail. Read only."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input

from kiosk.domain.appointment_lease import OFFICES_TZ
from kiosk.domain.audit import AuditEvent, Outcome
from kiosk.domain.errors import KioskError, ValidationError
from kiosk.services.audit_browser import AuditBrowser, AuditFilters
from kiosk.ui.safe_text import safe_text
from kiosk.ui.screens.auditor_detail import AuditEventScreen
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

PAGE = 50
OUTCOMES: dict[str, Outcome] = {
    "succès": Outcome.SUCCESS,
    "succes": Outcome.SUCCESS,
    "échec": Outcome.FAILURE,
    "echec": Outcome.FAILURE,
    "refus": Outcome.REFUSED,
    "abandon": Outcome.ABORTED,
    **{o.value: o for o in Outcome},
}
OUTCOME_LABELS = {
    Outcome.SUCCESS: "succès",
    Outcome.FAILURE: "échec",
    Outcome.REFUSED: "refus",
    Outcome.ABORTED: "abandon",
}
FIELDS = (
    ("start", "Du (JJ/MM/AAAA)"),
    ("end", "Au (JJ/MM/AAAA)"),
    ("office", "Bureau"),
    ("agent", "Agent"),
    ("type", "Type (préfixe)"),
    ("outcome", "Résultat"),
    ("dossier", "Dossier"),
)


def parse_day(text: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValidationError(f"{label} : date attendue au format JJ/MM/AAAA.")


def parse_outcome(text: str) -> Outcome | None:
    text = text.strip().lower()
    if not text:
        return None
    if text not in OUTCOMES:
        raise ValidationError("Résultat : succès, échec, refus ou abandon.")
    return OUTCOMES[text]


def local_time(event: AuditEvent) -> str:
    return f"{event.at.astimezone(OFFICES_TZ):%d/%m/%y %H:%M}"


class AuditEventsScreen(Screen[None]):
    DEFAULT_CSS = """
    AuditEventsScreen #audit-filters {
        grid-size: 4;
        grid-gutter: 0 1;
        height: auto;
        padding: 0 1;
    }
    AuditEventsScreen #audit-filters Input { width: 1fr; }
    AuditEventsScreen #audit-events { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f5", "apply", "Filtrer", priority=True),
        Binding("f7", "previous_page", "Page préc.", priority=True),
        Binding("f8", "next_page", "Page suiv.", priority=True),
        Binding("escape", "back", "Retour", priority=True),
    ]

    class Paged(Message):
        def __init__(self, events: list[AuditEvent], total: int, offset: int) -> None:
            super().__init__()
            self.events, self.total, self.first = events, total, offset

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, browser: AuditBrowser) -> None:
        super().__init__()
        self.browser = browser
        self.filters = AuditFilters()
        self.first = 0
        self.total = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="audit-filters"):
            for key, label in FIELDS:
                yield Input(placeholder=label, id=f"filter-{key}", compact=True)
        yield StatusLine("Chargement du journal…", Kind.BUSY, id="audit-page")
        yield DataTable(id="audit-events", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # The type last: the narrow, telling columns stay in sight at 80 columns.
        table.add_columns("N°", "Date", "Bureau", "Agent", "Résultat", "Dossier", "Type")
        self._load(self.filters, 0)
        table.focus()

    def _value(self, key: str) -> str:
        return self.query_one(f"#filter-{key}", Input).value.strip()

    def read_filters(self) -> AuditFilters:
        return AuditFilters(
            start=parse_day(self._value("start"), "Du"),
            end=parse_day(self._value("end"), "Au"),
            office=self._value("office") or None,
            agent=self._value("agent") or None,
            event_type=self._value("type") or None,
            outcome=parse_outcome(self._value("outcome")),
            dossier_ref=self._value("dossier") or None,
        )

    @on(Input.Submitted)
    def action_apply(self) -> None:
        try:
            self.filters = self.read_filters()
        except KioskError as exc:
            self.query_one("#audit-page", StatusLine).show(exc.message, Kind.ERROR)
            return
        self._load(self.filters, 0)

    def action_next_page(self) -> None:
        if self.first + PAGE < self.total:
            self._load(self.filters, self.first + PAGE)

    def action_previous_page(self) -> None:
        if self.first > 0:
            self._load(self.filters, max(0, self.first - PAGE))

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, exclusive=True, group="auditor-page", description="auditor-page")
    def _load(self, filters: AuditFilters, offset: int) -> None:
        try:
            events, total = self.browser.page(filters, offset, PAGE)
        except KioskError as exc:
            self.post_message(self.Failed(exc.message))
            return
        except Exception:
            log.exception("audit page could not be read")
            self.post_message(self.Failed("lecture du journal impossible (erreur inattendue)."))
            return
        self.post_message(self.Paged(events, total, offset))

    def on_audit_events_screen_failed(self, message: Failed) -> None:
        self.query_one("#audit-page", StatusLine).show(message.text, Kind.ERROR)

    def on_audit_events_screen_paged(self, message: Paged) -> None:
        self.first, self.total = message.first, message.total
        table = self.query_one(DataTable)
        table.clear()
        for event in message.events:
            table.add_row(
                str(event.seq),
                local_time(event),
                safe_text(event.site),
                safe_text(event.agent),
                OUTCOME_LABELS[event.outcome],
                safe_text(event.dossier_ref),
                safe_text(event.event_type),
                key=str(event.seq),
            )
        self.query_one("#audit-page", StatusLine).show(self.page_text, Kind.HINT)

    @property
    def filters_text(self) -> str:
        """« bureau QUIMPER, résultat abandon »: a typed value hides its field's label."""
        f = self.filters
        named = [
            ("du", f.start and f"{f.start:%d/%m/%Y}"),
            ("au", f.end and f"{f.end:%d/%m/%Y}"),
            ("bureau", f.office),
            ("agent", f.agent),
            ("type", f.event_type),
            ("résultat", f.outcome and OUTCOME_LABELS[f.outcome]),
            ("dossier", f.dossier_ref),
        ]
        return ", ".join(f"{name} {value}" for name, value in named if value)

    @property
    def page_text(self) -> str:
        filters = self.filters_text
        prefix = f"Filtres : {filters} — " if filters else ""
        if not self.total:
            said = f"{prefix}aucun événement ne correspond."
        else:
            last = min(self.first + PAGE, self.total)
            pages = (self.total + PAGE - 1) // PAGE
            page = self.first // PAGE + 1
            said = (
                f"{prefix}événements {self.first + 1}–{last} sur {self.total}"
                f" (page {page}/{pages}) — Entrée : détail"
            )
        return said[0].upper() + said[1:]

    @on(DataTable.RowSelected)
    def _open(self, message: DataTable.RowSelected) -> None:
        if message.row_key.value is not None:
            self.app.push_screen(AuditEventScreen(self.browser, int(message.row_key.value)))
