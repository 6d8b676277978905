"""The auditor's desk service on the in-memory log: filters narrow the pages, statistics
count deliveries per day, refusals by reason, events per office and per agent, and a
tampered event is named by the integrity check."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from kiosk.adapters.fakes.memory import FixedClock, MemoryUnitOfWorkFactory
from kiosk.adapters.fakes.memory_repositories import MemoryAuditLog
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.services.audit_browser import AuditBrowser, AuditFilters, last_days

DAY1 = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)  # 10:00 in Brest


def _world() -> tuple[MemoryUnitOfWorkFactory, AuditBrowser]:
    clock = FixedClock(DAY1)
    uow = MemoryUnitOfWorkFactory(clock, site="BREST", kiosk_id="k-brest")
    brest = MemoryAuditLog(uow.state, clock, "BREST", "k-brest")
    quimper = MemoryAuditLog(uow.state, clock, "QUIMPER", "k-quimper")
    brest.append(AuditDraft("agent.login", Outcome.SUCCESS, "alice"))
    brest.append(AuditDraft("dossier.delivered", Outcome.SUCCESS, "alice", "CS-2026-000001"))
    brest.append(
        AuditDraft(
            "appointment.end",
            Outcome.ABORTED,
            "alice",
            "CS-2026-000002",
            {"reason": "holder_absent"},
        )
    )
    clock.advance(timedelta(days=1))
    quimper.append(AuditDraft("dossier.delivered", Outcome.SUCCESS, "bruno", "CS-2026-000003"))
    quimper.append(AuditDraft("identity.check", Outcome.REFUSED, "bruno", "CS-2026-000004"))
    quimper.append(
        AuditDraft(
            "appointment.end",
            Outcome.ABORTED,
            "bruno",
            "CS-2026-000004",
            {"reason": "holder_absent"},
        )
    )
    return uow, AuditBrowser(uow)


def test_no_filter_pages_the_whole_log_in_order() -> None:
    _, browser = _world()
    events, total = browser.page(AuditFilters(), offset=2, limit=2)
    assert total == 6
    assert [e.seq for e in events] == [3, 4]


def test_each_filter_narrows_the_list() -> None:
    _, browser = _world()

    def seqs(filters: AuditFilters) -> list[int]:
        return [e.seq for e in browser.page(filters, 0, 100)[0]]

    assert seqs(AuditFilters(office="quimper")) == [4, 5, 6]
    assert seqs(AuditFilters(agent="alice")) == [1, 2, 3]
    assert seqs(AuditFilters(event_type="dossier.delivered")) == [2, 4]
    assert seqs(AuditFilters(outcome=Outcome.ABORTED)) == [3, 6]
    assert seqs(AuditFilters(dossier_ref="000004")) == [5, 6]
    assert seqs(AuditFilters(start=date(2026, 4, 15))) == [4, 5, 6]
    assert seqs(AuditFilters(end=date(2026, 4, 14))) == [1, 2, 3]
    assert seqs(AuditFilters(office="BREST", outcome=Outcome.SUCCESS)) == [1, 2]


def test_one_event_is_found_by_its_number() -> None:
    _, browser = _world()
    event = browser.event(5)
    assert event is not None and event.event_type == "identity.check"
    assert browser.event(99) is None


def test_statistics_count_deliveries_refusals_offices_and_agents() -> None:
    _, browser = _world()
    stats = browser.stats()
    assert stats.deliveries_per_day == {date(2026, 4, 14): 1, date(2026, 4, 15): 1}
    assert stats.refusals_by_reason == {"holder_absent": 2, "identity.check": 1}
    assert stats.per_office == {"BREST": 3, "QUIMPER": 3}
    assert stats.per_agent == {"alice": 3, "bruno": 3}
    days = last_days(stats, date(2026, 4, 16), days=3)
    assert days == [(date(2026, 4, 14), 1), (date(2026, 4, 15), 1), (date(2026, 4, 16), 0)]
    assert browser.stats(AuditFilters(office="BREST")).refusals_by_reason == {"holder_absent": 1}


def test_integrity_is_ok_then_names_a_tampered_event() -> None:
    uow, browser = _world()
    view = browser.integrity()
    assert view.ok and view.events == 6
    assert view.headline.startswith("✓ Journal intègre : 6 événements")
    chain = uow.state.audit
    chain[3] = dataclasses.replace(chain[3], details={"reason": "forged"})
    view = browser.integrity()
    assert not view.ok and view.first_bad_seq == 4
    assert "✗" in view.headline and "n° 4" in view.headline
