"""Ports of the tamper-evident audit log: its stored Merkle tree, the signed checkpoints and
the personal data kept apart from the chain, as the audit services see them.

The database adapter fills all three in the transaction that appends an event (see
``kiosk.adapters.db.audit_log``): an event, its tree nodes and its personal data land
together or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from kiosk.domain.audit import AuditDraft, AuditEvent, Outcome
from kiosk.domain.checkpoint import SignedCheckpoint
from kiosk.domain.errors import IntegrityError
from kiosk.domain.merkle_store import TreeStore
from kiosk.domain.personal_data import (
    PERSONAL_DETAIL_KEY,
    PersonalRecord,
    SaltSource,
    new_personal_record,
)
from kiosk.domain.ports import UnitOfWork


class UnreadableEventError(IntegrityError):
    """A stored event whose columns no longer read as an event (a modified outcome, details
    that are no longer JSON...): the log is altered there."""

    def __init__(self, seq: int) -> None:
        super().__init__(
            f"Journal altéré à l'événement n° {seq} : contenu illisible (modifié dans la base)"
        )
        self.seq = seq


class AuditTree(TreeStore, Protocol):
    """The stored tree: leaf hashes (level 0) and every completed perfect subtree root."""

    def peaks(self, size: int) -> list[bytes]:
        """The compact range of the tree at ``size`` leaves (``compact_range_positions``);
        raises IntegrityError if a node is missing."""
        ...

    def level_rows(self, level: int) -> Iterator[tuple[int, bytes]]:
        """Every stored (index, hash) of ``level``, by index: what verification compares."""
        ...

    def nodes(self, positions: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored hashes at these (level, index) positions, read at once (a proof's)."""
        ...


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as kept in the database: the signed note, and its size and root stated
    again as columns (for queries; verification checks both agree)."""

    id: int
    size: int
    root_hash: bytes
    at: datetime
    text: str


class CheckpointStore(Protocol):
    def add(self, signed: SignedCheckpoint) -> StoredCheckpoint: ...

    def latest(self) -> StoredCheckpoint | None:
        """The checkpoint of the largest tree (the latest made, among equals)."""
        ...

    def all(self) -> Iterator[StoredCheckpoint]:
        """Every stored checkpoint, oldest first."""
        ...


@dataclass(frozen=True)
class PersonalEntry:
    """The personal data of event ``seq``: ``record`` is None once the retention job has
    erased it (``erased_at`` says when)."""

    seq: int
    record: PersonalRecord | None = field(repr=False)
    erased_at: datetime | None


class PersonalDataStore(Protocol):
    def get(self, seq: int) -> PersonalEntry | None: ...

    def entries(self, start_seq: int, end_seq: int) -> list[PersonalEntry]:
        """The entries of events ``start_seq`` to ``end_seq`` included, by seq."""
        ...

    def erase_before(self, cutoff: datetime, now: datetime) -> int:
        """Erase fields and salt of events older than ``cutoff``; return how many."""
        ...


class AuditIndex(Protocol):
    """Lookups of single events, by seq or by time (indexed, unlike ``AuditLog.events``)."""

    def event(self, seq: int) -> AuditEvent | None: ...

    def seq_range(self, start: datetime | None, end: datetime | None) -> tuple[int, int] | None:
        """The first and last seq of the events with ``start <= at < end`` (None: open
        bound); None if there is none."""
        ...


class AuditUnitOfWork(UnitOfWork, Protocol):
    audit_index: AuditIndex
    audit_tree: AuditTree
    checkpoints: CheckpointStore
    personal_data: PersonalDataStore


class AuditUnitOfWorkFactory(Protocol):
    def __call__(self) -> AuditUnitOfWork: ...


def commit_personal_draft(
    draft: AuditDraft, salts: SaltSource
) -> tuple[AuditDraft, PersonalRecord | None]:
    """The draft the chain seals (its details carry the salted commitment instead of the
    personal fields) and the record to store apart; a draft without personal data is
    returned as it is."""
    if not draft.personal:
        return replace(draft, personal=None), None
    details = dict(draft.details or {})
    if PERSONAL_DETAIL_KEY in details:
        raise ValueError(f"details must not hold the reserved key {PERSONAL_DETAIL_KEY!r}")
    record = new_personal_record(draft.personal, salts)
    details.update(record.details())
    return replace(draft, details=details, personal=None), record


@dataclass(frozen=True)
class AuditQuery:
    """Which events the auditor's desk reads. Every field left ``None`` (or empty) keeps
    every event. ``since``/``until`` are instants (``since <= at < until``); ``office`` and
    ``agent`` match whatever their case, ``type_prefix`` the start of the event type,
    ``dossier_part`` any part of the reference (any case)."""

    since: datetime | None = None
    until: datetime | None = None
    office: str | None = None
    agent: str | None = None
    type_prefix: str | None = None
    outcome: Outcome | None = None
    dossier_part: str | None = None

    def keeps_agent(self, agent: str | None) -> bool:
        return not self.agent or (agent or "").lower() == self.agent.lower()

    def keeps_type(self, event_type: str) -> bool:
        return not self.type_prefix or event_type.startswith(self.type_prefix)

    def keeps(self, event: AuditEvent) -> bool:
        """The meaning of the query, one event at a time: what every reader must return."""
        return (
            (self.since is None or event.at >= self.since)
            and (self.until is None or event.at < self.until)
            and (not self.office or event.site.upper() == self.office.upper())
            and self.keeps_agent(event.agent)
            and self.keeps_type(event.event_type)
            and (self.outcome is None or event.outcome is self.outcome)
            and (
                not self.dossier_part
                or self.dossier_part.upper() in (event.dossier_ref or "").upper()
            )
        )


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    """In log order, at most ``limit`` of them."""
    total: int
    """How many events the query keeps in all (read in the same transaction)."""


@dataclass(frozen=True)
class AuditTally:
    """What the statistics count, for the events a query keeps. Counts by office and by
    agent are ordered by decreasing count, ties in the order each first appears."""

    events: int
    per_office: dict[str, int]
    per_agent: dict[str, int]
    deliveries: list[datetime]
    """When each successful delivery happened (the desk buckets them into local days)."""
    refusals_by_reason: dict[str, int]
    """Refused and aborted events by their ``reason`` detail (else their type)."""


DELIVERED = "dossier.delivered"
REFUSALS = (Outcome.REFUSED, Outcome.ABORTED)


def refusal_reason(event_type: str, details: Mapping[str, object]) -> str:
    reason = details.get("reason")
    return reason if isinstance(reason, str) and reason else event_type


class AuditReader(Protocol):
    """The audit log as the auditor's desk reads it: pages, counts and statistics under a
    query, without reading the whole log (the database answers them from its indexes).
    Read only; events come back exactly as the chain stores them (personal data stays in
    its own store, behind its commitment)."""

    def page(
        self, query: AuditQuery, offset: int = 0, limit: int = 50, after_seq: int | None = None
    ) -> AuditPage:
        """At most ``limit`` events the query keeps, from rank ``offset`` or, given
        ``after_seq``, the first ones after that event (the next page, from the last seq
        of the one before: the log only grows at its end, so ranks never move). ``total``
        counts every event the query keeps."""
        ...

    def count(self, query: AuditQuery) -> int: ...

    def tally(self, query: AuditQuery) -> AuditTally: ...


def scan_page(
    events: Iterable[AuditEvent],
    query: AuditQuery,
    offset: int = 0,
    limit: int = 50,
    after_seq: int | None = None,
) -> AuditPage:
    """The reference reader over events in log order (the fakes', and a small log's)."""
    kept: list[AuditEvent] = []
    total = 0
    for event in events:
        if query.keeps(event):
            if after_seq is not None:
                if event.seq > after_seq and len(kept) < limit:
                    kept.append(event)
            elif offset <= total < offset + limit:
                kept.append(event)
            total += 1
    return AuditPage(kept, total)


def scan_tally(events: Iterable[AuditEvent], query: AuditQuery) -> AuditTally:
    offices: Counter[str] = Counter()
    agents: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    deliveries: list[datetime] = []
    count = 0
    for event in events:
        if not query.keeps(event):
            continue
        count += 1
        offices[event.site] += 1
        if event.agent:
            agents[event.agent] += 1
        if event.event_type == DELIVERED and event.outcome is Outcome.SUCCESS:
            deliveries.append(event.at)
        if event.outcome in REFUSALS:
            reasons[refusal_reason(event.event_type, event.details)] += 1
    return AuditTally(
        count,
        dict(offices.most_common()),
        dict(agents.most_common()),
        deliveries,
        dict(reasons.most_common()),
    )
