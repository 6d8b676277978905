"""Ports of the tamper-evident audit log: its stored Merkle tree, the signed checkpoints and
the personal data kept apart from the chain, as the audit services see them.

The database adapter fills all three in the transaction that appends an event (see
``kiosk.adapters.db.audit_log``): an event, its tree nodes and its personal data land
together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from kiosk.domain.audit import AuditDraft, AuditEvent
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
