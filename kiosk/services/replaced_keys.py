"""After a renewal made beside the holder's key is accepted: the key pair of the
certificate it replaces (and any key pair an abandoned run of this renewal left on the
same token) is destroyed, with the PIN the holder has just typed to sign the receipt.

The old certificate is being revoked as superseded whatever happens here: a token that
refuses, or is pulled out in between, keeps a key whose certificate is revoked, which
``token.keys_discarded`` (failure) records for the back office. The delivery stands.
"""

from __future__ import annotations

import logging

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import KioskError
from kiosk.domain.personalisation_journal import Attempt, earlier_keys
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWork
from kiosk.services.personalisation_run import Devices
from kiosk.services.token_register import discarded_keys_event

log = logging.getLogger(__name__)


def replaced_keys(uow: PersonalisationUnitOfWork, attempt: Attempt) -> list[bytes]:
    """The CKA_IDs on ``attempt``'s token that are not the accepted certificate's: the
    renewed delivery's, and those the renewal's other runs on that token journaled."""
    serial, keys = attempt.token_serial, []
    previous = uow.deliveries.get(attempt.keeps_key_of) if attempt.keeps_key_of else None
    if previous is not None and previous.token_serial == serial:
        keys.append(previous.key_id)
    for other in uow.journal.attempts(attempt.dossier_ref):
        if other.id != attempt.id and other.token_serial == serial:
            keys += earlier_keys(uow.journal.entries(other.id), b"")
    return [key for key in dict.fromkeys(keys) if key and key != attempt.key_id]


def discard_replaced(devices: Devices, attempt: Attempt, user_pin: str) -> None:
    """Destroy ``replaced_keys`` on the token and audit it; never raises."""
    with devices.uow() as uow:
        keys = replaced_keys(uow, attempt)
    if not keys:
        return
    try:
        discarded = devices.tokens.discard_keys(attempt.token_serial, user_pin, keys)
    except KioskError as exc:
        log.warning("the replaced key pair stays on token %s: %s", attempt.token_serial, exc)
        draft = AuditDraft(
            "token.keys_discarded",
            Outcome.FAILURE,
            attempt.agent,
            attempt.dossier_ref,
            {"token": attempt.token_serial, "attempt": attempt.id, "error": exc.message},
        )
    else:
        draft = discarded_keys_event(attempt, keys, discarded)
    with devices.uow() as uow:
        uow.audit.append(draft)
        uow.commit()
