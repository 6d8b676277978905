"""The auditor's desk reading the audit log through SQL (``SqlAuditReader``) on SQLite and
PostgreSQL: every filter keeps exactly the events the desk kept when it walked the whole
log, pages meet without a gap or an overlap (by offset or after a seq), counts and
statistics agree, and nothing personal shows that the chain does not hold."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.adapters.db.audit_reader import SqlAuditReader
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.audit import AuditDraft, AuditEvent, Outcome
from kiosk.domain.audit_ports import UnreadableEventError, scan_page, scan_tally
from kiosk.domain.offices import OFFICES_TZ
from kiosk.services.audit_browser import AuditBrowser, AuditFilters
from tests.integration.db_env import Db, database_url, migrated_db
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres)

# Around the spring change of time in Brest (29 March 2026, 02:00 → 03:00 local) and
# close to local midnight, where a UTC day and an office's day differ.
START = datetime(2026, 3, 27, 21, 40, tzinfo=UTC)
STEP = timedelta(minutes=47)
TYPES = ("agent.login", "dossier.lookup", "identity.check", "identity.mrz", "dossier.delivered")
AGENTS = ("alice", "bruno", None, "claire")
OUTCOMES = (Outcome.SUCCESS, Outcome.SUCCESS, Outcome.REFUSED, Outcome.ABORTED, Outcome.FAILURE)
REASONS = ("holder_absent", "", "document_expired")
NATIONALITY = "GUF"  # the personal field of identity checks, kept apart from the chain

FILTERS = [
    AuditFilters(),
    AuditFilters(office="quimper"),
    AuditFilters(office="BREST", outcome=Outcome.SUCCESS),
    AuditFilters(agent="ALICE"),
    AuditFilters(agent="nobody"),
    AuditFilters(event_type="identity"),
    AuditFilters(event_type="identity.mrz"),
    AuditFilters(event_type="dossier.deliv", agent="bruno"),
    AuditFilters(event_type="zzz"),
    AuditFilters(outcome=Outcome.ABORTED),
    AuditFilters(dossier_ref="000004"),
    AuditFilters(dossier_ref="cs-2026-000007"),
    AuditFilters(dossier_ref="%"),
    AuditFilters(dossier_ref="_"),
    AuditFilters(start=date(2026, 3, 29)),
    AuditFilters(end=date(2026, 3, 28)),
    AuditFilters(start=date(2026, 3, 29), end=date(2026, 3, 29)),
    AuditFilters(start=date(2026, 3, 30), end=date(2026, 3, 29)),
    AuditFilters(start=date(2026, 3, 28), end=date(2026, 3, 30), agent="claire", office="brest"),
]


def _draft(n: int) -> AuditDraft:
    event_type = TYPES[n % len(TYPES)]
    outcome = OUTCOMES[n % len(OUTCOMES)]
    details: dict[str, str | int] = {"n": n}
    if outcome is not Outcome.SUCCESS:
        details["reason"] = REASONS[n % len(REASONS)]
    personal = {"nationality": NATIONALITY} if event_type == "identity.check" else None
    reference = None if n % 6 == 0 else f"CS-2026-{n % 11:06d}"
    return AuditDraft(
        event_type, outcome, AGENTS[n % len(AGENTS)], reference, details, personal=personal
    )


@pytest.fixture
def db(tmp_path: Path, database_url: str) -> Iterator[Db]:
    """110 events over three days at two offices, appended as the desk appends them."""
    with migrated_db(tmp_path, url=database_url) as database:
        database.clock.set(START)
        quimper = SqlUnitOfWorkFactory(
            database.engine, site="QUIMPER", kiosk_id="k-quimper", clock=database.clock
        )
        for n in range(110):
            with (quimper if n % 3 == 0 else database.uow)() as tx:
                tx.audit.append(_draft(n))
                tx.commit()
            database.clock.advance(STEP)
        yield database


def _all(db: Db) -> list[AuditEvent]:
    with db.uow() as tx:
        return list(tx.audit.events())


def _reader(db: Db) -> SqlAuditReader:
    return SqlAuditReader(db.engine)


def test_each_filter_keeps_what_the_walk_of_the_whole_log_kept(db: Db) -> None:
    events, reader = _all(db), _reader(db)
    for filters in FILTERS:
        query = filters.query()
        expected = [e for e in events if filters.keeps(e)]
        page = reader.page(query, 0, 200)
        assert page.events == expected, filters
        assert page.total == reader.count(query) == len(expected), filters
    # The filters do narrow: the test would pass vacuously otherwise.
    assert 0 < len([e for e in events if AuditFilters(agent="ALICE").keeps(e)]) < len(events)


def test_a_local_day_is_the_offices_day_across_the_change_of_time(db: Db) -> None:
    query = AuditFilters(start=date(2026, 3, 29), end=date(2026, 3, 29)).query()
    assert query.since == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # UTC+1 until 02:00
    assert query.until == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # UTC+2 from 03:00
    page = _reader(db).page(query, 0, 200)
    that_day = [e for e in _all(db) if e.at.astimezone(OFFICES_TZ).date() == date(2026, 3, 29)]
    assert page.events == that_day and page.total == len(that_day) == 29  # 23 h, one every 47 min


def test_pages_meet_without_gap_or_overlap_at_every_boundary(db: Db) -> None:
    reader = _reader(db)
    query = AuditFilters(office="brest").query()
    expected = [e.seq for e in _all(db) if query.keeps(e)]
    total = len(expected)
    for limit in (1, 7, total - 1, total, total + 1):
        seen: list[int] = []
        for offset in range(0, total + limit, limit):
            page = reader.page(query, offset, limit)
            assert page.total == total
            assert len(page.events) == max(0, min(limit, total - offset))
            seen += [e.seq for e in page.events]
        assert seen == expected, limit
    assert reader.page(query, total, 10).events == []
    assert [e.seq for e in reader.page(query, total - 1, 10).events] == expected[-1:]
    assert reader.page(query, 0, 0).events == []


def test_a_page_after_a_seq_is_the_page_at_its_offset(db: Db) -> None:
    reader = _reader(db)
    query = AuditFilters(event_type="identity").query()
    by_offset = reader.page(query, 5, 5)
    before = reader.page(query, 4, 1).events[0]
    after = reader.page(query, after_seq=before.seq, limit=5)
    assert after.events == by_offset.events
    assert after.total == by_offset.total


def test_the_browser_pages_forward_and_back_as_the_walk_did(db: Db) -> None:
    walk = AuditBrowser(db.uow)
    sql = AuditBrowser(db.uow, reader=_reader(db))
    filters = AuditFilters(office="BREST")
    for offset in (0, 10, 20, 30, 40, 50, 60, 70, 80, 70, 60, 0, 10):
        assert sql.page(filters, offset, 10) == walk.page(filters, offset, 10), offset
    # A new event lands while the auditor is on page 2: totals grow, pages stay put.
    with db.uow() as tx:
        tx.audit.append(AuditDraft("agent.logout", Outcome.SUCCESS, "alice"))
        tx.commit()
    assert sql.page(filters, 10, 10) == walk.page(filters, 10, 10)
    last = sql.page(filters, 70, 10)
    assert last == walk.page(filters, 70, 10) and last[0][-1].event_type == "agent.logout"


def test_statistics_count_as_the_walk_did(db: Db) -> None:
    reader = _reader(db)
    events = _all(db)
    for filters in (AuditFilters(), AuditFilters(office="quimper"), AuditFilters(agent="x")):
        assert reader.tally(filters.query()) == scan_tally(events, filters.query())
    walk, sql = AuditBrowser(db.uow), AuditBrowser(db.uow, reader=reader)
    stats = sql.stats()
    assert stats == walk.stats()
    assert stats.events == 110 and set(stats.per_office) == {"BREST", "QUIMPER"}
    assert stats.refusals_by_reason["holder_absent"] > 0
    assert list(stats.refusals_by_reason.values()) == sorted(
        stats.refusals_by_reason.values(), reverse=True
    )


def test_personal_data_stays_behind_its_commitment(db: Db) -> None:
    page = _reader(db).page(AuditFilters(event_type="identity.check").query(), 0, 100)
    assert (
        page.events
        and page.events
        == scan_page(_all(db), AuditFilters(event_type="identity.check").query(), 0, 100).events
    )
    shown = json.dumps([dict(e.details) for e in page.events])
    assert NATIONALITY not in shown
    assert all("nationality" not in e.details for e in page.events)


def test_a_page_after_any_seq_is_the_walks(db: Db) -> None:
    events, reader = _all(db), _reader(db)
    query = AuditFilters(event_type="identity", office="BREST").query()
    for after in (0, 1, 37, 55, 108, 109, 110, 500):
        page = reader.page(query, after_seq=after, limit=4)
        assert page == scan_page(events, query, after_seq=after, limit=4), after
    assert reader.page(query, after_seq=110, limit=4).events == []


def test_an_event_altered_in_the_database_is_named_not_shown(db: Db) -> None:
    db.sql("UPDATE audit_events SET details = 'plus du JSON' WHERE seq = 7")
    with pytest.raises(UnreadableEventError) as raised:
        _reader(db).page(AuditFilters().query(), 0, 50)
    assert raised.value.message.startswith("Journal altéré à l'événement n° 7")
    if db.is_sqlite:  # PostgreSQL's column holds nothing but instants
        db.sql("UPDATE audit_events SET details = '{}', at = 'hier' WHERE seq = 7")
        with pytest.raises(UnreadableEventError, match="n° 7"):
            _reader(db).page(AuditFilters().query(), 0, 50)
    # Pages that do not hold it still read.
    assert [e.seq for e in _reader(db).page(AuditFilters().query(), 10, 5).events] == [
        11, 12, 13, 14, 15,
    ]  # fmt: skip
