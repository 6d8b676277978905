"""The auditor's desk on the real app and a realistic 60-day log: the auditor lands on the
integrity verdict, not on the agent's lookup; filters narrow the event list; the detail
shows the event and its inclusion proof; a raw SQL edit of one event turns the verdict to
« ✗ » naming that event; and nothing on the desk opens an appointment."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from kiosk.ui.screens.appointment_screen import AppointmentScreen
from kiosk.ui.screens.auditor_detail import AuditEventScreen
from kiosk.ui.screens.auditor_events import AuditEventsScreen
from kiosk.ui.screens.auditor_home import AuditorHomeScreen
from kiosk.ui.screens.auditor_stats import AuditStatsScreen
from kiosk.ui.screens.lookup import LookupScreen
from tests.ui.app_env import KioskPilot, log_in, run_async, screen_text, settle, type_into
from tests.ui.auditor_env import AUDITOR_LOGIN, AUDITOR_PASSWORD, auditor_desk

EVENTS_AFTER_LOGIN = 3386  # the history, the imports, the checkpointed log, the login


async def open_desk(pilot: KioskPilot) -> AuditorHomeScreen:
    await log_in(pilot, AUDITOR_LOGIN, AUDITOR_PASSWORD)
    await settle(pilot)
    home = pilot.app.screen
    assert isinstance(home, AuditorHomeScreen)
    return home


async def browse(pilot: KioskPilot, **filters: str) -> AuditEventsScreen:
    await pilot.press("j")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AuditEventsScreen)
    for key, value in filters.items():
        await type_into(pilot, f"#filter-{key}", value)
    if filters:
        await pilot.press("f5")
        await settle(pilot)
    return screen


def listed(screen: AuditEventsScreen) -> list[list[str]]:
    table = screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(n)] for n in range(table.row_count)]


@run_async
async def test_the_auditor_lands_on_the_integrity_verdict(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(80, 24)) as pilot:
        home = await open_desk(pilot)
        assert home.integrity_text.startswith(
            f"✓ Journal intègre : {EVENTS_AFTER_LOGIN} événements, dernier point de contrôle"
        )
        assert not any(isinstance(s, LookupScreen) for s in app.screen_stack)


@run_async
async def test_filters_narrow_the_list(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_desk(pilot)
        screen = await browse(pilot)
        assert screen.total == EVENTS_AFTER_LOGIN
        await type_into(pilot, "#filter-office", "QUIMPER")
        await type_into(pilot, "#filter-outcome", "abandon")
        await pilot.press("enter")
        await settle(pilot)
        rows = listed(screen)
        assert 0 < screen.total < 50 and len(rows) == screen.total
        assert all(row[2] == "QUIMPER" and row[4] == "abandon" for row in rows)
        await type_into(pilot, "#filter-dossier", rows[0][5])
        await pilot.press("f5")
        await settle(pilot)
        assert {row[5] for row in listed(screen)} == {rows[0][5]}


@run_async
async def test_pages_move_through_the_log(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(pilot)
        screen = await browse(pilot, agent="yann")
        first = listed(screen)[0][0]
        await pilot.press("f8")
        await settle(pilot)
        assert screen.first == 50 and listed(screen)[0][0] != first
        await pilot.press("f7")
        await settle(pilot)
        assert listed(screen)[0][0] == first


@run_async
async def test_a_wrong_date_is_said_and_the_list_stays(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(pilot)
        screen = await browse(pilot, start="31/02/2026")
        assert "Du : date attendue au format JJ/MM/AAAA." in screen_text(app)
        assert screen.total == EVENTS_AFTER_LOGIN


@run_async
async def test_the_detail_shows_the_event_and_its_inclusion_proof(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_desk(pilot)
        screen = await browse(pilot, type="dossier.delivered", office="RENNES")
        row = listed(screen)[0]
        screen.query_one(DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AuditEventScreen)
        shown = screen_text(app)
        assert f"Événement n° {row[0]}" in shown
        assert "dossier.delivered" in shown and row[5] in shown
        assert "Preuve d'inclusion vérifiée" in shown and "3385 événements" in shown
        await pilot.press("escape")
        await settle(pilot)
        assert screen.is_current


@run_async
async def test_statistics_chart_deliveries_refusals_offices_agents(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_desk(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, AuditStatsScreen)
        charts = str(app.screen.query_one("#audit-charts").render())
        for title in ("Remises par jour", "par motif", "par bureau", "par agent"):
            assert title in charts
        assert "holder_absent" in charts and "SAINT-BRIEUC" in charts and "█" in charts


@run_async
async def test_a_tampered_event_is_named_on_the_home(tmp_path: Path) -> None:
    desk = auditor_desk(tmp_path / "home")
    desk.tamper(1234)
    app = desk.app()
    async with app.run_test(size=(80, 24)) as pilot:
        home = await open_desk(pilot)
        assert home.integrity_text.startswith("✗ Journal altéré à l'événement n° 1234")


@run_async
async def test_an_auditor_cannot_open_an_appointment(tmp_path: Path) -> None:
    app = auditor_desk(tmp_path / "home").app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_desk(pilot)
        screen = await browse(pilot, dossier="CS-2026-9000")
        screen.query_one(DataTable).focus()
        for key in ("enter", "escape", "escape", "enter", "f2", "a"):
            await pilot.press(key)
            await settle(pilot)
        stack = app.screen_stack
        assert not any(isinstance(s, LookupScreen | AppointmentScreen) for s in stack)
        assert app.open_flow is None
