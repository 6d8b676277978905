"""SQL repositories of the personalisation attempts, their step journal, and the
revocation requests."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from kiosk.adapters.db.personalisation_schema import (
    personalisation_attempts,
    personalisation_journal,
    revocation_requests,
)
from kiosk.adapters.db.transaction import Transaction
from kiosk.domain.certificates import IssuedCertificate
from kiosk.domain.errors import NotFoundError
from kiosk.domain.personalisation_journal import (
    Attempt,
    AttemptStatus,
    JournalEntry,
    Phase,
    RevocationRequest,
    RevocationStatus,
    Step,
)
from kiosk.domain.token_register import SoPinEscrowRecord

_attempts = personalisation_attempts
# Built once: values go as bound parameters, which SQLAlchemy compiles once and caches
# (``.values(...)`` literals would be coerced and keyed again at every call).
_INSERT_ATTEMPT = insert(_attempts)
_UPDATE_ATTEMPT = update(_attempts).where(_attempts.c.id == bindparam("attempt_key"))
_INSERT_ENTRY = insert(personalisation_journal)
_INSERT_REQUEST = insert(revocation_requests)


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def _unhex(value: str | None) -> bytes | None:
    return None if value is None else bytes.fromhex(value)


def _chain_text(chain: list[bytes]) -> str:
    return json.dumps([base64.b64encode(der).decode("ascii") for der in chain])


def _chain(text: str | None) -> list[bytes]:
    return [base64.b64decode(item) for item in json.loads(text or "[]")]


def _certificate(row: Any) -> IssuedCertificate | None:
    if row.cert_der is None:
        return None
    return IssuedCertificate(
        cert_der=bytes(row.cert_der),
        chain_der=_chain(row.chain_der),
        serial_hex=row.cert_serial,
        not_before=row.not_before,
        not_after=row.not_after,
        sha256_fingerprint=row.cert_fingerprint,
    )


def _escrow(row: Any) -> SoPinEscrowRecord | None:
    if row.so_pin_escrow is None:
        return None
    return SoPinEscrowRecord(bytes(row.so_pin_escrow), row.escrow_context, row.escrow_key_id)


def _attempt(row: Any) -> Attempt:
    return Attempt(
        id=row.id,
        dossier_ref=row.dossier_ref,
        token_serial=row.token_serial,
        agent=row.agent,
        started_at=row.started_at,
        label=row.label,
        status=AttemptStatus(row.status),
        wipe=bool(row.wipe),
        keeps_key_of=row.keeps_key_of,
        step=Step(row.step) if row.step else None,
        phase=Phase(row.phase) if row.phase else None,
        key_id=_unhex(row.key_id),
        public_key_der=None if row.public_key_der is None else bytes(row.public_key_der),
        escrow=_escrow(row),
        certificate=_certificate(row),
        error=row.error,
    )


def _attempt_values(attempt: Attempt, at: datetime) -> dict[str, Any]:
    cert, escrow = attempt.certificate, attempt.escrow
    return {
        "token_serial": attempt.token_serial,
        "label": attempt.label,
        "wipe": attempt.wipe,
        "keeps_key_of": attempt.keeps_key_of,
        "status": attempt.status.value,
        "step": attempt.step.value if attempt.step else None,
        "phase": attempt.phase.value if attempt.phase else None,
        "key_id": _hex(attempt.key_id),
        "public_key_der": attempt.public_key_der,
        "so_pin_escrow": escrow.ciphertext if escrow else None,
        "escrow_context": escrow.context if escrow else None,
        "escrow_key_id": escrow.key_id if escrow else None,
        "cert_serial": cert.serial_hex if cert else None,
        "cert_fingerprint": cert.sha256_fingerprint if cert else None,
        "cert_der": cert.cert_der if cert else None,
        "chain_der": _chain_text(cert.chain_der) if cert else None,
        "not_before": cert.not_before if cert else None,
        "not_after": cert.not_after if cert else None,
        "error": attempt.error,
        "updated_at": at,
    }


class SqlPersonalisationJournal:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def new_attempt(
        self, dossier_ref: str, token_serial: str, agent: str, label: str, wipe: bool, at: datetime
    ) -> Attempt:
        attempt = Attempt(
            id=0,
            dossier_ref=dossier_ref,
            token_serial=token_serial,
            agent=agent,
            started_at=at,
            label=label,
            wipe=wipe,
        )
        values = _attempt_values(attempt, at)
        result = self._tx.execute(
            _INSERT_ATTEMPT,
            {"dossier_ref": dossier_ref, "agent": agent, "started_at": at, **values},
        )
        (attempt_id,) = result.inserted_primary_key or (None,)
        if attempt_id is None:  # pragma: no cover - every supported database returns it
            raise NotFoundError("Tentative de personnalisation non enregistrée.")
        return replace(attempt, id=int(attempt_id))

    def save_attempt(self, attempt: Attempt, at: datetime) -> None:
        result = self._tx.execute(
            _UPDATE_ATTEMPT, {"attempt_key": attempt.id, **_attempt_values(attempt, at)}
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Tentative de personnalisation n° {attempt.id} introuvable.")

    def attempt(self, attempt_id: int) -> Attempt | None:
        row = self._tx.execute(select(_attempts).where(_attempts.c.id == attempt_id)).first()
        return _attempt(row) if row else None

    def attempts(self, dossier_ref: str) -> Sequence[Attempt]:
        rows = self._tx.execute(
            select(_attempts).where(_attempts.c.dossier_ref == dossier_ref).order_by(_attempts.c.id)
        )
        return [_attempt(row) for row in rows]

    def open_attempts_on_token(self, token_serial: str) -> Sequence[Attempt]:
        opened = [AttemptStatus.IN_PROGRESS.value, AttemptStatus.VERIFIED.value]
        rows = self._tx.execute(
            select(_attempts)
            .where(_attempts.c.token_serial == token_serial)
            .where(_attempts.c.status.in_(opened))
            .order_by(_attempts.c.id)
        )
        return [_attempt(row) for row in rows]

    def record(self, entry: JournalEntry) -> None:
        self._tx.execute(
            _INSERT_ENTRY,
            {
                "attempt_id": entry.attempt_id,
                "dossier_ref": entry.dossier_ref,
                "token_serial": entry.token_serial,
                "step": entry.step.value,
                "phase": entry.phase.value,
                "at": entry.at,
                "elapsed_ms": entry.elapsed_ms,
                "key_id": _hex(entry.key_id),
                "cert_serial": entry.certificate_serial,
                "cert_fingerprint": entry.certificate_fingerprint,
                "error": entry.error,
            },
        )

    def entries(self, attempt_id: int) -> Sequence[JournalEntry]:
        rows = self._tx.execute(
            select(personalisation_journal)
            .where(personalisation_journal.c.attempt_id == attempt_id)
            .order_by(personalisation_journal.c.id)
        )
        return [
            JournalEntry(
                attempt_id=row.attempt_id,
                dossier_ref=row.dossier_ref,
                token_serial=row.token_serial,
                step=Step(row.step),
                phase=Phase(row.phase),
                at=row.at,
                elapsed_ms=row.elapsed_ms,
                key_id=_unhex(row.key_id),
                certificate_serial=row.cert_serial,
                certificate_fingerprint=row.cert_fingerprint,
                error=row.error,
            )
            for row in rows
        ]


def _request(row: Any) -> RevocationRequest:
    return RevocationRequest(
        id=row.id,
        dossier_ref=row.dossier_ref,
        attempt_id=row.attempt_id,
        token_serial=row.token_serial,
        certificate_serial=row.cert_serial,
        certificate_fingerprint=row.cert_fingerprint,
        certificate_der=None if row.cert_der is None else bytes(row.cert_der),
        public_key_sha256=row.public_key_sha256,
        reason=row.reason,
        status=RevocationStatus(row.status),
        agent=row.agent,
        requested_at=row.requested_at,
        decided_at=row.decided_at,
        published_at=row.published_at,
    )


class SqlRevocationRequests:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, request: RevocationRequest) -> RevocationRequest:
        result = self._tx.execute(
            _INSERT_REQUEST,
            {
                "dossier_ref": request.dossier_ref,
                "attempt_id": request.attempt_id,
                "token_serial": request.token_serial,
                "cert_serial": request.certificate_serial,
                "cert_fingerprint": request.certificate_fingerprint,
                "cert_der": request.certificate_der,
                "public_key_sha256": request.public_key_sha256,
                "reason": request.reason,
                "status": request.status.value,
                "agent": request.agent,
                "requested_at": request.requested_at,
                "decided_at": request.decided_at,
                "published_at": request.published_at,
            },
        )
        (request_id,) = result.inserted_primary_key or (None,)
        return replace(request, id=request_id)

    def for_dossier(self, dossier_ref: str) -> Sequence[RevocationRequest]:
        rows = self._tx.execute(
            select(revocation_requests)
            .where(revocation_requests.c.dossier_ref == dossier_ref)
            .order_by(revocation_requests.c.id)
        )
        return [_request(row) for row in rows]

    def decide(self, request_id: int, status: RevocationStatus, at: datetime) -> None:
        result = self._tx.execute(
            update(revocation_requests)
            .where(revocation_requests.c.id == request_id)
            .where(revocation_requests.c.status == RevocationStatus.PENDING.value)
            .values(status=status.value, decided_at=at)
        )
        if result.rowcount == 0:
            raise NotFoundError(f"Demande de révocation n° {request_id} introuvable ou close.")

    def open_requests(self) -> Sequence[RevocationRequest]:
        columns = revocation_requests.c
        pending = columns.status == RevocationStatus.PENDING.value
        unpublished = (columns.status == RevocationStatus.CONFIRMED.value) & (
            columns.published_at.is_(None)
        )
        rows = self._tx.execute(
            select(revocation_requests).where(pending | unpublished).order_by(columns.id)
        )
        return [_request(row) for row in rows]

    def mark_published(self, request_id: int, at: datetime) -> None:
        self._tx.execute(
            update(revocation_requests)
            .where(revocation_requests.c.id == request_id)
            .where(revocation_requests.c.published_at.is_(None))
            .values(published_at=at)
        )
