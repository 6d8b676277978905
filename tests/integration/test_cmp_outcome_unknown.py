"""A certificate request sent to the CA whose answer never comes: the CA may have signed.

Over CMP, a loopback server in the test reads the kiosk's whole request, then closes the
connection or keeps it open without a word (the client's one-second message timeout ends
the wait). The journal says the issuance's outcome is unknown, every certificate of the
request's key is confirmed for revocation (by its SHA-256 and the CMP transaction ID),
the audit says so, nothing is written on the token, and the desk is told in French. The
run taken up next makes a new key: against OpenSSL's mock, a refusal keeps that new key
(the CA said no: nothing issued), and the certificate delivered at last is for it.

With a CA that really signs and then loses its answer (the fake CA, wrapped), the
revocation request names the key of the certificate nobody saw, and the certificate
delivered after the retry is not one of that key.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.adapters.ca.cmp_ca import CmpCertificateAuthority
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.fakes.fake_ca import FakeCertificateAuthority
from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort
from kiosk.domain.audit import AuditEvent, Outcome
from kiosk.domain.ca_errors import CaOperation, CaOutcomeUnknownError, CaRejectedError
from kiosk.domain.certificates import (
    CertificateAuthority,
    IssuedCertificate,
    IssueProfile,
    SubjectSpec,
)
from kiosk.domain.personalisation_journal import Attempt, Phase, RevocationStatus, Step
from kiosk.ui.token_words import failure_advice
from tests.integration.cmp_env import CmpFiles, make_cmp_files, mock_server
from tests.integration.fake_desk import assert_delivered_once, template
from tests.integration.personalisation_env import REFERENCE, USER_PIN, Desk, desk, dossier
from tests.integration.softhsm_env import PROFILE, ca_folder, embedded_ca, softhsm

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, ca_folder, embedded_ca, template)
SERIAL = "TOK-CMP-LOST"
SUBJECT = SubjectSpec.for_holder(dossier().holder, dossier().company)
UNKNOWN_START = (
    "L'autorité de certification n'a pas donné de réponse exploitable à la demande envoyée"
)
WHAT_NEXT = (
    "On ne sait pas si elle a émis un certificat. Aucun certificat n'a été écrit sur le "
    "support ; tout certificat émis pour cette demande sera révoqué et la reprise se fera "
    "avec une nouvelle clé."
)


@dataclass
class SwitchedCa:
    """The desk's CA, which the test points at one server, then another."""

    current: CertificateAuthority

    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        return self.current.issue(
            csr_der, subject, profile, expected_public_key_der=expected_public_key_der
        )

    def chain(self) -> list[bytes]:
        return self.current.chain()


@dataclass
class SilentServer:
    """Accepts one connection, reads the whole HTTP request, then closes it (``hang``
    False) or keeps it open without answering until the test ends."""

    hang: bool
    listener: socket.socket = field(default_factory=socket.socket)
    request: bytes = b""
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        port: int = self.listener.getsockname()[1]
        return port

    def serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            head, _, body = data.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            while len(body) < length:
                body += connection.recv(65536)
            self.request = body
            self.received.set()
            if self.hang:
                self.release.wait()


@contextmanager
def silent_server(*, hang: bool) -> Iterator[SilentServer]:
    server = SilentServer(hang=hang)
    server.listener.bind(("127.0.0.1", 0))
    server.listener.listen(1)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.listener.close()
        thread.join(timeout=10)


@pytest.fixture(params=[False, True], ids=["connection-closed", "no-answer"])
def silent(request: pytest.FixtureRequest) -> Iterator[SilentServer]:
    with silent_server(hang=request.param) as server:
        yield server


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, embedded_ca: EmbeddedCA) -> CmpFiles:
    return make_cmp_files(tmp_path_factory.mktemp("cmp-lost"), embedded_ca.chain())


def _cmp(files: CmpFiles, port: int) -> CmpCertificateAuthority:
    return CmpCertificateAuthority.from_endpoint(files.endpoint(port, message_timeout=1))


def _key_sha256(spki: bytes | None) -> str:
    assert spki is not None
    return hashlib.sha256(spki).hexdigest()


