"""The back office's revocations: a certificate the desk issued and never handed over is
revoked by ``RevocationBacklog.publish`` through the embedded CA, and OpenSSL's CRL check
refuses it; what the CA accepted at the desk is not asked twice; what cannot be revoked by
serial (a key whose issuance answer was lost, a pending request) or was refused stays
listed, said in French."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.errors import NotFoundError, ValidationError
from kiosk.domain.personalisation_journal import RevocationRequest, RevocationStatus
from kiosk.services.appointment import EndReason
from kiosk.services.revocation_backlog import NO_AUTHORITY, RevocationBacklog, state_of
from tests.integration.crl_env import (
    ca_copy,
    crl_text,
    revocable_ca,
    serial_in_crl_text,
    verify_with_crl,
)
from tests.integration.db_env import database_url
from tests.integration.fake_desk import SERIAL, ca, template, tokens
from tests.integration.journeys_env import (
    Journeys,
    OnSoftHsm,
    holder_dossier,
    issued,
    journeys,
    on_softhsm,
    reference,
    softhsm_journeys,
)
from tests.integration.personalisation_env import USER_PIN
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import ca_folder, softhsm, token_adapter

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, template, ca, tokens, softhsm, token_adapter, ca_folder)
_MORE = (ca_copy, revocable_ca, journeys, on_softhsm)
REF = "CS-2026-000777"
OPERATOR = "système:back-office"


def _backlog(journeys: Journeys, authority: EmbeddedCA | None) -> RevocationBacklog:
    return RevocationBacklog(journeys.world.db, authority, journeys.world.clock)


def test_a_certificate_issued_then_abandoned_is_revoked_by_the_back_office(
    template: Path,
    tmp_path: Path,
    token_adapter: Pkcs11TokenAdapter,
    revocable_ca: EmbeddedCA,
    ca_copy: Path,
) -> None:
    ref = reference()
    with softhsm_journeys(
        template, tmp_path, token_adapter, revocable_ca, [holder_dossier(ref)]
    ) as found:
        appointment = found.checked(ref)
        found.renewals.personalise(appointment, "", USER_PIN)  # verified, never accepted
        found.world.service().abandon(appointment)  # the holder declines: as the desk ends it
        found.appointments.end(appointment, EndReason.HOLDER_DECLINES)
        cert = issued(found, ref)
        [request] = found.world.revocations(ref)
        backlog = _backlog(found, revocable_ca)
        listed = backlog.open_requests()

        report = backlog.publish(OPERATOR)
        again = backlog.publish(OPERATOR)
        left = backlog.open_requests()
        [stored] = found.world.revocations(ref)
        [(outcome, details)] = [(o, d) for e, o, d in found.events(ref) if e == "ca.revoke"]

    assert [r.id for r in listed] == [request.id]
    assert state_of(request) == "à publier : l'AC ne l'a pas encore révoqué"
    assert [r.id for r in report.published] == [request.id] and not report.refused
    assert not again.published and left == []
    assert stored.published_at is not None
    assert (outcome, details["reason"]) == ("success", "cessationOfOperation")
    text = crl_text(ca_copy)
    assert f"Serial Number: {serial_in_crl_text(cert.serial_hex)}" in text
    assert "Cessation Of Operation" in text
    checked = verify_with_crl(ca_copy, cert.cert_der, tmp_path)
    assert "certificate revoked" in checked.stdout + checked.stderr


def test_a_revocation_the_ca_accepted_at_the_desk_is_not_asked_again(
    on_softhsm: OnSoftHsm, revocable_ca: EmbeddedCA
) -> None:
    journeys, ref = on_softhsm.journeys, on_softhsm.reference
    appointment = journeys.checked(ref, Purpose.REVOCATION)
    journeys.revocation.revoke(appointment, RevocationReason.KEY_COMPROMISE)

    [request] = journeys.world.revocations(ref)
    assert request.published_at is not None
    assert _backlog(journeys, revocable_ca).open_requests() == []


@pytest.fixture
def holders() -> tuple[str, ...]:
    return (REF,)


def _request_by_key(journeys: Journeys, key_sha256: str) -> RevocationRequest:
    """What an issuance whose CA answer was lost leaves: every certificate of a key."""
    with journeys.world.db() as uow:
        request = uow.revocations.add(
            RevocationRequest(
                dossier_ref=REF,
                attempt_id=None,
                reason="Émission sans réponse de l'autorité de certification",
                status=RevocationStatus.CONFIRMED,
                requested_at=datetime(2026, 11, 26, 9, 0, tzinfo=UTC),
                agent="camille",
                public_key_sha256=key_sha256,
            )
        )
        uow.commit()
    return request


def test_what_cannot_be_revoked_by_serial_or_was_refused_stays_listed(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    appointment = journeys.checked(REF, Purpose.REVOCATION)
    journeys.revocation.revoke(appointment, RevocationReason.AFFILIATION_CHANGED)  # no CA
    _request_by_key(journeys, "ab" * 32)

    report = _backlog(journeys, None).publish(OPERATOR)

    [(refused, problem)] = report.refused
    assert refused.certificate_serial is not None and "[affiliationChanged]" in refused.reason
    assert problem == NO_AUTHORITY
    [left] = report.left
    assert left.public_key_sha256 == "ab" * 32
    assert state_of(left).startswith("à rechercher : tout certificat émis pour cette clé")
    assert len(_backlog(journeys, None).open_requests()) == 2  # both still to act on
    failures = [(o, d["error"]) for e, o, d in journeys.events(REF) if e == "ca.revoke"]
    assert failures[-1] == ("failure", NO_AUTHORITY)


def test_the_back_office_closes_a_key_it_searched_with_a_note_and_it_leaves_the_list(
    journeys: Journeys,
) -> None:
    journeys.deliver(REF, SERIAL)
    by_key = _request_by_key(journeys, "cd" * 32)
    assert by_key.id is not None
    backlog = _backlog(journeys, None)

    with pytest.raises(ValidationError, match="quelques mots"):
        backlog.close(by_key.id, OPERATOR, "  ")
    with pytest.raises(NotFoundError, match="n° 999"):
        backlog.close(999, OPERATOR, "aucun certificat pour cette clé")
    backlog.close(by_key.id, OPERATOR, "aucun   certificat pour cette clé à l'AC")

    assert backlog.open_requests() == []
    [(outcome, details)] = [(o, d) for e, o, d in journeys.events(REF) if e == "revocation.closed"]
    assert outcome == "success" and details["public_key_sha256"] == "cd" * 32
    assert details["note"] == "aucun certificat pour cette clé à l'AC"
    with pytest.raises(NotFoundError):
        backlog.close(by_key.id, OPERATOR, "deux fois")  # closed once
