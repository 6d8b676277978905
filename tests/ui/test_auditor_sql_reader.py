"""The auditor's desk as ``make_app`` wires it (pages, counts and statistics read by SQL
from the indexes) on the realistic 60-day log: every filtered page, the next one and the
one before show the rows the desk showed when it walked the whole log, and the statistics
are the same."""

from __future__ import annotations

from pathlib import Path

from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.services.audit_browser import AuditBrowser, AuditFilters
from kiosk.ui.screens.auditor_events import PAGE, AuditEventsScreen
from tests.ui.app_env import KioskPilot, run_async, settle, type_into
from tests.ui.auditor_env import AuditorDesk, auditor_desk
from tests.ui.sample_data import KIOSK_ID, SITE
from tests.ui.test_auditor import browse, listed, open_desk


def _walk(desk: AuditorDesk) -> AuditBrowser:
    """The desk as it was: the whole log walked and filtered in Python."""
    engine = make_engine(desk.desk.settings.database_url)
    return AuditBrowser(SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID))


def _rows_of(browser: AuditBrowser, filters: AuditFilters, offset: int) -> list[str]:
    events, _total = browser.page(filters, offset, PAGE)
    return [str(e.seq) for e in events]


async def _shown(pilot: KioskPilot, screen: AuditEventsScreen, key: str) -> list[str]:
    await pilot.press(key)
    await settle(pilot)
    return [row[0] for row in listed(screen)]


@run_async
async def test_filtered_pages_forward_and_back_are_the_walks(tmp_path: Path) -> None:
    desk = auditor_desk(tmp_path / "home")
    app = desk.desk.app()  # the services as make_app builds them
    walk = _walk(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_desk(pilot)
        screen = await browse(pilot, office="brest", type="personalisation")
        filters = screen.filters
        expected_total = walk.page(filters, 0, PAGE)[1]
        assert screen.total == expected_total > 2 * PAGE
        assert [row[0] for row in listed(screen)] == _rows_of(walk, filters, 0)
        assert await _shown(pilot, screen, "f8") == _rows_of(walk, filters, PAGE)
        assert await _shown(pilot, screen, "f8") == _rows_of(walk, filters, 2 * PAGE)
        assert await _shown(pilot, screen, "f7") == _rows_of(walk, filters, PAGE)
        assert screen.page_text.startswith(
            f"Filtres : bureau brest, type personalisation — événements {PAGE + 1}–{2 * PAGE}"
            f" sur {expected_total}"
        )
        await type_into(pilot, "#filter-dossier", "cs-2026")
        await type_into(pilot, "#filter-outcome", "refus")
        await pilot.press("f5")
        await settle(pilot)
        assert screen.total == walk.page(screen.filters, 0, PAGE)[1]
        assert [row[0] for row in listed(screen)] == _rows_of(walk, screen.filters, 0)


def test_the_statistics_are_the_walks(tmp_path: Path) -> None:
    desk = auditor_desk(tmp_path / "home")
    app = desk.desk.app()
    sql = app.services.audit_browser
    assert sql is not None
    walk = _walk(desk)
    assert sql.stats() == walk.stats()
    quimper = AuditFilters(office="QUIMPER")
    assert sql.stats(quimper) == walk.stats(quimper)
    assert sql.stats().events == walk.page(AuditFilters(), 0, 1)[1] > 3000
