"""Interrupted personalisations: a token pulled at every step, the CA failing, the process
dying around issuance, the audit log refusing a step. Each ends in a consistent journal and
a clean retry, and a dossier never has two live certificates."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.adapters.db.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeTokenPort, TokenStep
from kiosk.domain.audit import AuditDraft, AuditEvent, Outcome
from kiosk.domain.errors import DeviceError, IntegrityError, StorageError
from kiosk.domain.personalisation_journal import AttemptStatus, Phase, RevocationStatus, Step
from kiosk.domain.personalisation_ports import PersonalisationUnitOfWorkFactory
from kiosk.domain.ports import AuditLog
from kiosk.domain.token_ports import TokenRemovedError
from kiosk.services.personalisation import TokenRefusedError
from kiosk.services.personalisation_steps import JournalHook
from tests.integration.db_env import database_url
from tests.integration.fake_desk import (
    OTHER,
    SERIAL,
    assert_delivered_once,
    ca,
    fake_token,
    template,
    tokens,
    world,
)
from tests.integration.personalisation_env import (
    OTHER_REFERENCE,
    USER_PIN,
    Desk,
    desk,
    desk_with_another_dossier,
)
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (ca, template, tokens, world, database_url, postgres)


# Interruptions --------------------------------------------------------------------------

PULLS = [
    (TokenStep.INITIALISE, Step.INITIALISE),
    (TokenStep.GENERATE_KEY_PAIR, Step.GENERATE_KEY),
    (TokenStep.BUILD_CSR, Step.BUILD_CSR),
    (TokenStep.WRITE_CERTIFICATE, Step.WRITE),
    (TokenStep.WRITE_CHAIN, Step.WRITE),
    (TokenStep.SIGN, Step.VERIFY),
]


@pytest.mark.parametrize(("pulled_at", "failed_step"), PULLS, ids=[p[0].value for p in PULLS])
def test_a_token_pulled_at_any_step_is_journaled_and_the_retry_succeeds(
    world: Desk,
    tokens: FakeTokenPort,
    ca: FakeCertificateAuthority,
    pulled_at: TokenStep,
    failed_step: Step,
) -> None:
    tokens.pull_at(pulled_at, SERIAL)

    with pytest.raises(TokenRemovedError) as raised:
        world.personalise(SERIAL)

    [attempt] = world.attempts()
    last = world.entries(attempt.id)[-1]
    assert (last.step, last.phase, last.error) == (failed_step, Phase.FAILED, raised.value.message)
    issued_before = len(ca.issued)
    if issued_before:  # issued, not yet verified on the token: on record for revocation
        [pending] = world.revocations()
        assert pending.status is RevocationStatus.PENDING
        assert pending.certificate_serial == ca.issued[0].serial_hex

    tokens.reinsert(SERIAL)
    result = world.personalise(SERIAL)

    assert result.resumed is (pulled_at is not TokenStep.INITIALISE)
    assert len(ca.issued) == 1  # the same certificate, never a second one
    assert result.certificate == ca.issued[0]
    assert len(fake_token(tokens).keys) == 1
    assert [r.status for r in world.revocations()] == (
        [RevocationStatus.WITHDRAWN] if issued_before else []
    )
    assert_delivered_once(world)


def test_the_desk_is_told_before_the_pin_that_the_run_will_be_taken_up(
    world: Desk, tokens: FakeTokenPort
) -> None:
    tokens.pull_at(TokenStep.WRITE_CERTIFICATE, SERIAL)
    with pytest.raises(TokenRemovedError):
        world.personalise(SERIAL)
    tokens.reinsert(SERIAL)
    journaled = world.entries(world.attempts()[0].id)

    same = world.service().check_token(world.appointment(), SERIAL)
    other = world.service().check_token(world.appointment(), OTHER)

    assert (same.resumes, same.first_step, same.refusal) == (True, Step.WRITE, None)
    assert (other.resumes, other.first_step, other.blank) == (False, Step.INITIALISE, True)
    assert world.entries(world.attempts()[0].id) == journaled  # checking writes nothing


def test_a_ca_failure_is_journaled_and_the_retry_keeps_the_key(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    ca.fail_next()

    with pytest.raises(DeviceError, match="autorité de certification"):
        world.personalise(SERIAL)

    [attempt] = world.attempts()
    assert (attempt.step, attempt.phase) == (Step.ISSUE, Phase.FAILED)
    assert attempt.certificate is None and attempt.key_id is not None
    result = world.personalise(SERIAL)
    assert result.key_id == attempt.key_id and len(fake_token(tokens).keys) == 1
    assert world.revocations() == []
    assert_delivered_once(world)


def test_a_certificate_issued_for_a_token_that_is_then_replaced_is_revoked_and_reissued(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    tokens.pull_at(TokenStep.WRITE_CERTIFICATE, SERIAL)
    with pytest.raises(TokenRemovedError):
        world.personalise(SERIAL)
    first = ca.issued[0]

    result = world.personalise(OTHER)

    assert result.certificate != first and len(ca.issued) == 2
    [revoked] = world.revocations()
    assert (revoked.certificate_serial, revoked.status) == (
        first.serial_hex,
        RevocationStatus.CONFIRMED,
    )
    assert revoked.certificate_der == first.cert_der  # what the back office needs
    assert [a.status for a in world.attempts()] == [
        AttemptStatus.ABANDONED,
        AttemptStatus.VERIFIED,
    ]
    assert world.live() == [result.certificate.serial_hex]
    assert_delivered_once(world, OTHER)


class _Crash(BaseException):
    """Stands for the process dying: nothing in the service catches it."""


def _crash_at(step: Step, phase: Phase) -> JournalHook:
    def hook(reached: Step, reached_phase: Phase) -> None:
        if (reached, reached_phase) == (step, phase):
            raise _Crash

    return hook


def test_a_crash_right_after_issuance_writes_the_same_certificate_on_the_next_run(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    crashing = world.service(hook=_crash_at(Step.ISSUE, Phase.DONE))
    with pytest.raises(_Crash):
        crashing.personalise(world.appointment(), SERIAL, USER_PIN)
    [attempt] = world.attempts()
    assert attempt.certificate == ca.issued[0] and not fake_token(tokens).certificates

    result = world.personalise(SERIAL)

    assert result.resumed and result.certificate == ca.issued[0] and len(ca.issued) == 1
    [request] = world.revocations()  # recorded when the run was taken up, then withdrawn
    assert request.status is RevocationStatus.WITHDRAWN
    assert_delivered_once(world)


def test_a_crash_inside_the_ca_call_revokes_that_key_and_goes_on_with_a_new_one(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    crashing = world.service(hook=_crash_at(Step.ISSUE, Phase.STARTED))
    with pytest.raises(_Crash):
        crashing.personalise(world.appointment(), SERIAL, USER_PIN)
    [attempt] = world.attempts()
    assert attempt.public_key_der is not None

    result = world.personalise(SERIAL)

    assert result.key_id != attempt.key_id
    [by_key] = world.revocations()
    assert by_key.status is RevocationStatus.CONFIRMED and by_key.certificate_serial is None
    assert by_key.public_key_sha256 == hashlib.sha256(attempt.public_key_der).hexdigest()
    assert_delivered_once(world)
    # the holder goes home with the delivered key only: the first one is destroyed
    assert list(fake_token(tokens).keys) == [result.key_id]
    [discarded] = [e for e in world.audit() if e.event_type == "token.keys_discarded"]
    assert (discarded.details["destroyed"], discarded.details["refused"]) == (1, 0)


def test_a_token_that_will_not_destroy_the_first_key_still_delivers_and_says_so(
    world: Desk, tokens: FakeTokenPort
) -> None:
    fake_token(tokens).keeps_keys = True
    crashing = world.service(hook=_crash_at(Step.ISSUE, Phase.STARTED))
    with pytest.raises(_Crash):
        crashing.personalise(world.appointment(), SERIAL, USER_PIN)

    result = world.personalise(SERIAL)

    assert_delivered_once(world)
    assert len(fake_token(tokens).keys) == 2 and result.key_id in fake_token(tokens).keys
    [kept] = [e for e in world.audit() if e.event_type == "token.keys_discarded"]
    assert kept.outcome is Outcome.FAILURE and kept.details["refused"] == 1
    [by_key] = world.revocations()  # its certificates, if any, are revoked all the same
    assert by_key.status is RevocationStatus.CONFIRMED


# Fail closed ----------------------------------------------------------------------------

AUDIT_DOWN = "Le journal d'audit ne peut pas être écrit : l'opération n'a pas eu lieu."


class _FailingAudit:
    """The audit log, refusing the start of the steps named in ``broken``."""

    def __init__(self, inner: AuditLog, broken: set[str]) -> None:
        self._inner = inner
        self._broken = broken

    def append(self, draft: AuditDraft) -> AuditEvent:
        step = (draft.details or {}).get("step")
        if draft.event_type == "personalisation.step_started" and step in self._broken:
            raise StorageError(AUDIT_DOWN)
        return self._inner.append(draft)

    def events(self, start_seq: int = 1) -> Iterator[AuditEvent]:
        return self._inner.events(start_seq)

    def count(self) -> int:
        return self._inner.count()


def audit_failing_at(
    step: Step,
) -> tuple[Callable[[SqlUnitOfWorkFactory], PersonalisationUnitOfWorkFactory], set[str]]:
    broken = {step.value}

    def wrap(factory: SqlUnitOfWorkFactory) -> PersonalisationUnitOfWorkFactory:
        def make() -> SqlUnitOfWork:
            uow = factory()
            uow.audit = _FailingAudit(uow.audit, broken)
            return uow

        return make

    return wrap, broken


def test_a_step_whose_audit_cannot_be_written_does_not_happen(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    failing, broken = audit_failing_at(Step.GENERATE_KEY)
    with desk(template, tmp_path, tokens, ca, ca.root_der, wrap=failing) as world:
        with pytest.raises(StorageError, match="journal d'audit"):
            world.personalise(SERIAL)
        assert fake_token(tokens).keys == {}  # the key was never generated
        [attempt] = world.attempts()
        assert (attempt.step, attempt.phase) == (Step.SET_PIN, Phase.DONE)

        broken.clear()
        world.personalise(SERIAL)
        assert_delivered_once(world)


# Never two live certificates ---------------------------------------------------------------


def test_no_certificate_is_issued_while_another_of_the_dossier_is_live(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    tokens.pull_at(TokenStep.WRITE_CERTIFICATE, SERIAL)
    with pytest.raises(TokenRemovedError):
        world.personalise(SERIAL)
    # Someone tampers with the records: the attempt closed, its revocation request gone.
    with world.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM revocation_requests")
        conn.exec_driver_sql("UPDATE personalisation_attempts SET status = 'abandoned'")

    with pytest.raises(IntegrityError, match="déjà un certificat en service"):
        world.personalise(OTHER)

    assert len(ca.issued) == 1 and len(world.live()) == 1


def test_a_stale_attempt_of_another_dossier_never_resumes_on_a_reused_token(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    with desk_with_another_dossier(template, tmp_path, tokens, ca) as world:
        tokens.pull_at(TokenStep.GENERATE_KEY_PAIR, SERIAL)
        with pytest.raises(TokenRemovedError):
            world.personalise(SERIAL, reference=OTHER_REFERENCE)
        tokens.reinsert(SERIAL)
        token = fake_token(tokens)
        token.initialized, token.user_pin, token.so_pin = False, None, None  # blanked elsewhere

        world.personalise(SERIAL)

        assert [a.status for a in world.attempts(OTHER_REFERENCE)] == [AttemptStatus.ABANDONED]
        with pytest.raises(TokenRefusedError, match="n'est pas vierge"):
            world.personalise(SERIAL, reference=OTHER_REFERENCE)
