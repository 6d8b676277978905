"""Personalisation: a blank token becomes the holder's verified signature token, then the
holder accepts it by signing the delivery receipt. See docs/personalisation.md.

The front end calls, in this order, once the appointment's identity check and revocation
answers have passed (from a worker thread: token calls take seconds):

1. ``check_token(appointment, serial)``: what will happen with the inserted token (new,
   resumed, refused and why, wipe possible), before the holder chooses a PIN;
2. ``personalise(appointment, serial, user_pin, wipe=..., so_pin=..., progress=...)``:
   every step, journaled and audited, reported to ``progress`` with its elapsed time.
   After any failure (token pulled, CA down, wrong PIN, crash), calling it again with the
   same token resumes; with another token it starts over;
3. ``sign_acceptance(appointment, serial, user_pin, key_id, receipt_digest)``: the
   holder's signature of the receipt, verified, stored with the delivery; the dossier is
   DELIVERED and the appointment ends;
4. or ``abandon(appointment)`` when the appointment ends without a delivery.

Resumption, in short (the full table is in ``kiosk.domain.personalisation_plan``):
before issuance, the same token is taken up where it stopped (its key is adopted if it
was generated), an interrupted initialisation needs a wipe or another token; after
issuance, the SAME certificate is written if the same token still holds its key,
otherwise it is confirmed for revocation and a new one issued; an unwritten certificate
always has a revocation request (pending until written, confirmed if abandoned), and a
dossier never has two live certificates.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kiosk.domain.audit import AuditDraft, AuditEvent, DetailValue, Outcome
from kiosk.domain.certificates import CertificateAuthority, IssuedCertificate
from kiosk.domain.errors import StateError, ValidationError
from kiosk.domain.personalisation_journal import Step
from kiosk.domain.personalisation_plan import Refusal, plan_run
from kiosk.domain.personalisation_ports import (
    CertificateChecker,
    IssuancePolicy,
    PersonalisationUnitOfWorkFactory,
    SoPinEscrow,
)
from kiosk.domain.ports import Clock
from kiosk.domain.token_ports import TokenPort
from kiosk.domain.token_register import TokenState
from kiosk.services import acceptance, personalisation_start, uncertain_issuance
from kiosk.services.appointment import Appointment
from kiosk.services.personalisation_failure import on_failure
from kiosk.services.personalisation_run import Devices, Run
from kiosk.services.personalisation_start import TokenRefusedError
from kiosk.services.personalisation_steps import JournalHook, ProgressCallback, StepRunner
from kiosk.services.revocations import ABANDONED

__all__ = [
    "PersonalisationResult",
    "PersonalisationService",
    "TokenCheck",
    "TokenRefusedError",
]


@dataclass(frozen=True)
class TokenCheck:
    """What ``personalise`` would do with the inserted token (nothing is written)."""

    serial: str
    blank: bool
    register_state: TokenState | None
    refusal: str | None = None  # French: why it cannot be used as things stand
    wipe_would_help: bool = False  # the agent may choose to wipe it (with its SO PIN)
    resumes: bool = False  # the dossier's interrupted run goes on with this token
    first_step: Step | None = None


@dataclass(frozen=True)
class PersonalisationResult:
    dossier_ref: str
    token_serial: str
    key_id: bytes  # pass it to ``sign_acceptance``
    certificate: IssuedCertificate = field(repr=False)
    resumed: bool
    elapsed_seconds: float


ANSWERS_FIRST = "Les questions de révocation doivent d'abord être validées."


def _require_checks(appointment: Appointment) -> None:
    """The identity and the revocation answers come before any token is touched."""
    appointment.require_identity()
    if not appointment.answers_passed:
        raise StateError(ANSWERS_FIRST)


class PersonalisationService:
    def __init__(
        self,
        uow: PersonalisationUnitOfWorkFactory,
        tokens: TokenPort,
        ca: CertificateAuthority,
        checker: CertificateChecker,
        escrow: SoPinEscrow,
        policy: IssuancePolicy,
        clock: Clock,
        *,
        timer: Callable[[], float] = time.perf_counter,
        journal_hook: JournalHook | None = None,
        so_pin_length: int = 16,
    ) -> None:
        self._devices = Devices(tokens, ca, checker, escrow, clock, uow)
        self._policy = policy
        self._timer = timer
        self._hook = journal_hook
        self._so_pin_length = so_pin_length

    def check_token(
        self,
        appointment: Appointment,
        serial: str,
        *,
        wipe: bool = False,
        reuse_for: str | None = None,
    ) -> TokenCheck:
        """``reuse_for``: see ``personalise``."""
        _require_checks(appointment)
        ctx = personalisation_start.load(
            self._devices.uow,
            appointment.session,
            appointment.reference,
            serial,
            self._devices.clock.now(),
        )
        info = personalisation_start.find_token(self._devices.tokens, serial)
        facts = personalisation_start.read_facts(self._devices.tokens, info, ctx.open_attempt)
        plan = plan_run(ctx.reference, ctx.open_attempt, ctx.record, facts, wipe=wipe,
                        so_pin_given=True, reuse_for=reuse_for)  # fmt: skip
        state = ctx.record.state if ctx.record else None
        if isinstance(plan, Refusal):
            return TokenCheck(info.serial, info.blank, state, plan.message, plan.wipe_would_help)
        return TokenCheck(
            info.serial, info.blank, state, resumes=plan.resume, first_step=plan.first_step
        )

    def personalise(
        self,
        appointment: Appointment,
        serial: str,
        user_pin: str,
        *,
        wipe: bool = False,
        so_pin: str | None = None,
        progress: ProgressCallback | None = None,
        reuse_for: str | None = None,
    ) -> PersonalisationResult:
        """Personalise (or take up) the token ``serial`` for the dossier. ``user_pin`` has
        passed ``kiosk.domain.pin_policy`` in the front end; ``wipe`` with the token's
        current ``so_pin`` erases a token that is not blank; ``reuse_for`` (a renewal whose
        product allows it: ``RenewalService``) accepts the token delivered for that dossier,
        to be wiped. Raises ``KioskError``s:
        ``TokenRefusedError`` (take another token, or wipe), ``PinIncorrectError`` (ask
        again), ``TokenRemovedError`` (plug it back and call again), ``DeviceError``..."""
        _require_checks(appointment)
        if not user_pin:
            raise ValidationError("Le code PIN du titulaire est requis.")
        began = self._timer()
        devices, session = self._devices, appointment.session
        ctx = personalisation_start.load(
            devices.uow, session, appointment.reference, serial, devices.clock.now()
        )
        profile = self._policy.profile_for(ctx.dossier.product)
        info = personalisation_start.find_token(devices.tokens, serial)
        facts = personalisation_start.read_facts(devices.tokens, info, ctx.open_attempt)
        plan = plan_run(
            ctx.reference, ctx.open_attempt, ctx.record, facts, wipe=wipe,
            so_pin_given=bool(so_pin), reuse_for=reuse_for,
        )  # fmt: skip
        now = devices.clock.now()
        if isinstance(plan, Refusal):
            personalisation_start.refuse(devices.uow, ctx, facts, plan, now)
        attempt = personalisation_start.begin(devices.uow, ctx, facts, plan, now)
        runner = StepRunner(
            devices.uow,
            devices.clock,
            self._timer,
            attempt,
            progress=progress,
            hook=self._hook,
            on_failure=uncertain_issuance.after_failure(
                on_failure(devices, session.login), devices.clock, session.login
            ),
        )
        run = Run(devices, ctx, plan, runner, profile, user_pin, so_pin, self._so_pin_length)
        with runner:
            runner.record_done(Step.CHECK, self._timer() - began)
            certificate = run.execute()
        key_id = run.attempt.key_id or b""
        return PersonalisationResult(
            ctx.reference,
            run.attempt.token_serial,
            key_id,
            certificate,
            plan.resume,
            self._timer() - began,
        )

    def sign_acceptance(
        self,
        appointment: Appointment,
        serial: str,
        user_pin: str,
        key_id: bytes,
        digest: bytes,
    ) -> bytes:
        """The holder signs the receipt's SHA-256 ``digest`` (PIN typed once more); the
        signature is verified with the certificate, stored with the delivery, and the
        dossier is DELIVERED in the same transaction; the appointment ends. Returns the
        signature."""
        return self.accept(appointment, serial, user_pin, key_id, digest)[0]

    def accept(
        self,
        appointment: Appointment,
        serial: str,
        user_pin: str,
        key_id: bytes,
        digest: bytes,
        receipt_details: Mapping[str, DetailValue] | None = None,
    ) -> tuple[bytes, AuditEvent]:
        """``sign_acceptance``, also returning the ``dossier.delivered`` audit event, which
        records ``receipt_details`` for the receipt's QR code."""
        _require_checks(appointment)
        signature, event = acceptance.sign_acceptance(
            self._devices, appointment.session, appointment.reference, serial, user_pin,
            key_id, digest, receipt_details,
        )  # fmt: skip
        appointment.ended = True
        return signature, event

    def abandon(self, appointment: Appointment) -> list[str]:
        """The appointment ends without a delivery (call it with ``AppointmentService.end``):
        the dossier's open attempt is closed and its certificate, if one was issued,
        confirmed for revocation. Returns the serials of those certificates."""
        session, dossier_ref = appointment.session, appointment.reference
        now = self._devices.clock.now()
        revoked: list[str] = []
        with self._devices.uow() as uow:
            for attempt in uow.journal.attempts(dossier_ref):
                if attempt.status.open:
                    personalisation_start.abandon(uow, attempt, ABANDONED, session.login, now)
                    if attempt.certificate is not None:
                        revoked.append(attempt.certificate.serial_hex)
                    uow.audit.append(
                        AuditDraft(
                            "personalisation.abandoned",
                            Outcome.ABORTED,
                            session.login,
                            dossier_ref,
                            {"attempt": attempt.id, "token": attempt.token_serial},
                        )
                    )
            uow.commit()
        return revoked
