"""Renewal: a renewal dossier is delivered like a first one, on a new token or on the
holder's current one when the product allows it; once the holder has accepted the new
certificate, the one it renews is revoked as superseded and the embedded CA's CRL says so
to openssl. The receipt says « renouvellement » and names the certificate replaced."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.fakes.fake_token import FakeTokenPort
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.ca_errors import CaOperation, CaRejectedError
from kiosk.domain.certificates import (
    CertificateAuthority,
    IssuedCertificate,
    IssueProfile,
    SubjectSpec,
)
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.errors import DeviceError, StateError
from kiosk.domain.personalisation_journal import AttemptStatus, Delivery, RevocationStatus
from kiosk.domain.receipt import receipt_lines
from kiosk.domain.renewal import RenewalLink
from kiosk.domain.token_register import TokenState
from kiosk.services.appointment import Appointment, EndReason
from kiosk.services.personalisation import (
    PersonalisationResult,
    PersonalisationService,
    TokenRefusedError,
)
from kiosk.services.renewal import RenewalService, ReusedTokenCheck
from tests.integration.crl_env import (
    ca_copy,
    crl_text,
    revocable_ca,
    serial_in_crl_text,
    verify_with_crl,
)
from tests.integration.db_env import database_url
from tests.integration.fake_desk import DIGEST, OTHER, SERIAL, ca, template, tokens
from tests.integration.journeys_env import (
    NEW_PIN,
    WRONG,
    Journeys,
    OnSoftHsm,
    holder_dossier,
    journeys,
    on_softhsm,
    reference,
    softhsm_journeys,
)
from tests.integration.personalisation_env import SESSION, USER_PIN
from tests.integration.pg_env import postgres
from tests.integration.softhsm_env import SoftHsm, ca_folder, softhsm, token_adapter, token_objects

pytestmark = pytest.mark.integration
_FIXTURES = (database_url, postgres, template, ca, tokens, softhsm, token_adapter, ca_folder)
_MORE = (ca_copy, revocable_ca, journeys, on_softhsm)


@dataclass
class Renewing:
    journeys: Journeys
    previous: str
    renewal: str
    folder: Path
    old_der: bytes
    old_serial: str
    old_token: str


@pytest.fixture
def renewing(on_softhsm: OnSoftHsm) -> Renewing:
    """A certificate delivered on SoftHSM, and its renewal dossier convoked."""
    renewal = reference()
    on_softhsm.journeys.add(holder_dossier(renewal), renews=on_softhsm.reference)
    return Renewing(
        on_softhsm.journeys, on_softhsm.reference, renewal, on_softhsm.folder,
        on_softhsm.cert_der, on_softhsm.serial, on_softhsm.token_serial,
    )  # fmt: skip


def new_certificate(journeys: Journeys, ref: str) -> bytes:
    with journeys.world.db() as uow:
        [attempt] = [a for a in uow.journal.attempts(ref) if a.status is AttemptStatus.DELIVERED]
    assert attempt.certificate is not None
    return attempt.certificate.cert_der


def test_a_renewal_on_a_new_token_revokes_the_old_certificate_once_accepted(
    renewing: Renewing, tmp_path: Path
) -> None:
    journeys, folder = renewing.journeys, renewing.folder
    found = journeys.renewals.renewal(renewing.renewal)
    assert found is not None and found.renews == renewing.previous
    assert found.superseded_serial == renewing.old_serial
    assert found.previous_token == renewing.old_token and not found.token_reuse

    delivered = journeys.deliver(renewing.renewal)  # on a new blank token

    assert delivered.problems == ()
    core = delivered.receipt.core
    assert core.superseded_certificate_serial == renewing.old_serial
    assert core.token_serial != renewing.old_token
    lines = receipt_lines(delivered.receipt)
    assert "renouvellement" in lines[0][0]
    assert ("Certificat remplacé (révoqué)", renewing.old_serial) in lines
    assert delivered.pdf is not None and "renouvelle le certificat" in delivered.pdf.read_text()
    world = journeys.world
    assert world.dossier_state(renewing.renewal) is DossierState.DELIVERED
    assert world.dossier_state(renewing.previous) is DossierState.REVOKED
    [request] = world.revocations(renewing.previous)
    assert request.status is RevocationStatus.CONFIRMED
    assert request.certificate_serial == renewing.old_serial and "[superseded]" in request.reason
    assert request.certificate_der == renewing.old_der

    text = crl_text(folder)
    assert f"Serial Number: {serial_in_crl_text(renewing.old_serial)}" in text
    assert "Superseded" in text
    old = verify_with_crl(folder, renewing.old_der, tmp_path)
    assert old.returncode != 0 and "certificate revoked" in old.stdout + old.stderr
    new = verify_with_crl(folder, new_certificate(journeys, renewing.renewal), tmp_path)
    assert new.returncode == 0, new.stdout + new.stderr

    assert "renewal.superseded" in journeys.event_types(renewing.renewal)
    delivered_event = next(
        d for e, _, d in journeys.events(renewing.renewal) if e == "dossier.delivered"
    )
    assert delivered_event["supersedes_certificate_serial"] == renewing.old_serial
    assert journeys.event_types(renewing.previous)[-2:] == ["revocation.confirmed", "ca.revoke"]
    assert journeys.renewals.unfinished() == []
    again = journeys.renewals.supersede(SESSION, renewing.renewal)
    assert again is not None and again.certificate_serial == renewing.old_serial
    assert len(world.revocations(renewing.previous)) == 1


def handed_over(
    renewing: Renewing, adapter: Pkcs11TokenAdapter, result: PersonalisationResult, tmp: Path
) -> None:
    """The holder's token, after the acceptance: the renewal's certificate on it, the token
    delivered for the renewal with its SO PIN escrowed for it, the old certificate
    revoked in the CRL openssl checks."""
    token, world = renewing.old_token, renewing.journeys.world
    assert adapter.read_certificate(token, result.key_id) == result.certificate.cert_der
    record = world.record(token)
    assert record is not None and record.state is TokenState.DELIVERED
    assert record.dossier_ref == renewing.renewal
    assert record.escrow is not None and f"dossier={renewing.renewal}" in record.escrow.context
    assert world.dossier_state(renewing.previous) is DossierState.REVOKED
    old = verify_with_crl(renewing.folder, renewing.old_der, tmp)
    assert "certificate revoked" in old.stdout + old.stderr


def test_a_renewal_on_the_holders_token_keeps_their_key_until_the_new_one_is_accepted(
    renewing: Renewing, token_adapter: Pkcs11TokenAdapter, softhsm: SoftHsm, tmp_path: Path
) -> None:
    journeys, token = renewing.journeys, renewing.old_token
    journeys.allow_token_reuse("SIGN-p256")
    appointment = journeys.checked(renewing.renewal)
    check = journeys.renewals.check_token(appointment, token)
    assert isinstance(check, ReusedTokenCheck) and check.keeps_key
    assert check.refusal is None and not check.resumes
    with journeys.world.db() as uow:
        old = uow.deliveries.get(renewing.previous)
    assert old is not None

    result = journeys.renewals.personalise(appointment, token, USER_PIN)  # their current PIN

    # Verified, not yet accepted: the holder's certificate is still theirs and still works.
    assert result.token_serial == token and result.key_id != old.key_id
    ids = {kind: {i for k, i in token_objects(softhsm, token, USER_PIN) if k == kind} for kind in
           ("Private Key Object", "Certificate Object")}  # fmt: skip
    assert ids["Private Key Object"] == {old.key_id.hex(), result.key_id.hex()}
    assert {old.key_id.hex(), result.key_id.hex()} <= ids["Certificate Object"]
    assert token_adapter.read_certificate(token, old.key_id) == renewing.old_der
    record = journeys.world.record(token)
    assert record is not None and record.state is TokenState.DELIVERED
    assert record.dossier_ref == renewing.previous
    assert journeys.world.dossier_state(renewing.previous) is DossierState.DELIVERED

    core = journeys.delivery.receipt_core(appointment, result)
    delivered = journeys.delivery.accept(appointment, result, USER_PIN, core)

    assert delivered.problems == ()
    objects = token_objects(softhsm, token, USER_PIN)
    assert [i for k, i in objects if k == "Private Key Object"] == [result.key_id.hex()]
    assert old.key_id.hex() not in {i for _, i in objects}  # key pair and certificate gone
    handed_over(renewing, token_adapter, result, tmp_path)
    events = journeys.events(renewing.renewal)
    started = next(d for e, _, d in events if e == "personalisation.started")
    assert started["wipe"] is False and started["keeps_key_of"] == renewing.previous
    assert started["from_step"] == "key_generated"
    discarded = [(o, d) for e, o, d in events if e == "token.keys_discarded"]
    assert discarded == [("success", {**discarded[0][1], "destroyed": 1, "refused": 0})]
    assert discarded[0][1]["key_ids"] == old.key_id.hex()


def refused_renewal(
    renewing: Renewing,
) -> tuple[PersonalisationService, RenewalService, Appointment, Delivery]:
    """The renewal's appointment checked, with a CA that refuses every request, the product
    letting the holder's token be reused: the services, and the delivery renewed."""
    journeys = renewing.journeys
    journeys.allow_token_reuse("SIGN-p256")
    personalisation = replace(journeys.world, ca=RefusingCa(journeys.world.ca)).service()
    renewals = RenewalService(
        journeys.world.db, personalisation, journeys.world.clock,
        recovery=journeys.recovery, authority=journeys.authority,
    )  # fmt: skip
    appointment = journeys.checked(renewing.renewal)
    with journeys.world.db() as uow:
        old = uow.deliveries.get(renewing.previous)
    assert old is not None
    return personalisation, renewals, appointment, old


