"""What the desk knows about the certificate a holder was handed, read only: before a PIN
unblock or a revocation, or to answer « mon certificat a-t-il été révoqué ? ».

For a delivered or revoked dossier of the agent's office: the certificate's serial and
validity, the token it is on and that token's state in the register, when and where it was
delivered; for a revoked one, the confirmed revocation (when, why) and whether the
authority published it (its ``ca.revoke`` audit events). Nothing secret is read: no
withdrawal code, PIN, answer or document number. Not audited: the dossier was looked up
(and that lookup audited) before its screen asks for this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.audit import Outcome
from kiosk.domain.audit_ports import AuditQuery, AuditReader
from kiosk.domain.certificate_revocation import RevocationReason, same_serial
from kiosk.domain.desk_ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.personalisation_journal import Delivery, RevocationRequest, RevocationStatus
from kiosk.domain.ports import Clock
from kiosk.domain.token_register import TokenState
from kiosk.services.audit_browser import ScanningReader
from kiosk.services.auth import AgentSession

RENEWAL_NOTICE_DAYS = 30
"""A certificate ending within this many days needs a renewal rather than an unblock."""

_WITH_CERTIFICATE = frozenset({DossierState.DELIVERED, DossierState.REVOKED})
_REASON_CODE = re.compile(r"\[([A-Za-z]+)\]\s*$")
_CA_EVENTS_READ = 200  # a certificate is revoked at most a few times (retries)


@dataclass(frozen=True)
class RevocationFacts:
    decided_at: datetime
    reason: RevocationReason | None  # None: a reason this kiosk did not choose
    reason_text: str  # the request's own words (French, generated: no secret)
    published: bool | None
    """True: the authority revoked it (CRL published); False: it could not be reached,
    the back office publishes it; None: no attempt recorded here."""


@dataclass(frozen=True)
class CertificateFacts:
    reference: str
    state: DossierState
    certificate_serial: str
    not_before: datetime
    not_after: datetime
    token_serial: str | None
    token_state: TokenState | None  # None: a token the register does not know
    delivered_at: datetime | None
    office_name: str
    read_at: datetime
    revocation: RevocationFacts | None = None
    """For a revoked dossier: its confirmed revocation, when this kiosk recorded one."""

    @property
    def expired(self) -> bool:
        return self.not_after <= self.read_at

    @property
    def expires_soon(self) -> bool:
        """Still valid but for less than ``RENEWAL_NOTICE_DAYS``: a renewal is due."""
        return not self.expired and self.not_after - self.read_at <= timedelta(
            days=RENEWAL_NOTICE_DAYS
        )

    @property
    def days_left(self) -> int:
        return max(0, (self.not_after - self.read_at).days)


class CertificateFactsService:
    def __init__(
        self, uow: DeskUnitOfWorkFactory, clock: Clock, audit: AuditReader | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        # The database's reader answers from its indexes; scanning suits a small log.
        self._audit: AuditReader = audit if audit is not None else ScanningReader(uow)

    def certificate_facts(self, session: AgentSession, reference: str) -> CertificateFacts | None:
        """The certificate handed over with the dossier ``reference`` of the agent's
        office; None when the dossier is of another office, not delivered nor revoked, or
        delivered without this kiosk keeping a trace of it."""
        with self._uow() as uow:
            dossier = uow.dossiers.get(reference)
            if (
                dossier is None
                or dossier.office_code != session.office_code
                or dossier.state not in _WITH_CERTIFICATE
            ):
                return None
            delivery = uow.deliveries.get(reference)
            if delivery is None:
                return None
            token = uow.token_register.get(delivery.token_serial) if delivery.token_serial else None
            office = uow.offices.get(dossier.office_code)
            request = (
                _confirmed_request(uow, delivery) if dossier.state is DossierState.REVOKED else None
            )
        revocation = self._revocation(reference, delivery, request) if request else None
        return CertificateFacts(
            reference=reference,
            state=dossier.state,
            certificate_serial=delivery.certificate_serial,
            not_before=delivery.not_before,
            not_after=delivery.not_after,
            token_serial=delivery.token_serial or None,
            token_state=token.state if token else None,
            delivered_at=delivery.delivered_at,
            office_name=office.name if office else dossier.office_code,
            read_at=self._clock.now(),
            revocation=revocation,
        )

    def _revocation(
        self, reference: str, delivery: Delivery, request: RevocationRequest
    ) -> RevocationFacts:
        return RevocationFacts(
            decided_at=request.decided_at or request.requested_at,
            reason=_reason(request.reason),
            reason_text=_REASON_CODE.sub("", request.reason).strip(),
            published=self._published(reference, delivery.certificate_serial),
        )

    def _published(self, reference: str, serial: str) -> bool | None:
        """What the authority answered when asked to revoke ``serial`` (it keeps the first
        revocation: one success is enough)."""
        query = AuditQuery(type_prefix="ca.revoke", dossier_part=reference)
        page = self._audit.page(query, 0, _CA_EVENTS_READ)
        outcomes = [
            event.outcome
            for event in page.events
            if event.dossier_ref == reference
            and same_serial(str(event.details.get("certificate_serial") or ""), serial)
        ]
        if not outcomes:
            return None
        return Outcome.SUCCESS in outcomes


def _confirmed_request(uow: DeskUnitOfWork, delivery: Delivery) -> RevocationRequest | None:
    confirmed = [
        r
        for r in uow.revocations.for_dossier(delivery.dossier_ref)
        if r.status is RevocationStatus.CONFIRMED
        and r.certificate_serial
        and same_serial(r.certificate_serial, delivery.certificate_serial)
    ]
    return confirmed[-1] if confirmed else None


def _reason(text: str) -> RevocationReason | None:
    found = _REASON_CODE.search(text)
    if found is None:
        return None
    try:
        return RevocationReason(found.group(1))
    except ValueError:
        return None
