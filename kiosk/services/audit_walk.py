"""Reading the whole audit log without holding the database for long.

On SQLite every transaction takes the write lock (``BEGIN IMMEDIATE``), so a verification
of a million events in one transaction would keep the desk from recording anything for
seconds, longer than its busy timeout. ``LogWalk`` reads the log in chunks, each in its
own short transaction; the log and its tree only ever grow, so a chunk read later is the
continuation of the one read before.

``CachedTree`` keeps the tree nodes already read: they never change once written, and the
proofs of neighbouring events share most of theirs (an export of a month of events costs a
few lookups per event instead of forty).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence

from kiosk.domain.audit import AuditEvent
from kiosk.domain.audit_ports import (
    AuditTree,
    AuditUnitOfWork,
    AuditUnitOfWorkFactory,
    PersonalEntry,
)
from kiosk.domain.merkle_store import consistency_proof, inclusion_proof

CHUNK_EVENTS = 20_000
_CACHE_LIMIT = 500_000


class LogWalk:
    """``events()`` yields the log in seq order; while an event is being handled, its
    chunk's transaction is open on ``uow`` (use ``uow.audit_tree`` then; after the last
    event, open ``uow`` again) and ``personal`` holds the chunk's personal data by seq.
    Close the iterator if you stop early (``contextlib.closing``): that ends the open
    transaction."""

    def __init__(self, uow_factory: AuditUnitOfWorkFactory, chunk: int = CHUNK_EVENTS) -> None:
        self.uow: AuditUnitOfWork = uow_factory()
        self._chunk = chunk
        self.personal: dict[int, PersonalEntry] = {}

    def events(
        self, start_seq: int = 1, end_seq: int | None = None, *, with_personal: bool = False
    ) -> Generator[AuditEvent, None, None]:
        next_seq = start_seq
        while end_seq is None or next_seq <= end_seq:
            with self.uow as tx:
                batch: list[AuditEvent] = []
                for event in tx.audit.events(next_seq):
                    if end_seq is not None and event.seq > end_seq:
                        break
                    batch.append(event)
                    if len(batch) == self._chunk:
                        break
                if not batch:
                    return
                if with_personal:
                    # The previous chunk's last entry stays: a reader one event behind
                    # (verification waits for the chain to accept an event) still needs it.
                    first = batch[0].seq
                    kept = {seq: e for seq, e in self.personal.items() if seq >= first - 1}
                    entries = tx.personal_data.entries(first, batch[-1].seq)
                    self.personal = kept | {entry.seq: entry for entry in entries}
                yield from batch
            if len(batch) < self._chunk:
                return  # the end of the log, or of what was asked
            next_seq = batch[-1].seq + 1


class CachedTree:
    """An ``AuditTree`` that remembers the hashes it has read (they are final)."""

    def __init__(self, tree: AuditTree) -> None:
        self._tree = tree
        self._nodes: dict[tuple[int, int], bytes | None] = {}

    def size(self) -> int:
        return self._tree.size()

    def leaf_hash(self, index: int) -> bytes:
        found = self._nodes.get((0, index))
        if found is None:
            found = self._remember((0, index), self._tree.leaf_hash(index))
        return found

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        key = (level, index)
        if key in self._nodes:
            return self._nodes[key]
        found = self._tree.subtree_hash(level, index)
        if found is not None:  # an absent node may be written later: never remembered
            self._remember(key, found)
        return found

    def _remember(self, key: tuple[int, int], digest: bytes) -> bytes:
        if len(self._nodes) >= _CACHE_LIMIT:
            self._nodes.clear()
        self._nodes[key] = digest
        return digest

    def prefetch(self, positions: Sequence[tuple[int, int]]) -> None:
        """Read these nodes in one query (``proof_positions``) rather than one by one."""
        wanted = [p for p in positions if p not in self._nodes]
        for position, digest in self._tree.nodes(wanted).items():
            self._remember(position, digest)

    def nodes(self, positions: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return self._tree.nodes(positions)

    def peaks(self, size: int) -> list[bytes]:
        return self._tree.peaks(size)

    def level_rows(self, level: int) -> Iterator[tuple[int, bytes]]:
        return self._tree.level_rows(level)


class _Recorder:
    """A tree of ``size`` leaves that only notes which nodes are asked for. A proof's
    recursion stops at every perfect subtree the store has, and a stored tree has all of
    them: so the nodes a proof reads do not depend on their values."""

    def __init__(self, size: int) -> None:
        self._size = size
        self.asked: list[tuple[int, int]] = []

    def size(self) -> int:
        return self._size

    def leaf_hash(self, index: int) -> bytes:
        self.asked.append((0, index))
        return bytes(32)

    def subtree_hash(self, level: int, index: int) -> bytes | None:
        self.asked.append((level, index))
        return bytes(32)


def inclusion_positions(index: int, size: int) -> list[tuple[int, int]]:
    recorder = _Recorder(size)
    inclusion_proof(recorder, index, size)
    return recorder.asked


def consistency_positions(size1: int, size2: int) -> list[tuple[int, int]]:
    recorder = _Recorder(size2)
    consistency_proof(recorder, size1, size2)
    return recorder.asked
