"""Wiring of the administrator's and auditor's commands (the CLI's counterpart of
``kiosk.bootstrap``): settings in, database and hasher built, services out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.config import Settings, load_settings
from kiosk.services.agents import AgentAdmin
from kiosk.services.audit_review import AuditReview
from kiosk.services.importer import DossierImporter


def make_hasher(settings: Settings) -> Argon2Hasher:
    """Argon2id with the settings' cost: OWASP's unless the settings lower it."""
    cost = settings.argon2
    return Argon2Hasher(cost.time_cost, cost.memory_kib, cost.parallelism)


@dataclass(frozen=True)
class AdminServices:
    settings: Settings
    uow: SqlUnitOfWorkFactory
    hasher: Argon2Hasher

    def importer(self) -> DossierImporter:
        return DossierImporter(self.uow, self.hasher, self.settings.site_secret())

    def agents(self) -> AgentAdmin:
        return AgentAdmin(self.uow, self.hasher)

    def audit(self) -> AuditReview:
        return AuditReview(self.uow)


@contextmanager
def admin_services(settings: Settings | None = None) -> Iterator[AdminServices]:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    try:
        uow = SqlUnitOfWorkFactory(engine, site=settings.site, kiosk_id=settings.kiosk_id)
        yield AdminServices(settings, uow, make_hasher(settings))
    finally:
        engine.dispose()
