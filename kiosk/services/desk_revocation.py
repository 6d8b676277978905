"""Revoking a holder's certificate at the desk (révocation au guichet).

The holder comes back without a withdrawal code: the agent finds the delivered dossier
(``LookupService.find_delivered``), opens an appointment for ``Purpose.REVOCATION``,
checks the identity and the revocation answers as for a delivery; the holder chooses an
RFC 5280 reason among ``reasons()`` (no suspension: a qualified certificate's revocation
is final) and confirms.

Then, in one transaction: a confirmed revocation request for the certificate (what the
back office acts on), the dossier REVOKED, the token declared lost if the holder says so,
and the ``revocation.confirmed`` event. Then the CA port revokes it (the embedded CA
publishes a new CRL at once); a CA that cannot be reached leaves the confirmed request
for the back office, and the attestation says the publication is to come. The act ends
with ``dossier.revoked``, which seals the attestation's digest and ends the appointment.
Then the attestation's PDF is written and printed (``desk_paper``): a failure there is
one of ``problems``, the revocation stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.certificate_revocation import (
    CertificateRevocation,
    RevocationReason,
    check_reason,
    reasons_for,
)
from kiosk.domain.desk_ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from kiosk.domain.desk_receipt import DeskAct, DeskReceipt, DeskReceiptRenderer
from kiosk.domain.dossier_state import DossierState, transition
from kiosk.domain.errors import StateError, ValidationError
from kiosk.domain.ports import Clock
from kiosk.domain.receipt import Printer
from kiosk.domain.token_register import TokenState
from kiosk.services.appointment import Appointment
from kiosk.services.desk_acts import (
    DeliveredCertificate,
    attestation,
    confirm_revocation,
    delivered_certificate,
    publish_revocation,
    require_held,
    seal,
)
from kiosk.services.desk_paper import Paper, attestation_paper
from kiosk.services.token_register import change_state
from kiosk.services.transactions import in_transaction

CONFIRM_FIRST = (
    "La révocation est définitive et immédiate : le titulaire doit la confirmer expressément."
)
TOKEN_LOST_NOTE = "Déclaré perdu ou volé par le titulaire, certificat révoqué au guichet."  # noqa: S105
NO_AUTHORITY = (
    "Aucune autorité de certification n'est joignable depuis ce kiosque : la demande de "
    "révocation est transmise au back-office, qui la publiera."
)


@dataclass(frozen=True)
class DeskRevocation:
    certificate_serial: str
    reason: RevocationReason
    published: bool  # the CA revoked it (the embedded CA has published its CRL)
    problem: str | None  # French: why it is not published yet (the back office will)
    receipt: DeskReceipt
    pdf: Path | None = None  # the attestation's PDF, when one was written
    print_job: str | None = None
    problems: tuple[str, ...] = ()  # French: what went wrong with the paper; the act stands


class DeskRevocationService:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        authority: CertificateRevocation | None,
        clock: Clock,
        kiosk_id: str,
        *,
        qualified: bool = True,
        renderer: DeskReceiptRenderer | None = None,
        printer: Printer | None = None,
        receipts_dir: Path | None = None,
    ) -> None:
        self._uow = uow
        self._authority = authority
        self._clock = clock
        self._kiosk_id = kiosk_id
        self._qualified = qualified
        self._paper = attestation_paper(uow, renderer, printer, receipts_dir)

    def reasons(self) -> list[RevocationReason]:
        """The reasons to offer, in order (``reason.label`` in French)."""
        return reasons_for(qualified=self._qualified)

    def certificate(self, appointment: Appointment) -> DeliveredCertificate:
        """The certificate in service that the revocation would revoke, to show first."""
        appointment.require_open()
        if appointment.purpose is not Purpose.REVOCATION:
            raise StateError("Ce rendez-vous n'a pas été ouvert pour une révocation.")
        with self._uow() as uow:
            return delivered_certificate(uow, appointment.reference)

    def revoke(
        self,
        appointment: Appointment,
        reason: RevocationReason,
        confirm: bool = True,
        *,
        token_lost: bool = False,
    ) -> DeskRevocation:
        """Revoke the dossier's certificate for ``reason``. Raises ``StateError`` (checks
        not passed, certificate not in service), ``ValidationError`` (suspension asked, or
        not confirmed). A CA failure does not raise: see ``DeskRevocation.problem``."""
        appointment.require_checks(Purpose.REVOCATION)
        check_reason(reason, qualified=self._qualified)
        if not confirm:
            raise ValidationError(CONFIRM_FIRST)
        agent = appointment.session.login

        def decide(uow: DeskUnitOfWork) -> tuple[DeliveredCertificate, datetime]:
            now = self._clock.now()
            require_held(uow, appointment, now)
            certificate = delivered_certificate(uow, appointment.reference)
            target = transition(certificate.dossier.state, DossierState.REVOKED)
            why = f"Révocation au guichet : {reason.label}"
            confirm_revocation(
                uow, appointment.reference, certificate.serial, reason, why, agent, now,
                certificate=certificate,
            )  # fmt: skip
            uow.dossiers.set_state(appointment.reference, target, None)
            if token_lost and certificate.token_serial:
                change_state(
                    uow, certificate.token_serial, TokenState.LOST, now, agent,
                    note=TOKEN_LOST_NOTE,
                )  # fmt: skip
            return certificate, now

        certificate, decided_at = in_transaction(self._uow, decide)
        problem = publish_revocation(
            self._uow, self._authority, agent=agent, dossier_ref=appointment.reference,
            serial=certificate.serial, reason=reason, at=decided_at,
            certificate_der=certificate.certificate_der, unreachable=NO_AUTHORITY,
        )  # fmt: skip

        def done(uow: DeskUnitOfWork) -> DeskReceipt:
            now = self._clock.now()
            core = attestation(
                uow, appointment, DeskAct.REVOCATION, certificate, self._kiosk_id, now,
                reason=reason, published=problem is None,
            )  # fmt: skip
            details = {
                "certificate_serial": certificate.serial,
                "token": certificate.token_serial,
                "reason": reason.value,
                "reason_code": reason.code,
                "published": problem is None,
                "token_lost": token_lost,
            }
            return seal(uow, appointment, core, "dossier.revoked", details, now)

        receipt = in_transaction(self._uow, done)
        appointment.ended = True
        paper = self._paper.issue(appointment, receipt) if self._paper else Paper()
        return DeskRevocation(
            certificate.serial, reason, problem is None, problem, receipt,
            paper.pdf, paper.print_job, paper.problems,
        )  # fmt: skip
