"""Proofs an auditor asks for: that an event (a delivery receipt's, whose QR code gives its
seq and hash) is in the signed log, and that a later checkpoint extends an earlier one.

Proofs are built from the stored tree and checked before they are handed out: a stored
tree that does not lead to the signed root gives an ``IntegrityError``, never a proof that
would fail in the auditor's hands.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.domain.audit import AuditEvent
from kiosk.domain.audit_ports import AuditUnitOfWorkFactory
from kiosk.domain.checkpoint import Checkpoint, CheckpointVerifier, open_checkpoint
from kiosk.domain.errors import NotFoundError, ValidationError
from kiosk.domain.log_verification import verify_checkpoints_consistent, verify_receipt_inclusion
from kiosk.domain.merkle_store import consistency_proof, inclusion_proof
from kiosk.domain.tlog_proof import format_tlog_proof
from kiosk.services.audit_checkpoints import open_stored
from kiosk.services.audit_walk import CachedTree, consistency_positions, inclusion_positions


@dataclass(frozen=True)
class InclusionProof:
    event: AuditEvent
    checkpoint: Checkpoint
    hashes: tuple[bytes, ...]
    text: str  # the c2sp.org/tlog-proof file


@dataclass(frozen=True)
class ConsistencyProof:
    older: Checkpoint
    newer: Checkpoint
    hashes: tuple[bytes, ...]

    @property
    def message(self) -> str:
        return (
            f"Le {self.newer.describe()} prolonge le {self.older.describe()} : "
            f"preuve de cohérence vérifiée ({len(self.hashes)} empreinte(s))."
        )


class AuditProofs:
    def __init__(
        self, uow: AuditUnitOfWorkFactory, verifier: CheckpointVerifier, origin: str
    ) -> None:
        self._uow = uow
        self._verifier = verifier
        self._origin = origin

    def inclusion(self, seq: int, checkpoint_text: str | None = None) -> InclusionProof:
        """Prove event ``seq`` is under ``checkpoint_text`` (a signed checkpoint the auditor
        holds), or under the latest stored checkpoint."""
        with self._uow() as tx:
            if checkpoint_text is None:
                stored = tx.checkpoints.latest()
                if stored is None or stored.size < seq:
                    raise ValidationError(
                        f"Aucun point de contrôle ne couvre encore l'événement n° {seq} : "
                        "lancez « kiosk audit checkpoint », puis redemandez la preuve."
                    )
                checkpoint, note = open_stored(stored, self._verifier, self._origin), stored.text
            else:
                checkpoint = open_checkpoint(checkpoint_text, self._verifier, self._origin)
                note = checkpoint_text
            event = tx.audit_index.event(seq)
            if event is None:
                raise NotFoundError(f"L'événement n° {seq} n'est pas dans le journal.")
            if seq > checkpoint.size:
                raise ValidationError(
                    f"L'événement n° {seq} n'est pas couvert par le {checkpoint.describe()} : "
                    "il faut un point de contrôle plus récent."
                )
            tree = CachedTree(tx.audit_tree)
            tree.prefetch(inclusion_positions(seq - 1, checkpoint.size))
            hashes = tuple(inclusion_proof(tree, seq - 1, checkpoint.size))
        verify_receipt_inclusion(event, hashes, checkpoint)
        return InclusionProof(event, checkpoint, hashes, format_tlog_proof(seq - 1, hashes, note))

    def consistency(self, older_text: str, newer_text: str) -> ConsistencyProof:
        """Prove the log under ``newer_text`` extends the one under ``older_text``."""
        older = open_checkpoint(older_text, self._verifier, self._origin)
        newer = open_checkpoint(newer_text, self._verifier, self._origin)
        if older.size > newer.size:
            older, newer = newer, older
        with self._uow() as tx:
            tree = CachedTree(tx.audit_tree)
            tree.prefetch(consistency_positions(older.size, newer.size))
            hashes = tuple(consistency_proof(tree, older.size, newer.size))
        verify_checkpoints_consistent(older, newer, hashes)
        return ConsistencyProof(older, newer, hashes)
