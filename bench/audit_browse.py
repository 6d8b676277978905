"""The auditor's desk on the 1,000,000-event log of ``bench.audit`` (built there once and
kept in ``var/bench``; brought here to the latest migration, whose indexes the desk's
filters use: a kept database gains them once, in about 10 s).

Figure: the page the desk shows when the auditor filters by event type and one month
(page 1, its 50 events and how many the filters keep in all), through ``AuditBrowser`` and
``SqlAuditReader``, against the same page and count as two bare SELECTs through sqlite3 on
the date index. Each sample is another type and month, the browser a new one (no page
remembered).
"""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

from bench.report import line, timed_each
from kiosk.adapters.db.audit_reader import SqlAuditReader
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.domain.offices import OFFICES_TZ
from kiosk.services.audit_browser import AuditBrowser, AuditFilters, local_midnight

SAMPLES = 200
PAGE = 50
# Months the bench log covers (one event a minute from 1 January 2025).
_MONTHS = [date(2025 + m // 12, m % 12 + 1, 1) for m in range(22)]
_TYPES = ("dossier.lookup", "identity.check", "answers.check", "personalisation.verified")
_BARE = (
    "FROM audit_events INDEXED BY ix_audit_events_at WHERE at >= ? AND at < ? AND event_type = ?"
)


def _month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _stored(day: date) -> str:
    """A local day's start as ``audit_events.at`` stores it (UTC, no offset)."""
    return local_midnight(day, OFFICES_TZ).replace(tzinfo=None).isoformat(sep=" ")


def figures(path: Path, site: str, kiosk: str) -> None:
    url = f"sqlite:///{path}"
    upgrade(url)  # the browse indexes (migration 0006), once
    rng = random.Random(5)  # noqa: S311 - a reproducible order, not a secret
    asked = [(rng.choice(_TYPES), rng.choice(_MONTHS)) for _ in range(SAMPLES)]
    engine = make_engine(url)
    uow = SqlUnitOfWorkFactory(engine, site=site, kiosk_id=kiosk)
    reader = SqlAuditReader(engine)

    def browse(sample: tuple[str, date]) -> None:
        event_type, month = sample
        filters = AuditFilters(start=month, end=_month_end(month), event_type=event_type)
        events, total = AuditBrowser(uow, reader=reader).page(filters, 0, PAGE)
        assert len(events) == min(PAGE, total) and total > 0

    with closing(sqlite3.connect(path)) as raw:

        def bare(sample: tuple[str, date]) -> None:
            event_type, month = sample
            end = date.fromordinal(_month_end(month).toordinal() + 1)
            bounds = (_stored(month), _stored(end), event_type)
            raw.execute(f"SELECT * {_BARE} ORDER BY seq LIMIT {PAGE}", bounds).fetchall()
            raw.execute(f"SELECT count(*) {_BARE}", bounds).fetchone()

        timed_each(browse, asked[:20])  # both read the same index pages warm
        floor = timed_each(bare, asked)
        line(
            "auditor's page: type + month, 1M events",
            timed_each(browse, asked),
            "page + count, bare SQL",
            floor,
        )
    engine.dispose()
