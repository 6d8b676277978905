"""What the desk acts on a delivered certificate (PIN unblock, revocation, renewal's
supersession) share: the appointment's claim on the dossier, the certificate delivered,
the attestation sealed by the act's audit event, and asking the CA to revoke."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.appointment_lease import LeaseEnd
from kiosk.domain.audit import AuditDraft, AuditEvent, DetailValue, Outcome
from kiosk.domain.certificate_revocation import (
    CertificateRevocation,
    RevocationReason,
    normalised_serial,
    same_serial,
)
from kiosk.domain.desk_ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from kiosk.domain.desk_receipt import DeskAct, DeskReceipt, DeskReceiptCore, desk_receipt_digest
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import KioskError, StateError
from kiosk.domain.identity import CheckOutcome
from kiosk.domain.model import Dossier
from kiosk.domain.personalisation_journal import (
    Attempt,
    AttemptStatus,
    Delivery,
    RevocationRequest,
    RevocationStatus,
)
from kiosk.services.appointment import LOST, Appointment, close_own_lease

_OUTCOME_LABELS = {
    CheckOutcome.PASSED: "conforme",
    CheckOutcome.FAILED: "non conforme",
    CheckOutcome.NOT_CHECKED: "non vérifié",
}
NO_DELIVERY = (
    "Ce dossier a été remis sans que ce kiosque en garde la trace (support et certificat "
    "inconnus ici) : adressez le titulaire au back-office."
)


@dataclass(frozen=True)
class DeliveredCertificate:
    """The certificate in service of a delivered dossier, and the token it is on."""

    dossier: Dossier
    delivery: Delivery
    attempt: Attempt | None = field(repr=False)  # the attempt that issued it, if any

    @property
    def serial(self) -> str:
        return self.delivery.certificate_serial

    @property
    def token_serial(self) -> str:
        return self.delivery.token_serial

    @property
    def certificate_der(self) -> bytes | None:
        cert = self.attempt.certificate if self.attempt else None
        return cert.cert_der if cert else None


def require_held(uow: DeskUnitOfWork, appointment: Appointment, now: datetime) -> None:
    """This appointment still holds its dossier (another kiosk may have taken it over)."""
    held = uow.appointments.open_for(appointment.reference)
    if appointment.lease_id is None:
        if held is not None and held.kiosk != uow.appointments.kiosk_id:
            raise StateError(held.held_elsewhere(now))
        return
    if held is None or held.id != appointment.lease_id:
        raise StateError(LOST)


def delivered_certificate(uow: DeskUnitOfWork, dossier_ref: str) -> DeliveredCertificate:
    """The dossier, delivered and in service, with its delivery; StateError otherwise."""
    dossier = uow.dossiers.get(dossier_ref)
    if dossier is None:
        raise StateError("Dossier introuvable.")
    if dossier.state is not DossierState.DELIVERED:
        raise StateError(
            f"Le dossier {dossier_ref} est à l'état « {dossier.state.label} » : "
            "son certificat n'est pas en service."
        )
    delivery = uow.deliveries.get(dossier_ref)
    if delivery is None:
        raise StateError(NO_DELIVERY)
    attempt = next(
        (
            a
            for a in uow.journal.attempts(dossier_ref)
            if a.status is AttemptStatus.DELIVERED
            and a.certificate is not None
            and a.certificate.serial_hex == delivery.certificate_serial
        ),
        None,
    )
    return DeliveredCertificate(dossier, delivery, attempt)


def identity_rows(appointment: Appointment) -> tuple[tuple[str, str], ...]:
    """The appointment's identity checks as the attestation states them."""
    report = appointment.identity_report
    checks = tuple((c.label, _OUTCOME_LABELS[c.outcome]) for c in (report.checks if report else ()))
    return (
        *checks,
        ("Photographie comparée par l'agent", "conforme"),
        ("Questions de révocation", "réponses du titulaire vérifiées"),
    )


def seal(
    uow: DeskUnitOfWork,
    appointment: Appointment,
    core: DeskReceiptCore,
    event_type: str,
    details: Mapping[str, DetailValue],
    now: datetime,
) -> DeskReceipt:
    """Record the act's event with the attestation's digest, end the appointment's claim
    (in the caller's transaction) and return the sealed attestation."""
    digest = desk_receipt_digest(core)
    close_own_lease(uow.appointments, appointment.reference, LeaseEnd.SERVED, now)
    event: AuditEvent = uow.audit.append(
        AuditDraft(
            event_type,
            Outcome.SUCCESS,
            appointment.session.login,
            appointment.reference,
            {**details, "receipt_digest": digest.hex()},
        )
    )
    return DeskReceipt(core, digest, event.seq, event.hash)


