"""The start of a personalisation run: what the dossier, the register, the journal and the
inserted token say, the plan that follows (``plan_run``), and the bookkeeping of that plan
in one transaction (attempts abandoned, certificates sent for revocation, register
updated) before anything is done to the token."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import NoReturn

from kiosk.domain.audit import AuditDraft, Outcome
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.dossier_state import DossierState, can_transition
from kiosk.domain.errors import DeviceError, NotFoundError, StateError
from kiosk.domain.model import Dossier
from kiosk.domain.personalisation_journal import Attempt, AttemptStatus, Step, token_label
from kiosk.domain.personalisation_plan import Plan, Refusal, TokenFacts
from kiosk.domain.personalisation_ports import (
    PersonalisationUnitOfWork,
    PersonalisationUnitOfWorkFactory,
)
from kiosk.domain.token_ports import TokenInfo, TokenPort, TokenRemovedError
from kiosk.domain.token_register import TokenRecord, TokenState
from kiosk.services import revocations
from kiosk.services.appointment import ensure_not_held_elsewhere
from kiosk.services.auth import AgentSession
from kiosk.services.token_register import change_state

PIN_LOCKED_NOTE = "Code PIN du titulaire bloqué au guichet."


class TokenRefusedError(DeviceError):
    """The inserted token cannot be used for this dossier (message says why and what to do)."""


@dataclass(frozen=True)
class RunContext:
    session: AgentSession
    dossier: Dossier
    subject: SubjectSpec
    record: TokenRecord | None
    open_attempt: Attempt | None

    @property
    def reference(self) -> str:
        return self.dossier.reference


def load(
    uow_factory: PersonalisationUnitOfWorkFactory,
    session: AgentSession,
    dossier_ref: str,
    serial: str,
    now: datetime,
) -> RunContext:
    with uow_factory() as uow:
        dossier = uow.dossiers.get(dossier_ref)
        if dossier is None or dossier.office_code != session.office_code:
            raise NotFoundError(f"Dossier {dossier_ref} introuvable pour votre bureau.")
        # Another kiosk receiving this holder: no token is touched here.
        ensure_not_held_elsewhere(uow.appointments, dossier_ref, now)
        if not can_transition(dossier.state, DossierState.DELIVERED):
            raise StateError(
                f"Le dossier {dossier_ref} est à l'état « {dossier.state.label} » : "
                "aucun certificat ne peut être préparé pour lui."
            )
        record = uow.token_register.get(serial) if serial else None
        attempts = uow.journal.attempts(dossier_ref)
    latest = attempts[-1] if attempts else None
    open_attempt = latest if latest is not None and latest.status.open else None
    subject = SubjectSpec.for_holder(dossier.holder, dossier.company)
    return RunContext(session, dossier, subject, record, open_attempt)


def find_token(tokens: TokenPort, serial: str) -> TokenInfo:
    """The inserted token; ``""`` names a blank token without a serial (SoftHSM's free slot)."""
    for info in tokens.list_tokens():
        if info.serial == serial and (serial or info.blank):
            return info
    raise TokenRemovedError()


def read_facts(tokens: TokenPort, info: TokenInfo, open_attempt: Attempt | None) -> TokenFacts:
    """The token as the plan needs it: the key and certificate under the open attempt's key
    id are read (without the PIN) only if that attempt is on this token."""
    key = cert = None
    ours = open_attempt is not None and info.serial and open_attempt.token_serial == info.serial
    if ours and open_attempt is not None and open_attempt.key_id and info.initialized:
        key = tokens.public_key(info.serial, open_attempt.key_id)
        if key is not None:
            cert = tokens.read_certificate(info.serial, open_attempt.key_id)
    return TokenFacts(
        serial=info.serial,
        blank=info.blank,
        user_pin_initialized=info.user_pin_initialized,
        user_pin_locked=info.user_pin_locked,
        key_public_der=key,
        certificate_der=cert,
    )


def abandon(
    uow: PersonalisationUnitOfWork, attempt: Attempt, reason: str, agent: str, at: datetime
) -> None:
    """Close an attempt for good: its certificate (or, if the CA's answer was lost, every
    certificate of its key) is confirmed for revocation."""
    revocations.confirm(uow, attempt, reason, agent, at)
    if attempt.issuance_outcome_unknown:
        revocations.request_for_key(uow, attempt, agent, at)
    uow.journal.save_attempt(replace(attempt, status=AttemptStatus.ABANDONED), at)


def refuse(
    uow_factory: PersonalisationUnitOfWorkFactory,
    ctx: RunContext,
    facts: TokenFacts,
    refusal: Refusal,
    at: datetime,
) -> NoReturn:
    """Audit the refusal (and put a locked token out of service), then raise it."""
    agent = ctx.session.login
    with uow_factory() as uow:
        uow.audit.append(
            AuditDraft(
                "personalisation.refused",
                Outcome.REFUSED,
                agent,
                ctx.reference,
                {"token": facts.serial, "reason": refusal.message},
            )
        )
        if refusal.mark_defective and facts.serial:
            for attempt in uow.journal.open_attempts_on_token(facts.serial):
                abandon(uow, attempt, PIN_LOCKED_NOTE, agent, at)
            change_state(uow, facts.serial, TokenState.DEFECTIVE, at, agent, note=PIN_LOCKED_NOTE)
        uow.commit()
    raise TokenRefusedError(refusal.message)


def begin(
    uow_factory: PersonalisationUnitOfWorkFactory,
    ctx: RunContext,
    facts: TokenFacts,
    plan: Plan,
    at: datetime,
) -> Attempt:
    """Apply the plan's bookkeeping; returns the attempt the steps will journal into."""
    agent = ctx.session.login
    with uow_factory() as uow:
        if plan.resume and ctx.open_attempt is not None:
            attempt = _resumed(uow, ctx.open_attempt, facts, plan, agent, at)
        else:
            attempt = _fresh(uow, ctx, facts, plan, agent, at)
        uow.audit.append(
            AuditDraft(
                "personalisation.resumed" if plan.resume else "personalisation.started",
                Outcome.SUCCESS,
                agent,
                ctx.reference,
                {
                    "attempt": attempt.id,
                    "token": facts.serial,
                    "from_step": plan.first_step.value,
                    "wipe": plan.wipe,
                    "keeps_key_of": attempt.keeps_key_of,
                },
            )
        )
        uow.commit()
    return attempt


def _resumed(
    uow: PersonalisationUnitOfWork,
    attempt: Attempt,
    facts: TokenFacts,
    plan: Plan,
    agent: str,
    at: datetime,
) -> Attempt:
    if plan.revoke_open_certificate:
        revocations.confirm(uow, attempt, revocations.CANNOT_REACH_TOKEN, agent, at)
        attempt = replace(attempt, certificate=None)
    if plan.revoke_open_key:
        revocations.request_for_key(uow, attempt, agent, at)
    if plan.new_key or plan.revoke_open_certificate or plan.revoke_open_key:
        attempt = replace(attempt, key_id=None, public_key_der=None)
    elif plan.first_step is Step.BUILD_CSR and attempt.public_key_der is None:
        attempt = replace(attempt, public_key_der=facts.key_public_der)  # generated, unjournaled
    if plan.first_step is Step.WRITE:
        revocations.ensure_pending(uow, attempt, agent, at)  # issued, not written: on record
    uow.journal.save_attempt(attempt, at)
    return attempt


def _fresh(
    uow: PersonalisationUnitOfWork,
    ctx: RunContext,
    facts: TokenFacts,
    plan: Plan,
    agent: str,
    at: datetime,
) -> Attempt:
    previous = [ctx.open_attempt] if plan.abandon_open_attempt and ctx.open_attempt else []
    if facts.serial:  # whatever was under way on this token (any dossier) is over
        previous += uow.journal.open_attempts_on_token(facts.serial)
    done: set[int] = set()
    for attempt in previous:
        if attempt.id not in done:
            done.add(attempt.id)
            abandon(uow, attempt, revocations.ABANDONED, agent, at)
    if facts.serial:
        _register_seen(uow, ctx.record, facts, at, agent)
    attempt = uow.journal.new_attempt(
        ctx.reference, facts.serial, agent, token_label(ctx.dossier), plan.wipe, at
    )
    if plan.keeps_key_of is not None:
        attempt = replace(attempt, keeps_key_of=plan.keeps_key_of)
        uow.journal.save_attempt(attempt, at)
    return attempt


def _register_seen(
    uow: PersonalisationUnitOfWork,
    record: TokenRecord | None,
    facts: TokenFacts,
    at: datetime,
    agent: str,
) -> None:
    state = record.state if record else None
    if facts.blank and state is not TokenState.BLANK:
        change_state(uow, facts.serial, TokenState.BLANK, at, agent)
    elif not facts.blank and state in (None, TokenState.BLANK):
        change_state(uow, facts.serial, TokenState.FOREIGN, at, agent)