def test_a_renewal_beside_the_holders_key_that_fails_leaves_their_certificate_working(
    renewing: Renewing, token_adapter: Pkcs11TokenAdapter, tmp_path: Path
) -> None:
    journeys, token = renewing.journeys, renewing.old_token
    personalisation, renewals, appointment, old = refused_renewal(renewing)

    with pytest.raises(CaRejectedError):
        renewals.personalise(appointment, token, USER_PIN)
    personalisation.abandon(appointment)
    journeys.appointments.end(appointment, EndReason.TOKEN_DEFECTIVE)

    # The holder leaves with the token they came with: their key signs, their certificate
    # is valid, the register and the dossier renewed are as they were.
    challenge = b"\x5a" * 32
    signature = token_adapter.sign(token, USER_PIN, old.key_id, challenge)
    checker = X509CertificateChecker([journeys.world.root_der])
    assert checker.signature_verifies(renewing.old_der, challenge, signature)
    assert token_adapter.read_certificate(token, old.key_id) == renewing.old_der
    still = verify_with_crl(renewing.folder, renewing.old_der, tmp_path)
    assert still.returncode == 0, still.stdout + still.stderr
    record = journeys.world.record(token)
    assert record is not None and record.state is TokenState.DELIVERED
    assert record.dossier_ref == renewing.previous
    assert journeys.world.dossier_state(renewing.previous) is DossierState.DELIVERED
    assert renewals.holder_key_erased(SESSION, renewing.renewal) is None
    assert journeys.world.revocations(renewing.previous) == []


