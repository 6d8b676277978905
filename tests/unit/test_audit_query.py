"""The auditor's filters as a reader's query: local days become the instants an office's
day starts and ends (23 or 25 hours when the clocks change), and the next page read after
a known seq is the page at that rank, even when the log has grown since."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kiosk.adapters.fakes.memory import FixedClock, MemoryUnitOfWorkFactory
from kiosk.adapters.fakes.memory_repositories import MemoryAuditLog
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.audit_ports import AuditQuery, scan_page
from kiosk.services.audit_browser import AuditBrowser, AuditFilters

START = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)


def _uow(events: int) -> MemoryUnitOfWorkFactory:
    clock = FixedClock(START)
    uow = MemoryUnitOfWorkFactory(clock, site="BREST", kiosk_id="k-brest")
    log = MemoryAuditLog(uow.state, clock, "BREST", "k-brest")
    for n in range(events):
        agent = "alice" if n % 2 else "bruno"
        log.append(AuditDraft("dossier.lookup", Outcome.SUCCESS, agent, f"CS-2026-{n:06d}"))
        clock.advance(timedelta(hours=1))
    return uow


def test_a_day_of_filters_is_the_offices_day_even_when_clocks_go_back() -> None:
    query = AuditFilters(start=date(2026, 10, 25), end=date(2026, 10, 25)).query()
    assert query.since == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # midnight, UTC+2
    assert query.until == datetime(2026, 10, 25, 23, 0, tzinfo=UTC)  # next midnight, UTC+1
    events = _uow(40).audit_events()
    kept = scan_page(events, query, 0, 100).events
    assert len(kept) == 25  # a 25-hour day, one event an hour
    assert all(AuditFilters(start=date(2026, 10, 25)).keeps(e) for e in kept)


def test_empty_filters_keep_everything() -> None:
    events = _uow(5).audit_events()
    assert AuditFilters(office="", agent="", event_type="").query() == AuditQuery()
    assert scan_page(events, AuditQuery(), 0, 50).total == 5


def test_the_next_page_after_a_seq_is_the_page_at_its_rank_though_the_log_grew() -> None:
    uow = _uow(30)
    browser = AuditBrowser(uow)
    alice = AuditFilters(agent="ALICE")
    first, total = browser.page(alice, 0, 10)
    assert total == 15 and [e.seq for e in first] == list(range(2, 21, 2))
    MemoryAuditLog(uow.state, FixedClock(START), "BREST", "k-brest").append(
        AuditDraft("agent.logout", Outcome.SUCCESS, "alice")
    )
    second, total = browser.page(alice, 10, 10)
    assert total == 16
    assert [e.seq for e in second] == [22, 24, 26, 28, 30, 31]
    assert browser.page(alice, 10, 10) == (second, 16)  # the same page again
    events = uow.audit_events()
    after = scan_page(events, alice.query(), after_seq=first[-1].seq, limit=10)
    assert after.events == second and after.total == 16


def test_the_calendars_ends_typed_as_dates_bound_nothing() -> None:
    events = _uow(3).audit_events()
    widest = AuditFilters(start=date(1, 1, 1), end=date(9999, 12, 31))
    assert widest.query() == AuditQuery()
    assert [e.seq for e in scan_page(events, widest.query()).events] == [1, 2, 3]