def _events(world: Desk, name: str) -> list[AuditEvent]:
    return [e for e in world.audit() if e.event_type == name]


def test_an_issuance_whose_answer_is_lost_is_recorded_uncertain_and_its_key_sent_for_revocation(
    files: CmpFiles, embedded_ca: EmbeddedCA, template: Path, tmp_path: Path, silent: SilentServer
) -> None:
    tokens = FakeTokenPort([FakeToken(SERIAL)])
    root = embedded_ca.chain()[-1]

    with desk(template, tmp_path, tokens, _cmp(files, silent.port), root, SystemClock()) as world:
        with pytest.raises(CaOutcomeUnknownError) as lost:
            world.personalise(SERIAL)
        [attempt] = world.attempts()
        last = world.entries(attempt.id)[-1]
        [request] = world.revocations()
        [uncertain] = _events(world, "personalisation.issuance_uncertain")
        confirmed = _events(world, "revocation.confirmed")
        reported = world.progress[-1]
        rows = world.dump()

    assert silent.received.is_set()  # the request did reach the server
    error = lost.value
    assert error.message.startswith(UNKNOWN_START) and error.message.endswith(WHAT_NEXT)
    assert f"127.0.0.1:{silent.port}" in error.message
    assert error.transaction_id is not None
    assert bytes.fromhex(error.transaction_id) in silent.request  # the one sent
    # journal: the issuance is neither done nor failed, and the token holds nothing
    assert (last.step, last.phase, last.error) == (Step.ISSUE, Phase.UNKNOWN, error.message)
    assert attempt.issuance_uncertain and attempt.certificate is None
    assert tokens.tokens[0].certificates == {} and tokens.tokens[0].authority_certificates == []
    # the back office: every certificate of that key, confirmed for revocation
    key = _key_sha256(attempt.public_key_der)
    assert request.status is RevocationStatus.CONFIRMED
    assert (request.public_key_sha256, request.certificate_serial) == (key, None)
    assert f"transaction CMP {error.transaction_id}" in request.reason
    assert request.reason.startswith("Émission sans réponse de l'autorité de certification")
    # the audit
    assert uncertain.outcome is Outcome.FAILURE and uncertain.dossier_ref == REFERENCE
    assert uncertain.details["public_key_sha256"] == key
    assert uncertain.details["transaction_id"] == error.transaction_id
    assert [e.details["public_key_sha256"] for e in confirmed] == [key]
    # the desk: told, in French, what happens next
    assert (reported.step, reported.phase, reported.message) == (
        Step.ISSUE,
        Phase.UNKNOWN,
        error.message,
    )
    assert USER_PIN.encode() not in rows and USER_PIN not in repr(uncertain.details)
    advice = failure_advice(error)
    assert "La révocation à vérifier est enregistrée pour le back-office." in advice
    assert "F5 : reprendre avec le même support (une nouvelle clé sera générée)" in advice


def test_the_run_taken_up_makes_a_new_key_and_delivers_its_certificate_over_cmp(
    files: CmpFiles, embedded_ca: EmbeddedCA, template: Path, tmp_path: Path
) -> None:
    tokens = FakeTokenPort([FakeToken(SERIAL)])
    root = embedded_ca.chain()[-1]
    ca = SwitchedCa(embedded_ca)
    any_certificate = embedded_ca.chain()[0]  # what a refusing mock never hands out

    with desk(template, tmp_path, tokens, ca, root, SystemClock()) as world:
        with silent_server(hang=False) as silent:
            ca.current = _cmp(files, silent.port)
            with pytest.raises(CaOutcomeUnknownError):
                world.personalise(SERIAL)
        [lost] = world.attempts()
        first_key = lost.public_key_der

        # The CA is back, and says no: a known outcome, so the new key is kept.
        with mock_server(files, any_certificate, "-pkistatus", "2", "-failure", "2") as server:
            ca.current = _cmp(files, server.port)
            with pytest.raises(CaRejectedError):
                world.personalise(SERIAL)
        [refused] = world.attempts()
        second_key = refused.public_key_der
        assert refused.key_id is not None and second_key is not None

        # The CA signs for the key the token holds now; the run takes it up with that key.
        csr = tokens.build_csr(SERIAL, USER_PIN, refused.key_id, SUBJECT)
        signed = embedded_ca.issue(csr, SUBJECT, PROFILE)
        with mock_server(files, signed.cert_der) as server:
            ca.current = _cmp(files, server.port)
            result = world.personalise(SERIAL)
        requests = world.revocations()
        assert_delivered_once(world, SERIAL)
        uncertain = _events(world, "personalisation.issuance_uncertain")

    assert lost.id == refused.id  # the same attempt, taken up
    assert first_key != second_key
    assert result.certificate.cert_der == signed.cert_der
    assert _spki(result.certificate.cert_der) == second_key
    # the first key's certificates stay to be revoked, once; the new one is not among them
    [request] = requests
    assert request.status is RevocationStatus.CONFIRMED
    assert request.public_key_sha256 == _key_sha256(first_key) != _key_sha256(second_key)
    assert len(uncertain) == 1
    assert list(tokens.tokens[0].keys) == [refused.key_id]  # the first key, destroyed