def test_the_agent_may_wipe_the_holders_token_for_the_renewal_instead(
    renewing: Renewing, token_adapter: Pkcs11TokenAdapter, tmp_path: Path
) -> None:
    journeys, token = renewing.journeys, renewing.old_token
    journeys.allow_token_reuse("SIGN-p256")
    appointment = journeys.checked(renewing.renewal)
    check = journeys.renewals.check_token(appointment, token, wipe=True)
    assert isinstance(check, ReusedTokenCheck) and not check.keeps_key
    with journeys.world.db() as uow:
        old_key = uow.deliveries.get(renewing.previous)
    assert old_key is not None

    result = journeys.renewals.personalise(appointment, token, NEW_PIN, wipe=True)
    assert token_adapter.public_key(token, old_key.key_id) is None  # wiped: the old key is gone
    core = journeys.delivery.receipt_core(appointment, result)
    delivered = journeys.delivery.accept(appointment, result, NEW_PIN, core)

    assert delivered.problems == () and result.token_serial == token
    handed_over(renewing, token_adapter, result, tmp_path)
    types = journeys.event_types(renewing.renewal)
    assert types.index("renewal.token_reuse") < types.index("personalisation.started")
    events = journeys.events(renewing.renewal)
    started = next(d for e, _, d in events if e == "personalisation.started")
    assert started["wipe"] is True and started["keeps_key_of"] is None


class SilentCa:
    """``CaAvailability`` of a CA that does not answer."""

    def __init__(self) -> None:
        self.asked = 0

    def unavailable(self) -> str | None:
        self.asked += 1
        return "L'autorité de certification ne répond pas : connexion impossible à ca:8080."


