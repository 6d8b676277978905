"""Looking a dossier up by its withdrawal number, within the agent's own office."""

from __future__ import annotations

from kiosk.domain import withdrawal
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import NotFoundError, ValidationError
from kiosk.domain.model import Dossier
from kiosk.domain.ports import UnitOfWorkFactory
from kiosk.services.auth import AgentSession

NOT_FOUND = "Aucun dossier ne correspond à ce code de retrait pour votre bureau."


class LookupService:
    def __init__(self, uow: UnitOfWorkFactory, site_secret: bytes) -> None:
        self._uow = uow
        self._secret = site_secret

    def lookup(self, session: AgentSession, typed_code: str) -> Dossier:
        """The dossier of this code in the agent's office. A code unknown or belonging to
        another office gets the same answer, so the desk never learns which."""
        try:
            code_hash = withdrawal.keyed_hash(self._secret, typed_code)
        except ValidationError:
            with self._uow() as uow:
                uow.audit.append(
                    AuditDraft(
                        "dossier.lookup",
                        Outcome.REFUSED,
                        session.login,
                        details={"reason": "malformed_code"},
                    )
                )
                uow.commit()
            raise
        with self._uow() as uow:
            dossier = uow.dossiers.find_by_code_hash(code_hash)
            if dossier is None or dossier.office_code != session.office_code:
                reason = "unknown_code" if dossier is None else "other_office"
                uow.audit.append(
                    AuditDraft(
                        "dossier.lookup",
                        Outcome.FAILURE,
                        session.login,
                        dossier.reference if dossier else None,
                        {"reason": reason, "office": session.office_code},
                    )
                )
                uow.commit()
                raise NotFoundError(NOT_FOUND)
            uow.audit.append(
                AuditDraft(
                    "dossier.lookup",
                    Outcome.SUCCESS,
                    session.login,
                    dossier.reference,
                    {"state": dossier.state.value, "office": dossier.office_code},
                )
            )
            uow.commit()
            return dossier
