"""The token register as the desk uses it: what is known of a token, and declaring one
defective or lost. Every change of the register is an audit event in the same
transaction as the change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.errors import ValidationError
from kiosk.domain.personalisation_journal import Attempt, AttemptStatus
from kiosk.domain.personalisation_ports import (
    PersonalisationUnitOfWork,
    PersonalisationUnitOfWorkFactory,
)
from kiosk.domain.ports import Clock
from kiosk.domain.token_ports import DiscardedKeys
from kiosk.domain.token_register import SoPinEscrowRecord, TokenRecord, TokenState, transition
from kiosk.services import revocations
from kiosk.services.auth import AgentSession

OUT_OF_SERVICE = "Support mis hors service : le certificat ne sera pas remis."


def change_state(
    uow: PersonalisationUnitOfWork,
    serial: str,
    target: TokenState,
    at: datetime,
    agent: str,
    *,
    dossier_ref: str | None = None,
    note: str | None = None,
) -> TokenRecord:
    """Move the token to ``target`` (refused if the register's table does not allow it)
    and audit the change. Staying in the same state changes nothing."""
    current = uow.token_register.get(serial)
    if current is not None and current.state is target and current.dossier_ref == dossier_ref:
        return current
    record = transition(
        current, serial, target, at, dossier_ref=dossier_ref, agent=agent, note=note
    )
    uow.token_register.save(record)
    uow.audit.append(
        AuditDraft(
            "token.register",
            Outcome.SUCCESS,
            agent,
            dossier_ref or (current.dossier_ref if current else None),
            {
                "token": serial,
                "from": current.state.value if current else None,
                "to": target.value,
                "note": note,
            },
        )
    )
    return record


def keep_escrow(
    uow: PersonalisationUnitOfWork,
    serial: str,
    escrow: SoPinEscrowRecord,
    label: str,
    at: datetime,
    agent: str,
) -> None:
    """Store the token's escrowed SO PIN (and its label) on its register record, where the
    back office's unblock service looks for it by serial."""
    current = uow.token_register.get(serial)
    if current is None:
        return
    uow.token_register.save(
        replace(current, escrow=escrow, label=label, updated_at=at, updated_by=agent)
    )


class TokenRegisterService:
    def __init__(self, uow: PersonalisationUnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def record(self, serial: str) -> TokenRecord | None:
        """What the register knows of a token (None: never seen)."""
        with self._uow() as uow:
            return uow.token_register.get(serial)

    def declare_out_of_service(
        self, session: AgentSession, serial: str, state: TokenState, note: str
    ) -> TokenRecord:
        """Declare a token defective or lost. A certificate made on it and not delivered is
        confirmed for revocation; it will be refused if it is inserted again."""
        if state not in (TokenState.DEFECTIVE, TokenState.LOST):
            raise ValidationError("Un support ne peut être déclaré que défectueux ou perdu.")
        if not serial.strip():
            raise ValidationError("Le numéro de série du support est requis.")
        now = self._clock.now()
        with self._uow() as uow:
            for attempt in uow.journal.open_attempts_on_token(serial):
                revocations.confirm(uow, attempt, OUT_OF_SERVICE, session.login, now)
                uow.journal.save_attempt(replace(attempt, status=AttemptStatus.ABANDONED), now)
            record = change_state(uow, serial, state, now, session.login, note=note)
            uow.commit()
        return record


def discarded_keys_event(
    attempt: Attempt, key_ids: Sequence[bytes], discarded: DiscardedKeys
) -> AuditDraft:
    """The key pairs (``key_ids``, its own earlier ones) a resumed run destroyed before
    making its new key, or that the token would not destroy: then they stay, their
    certificates revoked."""
    return AuditDraft(
        "token.keys_discarded",
        Outcome.SUCCESS if not discarded.refused else Outcome.FAILURE,
        attempt.agent,
        attempt.dossier_ref,
        {
            "token": attempt.token_serial,
            "attempt": attempt.id,
            "key_ids": ",".join(key_id.hex() for key_id in key_ids),
            "destroyed": discarded.destroyed,
            "refused": discarded.refused,
        },
    )
