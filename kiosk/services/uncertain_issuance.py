"""An issuance whose outcome is unknown: the request went to the CA and its answer never
came, or came unusable (``CaOutcomeUnknownError``). The CA may have signed a certificate
the kiosk never saw, and such a qualified certificate would stay valid unseen.

What the kiosk does, in the transaction that journals the failure (``Phase.UNKNOWN``):
a revocation request for *every certificate of the request's public key* (by its
SHA-256, with the CMP transaction ID when the client knew it), **confirmed** at once, and
its audit event, beside the ``personalisation.issuance_uncertain`` event of the step. The
back office asks the CA for any certificate of that key (or that transaction) and
revokes it, or notes there was none. Nothing is written on the token.

Why the run taken up next makes a **new key** instead of asking again for the same one:
asking again is a new CMP transaction (the kiosk's client, ``openssl cmp``, cannot take
up a transaction it lost: it polls only inside one run, once the CA said "waiting"; and
CMP gives no way to ask the CA what it did with a lost request). A CA that had signed
the first request would sign the second too, or refuse it as a duplicate and leave the
kiosk with neither: either way two certificates of one key may exist, one never seen,
and nothing tells them apart by key. With a new key, every certificate of the first key
is one the kiosk will never deliver, so revoking all of them is always right, and the
certificate delivered (of the new key) can never be caught by that revocation. The cost:
one more key generation; the first key is destroyed on the token just before it
(``TokenPort.discard_keys``), so the holder never carries it home.

The embedded CA is called in process and always answers: it never raises this error.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.ca_errors import CaOutcomeUnknownError
from kiosk.domain.personalisation_journal import (
    Attempt,
    Phase,
    RevocationRequest,
    RevocationStatus,
    failure_phase,
)
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWork
from kiosk.domain.ports import Clock
from kiosk.services.personalisation_steps import OnFailure

REASON = (
    "Émission sans réponse de l'autorité de certification{transaction} : révoquer tout "
    "certificat émis pour cette clé publique, ou constater qu'il n'y en a pas."
)


def key_sha256(attempt: Attempt) -> str | None:
    der = attempt.public_key_der
    return hashlib.sha256(der).hexdigest() if der is not None else None


def reason(transaction_id: str | None) -> str:
    named = f" (transaction CMP {transaction_id})" if transaction_id else ""
    return REASON.format(transaction=named)


def request_revocation(
    uow: PersonalisationUnitOfWork,
    attempt: Attempt,
    error: CaOutcomeUnknownError,
    agent: str,
    at: datetime,
) -> None:
    """Every certificate of the attempt's key, confirmed for revocation (once per key)."""
    digest = key_sha256(attempt)
    if digest is None:
        return  # no key journaled: no request was built, none was sent
    if any(r.public_key_sha256 == digest for r in uow.revocations.for_dossier(attempt.dossier_ref)):
        return
    request = uow.revocations.add(
        RevocationRequest(
            dossier_ref=attempt.dossier_ref,
            attempt_id=attempt.id,
            reason=reason(error.transaction_id),
            status=RevocationStatus.CONFIRMED,
            requested_at=at,
            agent=agent,
            token_serial=attempt.token_serial,
            public_key_sha256=digest,
            decided_at=at,
        )
    )
    uow.audit.append(
        AuditDraft(
            "revocation.confirmed",
            Outcome.SUCCESS,
            agent,
            attempt.dossier_ref,
            {
                "attempt": attempt.id,
                "token": attempt.token_serial,
                "certificate_serial": None,
                "public_key_sha256": digest,
                "transaction_id": error.transaction_id,
                "reason": request.reason,
            },
        )
    )


def after_failure(base: OnFailure, clock: Clock, agent: str) -> OnFailure:
    """``base``, then, for an issuance of unknown outcome, the revocation request."""

    def failed(uow: PersonalisationUnitOfWork, attempt: Attempt, exc: BaseException) -> Attempt:
        attempt = base(uow, attempt, exc)
        step = attempt.step
        if (
            isinstance(exc, CaOutcomeUnknownError)
            and step is not None
            and failure_phase(step, exc) is Phase.UNKNOWN
            and attempt.certificate is None
        ):
            request_revocation(uow, attempt, exc, agent, clock.now())
        return attempt

    return failed
