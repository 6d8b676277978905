"""In-memory implementations of the ports, for fast tests and UI work without a database.

NOT for production: ``FakeHasher`` is one salted SHA-256 with no work factor, so that a
test can log in a thousand times in a second. Everything else behaves like the real adapters:
a unit of work sees its own changes, publishes them only on ``commit`` and drops them
otherwise; the audit log seals events into the same hash chain as the database does.

This module holds the clock, the hasher and the unit of work; the repositories it binds, one
per port, are in ``kiosk.adapters.fakes.memory_repositories``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from kiosk.adapters.fakes.memory_repositories import (
    MemoryAgentRepository,
    MemoryAppointmentLeases,
    MemoryAuditLog,
    MemoryDeliveredCertificates,
    MemoryDossierRepository,
    MemoryOfficeRepository,
    MemoryState,
)
from kiosk.domain.appointment_lease import AppointmentLeases
from kiosk.domain.audit import AuditEvent
from kiosk.domain.desk_ports import DeliveredCertificates
from kiosk.domain.errors import StorageError
from kiosk.domain.ports import (
    AgentRepository,
    AuditLog,
    Clock,
    DossierRepository,
    OfficeRepository,
)

FAKE_PREFIX = "fake$"


class FakeHasher:
    """``fake$<salt>$<sha256(salt:secret)>``. Fast on purpose: tests only."""

    def hash(self, secret: str) -> str:
        salt = secrets.token_hex(8)
        return f"{FAKE_PREFIX}{salt}${self._digest(salt, secret)}"

    def verify(self, stored: str, secret: str) -> bool:
        if not stored.startswith(FAKE_PREFIX):
            return False
        salt, _, digest = stored.removeprefix(FAKE_PREFIX).partition("$")
        return hmac.compare_digest(digest, self._digest(salt, secret))

    def needs_rehash(self, stored: str) -> bool:
        return not stored.startswith(FAKE_PREFIX)

    @staticmethod
    def _digest(salt: str, secret: str) -> str:
        return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


class FixedClock:
    """A clock that moves only when told to, so lockouts and snapshots are reproducible."""

    def __init__(self, at: datetime | None = None) -> None:
        self._at = at or datetime(2026, 4, 14, 8, 0, tzinfo=UTC)
        if self._at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._at += delta

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = at


class MemoryUnitOfWork:
    """One transaction. Transactions are serialised by the factory's lock, as SQLite would."""

    offices: OfficeRepository
    dossiers: DossierRepository
    agents: AgentRepository
    audit: AuditLog
    appointments: AppointmentLeases
    certificates: DeliveredCertificates

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self._factory = factory
        self._working = MemoryState()
        self._bind(self._working)

    def _bind(self, state: MemoryState) -> None:
        f = self._factory
        self.offices = MemoryOfficeRepository(state)
        self.dossiers = MemoryDossierRepository(state)
        self.agents = MemoryAgentRepository(state)
        self.audit = MemoryAuditLog(state, f.clock, f.site, f.kiosk_id)
        self.appointments = MemoryAppointmentLeases(state, f.kiosk_id, f.site)
        self.certificates = MemoryDeliveredCertificates(state)

    def __enter__(self) -> Self:
        self._factory.lock.acquire()
        self._working = self._factory.state.copy()
        self._bind(self._working)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._factory.lock.release()

    def commit(self) -> None:
        if self._factory.fail_commits:
            raise StorageError("Enregistrement impossible : la base de données ne répond pas.")
        self._factory.state = self._working.copy()

    def rollback(self) -> None:
        self._working = self._factory.state.copy()
        self._bind(self._working)


class MemoryUnitOfWorkFactory:
    """The in-memory "database". ``fail_commits`` makes every commit raise StorageError,
    to test how a front end tells a person that nothing was saved."""

    def __init__(self, clock: Clock, site: str = "TEST", kiosk_id: str = "kiosk-test") -> None:
        self.clock = clock
        self.site = site
        self.kiosk_id = kiosk_id
        self.state = MemoryState()
        self.lock = threading.RLock()
        self.fail_commits = False

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)

    def audit_events(self) -> list[AuditEvent]:
        """The committed audit chain (a convenience for tests)."""
        with self.lock:
            return list(self.state.audit)
