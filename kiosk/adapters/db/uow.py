"""Unit of work over SQLAlchemy: one connection, one transaction, every repository."""

from __future__ import annotations

from datetime import tzinfo
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from kiosk.adapters.clock import SystemClock
from kiosk.adapters.db.appointment_repo import SqlAppointmentLeases
from kiosk.adapters.db.audit_log import SqlAuditIndex, SqlAuditLog
from kiosk.adapters.db.audit_stores import SqlCheckpointStore, SqlPersonalDataStore
from kiosk.adapters.db.audit_tree_store import SqlTreeStore
from kiosk.adapters.db.dossier_repository import SqlDossierRepository, SqlImportLedger
from kiosk.adapters.db.errors import storage_error
from kiosk.adapters.db.journal_repo import SqlPersonalisationJournal, SqlRevocationRequests
from kiosk.adapters.db.lineage_repo import (
    SqlDeliveredCertificates,
    SqlDossierLineage,
    SqlProductOptions,
)
from kiosk.adapters.db.repositories import (
    SqlAgentRepository,
    SqlOfficeRepository,
    SqlProductRepository,
)
from kiosk.adapters.db.retry import ReconnectPolicy, begin
from kiosk.adapters.db.token_register_repo import SqlDeliveryRegister, SqlTokenRegister
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.appointment_lease import AppointmentLeases
from kiosk.domain.audit_ports import (
    AuditIndex,
    AuditTree,
    CheckpointStore,
    PersonalDataStore,
)
from kiosk.domain.desk_ports import DeliveredCertificates, DossierLineage, ProductOptions
from kiosk.domain.offices import OFFICES_TZ
from kiosk.domain.personal_data import SaltSource
from kiosk.domain.personalisation_ports import (
    DeliveryRegister,
    PersonalisationJournal,
    RevocationRequests,
    TokenRegister,
)
from kiosk.domain.ports import (
    AgentRepository,
    AuditLog,
    Clock,
    DossierRepository,
    ImportLedger,
    OfficeRepository,
    ProductRepository,
)


class SqlUnitOfWork:
    """``with uow as tx: ...; tx.commit()``. Leaving without ``commit`` rolls back; after
    a commit the next statement opens a new transaction, rolled back unless committed."""

    def __init__(
        self,
        engine: Engine,
        site: str,
        kiosk_id: str,
        clock: Clock,
        local_tz: tzinfo,
        salts: SaltSource | None = None,
    ) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._tx = Transaction()
        tree = SqlTreeStore(self._tx)
        personal = SqlPersonalDataStore(self._tx)
        self.audit_tree: AuditTree = tree
        self.audit_index: AuditIndex = SqlAuditIndex(self._tx)
        self.checkpoints: CheckpointStore = SqlCheckpointStore(self._tx)
        self.personal_data: PersonalDataStore = personal
        # Typed as the ports: a Protocol's attributes are invariant.
        self.offices: OfficeRepository = SqlOfficeRepository(self._tx)
        self.products: ProductRepository = SqlProductRepository(self._tx)
        self.dossiers: DossierRepository = SqlDossierRepository(self._tx, clock, local_tz)
        self.agents: AgentRepository = SqlAgentRepository(self._tx)
        self.audit: AuditLog = SqlAuditLog(
            self._tx, clock, site, kiosk_id, tree=tree, personal=personal, salts=salts
        )
        self.imports: ImportLedger = SqlImportLedger(self._tx)
        self.token_register: TokenRegister = SqlTokenRegister(self._tx)
        self.journal: PersonalisationJournal = SqlPersonalisationJournal(self._tx)
        self.revocations: RevocationRequests = SqlRevocationRequests(self._tx)
        self.deliveries: DeliveryRegister = SqlDeliveryRegister(self._tx)
        self.appointments: AppointmentLeases = SqlAppointmentLeases(self._tx, kiosk_id, site)
        self.lineage: DossierLineage = SqlDossierLineage(self._tx)
        self.product_options: ProductOptions = SqlProductOptions(self._tx)
        self.certificates: DeliveredCertificates = SqlDeliveredCertificates(self._tx)
        self.reconnect = ReconnectPolicy()

    def __enter__(self) -> Self:
        # BEGIN IMMEDIATE on SQLite: may wait for another writer; a PostgreSQL server
        # that is restarting is waited for a moment (nothing has been done yet).
        connection = begin(self._engine, self.reconnect)
        self._connection = connection
        self._tx.attach(connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._tx.attach(None)
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        except DBAPIError:
            pass  # the connection is discarded below; the original error, if any, wins
        finally:
            connection.close()

    def commit(self) -> None:
        connection = self._tx.connection
        try:
            connection.commit()
        except DBAPIError as exc:
            # A connection lost here leaves the outcome unknown: never a transient error.
            raise storage_error(exc, during_commit=True) from exc

    def rollback(self) -> None:
        try:
            self._tx.connection.rollback()
        except DBAPIError as exc:
            raise storage_error(exc) from exc


class SqlUnitOfWorkFactory:
    """What the services receive: ``uow()`` gives a fresh unit of work."""

    def __init__(
        self,
        engine: Engine,
        *,
        site: str,
        kiosk_id: str,
        clock: Clock | None = None,
        local_tz: tzinfo = OFFICES_TZ,
        salts: SaltSource | None = None,
    ) -> None:
        self.engine = engine
        self._site = site
        self._kiosk_id = kiosk_id
        self._clock = clock or SystemClock()
        self._local_tz = local_tz
        self._salts = salts
        self.reconnect = ReconnectPolicy()  # how long a restarting server is waited for

    def __call__(self) -> SqlUnitOfWork:
        uow = SqlUnitOfWork(
            self.engine, self._site, self._kiosk_id, self._clock, self._local_tz, self._salts
        )
        uow.reconnect = self.reconnect
        return uow
