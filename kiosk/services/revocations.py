"""Revocation requests for certificates that must not stay live, each with its audit event.

Called inside the caller's transaction: the request and the journal entry that caused it
land together.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.personalisation_journal import Attempt, RevocationRequest, RevocationStatus
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWork

NOT_WRITTEN = "Certificat émis mais non écrit sur le support (étape interrompue)."
CANNOT_REACH_TOKEN = "Certificat émis dont la clé n'est plus sur le support : réémission."  # noqa: S105
ABANDONED = "Personnalisation abandonnée : le certificat ne sera pas remis."
OUTCOME_UNKNOWN = (
    "Émission interrompue sans résultat enregistré : révoquer tout certificat émis pour "
    "cette clé publique."
)
VERIFICATION_FAILED = "Le certificat écrit sur le support n'a pas passé la vérification."


def _for_certificate(uow: PersonalisationUnitOfWork, attempt: Attempt) -> RevocationRequest | None:
    cert = attempt.certificate
    if cert is None:
        return None
    found = [
        r
        for r in uow.revocations.for_dossier(attempt.dossier_ref)
        if r.certificate_serial == cert.serial_hex and r.status is not RevocationStatus.WITHDRAWN
    ]
    return found[-1] if found else None


def _audit(
    uow: PersonalisationUnitOfWork, request: RevocationRequest, event: str, agent: str
) -> None:
    uow.audit.append(
        AuditDraft(
            event,
            Outcome.SUCCESS,
            agent,
            request.dossier_ref,
            {
                "attempt": request.attempt_id,
                "token": request.token_serial,
                "certificate_serial": request.certificate_serial,
                "public_key_sha256": request.public_key_sha256,
                "reason": request.reason,
            },
        )
    )


def _add(
    uow: PersonalisationUnitOfWork,
    attempt: Attempt,
    status: RevocationStatus,
    reason: str,
    agent: str,
    at: datetime,
) -> RevocationRequest:
    cert = attempt.certificate
    request = uow.revocations.add(
        RevocationRequest(
            dossier_ref=attempt.dossier_ref,
            attempt_id=attempt.id,
            reason=reason,
            status=status,
            requested_at=at,
            agent=agent,
            token_serial=attempt.token_serial,
            certificate_serial=cert.serial_hex if cert else None,
            certificate_fingerprint=cert.sha256_fingerprint if cert else None,
            certificate_der=cert.cert_der if cert else None,
            decided_at=at if status is RevocationStatus.CONFIRMED else None,
        )
    )
    _audit(uow, request, f"revocation.{status.value}", agent)
    return request


def ensure_pending(
    uow: PersonalisationUnitOfWork, attempt: Attempt, agent: str, at: datetime
) -> None:
    """The attempt's certificate is issued but not (yet) on its token: record it for
    revocation, pending the next attempt (which may still write it)."""
    if attempt.certificate is not None and _for_certificate(uow, attempt) is None:
        _add(uow, attempt, RevocationStatus.PENDING, NOT_WRITTEN, agent, at)


def confirm(
    uow: PersonalisationUnitOfWork, attempt: Attempt, reason: str, agent: str, at: datetime
) -> None:
    """The attempt's certificate will never be delivered: the back office must revoke it."""
    existing = _for_certificate(uow, attempt)
    if existing is None:
        if attempt.certificate is not None:
            _add(uow, attempt, RevocationStatus.CONFIRMED, reason, agent, at)
        return
    if existing.status is RevocationStatus.PENDING and existing.id is not None:
        uow.revocations.decide(existing.id, RevocationStatus.CONFIRMED, at)
        _audit(uow, existing, "revocation.confirmed", agent)


def withdraw(uow: PersonalisationUnitOfWork, attempt: Attempt, agent: str, at: datetime) -> None:
    """The pending request's certificate was written and verified after all."""
    existing = _for_certificate(uow, attempt)
    if existing is not None and existing.status is RevocationStatus.PENDING and existing.id:
        uow.revocations.decide(existing.id, RevocationStatus.WITHDRAWN, at)
        _audit(uow, existing, "revocation.withdrawn", agent)


def request_for_key(
    uow: PersonalisationUnitOfWork, attempt: Attempt, agent: str, at: datetime
) -> None:
    """The CA was called for this key and its answer was lost: every certificate of the
    key is to be revoked (the attempt goes on with a new key)."""
    if attempt.public_key_der is None:
        return
    request = uow.revocations.add(
        RevocationRequest(
            dossier_ref=attempt.dossier_ref,
            attempt_id=attempt.id,
            reason=OUTCOME_UNKNOWN,
            status=RevocationStatus.CONFIRMED,
            requested_at=at,
            agent=agent,
            token_serial=attempt.token_serial,
            public_key_sha256=hashlib.sha256(attempt.public_key_der).hexdigest(),
            decided_at=at,
        )
    )
    _audit(uow, request, "revocation.confirmed", agent)
