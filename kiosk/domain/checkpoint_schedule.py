"""When the next signed checkpoint is due, and how a checkpoint extends the last one.

A checkpoint is due every ``every_events`` new events or every ``every_minutes`` minutes
once there is at least one new event, whichever comes first. ``kiosk audit checkpoint
--if-due`` asks this from a systemd timer: the desk itself never waits for the audit
token.

Before signing, the kiosk checks what it is about to sign: the stored tree must still give
the root the previous checkpoint signed, and the events since then must chain onto it
(``extend_checkpoint``). A database rewritten since the last checkpoint is never signed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.audit import GENESIS_HASH, AuditEvent, verify_chain_from
from kiosk.domain.checkpoint import Checkpoint
from kiosk.domain.errors import IntegrityError
from kiosk.domain.log_verification import event_leaf_hash
from kiosk.domain.merkle import MerkleAccumulator


@dataclass(frozen=True)
class CheckpointSchedule:
    every_events: int = 1000
    every_minutes: int = 60

    def __post_init__(self) -> None:
        if self.every_events < 1 or self.every_minutes < 1:
            raise ValueError("a checkpoint schedule counts at least one event and one minute")

    def due(self, latest: Checkpoint | None, size: int, now: datetime) -> bool:
        new_events = size - (latest.size if latest else 0)
        if new_events <= 0:
            return False
        if new_events >= self.every_events or latest is None:
            return True
        return now - latest.timestamp >= timedelta(minutes=self.every_minutes)


def extend_checkpoint(
    previous: Checkpoint | None,
    peaks: Sequence[bytes],
    last_hash: str,
    events: Iterable[AuditEvent],
) -> MerkleAccumulator:
    """The tree after ``events``, taken up from the ``previous`` checkpoint.

    ``peaks`` are the stored compact range at ``previous.size`` and ``last_hash`` the chain
    hash of its last event; ``events`` must follow it, in order. Raises ``IntegrityError``
    naming what does not hold."""
    size = previous.size if previous else 0
    acc = MerkleAccumulator.resume(size, peaks)
    if previous is not None and acc.root() != previous.root_hash:
        raise IntegrityError(
            f"L'arbre de Merkle enregistré ne donne plus la racine du {previous.describe()} :"
            " historique réécrit, aucun nouveau point de contrôle n'est signé."
        )
    report = verify_chain_from(
        _feeding(acc, events), start_seq=size + 1, prev_hash=last_hash if size else GENESIS_HASH
    )
    if not report.ok:
        raise IntegrityError(
            f"Journal altéré à l'événement n° {report.first_bad_seq} : {report.problem} ;"
            " aucun nouveau point de contrôle n'est signé."
        )
    return acc


def _feeding(acc: MerkleAccumulator, events: Iterable[AuditEvent]) -> Iterable[AuditEvent]:
    """Events go into the tree once the chain has accepted them (when the next is asked)."""
    previous: AuditEvent | None = None
    for event in events:
        if previous is not None:
            acc.append(event_leaf_hash(previous))
        previous = event
        yield event
    if previous is not None:
        acc.append(event_leaf_hash(previous))