def test_the_holders_token_is_not_wiped_while_the_ca_does_not_answer(
    renewing: Renewing, token_adapter: Pkcs11TokenAdapter
) -> None:
    journeys, token = renewing.journeys, renewing.old_token
    journeys.allow_token_reuse("SIGN-p256")
    silent = SilentCa()
    renewals = RenewalService(
        journeys.world.db, journeys.world.service(), journeys.world.clock,
        recovery=journeys.recovery, authority=journeys.authority, availability=silent,
    )  # fmt: skip
    appointment = journeys.checked(renewing.renewal)
    with journeys.world.db() as uow:
        old = uow.deliveries.get(renewing.previous)
    assert old is not None

    with pytest.raises(DeviceError) as refused:
        renewals.personalise(appointment, token, NEW_PIN, wipe=True)

    assert silent.asked == 1
    assert refused.value.message.startswith(
        "L'autorité de certification ne répond pas : connexion impossible à ca:8080. "
        "Le support actuel du titulaire n'a pas été effacé"
    )
    # the holder keeps a working token: the old key and certificate are where they were
    assert token_adapter.public_key(token, old.key_id) is not None
    assert token_adapter.read_certificate(token, old.key_id) == renewing.old_der
    record = journeys.world.record(token)
    assert record is not None and record.state is TokenState.DELIVERED
    assert record.dossier_ref == renewing.previous
    events = journeys.events(renewing.renewal)
    [(outcome, details)] = [(o, d) for e, o, d in events if e == "renewal.token_reuse"]
    assert outcome == "refused" and "ca:8080" in details["ca_problem"]
    assert "personalisation.started" not in [e for e, _, _ in events]
    assert journeys.world.dossier_state(renewing.previous) is DossierState.DELIVERED
    assert renewals.holder_key_erased(SESSION, renewing.renewal) is None  # never wiped


class RefusingCa:
    """An authority that answers and says no to every request, after the wipe."""

    def __init__(self, ca: CertificateAuthority) -> None:
        self._ca = ca

    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        raise CaRejectedError("demande hors politique", CaOperation.ISSUE)

    def chain(self) -> list[bytes]:
        return self._ca.chain()


def test_a_renewal_ended_after_the_wipe_revokes_the_certificate_whose_key_it_erased(
    renewing: Renewing, token_adapter: Pkcs11TokenAdapter, tmp_path: Path
) -> None:
    journeys, token, folder = renewing.journeys, renewing.old_token, renewing.folder
    personalisation, renewals, appointment, old = refused_renewal(renewing)

    with pytest.raises(CaRejectedError):
        renewals.personalise(appointment, token, NEW_PIN, wipe=True)
    assert token_adapter.public_key(token, old.key_id) is None  # the wipe came first
    # While the appointment goes on the run may be taken up again: nothing is revoked yet.
    assert journeys.world.dossier_state(renewing.previous) is DossierState.DELIVERED
    personalisation.abandon(appointment)
    journeys.appointments.end(appointment, EndReason.TOKEN_DEFECTIVE)
    erased = renewals.holder_key_erased(SESSION, renewing.renewal)

    assert erased is not None and erased.published and erased.problem is None
    assert erased.certificate_serial == renewing.old_serial
    assert journeys.world.dossier_state(renewing.previous) is DossierState.REVOKED
    [request] = journeys.world.revocations(renewing.previous)
    assert request.status is RevocationStatus.CONFIRMED
    assert "[cessationOfOperation]" in request.reason and token in request.reason
    text = crl_text(folder)
    assert f"Serial Number: {serial_in_crl_text(renewing.old_serial)}" in text
    assert "Cessation Of Operation" in text
    revoked = verify_with_crl(folder, renewing.old_der, tmp_path)
    assert revoked.returncode != 0 and "certificate revoked" in revoked.stdout + revoked.stderr
    assert "renewal.old_key_erased" in journeys.event_types(renewing.renewal)
    assert renewals.holder_key_erased(SESSION, renewing.renewal) is None  # once

    # The holder comes back with a blank token: the renewal is delivered, nothing revoked twice.
    delivered = journeys.deliver(renewing.renewal)
    assert delivered.problems == ()
    assert journeys.world.dossier_state(renewing.renewal) is DossierState.DELIVERED
    assert len(journeys.world.revocations(renewing.previous)) == 1


def test_the_holders_token_is_refused_when_the_product_does_not_allow_its_reuse(
    renewing: Renewing,
) -> None:
    journeys = renewing.journeys
    appointment = journeys.checked(renewing.renewal)

    check = journeys.renewals.check_token(appointment, renewing.old_token)

    assert check.refusal is not None and "déjà été remis" in check.refusal
    with pytest.raises(TokenRefusedError, match="déjà été remis"):
        journeys.renewals.personalise(appointment, renewing.old_token, USER_PIN)
    assert journeys.world.dossier_state(renewing.previous) is DossierState.DELIVERED


