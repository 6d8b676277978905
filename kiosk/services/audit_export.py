"""Exports of the audit log for an auditor (``kiosk audit export``): the events of a period,
each with its inclusion proof under the latest signed checkpoint, which the export carries
(``kiosk.domain.audit_export`` for the format and the offline check).

A period is given in local dates (the offices' time zone) and becomes the run of events
from the first one at or after its start to the last one before its end; events after the
latest checkpoint are not exported (the caller makes a checkpoint first if it wants them).
Personal data goes into a JSON Lines export only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from kiosk.domain.audit_export import ExportHeader, csv_header, csv_line, jsonl_line
from kiosk.domain.audit_ports import AuditUnitOfWorkFactory
from kiosk.domain.checkpoint import Checkpoint, CheckpointVerifier
from kiosk.domain.errors import ValidationError
from kiosk.domain.merkle_store import inclusion_proof
from kiosk.services.audit_checkpoints import open_stored
from kiosk.services.audit_walk import CHUNK_EVENTS, CachedTree, LogWalk

FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None  # included

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError("La fin de la période précède son début.")

    def bounds(self, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
        start = datetime.combine(self.start, time(), tz) if self.start else None
        end = datetime.combine(self.end + timedelta(days=1), time(), tz) if self.end else None
        return start, end


@dataclass
class ExportStream:
    """What to write: ``lines`` (read from the database as they are consumed: consume them
    once, to the end), and for CSV the signed checkpoint to keep beside the file."""

    checkpoint: Checkpoint
    checkpoint_text: str
    first_seq: int | None
    last_seq: int | None
    lines: Iterator[str]

    @property
    def count(self) -> int:
        if self.first_seq is None or self.last_seq is None:
            return 0
        return self.last_seq - self.first_seq + 1


class AuditExport:
    def __init__(
        self,
        uow: AuditUnitOfWorkFactory,
        verifier: CheckpointVerifier,
        origin: str,
        local_tz: tzinfo,
    ) -> None:
        self._uow = uow
        self.chunk = CHUNK_EVENTS  # events per read transaction
        self._verifier = verifier
        self._origin = origin
        self._tz = local_tz

    def uncovered(self, period: Period) -> bool:
        """Whether the period has events after the latest checkpoint (one is then needed)."""
        with self._uow() as tx:
            found = tx.audit_index.seq_range(*period.bounds(self._tz))
            latest = tx.checkpoints.latest()
        return found is not None and (latest is None or latest.size < found[1])

    def stream(self, fmt: str, period: Period, *, personal: bool = False) -> ExportStream:
        if fmt not in FORMATS:
            raise ValidationError(f"Format d'export inconnu « {fmt} » : csv ou jsonl.")
        if personal and fmt != "jsonl":
            raise ValidationError("Les données personnelles ne s'exportent qu'en JSON Lines.")
        with self._uow() as tx:
            stored = tx.checkpoints.latest()
            if stored is None:
                raise ValidationError(
                    "Aucun point de contrôle : lancez « kiosk audit checkpoint » avant l'export."
                )
            checkpoint = open_stored(stored, self._verifier, self._origin)
            found = tx.audit_index.seq_range(*period.bounds(self._tz))
        first, last = found if found else (None, None)
        if first is not None and last is not None:
            last = min(last, checkpoint.size)
            if first > last:
                first = last = None
        header = ExportHeader(
            self._origin,
            stored.text,
            first or 0,
            last or 0,
            period.start.isoformat() if period.start else None,
            period.end.isoformat() if period.end else None,
            personal,
        )
        lines = self._lines(fmt, header, checkpoint, personal)
        return ExportStream(checkpoint, stored.text, first, last, lines)

    def _lines(
        self, fmt: str, header: ExportHeader, checkpoint: Checkpoint, personal: bool
    ) -> Iterator[str]:
        yield header.line() if fmt == "jsonl" else csv_header()
        if not header.first_seq:
            return
        walk = LogWalk(self._uow, self.chunk)
        tree = CachedTree(walk.uow.audit_tree)
        with closing(
            walk.events(header.first_seq, header.last_seq, with_personal=personal)
        ) as events:
            for event in events:
                proof = inclusion_proof(tree, event.seq - 1, checkpoint.size)
                if fmt == "csv":
                    yield csv_line(event, proof)
                else:
                    entry = walk.personal.get(event.seq) if personal else None
                    yield jsonl_line(event, proof, entry)
