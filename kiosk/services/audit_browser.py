"""The auditor's desk (issue 7): pages of the audit log under filters, one event, the
integrity verdict at a glance and simple statistics. Read only.

Pages, counts and statistics go through an ``AuditReader`` (``kiosk.domain.audit_ports``):
the database answers them from its indexes, so a page of a million-event log costs a few
milliseconds. Without one (the fakes, a test's small log) the browser walks the log and
filters in Python, with the same meaning (``AuditQuery.keeps``). The integrity verdict
always reads the whole log: that is what it checks.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from kiosk.domain.audit import AuditEvent, Outcome, verify_chain
from kiosk.domain.audit_ports import (
    AuditPage,
    AuditQuery,
    AuditReader,
    AuditTally,
    AuditUnitOfWorkFactory,
    scan_page,
    scan_tally,
)
from kiosk.domain.checkpoint import CheckpointVerifier
from kiosk.domain.errors import KioskError, ValidationError
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.ports import Clock, UnitOfWorkFactory
from kiosk.services.audit_checkpoints import open_stored
from kiosk.services.audit_integrity import AuditIntegrity
from kiosk.services.audit_proofs import AuditProofs, InclusionProof

_ANCHORS_KEPT = 2000


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The instant a local day starts, in UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _bound(day: date | None, days_after: int, tz: tzinfo) -> datetime | None:
    """The start of ``day`` + ``days_after``; None (no bound) past the calendar's ends,
    which hold no event anyway (« 31/12/9999 » typed as the last day)."""
    if day is None:
        return None
    try:
        return local_midnight(day + timedelta(days_after), tz)
    except OverflowError:
        return None


@dataclass(frozen=True)
class AuditFilters:
    """Every field left ``None`` (or empty) lets every event through. Dates are the
    offices' local days, both ends included."""

    start: date | None = None
    end: date | None = None
    office: str | None = None
    agent: str | None = None
    event_type: str | None = None
    """A prefix: ``identity`` keeps ``identity.check`` and ``identity.mrz``."""
    outcome: Outcome | None = None
    dossier_ref: str | None = None
    """Any part of the reference: ``000004`` keeps ``CS-2026-000004``."""

    def query(self, tz: tzinfo = OFFICES_TZ) -> AuditQuery:
        """The same filters as the reader's query: local days become instants."""
        return AuditQuery(
            since=_bound(self.start, 0, tz),
            until=_bound(self.end, 1, tz),
            office=self.office or None,
            agent=self.agent or None,
            type_prefix=self.event_type or None,
            outcome=self.outcome,
            dossier_part=self.dossier_ref or None,
        )

    def keeps(self, event: AuditEvent, tz: tzinfo = OFFICES_TZ) -> bool:
        return self.query(tz).keeps(event)


