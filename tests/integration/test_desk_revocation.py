"""Revocation at the desk: after the identity check and the answers, the holder revokes the
certificate in service with an RFC 5280 reason; the embedded CA publishes a CRL that
``openssl crl`` reads and ``openssl verify -crl_check`` applies. No suspension, no
revocation without the checks, and a CA that cannot be reached leaves the request to the
back office."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.desk_receipt import desk_receipt_lines
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import StateError, ValidationError
from kiosk.domain.personalisation_journal import RevocationStatus
from kiosk.domain.token_register import TokenState
from tests.integration.crl_env import (
    ca_copy,
    crl_text,
    revocable_ca,
    serial_in_crl_text,
    verify_with_crl,
)
from tests.integration.db_env import database_url
from tests.integration.fake_desk import SERIAL, ca, template, tokens
from tests.integration.journeys_env import WRONG, Journeys, OnSoftHsm, journeys, on_softhsm
from tests.integration.personalisation_env import SESSION
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import ca_folder, softhsm, token_adapter

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, template, ca, tokens, softhsm, token_adapter, ca_folder)
_MORE = (ca_copy, revocable_ca, journeys, on_softhsm)
REF = "CS-2026-000888"


def test_the_holder_revokes_and_the_published_crl_revokes_for_openssl(
    on_softhsm: OnSoftHsm, tmp_path: Path
) -> None:
    journeys, ref = on_softhsm.journeys, on_softhsm.reference
    assert verify_with_crl(on_softhsm.folder, on_softhsm.cert_der, tmp_path).returncode == 0

    assert journeys.lookup.find_delivered(SESSION, ref).reference == ref
    appointment = journeys.checked(ref, Purpose.REVOCATION)
    shown = journeys.revocation.certificate(appointment)
    assert shown.serial == on_softhsm.serial
    done = journeys.revocation.revoke(appointment, RevocationReason.KEY_COMPROMISE, token_lost=True)

    assert done.published and done.problem is None
    text = crl_text(on_softhsm.folder)
    assert f"Serial Number: {serial_in_crl_text(on_softhsm.serial)}" in text
    assert "Key Compromise" in text
    checked = verify_with_crl(on_softhsm.folder, on_softhsm.cert_der, tmp_path)
    assert checked.returncode != 0
    assert "certificate revoked" in checked.stdout + checked.stderr

    world = journeys.world
    assert world.dossier_state(ref) is DossierState.REVOKED
    token = world.record(shown.token_serial)
    assert token is not None and token.state is TokenState.LOST
    [request] = world.revocations(ref)
    assert request.status is RevocationStatus.CONFIRMED
    assert request.certificate_serial == on_softhsm.serial
    assert "[keyCompromise]" in request.reason and request.certificate_der == on_softhsm.cert_der
    assert journeys.event_types(ref)[-4:] == [
        "revocation.confirmed",
        "token.register",
        "ca.revoke",
        "dossier.revoked",
    ]
    _, _, sealed = journeys.events(ref)[-1]
    assert sealed["reason"] == "keyCompromise" and sealed["reason_code"] == 1
    assert sealed["published"] is True
    assert sealed["receipt_digest"] == done.receipt.digest.hex()
    lines = dict(desk_receipt_lines(done.receipt))
    assert lines["Motif (RFC 5280)"].endswith("(keyCompromise)")
    assert "publiée" in lines["Publication"]
    assert appointment.ended and journeys.appointments.open_appointments() == []
    with pytest.raises(StateError, match="Révoqué"):
        journeys.lookup.find_delivered(SESSION, ref)
    with pytest.raises(StateError, match="certificat remis"):
        journeys.open(ref, Purpose.PIN_UNBLOCK)


def test_a_revocation_cannot_be_done_without_the_identity_check(on_softhsm: OnSoftHsm) -> None:
    journeys, ref = on_softhsm.journeys, on_softhsm.reference
    appointment = journeys.open(ref, Purpose.REVOCATION)

    with pytest.raises(StateError, match="identité"):
        journeys.revocation.revoke(appointment, RevocationReason.CESSATION_OF_OPERATION)
    journeys.identify(appointment)
    with pytest.raises(StateError, match="questions de révocation"):
        journeys.revocation.revoke(appointment, RevocationReason.CESSATION_OF_OPERATION)
    assert journeys.world.dossier_state(ref) is DossierState.DELIVERED
    assert journeys.world.revocations(ref) == []
    assert serial_in_crl_text(on_softhsm.serial) not in crl_text(on_softhsm.folder)


def test_suspension_is_refused_and_nothing_is_revoked(on_softhsm: OnSoftHsm) -> None:
    journeys, ref = on_softhsm.journeys, on_softhsm.reference
    appointment = journeys.checked(ref, Purpose.REVOCATION)

    assert RevocationReason.CERTIFICATE_HOLD not in journeys.revocation.reasons()
    with pytest.raises(ValidationError, match="suspension n'est pas admise"):
        journeys.revocation.revoke(appointment, RevocationReason.CERTIFICATE_HOLD)
    with pytest.raises(ValidationError, match="confirmer"):
        journeys.revocation.revoke(appointment, RevocationReason.UNSPECIFIED, confirm=False)
    assert journeys.world.dossier_state(ref) is DossierState.DELIVERED
    assert journeys.world.revocations(ref) == []
    assert not appointment.ended
    done = journeys.revocation.revoke(appointment, RevocationReason.AFFILIATION_CHANGED)
    assert done.published and "Affiliation Changed" in crl_text(on_softhsm.folder)


# On the simulated token, on both engines ------------------------------------------------------


@pytest.fixture
def holders() -> tuple[str, ...]:
    return (REF,)


def test_wrong_answers_block_the_revocation(journeys: Journeys) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.REVOCATION, answers=WRONG)

    with pytest.raises(StateError, match="questions de révocation"):
        journeys.revocation.revoke(appointment, RevocationReason.KEY_COMPROMISE)
    assert journeys.world.dossier_state(REF) is DossierState.DELIVERED
    assert "revocation.confirmed" not in journeys.event_types(REF)


def test_without_a_reachable_authority_the_back_office_gets_the_confirmed_request(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.REVOCATION)

    done = journeys.revocation.revoke(appointment, RevocationReason.PRIVILEGE_WITHDRAWN)

    assert not done.published and done.problem and "back-office" in done.problem
    [request] = journeys.world.revocations(REF)
    assert request.status is RevocationStatus.CONFIRMED
    assert request.attempt_id is not None and request.token_serial == SERIAL
    assert journeys.world.dossier_state(REF) is DossierState.REVOKED
    token = journeys.world.record(SERIAL)
    assert token is not None and token.state is TokenState.DELIVERED  # kept by the holder
    failure = [o for e, o, _ in journeys.events(REF) if e == "ca.revoke"]
    assert failure == ["failure"]
    assert "à venir" in dict(desk_receipt_lines(done.receipt))["Publication"]


def test_an_appointment_for_another_purpose_or_a_revoked_dossier_cannot_revoke(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    unblock = journeys.checked(REF, Purpose.PIN_UNBLOCK)
    with pytest.raises(StateError, match="Déblocage du code PIN"):
        journeys.revocation.revoke(unblock, RevocationReason.KEY_COMPROMISE)
    journeys.appointments.leave(unblock)
    journeys.revocation.revoke(
        journeys.checked(REF, Purpose.REVOCATION), RevocationReason.KEY_COMPROMISE
    )

    with pytest.raises(StateError, match="certificat remis"):
        journeys.open(REF, Purpose.REVOCATION)
    with pytest.raises(StateError, match="Révoqué"):
        journeys.open(REF, Purpose.PIN_UNBLOCK)  # a revoked certificate's PIN stays as it is


def test_ending_a_revocation_appointment_leaves_the_certificate_in_service(
    journeys: Journeys,
) -> None:
    from kiosk.services.appointment import EndReason

    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.REVOCATION, answers=WRONG)

    journeys.appointments.end(appointment, EndReason.ANSWERS_FAILED)

    assert journeys.world.dossier_state(REF) is DossierState.DELIVERED
    _, outcome, details = journeys.events(REF)[-1]
    assert (outcome, details) == ("aborted", {"reason": "answers_failed", "purpose": "revocation"})
    assert journeys.lookup.find_delivered(SESSION, REF).reference == REF