def test_a_certificate_delivered_before_the_kiosk_is_revoked_by_the_serial_on_file(
    template: Path,
    tmp_path: Path,
    token_adapter: Pkcs11TokenAdapter,
    revocable_ca: EmbeddedCA,
    ca_copy: Path,
) -> None:
    previous, renewal = reference(), reference()
    old_serial = "1127de3cfe77ed9d14211879f34f7832"
    delivered_elsewhere = replace(holder_dossier(previous), state=DossierState.DELIVERED)
    with softhsm_journeys(
        template, tmp_path, token_adapter, revocable_ca, [delivered_elsewhere]
    ) as journeys:
        journeys.add(holder_dossier(renewal), renews=previous, serial=old_serial)

        delivered = journeys.deliver(renewal)

        assert delivered.problems == ()
        assert delivered.receipt.core.superseded_certificate_serial == old_serial
        [request] = journeys.world.revocations(previous)
        assert request.attempt_id is None and request.certificate_der is None
        assert request.certificate_serial == old_serial
        assert f"Serial Number: {serial_in_crl_text(old_serial)}" in crl_text(ca_copy)
        assert journeys.world.dossier_state(previous) is DossierState.REVOKED


# On the simulated token, on both engines ------------------------------------------------------

PREVIOUS, RENEWAL = "CS-2023-000412", "CS-2026-001327"


@pytest.fixture
def holders() -> tuple[str, ...]:
    return (PREVIOUS, RENEWAL)


def renewal_due(journeys: Journeys) -> None:
    """``PREVIOUS`` delivered on ``SERIAL``; ``RENEWAL`` renews it."""
    journeys.deliver(PREVIOUS, SERIAL)
    with journeys.world.db() as uow:
        uow.lineage.record(RenewalLink(RENEWAL, PREVIOUS))
        uow.commit()


def test_wrong_answers_block_the_renewal_and_no_token_is_touched(
    journeys: Journeys, tokens: FakeTokenPort
) -> None:
    renewal_due(journeys)
    appointment = journeys.checked(RENEWAL, answers=WRONG)

    with pytest.raises(StateError, match="questions de révocation"):
        journeys.renewals.personalise(appointment, OTHER, USER_PIN)
    with pytest.raises(StateError, match="questions de révocation"):
        journeys.renewals.check_token(appointment, OTHER)
    assert not next(t for t in tokens.tokens if t.serial == OTHER).initialized
    journeys.allow_token_reuse("SIGN-p256")  # the holder's token: the back office is not asked
    with pytest.raises(StateError, match="questions de révocation"):
        journeys.renewals.personalise(appointment, SERIAL, USER_PIN)
    assert "renewal.token_reuse" not in journeys.event_types(RENEWAL)
    assert journeys.world.dossier_state(PREVIOUS) is DossierState.DELIVERED


def test_a_renewal_delivered_by_a_kiosk_stopped_before_the_revocation_is_completed(
    journeys: Journeys,
) -> None:
    renewal_due(journeys)
    appointment = journeys.checked(RENEWAL)
    result = journeys.renewals.personalise(appointment, OTHER, USER_PIN)
    journeys.world.service().sign_acceptance(appointment, OTHER, USER_PIN, result.key_id, DIGEST)
    assert journeys.renewals.unfinished() == [RENEWAL]  # delivered, old one still in service

    done = journeys.renewals.supersede(SESSION, RENEWAL)

    assert done is not None and not done.published and done.problem
    assert journeys.renewals.unfinished() == []
    assert journeys.world.dossier_state(PREVIOUS) is DossierState.REVOKED
    [request] = journeys.world.revocations(PREVIOUS)
    assert request.status is RevocationStatus.CONFIRMED and request.attempt_id is not None
    assert journeys.renewals.supersede(SESSION, PREVIOUS) is None  # a first delivery


def test_the_old_certificate_stays_in_service_until_the_renewal_is_accepted(
    journeys: Journeys,
) -> None:
    renewal_due(journeys)
    appointment = journeys.checked(RENEWAL)
    journeys.renewals.personalise(appointment, OTHER, USER_PIN)

    with pytest.raises(StateError, match="pas encore remis"):
        journeys.renewals.supersede(SESSION, RENEWAL)
    assert journeys.world.dossier_state(PREVIOUS) is DossierState.DELIVERED
    assert journeys.world.revocations(PREVIOUS) == []
