"""What becomes of the certificate a renewal replaces: revoked as ``superseded`` once the
renewal is accepted, or for ``cessationOfOperation`` when the renewal wiped the holder's
token and ended without a delivery. Either way its request is confirmed, its dossier
REVOKED and the act audited once, in the caller's transaction; the CA is asked after
(``RenewalService``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.desk_ports import DeskUnitOfWork
from kiosk.domain.dossier_state import DossierState, transition
from kiosk.domain.errors import StateError
from kiosk.domain.renewal import Renewal
from kiosk.services.auth import AgentSession
from kiosk.services.desk_acts import DeliveredCertificate, confirm_revocation


@dataclass(frozen=True)
class Superseded:
    renewal: str  # the renewal dossier
    renewed: str  # the dossier whose certificate it replaces
    certificate_serial: str  # the certificate replaced
    published: bool  # the CA has revoked it (the embedded CA has published its CRL)
    problem: str | None = None  # French: why not yet (the back office will)


@dataclass(frozen=True)
class Retirement:
    reason: RevocationReason
    event: str


SUPERSEDED = Retirement(RevocationReason.SUPERSEDED, "renewal.superseded")
ERASED = Retirement(RevocationReason.CESSATION_OF_OPERATION, "renewal.old_key_erased")


def supersede(
    uow: DeskUnitOfWork, session: AgentSession, renewal: Renewal, now: datetime
) -> tuple[Superseded, bytes | None]:
    new = uow.deliveries.get(renewal.reference)
    why = f"Certificat remplacé par le renouvellement {renewal.reference}" + (
        f" (certificat {new.certificate_serial})" if new else ""
    )
    return retire(uow, session, renewal, now, SUPERSEDED, why)


def retire(
    uow: DeskUnitOfWork,
    session: AgentSession,
    renewal: Renewal,
    now: datetime,
    retirement: Retirement,
    why: str,
) -> tuple[Superseded, bytes | None]:
    """The renewed certificate's revocation confirmed and its dossier REVOKED, once."""
    previous = uow.dossiers.get(renewal.renews)
    serial = renewal.superseded_serial
    if previous is None or serial is None:
        raise StateError(
            f"Le certificat que remplace le renouvellement {renewal.reference} est inconnu : "
            "prévenez le back-office."
        )
    delivery = uow.deliveries.get(previous.reference)
    certificate = None
    if delivery is not None:
        attempts = uow.journal.attempts(previous.reference)
        issued = [a for a in attempts if a.certificate and a.certificate.serial_hex == serial]
        certificate = DeliveredCertificate(previous, delivery, issued[-1] if issued else None)
    new = uow.deliveries.get(renewal.reference)
    done = Superseded(renewal.reference, previous.reference, serial, False)
    if previous.state is DossierState.REVOKED:
        return done, certificate.certificate_der if certificate else None
    confirm_revocation(
        uow, previous.reference, serial, retirement.reason, why, session.login, now,
        certificate=certificate,
    )  # fmt: skip
    uow.dossiers.set_state(
        previous.reference, transition(previous.state, DossierState.REVOKED), None
    )
    uow.audit.append(
        AuditDraft(
            retirement.event,
            Outcome.SUCCESS,
            session.login,
            renewal.reference,
            {
                "renews": previous.reference,
                "certificate_serial": serial,
                "new_certificate_serial": new.certificate_serial if new else None,
            },
        )
    )
    return done, certificate.certificate_der if certificate else None
