"""Ports: what the services need from the outside world, as Protocols.

Adapters implement them (SQLAlchemy, Argon2, PKCS#11, PC/SC, the CA...); fakes in tests
implement them too. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from kiosk.domain.audit import AuditDraft, AuditEvent
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import Agent, Dossier, Office, Product, RevocationQuestion


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC time."""
        ...


class SecretHasher(Protocol):
    """Salted slow hashing (Argon2id) of passwords and revocation answers."""

    def hash(self, secret: str) -> str: ...

    def verify(self, stored: str, secret: str) -> bool: ...

    def needs_rehash(self, stored: str) -> bool: ...


class OfficeRepository(Protocol):
    def get(self, code: str) -> Office | None: ...

    def upsert(self, office: Office) -> None: ...

    def list(self) -> Sequence[Office]: ...


class DossierRepository(Protocol):
    def get(self, reference: str) -> Dossier | None: ...

    def find_by_code_hash(self, code_hash: str) -> Dossier | None: ...

    def add(self, dossier: Dossier, code_hashes: Sequence[str]) -> None:
        """Store a new dossier with the keyed hashes of its withdrawal numbers."""
        ...

    def set_state(self, reference: str, state: DossierState, reason: str | None) -> None: ...

    def convocations(self, office_code: str, day: date) -> Sequence[Dossier]: ...

    def set_answer_attempts(self, reference: str, failed_attempts: int, locked: bool) -> None:
        """Record the lifetime count of wrong answer sets, and whether it locked the dossier."""
        ...

    def replace_questions(self, reference: str, questions: Sequence[RevocationQuestion]) -> None:
        """Store the revocation questions (answers as PHC strings), replacing any."""
        ...

    def count(self) -> int: ...


class AgentRepository(Protocol):
    def get(self, login: str) -> Agent | None: ...

    def add(self, agent: Agent) -> None: ...

    def save(self, agent: Agent) -> None: ...


class AuditLog(Protocol):
    def append(self, draft: AuditDraft) -> AuditEvent:
        """Seal and store the next event; raises StorageError if it cannot be stored."""
        ...

    def events(self, start_seq: int = 1) -> Iterator[AuditEvent]: ...

    def count(self) -> int: ...


class UnitOfWork(Protocol):
    """One database transaction over all repositories. Leaving without ``commit`` rolls
    back. The audit log shares the transaction, so a state change and its event land
    together or not at all."""

    offices: OfficeRepository
    dossiers: DossierRepository
    agents: AgentRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class ProductRepository(Protocol):
    def get(self, code: str) -> Product | None: ...

    def upsert(self, product: Product) -> None: ...

    def list(self) -> Sequence[Product]: ...


class ImportLedger(Protocol):
    """Which import record each dossier came from, as a keyed digest: importing the same
    file again is recognised and changes nothing."""

    def digest(self, reference: str) -> str | None: ...

    def record(self, reference: str, digest: str) -> None: ...


class ImportUnitOfWork(UnitOfWork, Protocol):
    """What the admin's imports need on top of the desk's unit of work."""

    products: ProductRepository
    imports: ImportLedger


class ImportUnitOfWorkFactory(Protocol):
    def __call__(self) -> ImportUnitOfWork: ...
