"""Checking the holder's identity document at the desk.

The MRZ is read (typed, or from a scanner that types it) or, for a damaged document,
entered by hand; every check digit is verified by ``kiosk.domain.mrz`` and the document
is compared with the dossier's holder by ``kiosk.domain.identity``. The audit event gets
the outcome of each check, never the document number: only its keyed MAC, so that an
auditor can tell whether two deliveries used the same document without learning it. The
document's dates and the holder's nationality are personal data: they are kept apart from
the chain (``AuditDraft.personal``), which commits only to a salted commitment, so the
retention job can erase them.
"""

from __future__ import annotations

import hashlib
import hmac

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import StateError, ValidationError
from kiosk.domain.identity import IdentityReport, check_identity
from kiosk.domain.mrz import MrzData, parse_mrz
from kiosk.domain.mrz_fields import MrzCheckDigitError
from kiosk.domain.ports import Clock, UnitOfWorkFactory
from kiosk.services.appointment import Appointment

# Facts about the holder and their document that the audit keeps apart, erasable (see
# above). The effective expiry stays in the chain: it is the evidence the expiry check's
# verdict rests on, which an auditor must be able to judge for as long as the log lives.
PERSONAL_IDENTITY_FIELDS = ("nationality", "expiry_date", "issue_month")


def document_mac(secret: bytes, document: MrzData) -> str:
    message = f"document:{document.issuing_country}:{document.document_number}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


class IdentityService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, site_secret: bytes) -> None:
        self._uow = uow
        self._clock = clock
        self._secret = site_secret

    def read_mrz(self, appointment: Appointment, typed: str) -> MrzData:
        """Parse the MRZ; a check digit that does not verify is a refusal, audited."""
        appointment.require_open()
        try:
            return parse_mrz(typed, self._clock.now().date())
        except ValidationError as exc:
            details: dict[str, str | int | bool | None] = {"manual_entry": False}
            if isinstance(exc, MrzCheckDigitError):
                details["check_digit_field"] = exc.field
                self._record(appointment, "identity.mrz", Outcome.REFUSED, details)
            else:
                details["reason"] = "unreadable"
                self._record(appointment, "identity.mrz", Outcome.FAILURE, details)
            raise

    def check(self, appointment: Appointment, document: MrzData) -> IdentityReport:
        """Compare the document with the holder; the report says each check's outcome."""
        appointment.require_open()
        today = self._clock.now().date()
        holder = appointment.dossier.holder
        report = check_identity(document, holder, today, purpose=appointment.purpose)
        details = dict(report.audit_details())
        details["document_mac"] = document_mac(self._secret, document)
        personal = {}
        for name in PERSONAL_IDENTITY_FIELDS:
            value = details.pop(name, None)
            if value is not None:
                personal[name] = str(value)
        outcome = Outcome.SUCCESS if report.passed else Outcome.REFUSED
        self._record(appointment, "identity.check", outcome, details, personal)
        appointment.identity_passed = report.passed
        appointment.identity_report = report if report.passed else None
        appointment.photo_confirmed = False
        return report

    def confirm_photo(self, appointment: Appointment, matches: bool) -> None:
        """The agent's deliberate statement that the photo is (or is not) the holder's."""
        appointment.require_open()
        if not appointment.identity_passed:
            raise StateError("Les contrôles du document doivent d'abord être conformes.")
        outcome = Outcome.SUCCESS if matches else Outcome.REFUSED
        self._record(appointment, "identity.photo", outcome, {"photo_matches": matches})
        appointment.photo_confirmed = matches

    def _record(
        self,
        appointment: Appointment,
        event_type: str,
        outcome: Outcome,
        details: dict[str, str | int | bool | None],
        personal: dict[str, str] | None = None,
    ) -> None:
        with self._uow() as uow:
            uow.audit.append(
                AuditDraft(
                    event_type,
                    outcome,
                    appointment.session.login,
                    appointment.reference,
                    details,
                    personal,
                )
            )
            uow.commit()
