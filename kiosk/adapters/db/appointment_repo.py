"""SQL repository of the open appointments (``kiosk.domain.appointment_lease``).

A claim is an ``INSERT ... ON CONFLICT DO NOTHING`` against the partial unique index on
open rows: on PostgreSQL a second kiosk claiming the same dossier waits for the first
transaction, then inserts nothing, and reads the winner; on SQLite the transactions are
already serialised (``BEGIN IMMEDIATE``). Closing and heartbeats only touch rows still
open, so two kiosks taking over the same silent claim cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.adapters.db.appointment_schema import appointments
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.appointment_lease import Lease, LeaseEnd, Purpose

_OPEN = appointments.c.ended_at.is_(None)
_OPEN_FOR = select(appointments).where(appointments.c.dossier_ref == bindparam("ref")).where(_OPEN)
_CLOSE = (
    update(appointments)
    .where(appointments.c.id == bindparam("lease_id"))
    .where(_OPEN)
    .values(ended_at=bindparam("at"), end_reason=bindparam("reason"))
)
_HEARTBEAT = (
    update(appointments)
    .where(appointments.c.id == bindparam("lease_id"))
    .where(_OPEN)
    .values(heartbeat_at=bindparam("at"))
)


def _claim_statement(dialect: str) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(appointments).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(appointments).on_conflict_do_nothing()
    raise NotImplementedError(dialect)  # pragma: no cover - only the two supported engines


_CLAIMS = {name: _claim_statement(name) for name in ("postgresql", "sqlite")}


def _lease(row: Any) -> Lease:
    return Lease(
        id=row.id,
        dossier_ref=row.dossier_ref,
        kiosk=row.kiosk,
        site=row.site,
        agent=row.agent,
        agent_name=row.agent_name,
        started_at=row.started_at,
        heartbeat_at=row.heartbeat_at,
        purpose=Purpose(row.purpose),
    )


class SqlAppointmentLeases:
    def __init__(self, tx: Transaction, kiosk_id: str, site: str) -> None:
        self._tx = tx
        self._kiosk = kiosk_id
        self._site = site

    @property
    def kiosk_id(self) -> str:
        return self._kiosk

    def open_for(self, dossier_ref: str) -> Lease | None:
        row = self._tx.execute(_OPEN_FOR, {"ref": dossier_ref}).first()
        return _lease(row) if row else None

    def claim(
        self,
        dossier_ref: str,
        agent: str,
        agent_name: str,
        at: datetime,
        purpose: Purpose = Purpose.DELIVERY,
    ) -> Lease | None:
        result = self._tx.execute(
            _CLAIMS[self._tx.dialect_name],
            {
                "dossier_ref": dossier_ref,
                "kiosk": self._kiosk,
                "site": self._site,
                "agent": agent,
                "agent_name": agent_name,
                "started_at": at,
                "heartbeat_at": at,
                "purpose": purpose.value,
            },
        )
        if result.rowcount == 0:
            return None
        claimed = self.open_for(dossier_ref)
        if claimed is None or claimed.kiosk != self._kiosk:  # pragma: no cover - same tx
            return None
        return claimed

    def close(self, lease_id: int, end: LeaseEnd, at: datetime) -> bool:
        result = self._tx.execute(_CLOSE, {"lease_id": lease_id, "at": at, "reason": end.value})
        return result.rowcount == 1

    def heartbeat(self, lease_id: int, at: datetime) -> bool:
        return self._tx.execute(_HEARTBEAT, {"lease_id": lease_id, "at": at}).rowcount == 1

    def open_leases(self, kiosk: str | None = None) -> Sequence[Lease]:
        statement = select(appointments).where(_OPEN).order_by(appointments.c.started_at)
        if kiosk is not None:
            statement = statement.where(appointments.c.kiosk == kiosk)
        return [_lease(row) for row in self._tx.execute(statement)]
