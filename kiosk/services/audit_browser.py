"""The auditor's desk (issue 7): pages of the audit log under filters, one event, the
integrity verdict at a glance and simple statistics. Read only.

Filtering streams ``uow.audit.events()`` and filters in Python: a kiosk's log holds a few
thousand events (the demo's 60 days hold about 3,100), which a walk reads in well under a
second, and it needs no new read port. A log grown to hundreds of thousands of events would
want the filters as a SQL query behind a port of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from kiosk.domain.audit import AuditEvent, Outcome, verify_chain
from kiosk.domain.audit_ports import AuditUnitOfWorkFactory
from kiosk.domain.checkpoint import CheckpointVerifier
from kiosk.domain.errors import KioskError, ValidationError
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.ports import Clock, UnitOfWorkFactory
from kiosk.services.audit_checkpoints import open_stored
from kiosk.services.audit_integrity import AuditIntegrity
from kiosk.services.audit_proofs import AuditProofs, InclusionProof

DELIVERED = "dossier.delivered"
REFUSALS = (Outcome.REFUSED, Outcome.ABORTED)


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

    def keeps(self, event: AuditEvent, tz: tzinfo = OFFICES_TZ) -> bool:
        day = event.at.astimezone(tz).date()
        return (
            (self.start is None or day >= self.start)
            and (self.end is None or day <= self.end)
            and (not self.office or event.site.upper() == self.office.upper())
            and (not self.agent or (event.agent or "").lower() == self.agent.lower())
            and (not self.event_type or event.event_type.startswith(self.event_type))
            and (self.outcome is None or event.outcome is self.outcome)
            and (
                not self.dossier_ref
                or self.dossier_ref.upper() in (event.dossier_ref or "").upper()
            )
        )


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


def refusal_reason(event: AuditEvent) -> str:
    reason = event.details.get("reason")
    return reason if isinstance(reason, str) and reason else event.event_type


class AuditBrowser:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        integrity: IntegrityCheck | None = None,
        tz: tzinfo = OFFICES_TZ,
        proofs: AuditProofs | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock
        self._uow = uow
        self._integrity = integrity
        self._proofs = proofs
        self._tz = tz

    def _matching(self, filters: AuditFilters) -> Iterator[AuditEvent]:
        with self._uow() as tx:
            for event in tx.audit.events():
                if filters.keeps(event, self._tz):
                    yield event

    def page(
        self, filters: AuditFilters, offset: int = 0, limit: int = 50
    ) -> tuple[list[AuditEvent], int]:
        """The events kept by ``filters`` from ``offset`` (in log order), and how many
        there are in all."""
        events: list[AuditEvent] = []
        total = 0
        for event in self._matching(filters):
            if offset <= total < offset + limit:
                events.append(event)
            total += 1
        return events, total

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
        return summarise(self._matching(filters), self._tz)


def summarise(events: Iterable[AuditEvent], tz: tzinfo = OFFICES_TZ) -> AuditStats:
    per_day: Counter[date] = Counter()
    reasons: Counter[str] = Counter()
    offices: Counter[str] = Counter()
    agents: Counter[str] = Counter()
    count = 0
    for event in events:
        count += 1
        offices[event.site] += 1
        if event.agent:
            agents[event.agent] += 1
        if event.event_type == DELIVERED and event.outcome is Outcome.SUCCESS:
            per_day[event.at.astimezone(tz).date()] += 1
        if event.outcome in REFUSALS:
            reasons[refusal_reason(event)] += 1
    return AuditStats(
        dict(sorted(per_day.items())),
        dict(reasons.most_common()),
        dict(offices.most_common()),
        dict(agents.most_common()),
        count,
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
