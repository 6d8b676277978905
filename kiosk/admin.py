"""Wiring of the administrator's and auditor's commands (the CLI's counterpart of
``kiosk.bootstrap``): settings in, database and hasher built, services out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.argon2_hasher import Argon2Hasher
from kiosk.adapters.crypto.checkpoint_keys import EcdsaP256CheckpointVerifier
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.audit_settings import AuditSettings, load_audit_settings
from kiosk.config import Settings, load_settings
from kiosk.domain.checkpoint import CheckpointSigner
from kiosk.domain.errors import ConfigError
from kiosk.domain.offices import OFFICES_TZ
from kiosk.services.agents import AgentAdmin
from kiosk.services.audit_checkpoints import AuditCheckpoints
from kiosk.services.audit_export import AuditExport
from kiosk.services.audit_integrity import AuditIntegrity
from kiosk.services.audit_proofs import AuditProofs
from kiosk.services.audit_retention import PersonalDataRetention
from kiosk.services.audit_review import AuditReview
from kiosk.services.importer import DossierImporter
from kiosk.services.revocation_backlog import RevocationBacklog


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

    # The tamper-evident log (issue 7) -------------------------------------------------

    def audit_settings(self) -> AuditSettings:
        return load_audit_settings(self.settings)

    def audit_verifier(self) -> EcdsaP256CheckpointVerifier:
        """The exported public key: verification needs no token."""
        from kiosk.adapters.token.audit_key import load_audit_verifier

        audit = self.audit_settings()
        if not audit.public_key_file.exists():
            raise ConfigError(
                "clé d'audit",
                f"aucune clé publique dans {audit.folder} : lancez « kiosk demo init » ou "
                "créez la clé d'audit du kiosque",
            )
        return load_audit_verifier(audit.folder, audit.origin)

    def audit_signer(self) -> CheckpointSigner:
        """The audit key on its token (checked against the exported public key)."""
        from kiosk.adapters.token.audit_key import load_audit_signer
        from kiosk.adapters.token.environment import use_softhsm_conf

        use_softhsm_conf(self.settings.softhsm_conf)
        audit = self.audit_settings()
        return load_audit_signer(
            audit.folder, module_path=self.settings.pkcs11_module, key_name=audit.origin
        )

    def create_audit_key(self) -> AuditSettings:
        """Initialise a blank token of the kiosk's module for the audit key (once)."""
        from kiosk.adapters.token.audit_key import create_audit_key
        from kiosk.adapters.token.environment import use_softhsm_conf

        use_softhsm_conf(self.settings.softhsm_conf)
        audit = self.audit_settings()
        create_audit_key(
            audit.folder, module_path=self.settings.pkcs11_module, token_label=audit.token_label
        )
        return audit

    def audit_key_pem(self) -> bytes:
        """The audit key's public half as its token holds it (PEM); refused if the
        exported one differs."""
        from kiosk.adapters.token.audit_key import token_public_key_pem
        from kiosk.adapters.token.environment import use_softhsm_conf

        use_softhsm_conf(self.settings.softhsm_conf)
        audit = self.audit_settings()
        pem = token_public_key_pem(audit.folder, module_path=self.settings.pkcs11_module)
        if audit.public_key_file.exists() and self.audit_verifier().public_key_pem() != pem:
            raise ConfigError(
                "clé d'audit", f"le support ne porte pas la clé exportée ({audit.public_key_file})"
            )
        return pem

    def audit_integrity(self) -> AuditIntegrity:
        audit = self.audit_settings()
        verifier = self.audit_verifier() if audit.public_key_file.exists() else None
        return AuditIntegrity(self.uow, verifier, audit.origin)

    def audit_checkpoints(self) -> AuditCheckpoints:
        audit = self.audit_settings()
        return AuditCheckpoints(
            self.uow,
            self.audit_signer,
            self.audit_verifier(),
            audit.origin,
            SystemClock(),
            audit.schedule,
        )

    def audit_proofs(self) -> AuditProofs:
        return AuditProofs(self.uow, self.audit_verifier(), self.audit_settings().origin)

    def audit_export(self) -> AuditExport:
        audit = self.audit_settings()
        return AuditExport(self.uow, self.audit_verifier(), audit.origin, OFFICES_TZ)

    def revocation_backlog(self, *, with_authority: bool) -> RevocationBacklog:
        """The back office's revocations; ``with_authority`` wires the configured CA (a
        ``ConfigError`` saying what to fix if it cannot be)."""
        clock = SystemClock()
        if not with_authority:
            return RevocationBacklog(self.uow, None, clock)
        from kiosk.adapters.token.environment import use_softhsm_conf
        from kiosk.bootstrap_ca import make_certificate_authority

        use_softhsm_conf(self.settings.softhsm_conf)
        authority = make_certificate_authority(self.settings, clock).revocation
        return RevocationBacklog(self.uow, authority, clock)

    def personal_retention(self) -> PersonalDataRetention:
        months = self.audit_settings().personal_retention_months
        return PersonalDataRetention(self.uow, SystemClock(), months)


@contextmanager
def admin_services(settings: Settings | None = None) -> Iterator[AdminServices]:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    try:
        uow = SqlUnitOfWorkFactory(engine, site=settings.site, kiosk_id=settings.kiosk_id)
        yield AdminServices(settings, uow, make_hasher(settings))
    finally:
        engine.dispose()