def _spki(cert_der: bytes) -> bytes:
    public = x509.load_der_x509_certificate(cert_der).public_key()
    return public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


class SignsThenLosesTheAnswer:
    """A CA that signs the first request it gets, then loses its answer; then answers."""

    def __init__(self, ca: FakeCertificateAuthority) -> None:
        self.ca = ca
        self.unseen: list[IssuedCertificate] = []

    def issue(
        self,
        csr_der: bytes,
        subject: SubjectSpec,
        profile: IssueProfile,
        *,
        expected_public_key_der: bytes | None = None,
    ) -> IssuedCertificate:
        issued = self.ca.issue(
            csr_der, subject, profile, expected_public_key_der=expected_public_key_der
        )
        if not self.unseen:
            self.unseen.append(issued)
            raise CaOutcomeUnknownError(
                "échange interrompu avec ca.test", CaOperation.ISSUE, transaction_id="C0FFEE"
            )
        return issued

    def chain(self) -> list[bytes]:
        return self.ca.chain()


def _signing_then_losing() -> tuple[
    FakeTokenPort, SignsThenLosesTheAnswer, FakeCertificateAuthority
]:
    fake = FakeCertificateAuthority(SystemClock())
    return FakeTokenPort([FakeToken(SERIAL)]), SignsThenLosesTheAnswer(fake), fake


def test_the_certificate_signed_unseen_is_the_one_sent_for_revocation_never_the_delivered_one(
    template: Path, tmp_path: Path
) -> None:
    tokens, ca, fake = _signing_then_losing()

    with desk(template, tmp_path, tokens, ca, fake.root_der, SystemClock()) as world:
        with pytest.raises(CaOutcomeUnknownError):
            world.personalise(SERIAL)
        result = world.personalise(SERIAL)
        [request] = world.revocations()
        assert_delivered_once(world, SERIAL)
        [live] = world.live()

    [unseen] = ca.unseen
    assert request.status is RevocationStatus.CONFIRMED
    assert request.public_key_sha256 == _key_sha256(_spki(unseen.cert_der))
    assert "transaction CMP C0FFEE" in request.reason
    assert live == result.certificate.serial_hex != unseen.serial_hex
    assert _spki(result.certificate.cert_der) != _spki(unseen.cert_der)
    assert tokens.tokens[0].certificates != {}  # only the delivered one was ever written
    assert unseen.cert_der not in tokens.tokens[0].certificates.values()


def test_an_appointment_ended_after_an_unknown_outcome_asks_no_second_revocation(
    template: Path, tmp_path: Path
) -> None:
    tokens, ca, fake = _signing_then_losing()

    with desk(template, tmp_path, tokens, ca, fake.root_der, SystemClock()) as world:
        with pytest.raises(CaOutcomeUnknownError):
            world.personalise(SERIAL)
        world.service().abandon(world.appointment())
        attempts: list[Attempt] = list(world.attempts())
        requests = world.revocations()

    assert [a.status.value for a in attempts] == ["abandoned"]
    [request] = requests
    assert request.public_key_sha256 == _key_sha256(_spki(ca.unseen[0].cert_der))
    assert request.status is RevocationStatus.CONFIRMED
