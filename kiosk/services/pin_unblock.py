"""Unblocking a holder's PIN at the desk (déblocage du code PIN).

A holder whose token PIN is blocked comes back without a withdrawal code: the agent finds
the delivered dossier (``LookupService.find_delivered``), opens an appointment for
``Purpose.PIN_UNBLOCK``, checks the identity and the revocation answers as for a delivery,
then the holder types a new PIN twice (``kiosk.domain.pin_policy``) and inserts the token
delivered for that dossier. The SO PIN comes from the back office's escrow through the
``SoPinRecovery`` port; it is passed to one token call (C_InitPIN under an SO login) and
the kiosk drops its reference at once: it is never logged, audited, stored or shown.

The start is audited before the token is touched (fail closed); a failure is audited with
its French message; the success (``pin.unblocked``) records the attestation's digest and
ends the appointment. Keys and certificate stay on the token. Then the attestation's PDF
is written and printed (``desk_paper``): a failure there is one of ``problems``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.desk_ports import DeskUnitOfWork, DeskUnitOfWorkFactory
from kiosk.domain.desk_receipt import DeskAct, DeskReceipt, DeskReceiptRenderer
from kiosk.domain.errors import KioskError, StateError
from kiosk.domain.pin_policy import PinPolicy, check_pin
from kiosk.domain.ports import Clock
from kiosk.domain.receipt import Printer
from kiosk.domain.so_pin_recovery import SoPinRecovery
from kiosk.domain.token_ports import TokenPort, TokenRemovedError
from kiosk.domain.token_register import TokenState
from kiosk.services.appointment import Appointment
from kiosk.services.desk_acts import (
    DeliveredCertificate,
    attestation,
    delivered_certificate,
    require_held,
    seal,
)
from kiosk.services.desk_paper import Paper, attestation_paper
from kiosk.services.transactions import in_transaction


@dataclass(frozen=True)
class PinUnblocked:
    token_serial: str
    receipt: DeskReceipt
    pdf: Path | None = None  # the attestation's PDF, when one was written
    print_job: str | None = None
    problems: tuple[str, ...] = ()  # French: what went wrong with the paper; the act stands


class PinUnblockService:
    def __init__(
        self,
        uow: DeskUnitOfWorkFactory,
        tokens: TokenPort,
        recovery: SoPinRecovery,
        clock: Clock,
        kiosk_id: str,
        *,
        policy: PinPolicy | None = None,
        renderer: DeskReceiptRenderer | None = None,
        printer: Printer | None = None,
        receipts_dir: Path | None = None,
    ) -> None:
        self._uow = uow
        self._tokens = tokens
        self._recovery = recovery
        self._clock = clock
        self._kiosk_id = kiosk_id
        self.policy = policy or PinPolicy()
        self._paper = attestation_paper(uow, renderer, printer, receipts_dir)

    def delivered_token(self, appointment: Appointment) -> DeliveredCertificate:
        """The certificate in service and the token to insert (its serial)."""
        appointment.require_open()
        if appointment.purpose is not Purpose.PIN_UNBLOCK:
            raise StateError("Ce rendez-vous n'a pas été ouvert pour un déblocage du code PIN.")
        with self._uow() as uow:
            return delivered_certificate(uow, appointment.reference)

    def unblock(
        self, appointment: Appointment, serial: str, new_pin: str, confirm: str
    ) -> PinUnblocked:
        """Set ``new_pin`` (typed twice) on the token ``serial`` delivered for the dossier,
        which unblocks it. Raises ``ValidationError`` (PIN refused by the policy: ask
        again), ``StateError`` (checks not passed, another token, token out of service,
        certificate no longer in service), ``TokenRemovedError`` (insert the token, call
        again), ``NotFoundError``/``ConfigError``/``IntegrityError`` from the back office's
        escrow, ``PinIncorrectError(so=True)``/``PinLockedError`` from the token."""
        appointment.require_checks(Purpose.PIN_UNBLOCK)
        check_pin(new_pin, confirm, appointment.dossier.holder.birth_date, self.policy)

        def start(uow: DeskUnitOfWork) -> DeliveredCertificate:
            now = self._clock.now()
            require_held(uow, appointment, now)
            certificate = delivered_certificate(uow, appointment.reference)
            _require_the_delivered_token(uow, certificate, serial)
            if certificate.delivery.not_after <= now:
                raise StateError(
                    "Le certificat de ce dossier a expiré : débloquer son support ne sert à "
                    "rien, un renouvellement est nécessaire."
                )
            self._audit(uow, appointment, "pin.unblock_started", Outcome.SUCCESS, certificate)
            return certificate

        certificate = in_transaction(self._uow, start)  # fail closed: no event, no unblock
        try:
            if not any(info.serial == serial for info in self._tokens.list_tokens()):
                raise TokenRemovedError()
            self._set_pin(serial, appointment.reference, new_pin)
        except KioskError as exc:
            with self._uow() as uow:
                self._audit(
                    uow, appointment, "pin.unblock", Outcome.FAILURE, certificate, exc.message
                )
                uow.commit()
            raise

        def done(uow: DeskUnitOfWork) -> DeskReceipt:
            now = self._clock.now()
            core = attestation(
                uow, appointment, DeskAct.PIN_UNBLOCK, certificate, self._kiosk_id, now
            )
            details = {"token": serial, "certificate_serial": certificate.serial}
            return seal(uow, appointment, core, "pin.unblocked", details, now)

        receipt = in_transaction(self._uow, done)
        appointment.ended = True
        paper = self._paper.issue(appointment, receipt) if self._paper else Paper()
        return PinUnblocked(serial, receipt, paper.pdf, paper.print_job, paper.problems)

    def _set_pin(self, serial: str, dossier_ref: str, new_pin: str) -> None:
        so_pin = self._recovery.recover_so_pin(serial, dossier_ref)
        try:
            self._tokens.unblock_pin(serial, so_pin, new_pin)
        finally:
            # A str cannot be wiped in place: the kiosk drops its only reference at once.
            del so_pin

    @staticmethod
    def _audit(
        uow: DeskUnitOfWork,
        appointment: Appointment,
        event: str,
        outcome: Outcome,
        certificate: DeliveredCertificate,
        error: str | None = None,
    ) -> None:
        details: dict[str, str | int | bool | None] = {
            "token": certificate.token_serial,
            "certificate_serial": certificate.serial,
        }
        if error is not None:
            details["error"] = error
        uow.audit.append(
            AuditDraft(event, outcome, appointment.session.login, appointment.reference, details)
        )


def _require_the_delivered_token(
    uow: DeskUnitOfWork, certificate: DeliveredCertificate, serial: str
) -> None:
    if serial != certificate.token_serial:
        raise StateError(
            f"Ce support ({serial or 'sans numéro'}) n'est pas celui remis pour ce dossier : "
            f"insérez le support n° {certificate.token_serial}."
        )
    record = uow.token_register.get(serial)
    if record is None or record.dossier_ref != certificate.dossier.reference:
        raise StateError(f"Le support {serial} n'est pas enregistré pour ce dossier.")
    if record.state is not TokenState.DELIVERED:
        raise StateError(
            f"Le support {serial} est « {record.state.label} » : il ne peut pas être débloqué."
        )
