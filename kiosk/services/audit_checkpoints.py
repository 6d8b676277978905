"""Signed checkpoints of the audit log: made on demand (``kiosk audit checkpoint``) or when
due (``--if-due``, from a systemd timer), stored in ``audit_checkpoints`` and handed out as
signed notes.

Nothing is signed that was not checked first: the last checkpoint's signature, the stored
tree against the root it signed, every event since then against the chain, and the stored
tree against those events (``checkpoint_schedule.extend_checkpoint``). The signature is
made outside any database transaction (a token may take its time) and checked with the
exported public key before it is stored: a token that signs with another key is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass

from kiosk.domain.audit import GENESIS_HASH
from kiosk.domain.audit_ports import AuditUnitOfWork, AuditUnitOfWorkFactory, StoredCheckpoint
from kiosk.domain.checkpoint import (
    Checkpoint,
    CheckpointSigner,
    CheckpointVerifier,
    SignedCheckpoint,
    open_checkpoint,
    sign_checkpoint,
    verify_signed_checkpoint,
)
from kiosk.domain.checkpoint_schedule import CheckpointSchedule, extend_checkpoint
from kiosk.domain.errors import IntegrityError, KioskError
from kiosk.domain.merkle_store import tree_root
from kiosk.domain.ports import Clock
from kiosk.services.audit_walk import CHUNK_EVENTS, CachedTree, LogWalk


@dataclass(frozen=True)
class CheckpointMade:
    signed: SignedCheckpoint
    stored: StoredCheckpoint

    @property
    def checkpoint(self) -> Checkpoint:
        return self.signed.checkpoint

    @property
    def text(self) -> str:
        return self.signed.to_text()


def open_stored(stored: StoredCheckpoint, verifier: CheckpointVerifier, origin: str) -> Checkpoint:
    """A stored checkpoint whose signature verifies and whose columns say what it signs;
    ``IntegrityError`` naming it otherwise."""
    name = f"Point de contrôle enregistré n° {stored.id}"
    try:
        checkpoint = open_checkpoint(stored.text, verifier, origin)
    except KioskError as exc:
        raise IntegrityError(f"{name} : {exc.message}") from exc
    if (checkpoint.size, checkpoint.root_hash) != (stored.size, stored.root_hash):
        raise IntegrityError(
            f"{name} : sa taille ou sa racine enregistrées ne sont pas celles qu'il signe."
        )
    return checkpoint


class AuditCheckpoints:
    def __init__(
        self,
        uow: AuditUnitOfWorkFactory,
        signer: Callable[[], CheckpointSigner],
        verifier: CheckpointVerifier,
        origin: str,
        clock: Clock,
        schedule: CheckpointSchedule,
    ) -> None:
        self._uow = uow
        self.chunk = CHUNK_EVENTS  # events per read transaction
        self._signer = signer  # called only when a checkpoint is really made
        self._verifier = verifier
        self._origin = origin
        self._clock = clock
        self.schedule = schedule

    def latest(self) -> Checkpoint | None:
        with self._uow() as tx:
            stored = tx.checkpoints.latest()
        return None if stored is None else open_stored(stored, self._verifier, self._origin)

    def make_if_due(self) -> CheckpointMade | None:
        """``make``, when the schedule says a checkpoint is due (None otherwise): what the
        timer runs."""
        with self._uow() as tx:
            stored = tx.checkpoints.latest()
            previous = None if stored is None else open_stored(stored, self._verifier, self._origin)
            size = tx.audit_tree.size()
        if not self.schedule.due(previous, size, self._clock.now()):
            return None
        return self.make()

    def make(self) -> CheckpointMade:
        """Sign and store a checkpoint of the whole log as it is now."""
        with self._uow() as tx:
            stored = tx.checkpoints.latest()
            previous = None if stored is None else open_stored(stored, self._verifier, self._origin)
            size = previous.size if previous else 0
            peaks = tx.audit_tree.peaks(size)
            last_hash = _event_hash(tx, size)
        walk = LogWalk(self._uow, self.chunk)
        with closing(walk.events(size + 1)) as events:
            acc = extend_checkpoint(previous, peaks, last_hash, events)
        with self._uow() as tx:
            tree = CachedTree(tx.audit_tree)
            if tree.size() < acc.size or tree_root(tree, acc.size) != acc.root():
                raise IntegrityError(
                    "L'arbre de Merkle enregistré ne correspond pas aux événements : aucun "
                    "point de contrôle n'est signé. Lancez « kiosk audit verify »."
                )
        checkpoint = Checkpoint(self._origin, acc.size, acc.root(), self._clock.now())
        signed = sign_checkpoint(checkpoint, self._signer())
        try:
            verify_signed_checkpoint(signed, self._verifier, self._origin)
        except IntegrityError as exc:
            raise IntegrityError(
                "La clé d'audit a signé avec une autre clé que celle exportée : "
                "le point de contrôle n'est pas enregistré."
            ) from exc
        with self._uow() as tx:
            kept = tx.checkpoints.add(signed)
            tx.commit()
        return CheckpointMade(signed, kept)


def _event_hash(tx: AuditUnitOfWork, seq: int) -> str:
    """The chain hash of event ``seq`` (the genesis hash for 0)."""
    if seq == 0:
        return GENESIS_HASH
    event = tx.audit_index.event(seq)
    if event is None:
        raise IntegrityError(
            f"L'événement n° {seq}, le dernier du dernier point de contrôle, a disparu du "
            "journal : aucun nouveau point de contrôle n'est signé."
        )
    return event.hash
