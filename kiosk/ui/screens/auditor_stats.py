"""The auditor's statistics, as text charts: deliveries per day over the last 30 days,
refusals by reason, events per office and per agent. Read only."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from kiosk.services.audit_browser import AuditBrowser, AuditStats, last_days
from kiosk.ui.safe_text import neutralise
from kiosk.ui.widgets.status_line import Kind, StatusLine

log = logging.getLogger(__name__)

BAR_WIDTH = 40
LABEL_WIDTH = 18
WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")


def bar(count: int, largest: int, width: int = BAR_WIDTH) -> str:
    """``█`` characters in proportion, at least one for any count above zero."""
    if count <= 0 or largest <= 0:
        return ""
    return "█" * max(1, round(count * width / largest))


def chart(title: str, rows: list[tuple[str, int]]) -> Text:
    text = Text()
    text.append(f"{title}\n", style="bold")
    if not rows:
        text.append("  (aucun)\n", style="dim")
        return text
    largest = max(count for _, count in rows)
    for label, count in rows:
        shown = neutralise(label)[:LABEL_WIDTH]
        text.append(f"  {shown:<{LABEL_WIDTH}} {count:>5} ")
        text.append(bar(count, largest), style="bold")
        text.append("\n")
    return text


def stats_text(stats: AuditStats, today: date) -> Text:
    def rows(counts: Mapping[str, int]) -> list[tuple[str, int]]:
        return list(counts.items())

    days = [(f"{WEEKDAYS[d.weekday()]} {d:%d/%m}", n) for d, n in last_days(stats, today)]
    delivered = sum(n for _, n in days)
    parts = [
        chart(f"Remises par jour (30 derniers jours : {delivered})", days),
        chart("Refus et abandons par motif", rows(stats.refusals_by_reason)),
        chart("Événements par bureau", rows(stats.per_office)),
        chart("Événements par agent", rows(stats.per_agent)),
    ]
    return Text("\n").join(parts)


class AuditStatsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Retour"),
    ]

    class Counted(Message):
        def __init__(self, stats: AuditStats | None) -> None:
            super().__init__()
            self.stats = stats

    def __init__(self, browser: AuditBrowser) -> None:
        super().__init__()
        self.browser = browser

    def compose(self) -> ComposeResult:
        yield Header()
        yield StatusLine("calcul des statistiques…", Kind.BUSY, id="audit-stats-status")
        with VerticalScroll(id="audit-stats", classes="panel") as panel:
            panel.border_title = "Statistiques du journal"
            yield Static("", id="audit-charts", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-stats").focus()
        self._count()

    @work(thread=True, exclusive=True, group="auditor-stats", description="auditor-stats")
    def _count(self) -> None:
        try:
            self.post_message(self.Counted(self.browser.stats()))
        except Exception:
            log.exception("audit statistics failed")
            self.post_message(self.Counted(None))

    def on_audit_stats_screen_counted(self, message: Counted) -> None:
        status = self.query_one("#audit-stats-status", StatusLine)
        if message.stats is None:
            status.show("statistiques indisponibles (lecture du journal impossible).", Kind.ERROR)
            return
        status.show(f"{message.stats.events} événements au journal — ↑↓ pour défiler.")
        charts = stats_text(message.stats, self.browser.today())
        self.query_one("#audit-charts", Static).update(charts)

    def action_back(self) -> None:
        self.app.pop_screen()
