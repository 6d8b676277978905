"""One pass over the audit log: the hash chain, the Merkle tree, and held checkpoints.

``verify_log`` reads events once, in order, holding O(log n) hashes: each event must pass
the chain's rules (``audit.verify_chain``: sequence, link to the previous hash, recomputed
hash); its leaf (``event_leaf_hash``) then goes into a ``MerkleAccumulator``, and where the
tree reaches a held checkpoint's size its root must be the signed one. So:

- a modified, deleted, inserted or reordered event breaks the chain there, and is named;
- a history rewritten with a recomputed chain (anyone with the database can do that)
  yields another root at the next checkpoint: the report names the span between the last
  checkpoint that matched and that one;
- a log cut below a held checkpoint is « tronqué », with both counts.

Events after the last checkpoint are covered by the chain only, until the next checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.audit import AuditEvent, event_hash, verify_chain
from kiosk.domain.checkpoint import Checkpoint
from kiosk.domain.errors import IntegrityError, ValidationError
from kiosk.domain.merkle import (
    MerkleAccumulator,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)


def event_leaf_hash(event: AuditEvent) -> bytes:
    """Leaf ``seq - 1`` of the audit tree: SHA-256(0x00 || the event's 32-byte chain hash)."""
    return leaf_hash(bytes.fromhex(event.hash))


class Breach(StrEnum):
    CHAIN = "chain"  # an event fails the chain's rules: it is named
    REWRITTEN = "rewritten"  # the chain holds but a checkpoint's root does not
    TRUNCATED = "truncated"  # fewer events than a held checkpoint counts


@dataclass(frozen=True)
class LogReport:
    ok: bool
    checked: int  # events verified, in order from seq 1: the size of the tree below
    root_hash: bytes  # RFC 6962 root over those events
    checkpoints_matched: int
    first_bad_seq: int | None = None
    problem: str | None = None
    breach: Breach | None = None

    @property
    def size(self) -> int:
        return self.checked

    @property
    def message(self) -> str:
        if self.breach is Breach.CHAIN:
            return f"Journal altéré à l'événement n° {self.first_bad_seq} : {self.problem}."
        if not self.ok:
            return f"Journal altéré : {self.problem}."
        held = (
            f", conforme à {self.checkpoints_matched} point(s) de contrôle"
            if self.checkpoints_matched
            else ""
        )
        return (
            f"Journal intègre : {self.checked} événement(s) vérifié(s){held} "
            f"(racine {self.root_hash.hex()[:16]}…)."
        )


class _RootMismatch(Exception):
    def __init__(self, checkpoint: Checkpoint, since_seq: int) -> None:
        super().__init__(checkpoint.size)
        self.checkpoint = checkpoint
        self.since_seq = since_seq


class _TreeTap:
    """Feeds the accumulator the events ``verify_chain`` has accepted, and checks each held
    checkpoint as the tree reaches its size. Event k is taken in only when ``verify_chain``
    asks for event k + 1, i.e. once it has passed the chain's rules."""

    def __init__(self, checkpoints: Iterable[Checkpoint]) -> None:
        self.acc = MerkleAccumulator()
        # the smallest size last, so that reaching it is a pop() from the end
        self.pending = sorted(checkpoints, key=lambda cp: cp.size, reverse=True)
        self.matched = 0
        self._last_matched_size = 0
        self._check_reached()

    def through(self, events: Iterable[AuditEvent]) -> Iterator[AuditEvent]:
        previous: AuditEvent | None = None
        for event in events:
            if previous is not None:
                self._take(previous)
            previous = event
            yield event
        if previous is not None:
            self._take(previous)

    def _take(self, event: AuditEvent) -> None:
        self.acc.append(event_leaf_hash(event))
        if self.pending and self.pending[-1].size == self.acc.size:
            self._check_reached()

    def _check_reached(self) -> None:
        root = self.acc.root()
        while self.pending and self.pending[-1].size == self.acc.size:
            checkpoint = self.pending.pop()
            if checkpoint.root_hash != root:
                raise _RootMismatch(checkpoint, self._last_matched_size + 1)
            self.matched += 1
            self._last_matched_size = checkpoint.size


def verify_log(events: Iterable[AuditEvent], checkpoints: Iterable[Checkpoint] = ()) -> LogReport:
    """Walk the events once; name the first that does not verify. ``checkpoints`` are
    already signature-checked (``checkpoint.open_checkpoint``) and of this log."""
    try:
        tap = _TreeTap(checkpoints)
    except _RootMismatch as mismatch:  # a size-0 checkpoint with another root
        return _rewritten(MerkleAccumulator(), 0, mismatch)
    try:
        chain = verify_chain(tap.through(events))
    except _RootMismatch as mismatch:
        return _rewritten(tap.acc, tap.matched, mismatch)
    root = tap.acc.root()
    if not chain.ok:
        return LogReport(
            False, tap.acc.size, root, tap.matched, chain.first_bad_seq, chain.problem, Breach.CHAIN
        )
    if tap.pending:
        longest = tap.pending[0]
        problem = (
            f"le journal a été tronqué : {tap.acc.size} événements au lieu d'au moins "
            f"{longest.size} (point de contrôle du {longest.when_text()})"
        )
        return LogReport(
            False, tap.acc.size, root, tap.matched, tap.acc.size + 1, problem, Breach.TRUNCATED
        )
    return LogReport(True, tap.acc.size, root, tap.matched)


def _rewritten(acc: MerkleAccumulator, matched: int, mismatch: _RootMismatch) -> LogReport:
    checkpoint = mismatch.checkpoint
    problem = (
        f"les événements n° {mismatch.since_seq} à n° {checkpoint.size} ne correspondent "
        f"plus au {checkpoint.describe()} : historique réécrit (événement modifié, "
        "supprimé, inséré ou déplacé, chaînage recalculé)"
    )
    if checkpoint.size == 0:
        problem = f"le {checkpoint.describe()} ne porte pas la racine d'un journal vide"
    return LogReport(
        False, acc.size, acc.root(), matched, mismatch.since_seq, problem, Breach.REWRITTEN
    )


def verify_receipt_inclusion(
    event: AuditEvent, proof: Sequence[bytes], checkpoint: Checkpoint
) -> None:
    """Prove an event (a receipt's) is in the log a verified checkpoint signs for.

    Raises ``IntegrityError`` if the event's content does not give its hash, or the proof
    does not lead to the checkpoint's root; ``ValidationError`` if the checkpoint predates
    the event (a later checkpoint is needed)."""
    recomputed = event_hash(
        event.seq,
        event.at,
        event.site,
        event.kiosk,
        event.agent,
        event.dossier_ref,
        event.event_type,
        event.outcome,
        event.details,
        event.prev_hash,
    )
    if recomputed != event.hash:
        raise IntegrityError(f"L'événement n° {event.seq} a été modifié (empreinte invalide).")
    if not 1 <= event.seq <= checkpoint.size:
        raise ValidationError(
            f"L'événement n° {event.seq} n'est pas couvert par le {checkpoint.describe()} : "
            "il faut un point de contrôle plus récent."
        )
    if not verify_inclusion(
        event_leaf_hash(event), event.seq - 1, checkpoint.size, proof, checkpoint.root_hash
    ):
        raise IntegrityError(
            f"L'événement n° {event.seq} n'est pas dans le journal signé : la preuve "
            f"d'inclusion ne mène pas à la racine du {checkpoint.describe()}."
        )


def verify_checkpoints_consistent(
    older: Checkpoint, newer: Checkpoint, proof: Sequence[bytes]
) -> None:
    """Prove ``newer`` extends ``older`` (same log, nothing before it rewritten)."""
    if older.origin != newer.origin:
        raise IntegrityError(
            f"Les points de contrôle viennent de deux journaux : « {older.origin} » "
            f"et « {newer.origin} »."
        )
    if older.size > newer.size:
        older, newer = newer, older
    if not verify_consistency(older.size, newer.size, older.root_hash, newer.root_hash, proof):
        raise IntegrityError(
            f"Le {newer.describe()} ne prolonge pas le {older.describe()} : "
            "l'historique a été réécrit entre les deux."
        )
