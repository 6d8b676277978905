"""Signed checkpoints and the personal data of audit events, in SQL.

Personal fields are stored as canonical JSON beside their salt; the retention job sets
both to NULL and records when. The event keeps its commitment, so the chain still verifies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from kiosk.adapters.db.audit_schema import audit_checkpoints, audit_personal_data
from kiosk.adapters.db.schema import audit_events
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.audit_ports import PersonalEntry, StoredCheckpoint
from kiosk.domain.checkpoint import SignedCheckpoint
from kiosk.domain.personal_data import PersonalRecord

_CP = audit_checkpoints.c
_PD = audit_personal_data.c
_LATEST = select(audit_checkpoints).order_by(_CP.size.desc(), _CP.id.desc()).limit(1)
_PERSONAL_INSERT = insert(audit_personal_data)


def _checkpoint(row: Any) -> StoredCheckpoint:
    return StoredCheckpoint(row.id, row.size, bytes(row.root), row.at, row.text)


class SqlCheckpointStore:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, signed: SignedCheckpoint) -> StoredCheckpoint:
        checkpoint = signed.checkpoint
        note = signed.to_text()
        values = {
            "size": checkpoint.size,
            "root": checkpoint.root_hash,
            "at": checkpoint.timestamp,
            "text": note,
        }
        result = self._tx.execute(insert(audit_checkpoints).returning(_CP.id), values)
        new_id = int(result.scalar_one())
        return StoredCheckpoint(
            new_id, checkpoint.size, checkpoint.root_hash, checkpoint.timestamp, note
        )

    def latest(self) -> StoredCheckpoint | None:
        row = self._tx.execute(_LATEST).first()
        return None if row is None else _checkpoint(row)

    def all(self) -> Iterator[StoredCheckpoint]:
        for row in self._tx.execute(select(audit_checkpoints).order_by(_CP.id)).all():
            yield _checkpoint(row)


def personal_json(fields: dict[str, str]) -> str:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _entry(row: Any) -> PersonalEntry:
    if row.fields is None or row.salt is None:
        return PersonalEntry(row.seq, None, row.erased_at)
    try:
        fields = json.loads(row.fields)
        if not isinstance(fields, dict):
            fields = {}
    except ValueError:
        fields = {}  # unreadable: it will not match its commitment, which names it
    return PersonalEntry(row.seq, PersonalRecord(fields, bytes(row.salt)), row.erased_at)


class SqlPersonalDataStore:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, seq: int, record: PersonalRecord) -> None:
        self._tx.execute(
            _PERSONAL_INSERT,
            {"seq": seq, "fields": personal_json(dict(record.fields)), "salt": record.salt},
        )

    def get(self, seq: int) -> PersonalEntry | None:
        row = self._tx.execute(select(audit_personal_data).where(_PD.seq == seq)).first()
        return None if row is None else _entry(row)

    def entries(self, start_seq: int, end_seq: int) -> list[PersonalEntry]:
        statement = (
            select(audit_personal_data)
            .where(_PD.seq >= start_seq, _PD.seq <= end_seq)
            .order_by(_PD.seq)
        )
        return [_entry(row) for row in self._tx.execute(statement)]

    def erase_before(self, cutoff: datetime, now: datetime) -> int:
        older = select(audit_events.c.seq).where(audit_events.c.at < cutoff)
        result = self._tx.execute(
            update(audit_personal_data)
            .where(_PD.erased_at.is_(None), _PD.seq.in_(older))
            .values(fields=None, salt=None, erased_at=now)
        )
        return int(result.rowcount)