class ScanningReader:
    """The reader of a log without one of its own: walks it and filters in Python."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def page(
        self, query: AuditQuery, offset: int = 0, limit: int = 50, after_seq: int | None = None
    ) -> AuditPage:
        with self._uow() as tx:
            return scan_page(tx.audit.events(), query, offset, limit, after_seq)

    def count(self, query: AuditQuery) -> int:
        return self.page(query, 0, 0).total

    def tally(self, query: AuditQuery) -> AuditTally:
        with self._uow() as tx:
            return scan_tally(tx.audit.events(), query)


@dataclass(frozen=True)
class IntegrityView:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    last_checkpoint: str | None = None
    """``point de contrôle du … (N événements)``, or None when none is stored."""
    problems: tuple[str, ...] = ()

    @property
    def headline(self) -> str:
        if self.ok:
            checkpoint = self.last_checkpoint or "aucun point de contrôle"
            return f"✓ Journal intègre : {self.events} événements, dernier {checkpoint}"
        where = f" à l'événement n° {self.first_bad_seq}" if self.first_bad_seq else ""
        return f"✗ Journal altéré{where} : {self.problems[0] if self.problems else ''}".rstrip(" :")


@dataclass(frozen=True)
class AuditStats:
    deliveries_per_day: dict[date, int] = field(default_factory=dict)
    refusals_by_reason: dict[str, int] = field(default_factory=dict)
    per_office: dict[str, int] = field(default_factory=dict)
    per_agent: dict[str, int] = field(default_factory=dict)
    events: int = 0


IntegrityCheck = Callable[[], IntegrityView]


class AuditBrowser:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        integrity: IntegrityCheck | None = None,
        tz: tzinfo = OFFICES_TZ,
        proofs: AuditProofs | None = None,
        clock: Clock | None = None,
        reader: AuditReader | None = None,
    ) -> None:
        self._clock = clock
        self._uow = uow
        self._integrity = integrity
        self._proofs = proofs
        self._tz = tz
        self._reader: AuditReader = reader if reader is not None else ScanningReader(uow)
        # (query, offset) -> seq of the event just before that page. The log only grows
        # at its end, so the events a query keeps keep their ranks: the next (or an
        # already seen) page starts after a known seq instead of skipping ``offset`` rows.
        self._anchors: dict[tuple[AuditQuery, int], int] = {}
        self._lock = threading.Lock()

    def page(
        self, filters: AuditFilters, offset: int = 0, limit: int = 50
    ) -> tuple[list[AuditEvent], int]:
        """The events kept by ``filters`` from ``offset`` (in log order), and how many
        there are in all."""
        query = filters.query(self._tz)
        with self._lock:
            anchor = self._anchors.get((query, offset))
        found = self._reader.page(query, offset, limit, after_seq=anchor)
        events = found.events
        if events:
            with self._lock:
                if len(self._anchors) >= _ANCHORS_KEPT:
                    self._anchors.clear()
                self._anchors[(query, offset + len(events))] = events[-1].seq
        return events, found.total

    def count(self, filters: AuditFilters) -> int:
        return self._reader.count(filters.query(self._tz))

    def event(self, seq: int) -> AuditEvent | None:
        with self._uow() as tx:
            return next((e for e in tx.audit.events(seq) if e.seq == seq), None)

    def today(self) -> date:
        """The offices' day now (the statistics' last day)."""
        now = self._clock.now() if self._clock is not None else datetime.now(UTC)
        return now.astimezone(self._tz).date()

    def inclusion(self, seq: int) -> InclusionProof:
        """The proof that event ``seq`` is under the latest stored checkpoint (checked
        before it is handed out); a ``KioskError`` says why there is none."""
        if self._proofs is None:
            raise ValidationError(
                "Preuve d'inclusion indisponible : la clé publique d'audit n'est pas exportée."
            )
        return self._proofs.inclusion(seq)

    def integrity(self) -> IntegrityView:
        """Chain, stored tree and checkpoints when wired with the whole check; else the
        hash chain alone."""
        if self._integrity is not None:
            return self._integrity()
        with self._uow() as tx:
            report = verify_chain(tx.audit.events())
        problems = () if report.ok else (report.problem or "",)
        return IntegrityView(report.ok, report.checked, report.first_bad_seq, None, problems)

    def stats(self, filters: AuditFilters = AuditFilters()) -> AuditStats:
        tally = self._reader.tally(filters.query(self._tz))
        per_day = Counter(at.astimezone(self._tz).date() for at in tally.deliveries)
        return AuditStats(
            dict(sorted(per_day.items())),
            tally.refusals_by_reason,
            tally.per_office,
            tally.per_agent,
            tally.events,
        )


def last_days(stats: AuditStats, today: date, days: int = 30) -> list[tuple[date, int]]:
    """Deliveries for each of the ``days`` days up to ``today`` (zero on a quiet day)."""
    first = today - timedelta(days=days - 1)
    return [
        (first + timedelta(n), stats.deliveries_per_day.get(first + timedelta(n), 0))
        for n in range(days)
    ]


def whole_check(
    uow: AuditUnitOfWorkFactory, verifier: CheckpointVerifier | None, origin: str
) -> IntegrityCheck:
    """The integrity check of ``kiosk audit verify`` (chain, stored Merkle tree, stored
    checkpoints' signatures, personal data), told as an ``IntegrityView``."""
    service = AuditIntegrity(uow, verifier, origin)

    def check() -> IntegrityView:
        report = service.verify()
        with uow() as tx:
            latest = tx.checkpoints.latest()
        described: str | None = None
        if latest is not None:
            described = f"point de contrôle ({latest.size} événements)"
            if verifier is not None:
                with suppress(KioskError):  # the report already names a bad checkpoint
                    described = open_stored(latest, verifier, origin).describe()
        problems = () if report.ok else report.lines
        return IntegrityView(report.ok, report.events, report.first_bad_seq, described, problems)

    return check
