"""Acceptance: the holder signs the delivery receipt's digest with the new key, and the
dossier is delivered.

The signature is verified with the certificate before anything is stored. The delivery
row, the dossier's DELIVERED state, the attempt's and the token's new states, the end of
this kiosk's appointment and the audit event are one transaction: a dossier is delivered
with its proof, or not at all. That transaction touches only the database and reads again
what it checks, so it runs again if the database undid it for a passing reason (the
signature, already made, is not asked again). No kiosk delivers a dossier whose
appointment another kiosk holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from kiosk.domain.appointment_lease import LeaseEnd
from kiosk.domain.audit import AuditDraft, AuditEvent, DetailValue, Outcome
from kiosk.domain.dossier_state import DossierState, transition
from kiosk.domain.errors import IntegrityError, KioskError, StateError, ValidationError
from kiosk.domain.personalisation_journal import Attempt, AttemptStatus, Delivery
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWork
from kiosk.domain.token_ports import PinLockedError
from kiosk.domain.token_register import TokenState
from kiosk.services import revocations
from kiosk.services.appointment import close_own_lease, ensure_not_held_elsewhere
from kiosk.services.auth import AgentSession
from kiosk.services.personalisation_run import Devices
from kiosk.services.personalisation_start import PIN_LOCKED_NOTE
from kiosk.services.replaced_keys import discard_replaced
from kiosk.services.token_register import change_state, keep_escrow
from kiosk.services.transactions import in_transaction

DIGEST_BYTES = 32
NOT_READY = (
    "Ce support n'a pas de certificat vérifié prêt à être remis : "
    "terminez d'abord la personnalisation."
)
OTHER_DOSSIER = "Ce support a été personnalisé pour un autre dossier que celui du rendez-vous."
BAD_SIGNATURE = (
    "La signature d'acceptation ne se vérifie pas avec le certificat : rien n'a été "
    "enregistré. Recommencez la signature."
)


def _ready_attempt(
    uow: PersonalisationUnitOfWork,
    session: AgentSession,
    dossier_ref: str,
    serial: str,
    key_id: bytes,
    now: datetime,
) -> Attempt:
    ensure_not_held_elsewhere(uow.appointments, dossier_ref, now)
    record = uow.token_register.get(serial)
    ready = next(
        (
            attempt
            for attempt in uow.journal.open_attempts_on_token(serial)
            if attempt.status is AttemptStatus.VERIFIED
            and attempt.key_id == key_id
            and attempt.dossier_ref == dossier_ref
        ),
        None,
    )
    # A renewal beside the holder's key: the token is still theirs, delivered for the
    # dossier renewed, until this acceptance hands it over again.
    holders = (
        ready is not None
        and ready.keeps_key_of is not None
        and record is not None
        and (record.state, record.dossier_ref) == (TokenState.DELIVERED, ready.keeps_key_of)
    )
    if not holders:
        if record is None or record.state is not TokenState.PERSONALISED:
            raise StateError(NOT_READY)
        if record.dossier_ref != dossier_ref:
            raise StateError(OTHER_DOSSIER)
    dossier = uow.dossiers.get(dossier_ref)
    if dossier is None or dossier.office_code != session.office_code:
        raise StateError(NOT_READY)
    transition(dossier.state, DossierState.DELIVERED)  # refuses a dossier no longer deliverable
    if ready is None:
        raise StateError(NOT_READY)
    return ready


def _audit(
    uow: PersonalisationUnitOfWork,
    event: str,
    outcome: Outcome,
    attempt: Attempt,
    extra: Mapping[str, DetailValue] | None = None,
) -> AuditEvent:
    cert = attempt.certificate
    details: dict[str, str | int | bool | None] = {
        "attempt": attempt.id,
        "token": attempt.token_serial,
        "certificate_serial": cert.serial_hex if cert else None,
    }
    return uow.audit.append(
        AuditDraft(event, outcome, attempt.agent, attempt.dossier_ref, {**details, **(extra or {})})
    )


def sign_acceptance(
    devices: Devices,
    session: AgentSession,
    dossier_ref: str,
    serial: str,
    user_pin: str,
    key_id: bytes,
    digest: bytes,
    receipt_details: Mapping[str, DetailValue] | None = None,
) -> tuple[bytes, AuditEvent]:
    """The holder's signature of ``digest`` and the ``dossier.delivered`` event, which
    also records ``receipt_details`` (what the receipt's QR code is checked against)."""
    if len(digest) != DIGEST_BYTES:
        raise ValidationError("L'empreinte du reçu doit être un SHA-256 (32 octets).")
    with devices.uow() as uow:
        attempt = _ready_attempt(uow, session, dossier_ref, serial, key_id, devices.clock.now())
        _audit(uow, "acceptance.signature_started", Outcome.SUCCESS, attempt)
        uow.commit()  # fail closed: no audit, no signature
    cert = attempt.certificate
    if cert is None:  # a verified attempt always has one
        raise StateError(NOT_READY)
    try:
        signature = devices.tokens.sign(serial, user_pin, key_id, digest)
    except KioskError as exc:
        _signature_failed(devices, session, attempt, exc)
        raise
    if not devices.checker.signature_verifies(cert.cert_der, digest, signature):
        _signature_failed(devices, session, attempt, IntegrityError(BAD_SIGNATURE))
        raise IntegrityError(BAD_SIGNATURE)

    issued = cert  # narrowed: the closure below keeps it

    def deliver(uow: PersonalisationUnitOfWork) -> AuditEvent:
        now = devices.clock.now()
        attempt = _ready_attempt(uow, session, dossier_ref, serial, key_id, now)  # nothing moved
        uow.deliveries.add(
            Delivery(
                dossier_ref=attempt.dossier_ref,
                certificate_serial=issued.serial_hex,
                certificate_fingerprint=issued.sha256_fingerprint,
                not_before=issued.not_before,
                not_after=issued.not_after,
                token_serial=serial,
                key_id=key_id,
                acceptance_digest=digest,
                acceptance_signature=signature,
                agent=session.login,
                delivered_at=now,
            )
        )
        uow.dossiers.set_state(attempt.dossier_ref, DossierState.DELIVERED, None)
        uow.journal.save_attempt(replace(attempt, status=AttemptStatus.DELIVERED), now)
        change_state(
            uow, serial, TokenState.DELIVERED, now, session.login, dossier_ref=attempt.dossier_ref
        )
        if attempt.keeps_key_of is not None and attempt.escrow is not None:
            # The holder's token keeps the label it was initialised with (PKCS#11 sets a
            # token's label only then): the register says what the token says.
            record = uow.token_register.get(serial)
            label = record.label if record and record.label else attempt.label
            keep_escrow(uow, serial, attempt.escrow, label, now, session.login)
        close_own_lease(uow.appointments, attempt.dossier_ref, LeaseEnd.DELIVERED, now)
        return _audit(
            uow,
            "dossier.delivered",
            Outcome.SUCCESS,
            attempt,
            {
                **(receipt_details or {}),
                "certificate_fingerprint": issued.sha256_fingerprint,
                "acceptance_digest": digest.hex(),
            },
        )

    event = in_transaction(devices.uow, deliver)
    if attempt.keeps_key_of is not None:
        discard_replaced(devices, attempt, user_pin)
    return signature, event


def _signature_failed(
    devices: Devices, session: AgentSession, attempt: Attempt, exc: KioskError
) -> None:
    """Audit the failure; a PIN locked now makes the token unusable: out of service, and
    its certificate confirmed for revocation (the holder gets another token)."""
    now = devices.clock.now()
    with devices.uow() as uow:
        _audit(uow, "acceptance.signature", Outcome.FAILURE, attempt, {"error": exc.message})
        if isinstance(exc, PinLockedError):
            revocations.confirm(uow, attempt, PIN_LOCKED_NOTE, session.login, now)
            uow.journal.save_attempt(replace(attempt, status=AttemptStatus.ABANDONED), now)
        if isinstance(exc, PinLockedError) and attempt.keeps_key_of is None:
            change_state(
                uow, attempt.token_serial, TokenState.DEFECTIVE, now, session.login,
                note=PIN_LOCKED_NOTE,
            )  # fmt: skip
        uow.commit()