def attestation(
    uow: DeskUnitOfWork,
    appointment: Appointment,
    act: DeskAct,
    certificate: DeliveredCertificate,
    kiosk_id: str,
    at: datetime,
    *,
    reason: RevocationReason | None = None,
    published: bool | None = None,
) -> DeskReceiptCore:
    """The attestation of ``act`` on ``certificate`` at ``at``."""
    dossier, session = certificate.dossier, appointment.session
    office = uow.offices.get(dossier.office_code)
    return DeskReceiptCore(
        act=act,
        reference=dossier.reference,
        holder_surname=dossier.holder.surname,
        holder_given_names=dossier.holder.given_names,
        company_name=dossier.company.name,
        company_siren=dossier.company.siren,
        office_name=office.name if office else dossier.office_code,
        agent_display_name=session.display_name,
        agent_login=session.login,
        kiosk_id=kiosk_id,
        done_at=at,
        certificate_serial=normalised_serial(certificate.serial),
        token_serial=certificate.token_serial or None,
        identity_checks=identity_rows(appointment),
        reason_code=reason.value if reason else None,
        reason_label=reason.label if reason else None,
        published=published,
    )


def confirm_revocation(
    uow: DeskUnitOfWork,
    dossier_ref: str,
    serial: str,
    reason: RevocationReason,
    why: str,
    agent: str,
    at: datetime,
    *,
    certificate: DeliveredCertificate | None = None,
) -> RevocationRequest:
    """A confirmed request (the back office must revoke) for the certificate ``serial`` of
    the dossier, audited as ``revocation.confirmed``; the one already confirmed, if any."""
    for existing in uow.revocations.for_dossier(dossier_ref):
        same = existing.certificate_serial and same_serial(existing.certificate_serial, serial)
        if same and existing.status is RevocationStatus.CONFIRMED:
            return existing
    attempt = certificate.attempt if certificate else None
    delivery = certificate.delivery if certificate else None
    request = uow.revocations.add(
        RevocationRequest(
            dossier_ref=dossier_ref,
            attempt_id=attempt.id if attempt else None,
            reason=f"{why} [{reason.value}]"[:300],
            status=RevocationStatus.CONFIRMED,
            requested_at=at,
            agent=agent,
            token_serial=delivery.token_serial if delivery else None,
            certificate_serial=serial,
            certificate_fingerprint=delivery.certificate_fingerprint if delivery else None,
            certificate_der=certificate.certificate_der if certificate else None,
            decided_at=at,
        )
    )
    uow.audit.append(
        AuditDraft(
            "revocation.confirmed",
            Outcome.SUCCESS,
            agent,
            dossier_ref,
            {
                "attempt": request.attempt_id,
                "token": request.token_serial,
                "certificate_serial": serial,
                "reason": request.reason,
                "reason_code": reason.code,
            },
        )
    )
    return request


def publish_revocation(
    uow: DeskUnitOfWorkFactory,
    authority: CertificateRevocation | None,
    *,
    agent: str,
    dossier_ref: str,
    serial: str,
    reason: RevocationReason,
    at: datetime,
    certificate_der: bytes | None,
    unreachable: str,
) -> str | None:
    """Ask the CA to revoke a revocation already decided; the French problem if it did not
    (``unreachable`` without a CA), audited as ``ca.revoke`` either way; accepted, the
    confirmed request is marked published. Never raises a CA error: the confirmed request
    stays for the back office (``kiosk revocations publish``)."""
    problem: str | None = unreachable
    if authority is not None:
        try:
            authority.revoke(serial, reason, at, certificate_der=certificate_der)
            problem = None
        except KioskError as exc:
            problem = exc.message
    with uow() as tx:
        if problem is None:
            for request in tx.revocations.for_dossier(dossier_ref):
                if request.to_publish and same_serial(request.certificate_serial or "", serial):
                    tx.revocations.mark_published(_id(request), at)
        tx.audit.append(
            AuditDraft(
                "ca.revoke",
                Outcome.SUCCESS if problem is None else Outcome.FAILURE,
                agent,
                dossier_ref,
                {"certificate_serial": serial, "reason": reason.value, "error": problem},
            )
        )
        tx.commit()
    return problem


def _id(request: RevocationRequest) -> int:
    assert request.id is not None, "a stored request has an id"
    return request.id
