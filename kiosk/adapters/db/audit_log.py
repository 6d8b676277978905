"""The audit chain in SQL: each append reads the tail and inserts the next sealed event,
its Merkle tree nodes and its personal data inside the caller's transaction, so an event
and the change it records land together, or nothing does (fail closed: an event whose
tree nodes cannot be written is not stored, and the step it records does not happen).

Appenders are serialised: on SQLite every transaction is ``BEGIN IMMEDIATE`` (see
``engine``); on PostgreSQL a transaction-scoped advisory lock is taken first. Two kiosks
can therefore never both chain onto the same tail, nor grow the tree from the same state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text

from kiosk.adapters.crypto.system_salts import SystemSalts
from kiosk.adapters.db.audit_stores import SqlPersonalDataStore
from kiosk.adapters.db.audit_tree_store import SqlTreeStore
from kiosk.adapters.db.schema import audit_events
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.audit import GENESIS_HASH, AuditDraft, AuditEvent, Outcome, seal
from kiosk.domain.audit_ports import UnreadableEventError, commit_personal_draft
from kiosk.domain.log_verification import event_leaf_hash
from kiosk.domain.personal_data import SaltSource
from kiosk.domain.ports import Clock

# Any fixed number: the key of the PostgreSQL advisory lock that guards the chain's tail.
_PG_AUDIT_LOCK = 0x4B494F534B


# Built once: every step of a delivery appends events, so only binding is left per call.
_TAIL = select(audit_events.c.seq, audit_events.c.hash).order_by(audit_events.c.seq.desc()).limit(1)
_INSERT = insert(audit_events)
_EVENT = select(audit_events).where(audit_events.c.seq == bindparam("seq"))


_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


def event_from_row(row: Any) -> AuditEvent:
    """An ``audit_events`` row (all its columns, in table order) as an event. Unpacked by
    position: a verification reads every event, and attribute access by name costs more
    than the hashing it feeds."""
    seq, at, site, kiosk, agent, dossier_ref, event_type, outcome, details, prev, digest = row
    try:
        parsed = json.loads(details)
        if not isinstance(parsed, dict):
            raise TypeError(type(parsed).__name__)
        return AuditEvent(
            seq, at, site, kiosk, agent, dossier_ref, event_type, _OUTCOMES[outcome], parsed,
            prev, digest,
        )  # fmt: skip
    except (ValueError, TypeError, KeyError) as exc:
        raise UnreadableEventError(seq) from exc


class SqlAuditLog:
    def __init__(
        self,
        tx: Transaction,
        clock: Clock,
        site: str,
        kiosk_id: str,
        *,
        tree: SqlTreeStore | None = None,
        personal: SqlPersonalDataStore | None = None,
        salts: SaltSource | None = None,
    ) -> None:
        self._tx = tx
        self._clock = clock
        self._site = site
        self._kiosk = kiosk_id
        self._tree = tree or SqlTreeStore(tx)
        self._personal = personal or SqlPersonalDataStore(tx)
        self._salts = salts or SystemSalts()

    def append(self, draft: AuditDraft) -> AuditEvent:
        if self._tx.dialect_name == "postgresql":
            self._tx.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
        tail = self._tx.execute(_TAIL).first()
        seq, prev_hash = (tail.seq + 1, tail.hash) if tail else (1, GENESIS_HASH)
        committed, personal = commit_personal_draft(draft, self._salts)
        event = seal(committed, seq, self._clock.now(), self._site, self._kiosk, prev_hash)
        self._tx.execute(
            _INSERT,
            {
                "seq": event.seq,
                "at": event.at,
                "site": event.site,
                "kiosk": event.kiosk,
                "agent": event.agent,
                "dossier_ref": event.dossier_ref,
                "event_type": event.event_type,
                "outcome": event.outcome.value,
                "details": json.dumps(dict(event.details), sort_keys=True, ensure_ascii=False),
                "prev_hash": event.prev_hash,
                "hash": event.hash,
            },
        )
        self._tree.append_leaf(seq - 1, event_leaf_hash(event))
        if personal is not None:
            self._personal.add(seq, personal)
        return event

    def events(self, start_seq: int = 1) -> Iterator[AuditEvent]:
        """Stored events in sequence order, streamed (an audit log may be long)."""
        result = self._tx.execute(
            select(audit_events)
            .where(audit_events.c.seq >= start_seq)
            .order_by(audit_events.c.seq),
            stream=True,
        )
        rows, last_seq = iter(result), start_seq - 1
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except (ValueError, TypeError) as exc:  # a stored time that is no longer one
                raise UnreadableEventError(last_seq + 1) from exc
            event = event_from_row(row)
            last_seq = event.seq
            yield event

    def count(self) -> int:
        total: int = self._tx.execute(select(func.count()).select_from(audit_events)).scalar_one()
        return total


class SqlAuditIndex:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def event(self, seq: int) -> AuditEvent | None:
        row = self._tx.execute(_EVENT, {"seq": seq}).first()
        return None if row is None else event_from_row(row)

    def seq_range(self, start: datetime | None, end: datetime | None) -> tuple[int, int] | None:
        seq, at = audit_events.c.seq, audit_events.c.at
        statement = select(func.min(seq), func.max(seq))
        if start is not None:
            statement = statement.where(at >= start)
        if end is not None:
            statement = statement.where(at < end)
        first, last = tuple(self._tx.execute(statement).one())
        return None if first is None else (int(first), int(last))
