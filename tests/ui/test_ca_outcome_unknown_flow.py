"""The token step when the CA's answer to the certificate request is lost (the in-memory
CA signs, then its answer never arrives): the agent reads that nobody knows whether a
certificate was issued, that its revocation is recorded for the back office and that F5
goes on with a new key; F5 does, and the holder's token gets a certificate of that new
key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.domain.ca_errors import CaOperation, CaOutcomeUnknownError
from kiosk.domain.certificates import IssuedCertificate, IssueProfile, SubjectSpec
from kiosk.domain.personalisation_journal import Step
from kiosk.ui.widgets.step_progress import RowState
from tests.ui.app_env import run_async, settle, status_text
from tests.ui.token_env import (
    FAKE_SERIALS,
    fake_token_app,
    shows,
    start_run,
    step_rows,
    to_token_step,
    until,
)

LOST = "échange interrompu avec ca.cci.test:8080"


def _key_sha256(cert_der: bytes) -> str:
    public = x509.load_der_x509_certificate(cert_der).public_key()
    return hashlib.sha256(
        public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    ).hexdigest()


@run_async
async def test_an_answer_lost_is_said_and_f5_goes_on_with_a_new_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, desk, devices = fake_token_app(tmp_path / "home")
    unseen: list[IssuedCertificate] = []
    sign = devices.ca.issue

    def signs_then_loses_the_answer(
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        issued = sign(csr_der, subject, profile, expected_public_key_der=expected_public_key_der)
        if not unseen:
            unseen.append(issued)
            raise CaOutcomeUnknownError(LOST, CaOperation.ISSUE, transaction_id="C0FFEE")
        return issued

    monkeypatch.setattr(devices.ca, "issue", signs_then_loses_the_answer)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_token_step(pilot, desk)
        await start_run(pilot)
        await until(pilot, lambda: step_rows(pilot)[Step.ISSUE] is RowState.FAILED, "CA lost")
        status = status_text(app.screen, "#progress-status")

        await pilot.press("f5")
        await settle(pilot)
        await shows(pilot, "Support personnalisé et vérifié")

    assert status.startswith(
        "✗ Erreur : L'autorité de certification n'a pas donné de réponse exploitable à la "
        f"demande envoyée : {LOST}. On ne sait pas si elle a émis un certificat."
    )
    assert "Aucun certificat n'a été écrit sur le support" in status
    assert "La révocation à vérifier est enregistrée pour le back-office." in status
    assert "F5 : reprendre avec le même support (une nouvelle clé sera générée)" in status
    assert "C0FFEE" not in status  # for the back office, not the desk
    [unseen_certificate] = unseen
    [token] = [t for t in devices.tokens.tokens if t.serial == FAKE_SERIALS[0]]
    [written] = token.certificates.values()
    assert _key_sha256(written) != _key_sha256(unseen_certificate.cert_der)
    uncertain = desk.last("personalisation.issuance_uncertain")
    assert uncertain.details["public_key_sha256"] == _key_sha256(unseen_certificate.cert_der)
    assert uncertain.details["transaction_id"] == "C0FFEE"
