"""The auditor's check of the audit chain."""

from __future__ import annotations

from kiosk.domain.audit import ChainReport, verify_chain
from kiosk.domain.ports import UnitOfWorkFactory


class AuditReview:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    def verify(self) -> ChainReport:
        """Walk every stored event in order (streamed) and name the first that fails."""
        with self._uow() as uow:
            return verify_chain(uow.audit.events())
