"""Looking a dossier up by its withdrawal number, within the agent's own office; and a
delivered dossier, for a PIN unblock or a revocation, by its reference or its
certificate's serial number (the holder comes back without a withdrawal code)."""

from __future__ import annotations

from kiosk.domain import withdrawal
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.certificate_revocation import normalised_serial
from kiosk.domain.desk_ports import LookupUnitOfWork, LookupUnitOfWorkFactory
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import NotFoundError, StateError, ValidationError
from kiosk.domain.model import Dossier
from kiosk.services.auth import AgentSession

NOT_FOUND = "Aucun dossier ne correspond à ce code de retrait pour votre bureau."
NOT_FOUND_DELIVERED = (
    "Aucun dossier remis ne correspond à cette référence ou à ce numéro de série de "
    "certificat pour votre bureau."
)


class LookupService:
    def __init__(self, uow: LookupUnitOfWorkFactory, site_secret: bytes) -> None:
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

    def find_delivered(self, session: AgentSession, reference_or_serial: str) -> Dossier:
        """The delivered dossier of the agent's office with this reference, or whose
        certificate has this serial (hex, any case, with or without colons or leading
        zeros). Unknown and another office's get the same answer; a dossier of the office
        that is not delivered is named with its state. Audited like a lookup."""
        typed = reference_or_serial.strip()
        if not typed:
            raise ValidationError("Saisissez la référence du dossier ou le numéro de série.")
        with self._uow() as uow:
            dossier, by = self._delivered(uow, typed)
            if dossier is None or dossier.office_code != session.office_code:
                reason = "unknown" if dossier is None else "other_office"
                self._audit_delivered(uow, session, dossier, Outcome.FAILURE, by, reason)
                uow.commit()
                raise NotFoundError(NOT_FOUND_DELIVERED)
            if dossier.state is not DossierState.DELIVERED:
                self._audit_delivered(uow, session, dossier, Outcome.REFUSED, by, "not_delivered")
                uow.commit()
                raise StateError(
                    f"Le dossier {dossier.reference} est à l'état « {dossier.state.label} » : "
                    "son certificat n'est pas en service."
                )
            self._audit_delivered(uow, session, dossier, Outcome.SUCCESS, by, None)
            uow.commit()
            return dossier

    @staticmethod
    def _delivered(uow: LookupUnitOfWork, typed: str) -> tuple[Dossier | None, str]:
        dossier = uow.dossiers.get(typed.upper())
        if dossier is not None:
            return dossier, "reference"
        try:
            serial = normalised_serial(typed)
        except ValidationError:
            return None, "reference"
        reference = uow.certificates.dossier_of(serial)
        return (uow.dossiers.get(reference) if reference else None), "certificate_serial"

    @staticmethod
    def _audit_delivered(
        uow: LookupUnitOfWork,
        session: AgentSession,
        dossier: Dossier | None,
        outcome: Outcome,
        by: str,
        reason: str | None,
    ) -> None:
        details: dict[str, str | int | bool | None] = {"by": by, "office": session.office_code}
        if reason is not None:
            details["reason"] = reason
        if dossier is not None and outcome is not Outcome.FAILURE:
            details["state"] = dossier.state.value
        uow.audit.append(
            AuditDraft(
                "dossier.lookup_delivered",
                outcome,
                session.login,
                dossier.reference if dossier else None,
                details,
            )
        )
