"""The personalisation service with the fake token and the fake CA on a real SQLite
database: a full run, what is kept of the SO PIN, refusals, acceptance."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeTokenPort, TokenStep
from kiosk.domain.audit import Outcome
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import DeviceError, StateError, ValidationError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.personalisation_journal import AttemptStatus, Phase, RevocationStatus, Step
from kiosk.domain.token_ports import PinIncorrectError, TokenRemovedError
from kiosk.domain.token_register import TokenState
from kiosk.services.personalisation import TokenRefusedError
from tests.integration.db_env import database_url
from tests.integration.fake_desk import (
    DIGEST,
    OTHER,
    SERIAL,
    assert_delivered_once,
    ca,
    deliver,
    fake_token,
    phases,
    template,
    tokens,
    world,
)
from tests.integration.personalisation_env import (
    OTHER_REFERENCE,
    REFERENCE,
    SESSION,
    USER_PIN,
    Desk,
    back_office_decrypt,
    desk,
    desk_with_another_dossier,
    dossier,
)
from tests.integration.pg_env import postgres

pytestmark = pytest.mark.integration
_FIXTURES = (ca, template, tokens, world, database_url, postgres)
EVERY_STEP = list(Step)


def _verifies(cert_der: bytes, data: bytes, signature: bytes) -> None:
    key = x509.load_der_x509_certificate(cert_der).public_key()
    if isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(key, ec.EllipticCurvePublicKey)
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))


# A full run ------------------------------------------------------------------------------


def test_a_blank_token_ends_with_a_verified_certificate_the_holder_accepts(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    result = world.personalise(SERIAL)

    token = fake_token(tokens)
    assert token.label == "CCI LEFEVRE CS-2026-000123"
    assert token.certificates == {result.key_id: result.certificate.cert_der}
    assert token.authority_certificates == ca.chain()
    assert len(result.key_id) == 16 and not result.resumed
    [attempt] = world.attempts()
    assert attempt.status is AttemptStatus.VERIFIED
    assert phases(world, attempt.id) == [
        (step, phase) for step in EVERY_STEP for phase in (Phase.STARTED, Phase.DONE)
    ]
    record = world.record(SERIAL)
    assert record is not None and (record.state, record.dossier_ref) == (
        TokenState.PERSONALISED,
        REFERENCE,
    )

    signature = deliver(world)

    _verifies(result.certificate.cert_der, DIGEST, signature)
    last = world.audit()[-1]
    assert (last.event_type, last.outcome) == ("dossier.delivered", Outcome.SUCCESS)
    assert world.dossier_state() is DossierState.DELIVERED
    assert world.live() == [result.certificate.serial_hex]


def test_progress_reports_every_step_with_its_elapsed_time(world: Desk) -> None:
    world.personalise(SERIAL)

    done = [p for p in world.progress if p.phase is Phase.DONE]
    assert [p.step for p in done] == EVERY_STEP
    assert all(p.elapsed_seconds >= 0 and p.label for p in world.progress)
    totals = [p.total_seconds for p in world.progress]
    assert totals == sorted(totals)


def test_the_so_pin_is_kept_only_as_escrow_the_back_office_can_open(
    world: Desk, tokens: FakeTokenPort
) -> None:
    world.personalise(SERIAL)

    token = fake_token(tokens)
    record = world.record(SERIAL)
    assert record is not None and record.escrow is not None
    assert back_office_decrypt(record.escrow.ciphertext, record.escrow.context) == token.so_pin
    assert SERIAL in record.escrow.context and REFERENCE in record.escrow.context
    [attempt] = world.attempts()
    assert attempt.escrow == record.escrow
    stored = world.dump()
    assert token.so_pin is not None and token.so_pin.encode() not in stored
    assert USER_PIN.encode() not in stored


def test_an_rsa_product_gets_an_rsa_key(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    with desk(
        template, tmp_path, tokens, ca, ca.root_der, dossiers=[dossier(KeyAlgorithm.RSA_2048)]
    ) as world:
        result = world.personalise(SERIAL)
    key = x509.load_der_x509_certificate(result.certificate.cert_der).public_key()
    assert isinstance(key, rsa.RSAPublicKey) and key.key_size == 2048


# Refusals -------------------------------------------------------------------------------


def test_a_wrong_pin_on_retry_is_refused_then_locks_and_the_token_is_put_aside(
    world: Desk, tokens: FakeTokenPort
) -> None:
    tokens.pull_at(TokenStep.GENERATE_KEY_PAIR, SERIAL)
    with pytest.raises(TokenRemovedError):
        world.personalise(SERIAL)
    tokens.reinsert(SERIAL)

    with pytest.raises(PinIncorrectError):
        world.personalise(SERIAL, "Autre-Code-9")
    with pytest.raises(PinIncorrectError, match="qu'un essai"):
        world.personalise(SERIAL, "Autre-Code-9")
    with pytest.raises(DeviceError, match="bloqué"):
        world.personalise(SERIAL, "Autre-Code-9")

    record = world.record(SERIAL)
    assert record is not None and record.state is TokenState.DEFECTIVE
    with pytest.raises(TokenRefusedError, match="défectueux"):
        world.personalise(SERIAL)
    world.personalise(OTHER)
    assert_delivered_once(world, OTHER)


def test_a_token_inserted_with_its_pin_already_locked_is_refused_clearly(
    world: Desk, tokens: FakeTokenPort
) -> None:
    token = fake_token(tokens)
    token.initialized, token.user_pin, token.so_pin, token.tries_left = True, "x", "y", 0

    with pytest.raises(TokenRefusedError, match="code PIN de ce support est bloqué"):
        world.personalise(SERIAL)

    record = world.record(SERIAL)
    assert record is not None and record.state is TokenState.DEFECTIVE
    assert world.attempts() == []


def test_a_token_declared_defective_is_refused_when_inserted_again(world: Desk) -> None:
    world.register.declare_out_of_service(SESSION, SERIAL, TokenState.DEFECTIVE, "Connecteur cassé")

    check = world.service().check_token(world.appointment(), SERIAL)
    with pytest.raises(TokenRefusedError) as raised:
        world.personalise(SERIAL)

    assert check.refusal == raised.value.message and "défectueux" in raised.value.message
    refused = [e for e in world.audit() if e.event_type == "personalisation.refused"]
    assert [e.outcome for e in refused] == [Outcome.REFUSED]
    assert world.attempts() == []


def test_a_token_that_is_not_blank_is_wiped_only_on_request_with_its_so_pin(
    world: Desk, tokens: FakeTokenPort
) -> None:
    token = fake_token(tokens)
    token.initialized, token.user_pin, token.so_pin = True, "old-pin", "Old-SO-PIN-42"

    with pytest.raises(TokenRefusedError, match="n'est pas vierge"):
        world.personalise(SERIAL)
    with pytest.raises(TokenRefusedError, match="code PIN administrateur"):
        world.personalise(SERIAL, wipe=True)
    with pytest.raises(PinIncorrectError, match="SO"):
        world.personalise(SERIAL, wipe=True, so_pin="wrong")
    world.personalise(SERIAL, wipe=True, so_pin="Old-SO-PIN-42")

    changes = [
        (e.details["from"], e.details["to"])
        for e in world.audit()
        if e.event_type == "token.register"
    ]
    assert changes == [
        (None, "foreign"),
        ("foreign", "wiped"),
        ("wiped", "personalising"),
        ("personalising", "personalised"),
    ]
    record = world.record(SERIAL)
    assert record is not None and record.escrow is not None
    assert back_office_decrypt(record.escrow.ciphertext, record.escrow.context) == "Old-SO-PIN-42"
    assert_delivered_once(world)


def test_a_token_personalised_for_another_dossier_is_not_reused_without_a_wipe(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    with desk_with_another_dossier(template, tmp_path, tokens, ca) as world:
        world.personalise(SERIAL, reference=OTHER_REFERENCE)

        with pytest.raises(TokenRefusedError, match="n'est pas vierge"):
            world.personalise(SERIAL)
        so_pin = fake_token(tokens).so_pin
        world.personalise(SERIAL, wipe=True, so_pin=so_pin)

        assert world.live(OTHER_REFERENCE) == []  # the wipe destroyed it: revocation confirmed
        assert [r.status for r in world.revocations(OTHER_REFERENCE)] == [
            RevocationStatus.CONFIRMED
        ]
        assert len(world.live()) == 1


# Acceptance -----------------------------------------------------------------------------


def test_acceptance_with_a_wrong_pin_stores_nothing(world: Desk) -> None:
    result = world.personalise(SERIAL)
    service, appointment = world.service(), world.appointment()

    with pytest.raises(PinIncorrectError):
        service.sign_acceptance(appointment, SERIAL, "Faux-123", result.key_id, DIGEST)
    with pytest.raises(ValidationError):
        service.sign_acceptance(appointment, SERIAL, USER_PIN, result.key_id, b"short")

    assert world.dossier_state() is DossierState.CONVOKED
    with world.db() as uow:
        assert uow.deliveries.get(REFERENCE) is None
    service.sign_acceptance(appointment, SERIAL, USER_PIN, result.key_id, DIGEST)
    assert appointment.ended and world.dossier_state() is DossierState.DELIVERED
    with pytest.raises(StateError):
        service.sign_acceptance(world.appointment(), SERIAL, USER_PIN, result.key_id, DIGEST)


def test_no_token_is_touched_before_the_identity_and_the_answers_have_passed(
    world: Desk, tokens: FakeTokenPort
) -> None:
    appointment = world.appointment()
    appointment.answers_passed = False
    with pytest.raises(StateError, match="questions de révocation"):
        world.service().personalise(appointment, SERIAL, USER_PIN)
    appointment.identity_passed = False
    with pytest.raises(StateError, match="identité"):
        world.service().check_token(appointment, SERIAL)

    assert not fake_token(tokens).initialized and world.attempts() == []


def test_a_token_is_accepted_only_within_the_appointment_of_its_dossier(
    template: Path, tmp_path: Path, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    with desk_with_another_dossier(template, tmp_path, tokens, ca) as world:
        result = world.personalise(SERIAL)

        with pytest.raises(StateError, match="autre dossier"):
            world.service().sign_acceptance(
                world.appointment(OTHER_REFERENCE), SERIAL, USER_PIN, result.key_id, DIGEST
            )
        assert world.dossier_state(OTHER_REFERENCE) is DossierState.CONVOKED


def test_an_appointment_ended_after_issuance_sends_the_certificate_for_revocation(
    world: Desk, tokens: FakeTokenPort, ca: FakeCertificateAuthority
) -> None:
    tokens.pull_at(TokenStep.WRITE_CERTIFICATE, SERIAL)
    with pytest.raises(TokenRemovedError):
        world.personalise(SERIAL)

    world.service().abandon(world.appointment())

    [request] = world.revocations()
    assert request.status is RevocationStatus.CONFIRMED
    assert world.live() == []
    assert [a.status for a in world.attempts()] == [AttemptStatus.ABANDONED]
