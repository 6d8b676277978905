"""The CMP adapter against OpenSSL's own CMP mock server: enrolment of a SoftHSM token's
request, the certificates it must refuse, a CA that does not answer or says no, and
revocation. The mock returns the certificate it was started with, so each test has the
embedded CA sign the certificate it wants returned before starting the mock."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca.cmp_ca import CmpCertificateAuthority
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.fakes.fake_token import FakeToken, FakeTokenPort
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.domain.ca_errors import (
    MISMATCH,
    CaOutcomeUnknownError,
    CaRejectedError,
    CaResponseMismatchError,
    CaUnreachableError,
)
from kiosk.domain.certificate_revocation import RevocableCertificateAuthority, RevocationReason
from kiosk.domain.certificates import IssuedCertificate, SubjectSpec
from kiosk.domain.errors import ConfigError
from kiosk.domain.model import KeyAlgorithm
from kiosk.domain.personalisation_journal import Phase, Step
from tests.integration.cmp_env import CmpFiles, make_cmp_files, mock_server
from tests.integration.fake_desk import template
from tests.integration.personalisation_env import desk
from tests.integration.softhsm_env import (
    HOLDER,
    PROFILE,
    SO_PIN,
    USER_PIN,
    ca_folder,
    embedded_ca,
    softhsm,
    token_adapter,
    unique_label,
)

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, token_adapter, ca_folder, embedded_ca, template)
KEY_ID = b"\x42"
NOTHING_WRITTEN = "Aucun certificat n'a été écrit sur le support."
OTHER_SUBJECT = replace(HOLDER, surname="Martin", common_name="Hélène Martin")


@dataclass(frozen=True)
class HolderToken:
    serial: str
    public_key_der: bytes
    csr_der: bytes


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, embedded_ca: EmbeddedCA) -> CmpFiles:
    return make_cmp_files(tmp_path_factory.mktemp("cmp"), embedded_ca.chain())


@pytest.fixture
def holder(token_adapter: Pkcs11TokenAdapter) -> HolderToken:
    """A SoftHSM token with a P-256 key and its request for HOLDER, no certificate yet."""
    blank = token_adapter.find_blank()
    assert blank is not None
    info = token_adapter.initialise(blank.serial, unique_label("CMP"), SO_PIN, USER_PIN)
    spki = token_adapter.generate_key_pair(info.serial, USER_PIN, KeyAlgorithm.EC_P256, KEY_ID)
    csr = token_adapter.build_csr(info.serial, USER_PIN, KEY_ID, HOLDER)
    return HolderToken(info.serial, spki, csr)


def _software_request(subject: SubjectSpec = HOLDER) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    builder = x509.CertificateSigningRequestBuilder().subject_name(subject_name(subject))
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)


def _enrol_and_write(
    ca: CmpCertificateAuthority, tokens: Pkcs11TokenAdapter, holder: HolderToken
) -> IssuedCertificate:
    """What the personalisation does: the certificate is written only once it is issued."""
    issued = ca.issue(
        holder.csr_der, HOLDER, PROFILE, expected_public_key_der=holder.public_key_der
    )
    tokens.write_certificates(
        holder.serial, USER_PIN, KEY_ID, issued.cert_der, issued.chain_der, "Signature"
    )
    return issued


@pytest.mark.parametrize(
    "mock_options",
    [(), ("-poll_count", "1", "-check_after", "0")],
    ids=["at-once", "after-polling"],
)
def test_a_certificate_enrolled_over_cmp_is_written_on_the_token(
    files: CmpFiles,
    embedded_ca: EmbeddedCA,
    token_adapter: Pkcs11TokenAdapter,
    holder: HolderToken,
    tmp_path: Path,
    mock_options: tuple[str, ...],
) -> None:
    prepared = embedded_ca.issue(holder.csr_der, HOLDER, PROFILE)

    with mock_server(files, prepared.cert_der, *mock_options) as server:
        ca = CmpCertificateAuthority.from_endpoint(
            files.endpoint(server.port), issued_folder=tmp_path / "issued"
        )
        issued = _enrol_and_write(ca, token_adapter, holder)

    assert issued.cert_der == prepared.cert_der
    assert issued.serial_hex == prepared.serial_hex
    assert issued.chain_der == embedded_ca.chain()
    assert token_adapter.read_certificate(holder.serial, KEY_ID) == prepared.cert_der
    assert (tmp_path / "issued" / f"{int(issued.serial_hex, 16):x}.pem").is_file()


def test_a_certificate_for_another_key_is_refused_and_nothing_is_written(
    files: CmpFiles,
    embedded_ca: EmbeddedCA,
    token_adapter: Pkcs11TokenAdapter,
    holder: HolderToken,
) -> None:
    for_another_key = embedded_ca.issue(_software_request(), HOLDER, PROFILE)

    with mock_server(files, for_another_key.cert_der) as server:
        ca = CmpCertificateAuthority.from_endpoint(files.endpoint(server.port))
        with pytest.raises(CaResponseMismatchError) as refused:
            _enrol_and_write(ca, token_adapter, holder)

    assert refused.value.message == MISMATCH
    assert token_adapter.read_certificate(holder.serial, KEY_ID) is None


def test_a_certificate_for_another_subject_is_refused_and_its_revocation_asked(
    files: CmpFiles,
    embedded_ca: EmbeddedCA,
    token_adapter: Pkcs11TokenAdapter,
    holder: HolderToken,
) -> None:
    other_request = token_adapter.build_csr(holder.serial, USER_PIN, KEY_ID, OTHER_SUBJECT)
    same_key_other_subject = embedded_ca.issue(other_request, OTHER_SUBJECT, PROFILE)

    with mock_server(files, same_key_other_subject.cert_der) as server:
        ca = CmpCertificateAuthority.from_endpoint(files.endpoint(server.port))
        with pytest.raises(CaResponseMismatchError) as refused:
            _enrol_and_write(ca, token_adapter, holder)
        requests = server.requests()

    assert refused.value.message.startswith(MISMATCH)
    assert refused.value.revocation_requested is True
    assert refused.value.certificate_der == same_key_other_subject.cert_der
    assert "révocation a été demandée" in refused.value.message
    assert requests == 3  # p10cr, certConf, then the rr for the refused certificate
    assert token_adapter.read_certificate(holder.serial, KEY_ID) is None


def test_a_stopped_ca_gives_the_clear_message_and_nothing_is_written(
    files: CmpFiles,
    embedded_ca: EmbeddedCA,
    token_adapter: Pkcs11TokenAdapter,
    holder: HolderToken,
) -> None:
    prepared = embedded_ca.issue(holder.csr_der, HOLDER, PROFILE)
    with mock_server(files, prepared.cert_der) as server:
        port = server.port
    ca = CmpCertificateAuthority.from_endpoint(files.endpoint(port, message_timeout=1))

    with pytest.raises(CaUnreachableError) as unreachable:
        _enrol_and_write(ca, token_adapter, holder)

    assert unreachable.value.message == (
        f"L'autorité de certification ne répond pas : connexion impossible à 127.0.0.1:{port}. "
        f"{NOTHING_WRITTEN}"
    )
    assert token_adapter.read_certificate(holder.serial, KEY_ID) is None


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_ca_that_accepts_but_never_answers_gives_the_clear_message(
    files: CmpFiles, token_adapter: Pkcs11TokenAdapter, holder: HolderToken, silent_port: int
) -> None:
    ca = CmpCertificateAuthority.from_endpoint(files.endpoint(silent_port, message_timeout=1))

    with pytest.raises(CaOutcomeUnknownError) as unknown:  # the request was sent
        _enrol_and_write(ca, token_adapter, holder)

    assert unknown.value.message.startswith(
        "L'autorité de certification n'a pas donné de réponse exploitable à la demande "
        f"envoyée : pas de réponse de 127.0.0.1:{silent_port} en 1 s. On ne sait pas si elle "
        "a émis un certificat. Aucun certificat n'a été écrit sur le support ;"
    )
    assert token_adapter.read_certificate(holder.serial, KEY_ID) is None


@pytest.mark.parametrize(
    ("mock_options", "why"),
    [
        (("-pkistatus", "2", "-failure", "9"), "preuve de possession de la clé refusée"),
        (("-pkistatus", "2", "-failure", "25"), "panne de l'autorité"),
        (("-send_error",), "demande non admise"),
    ],
    ids=["rejection-badPOP", "rejection-systemFailure", "error-message"],
)
def test_a_ca_that_says_no_gives_the_clear_message_and_nothing_is_written(
    files: CmpFiles,
    embedded_ca: EmbeddedCA,
    token_adapter: Pkcs11TokenAdapter,
    holder: HolderToken,
    mock_options: tuple[str, ...],
    why: str,
) -> None:
    prepared = embedded_ca.issue(holder.csr_der, HOLDER, PROFILE)

    with mock_server(files, prepared.cert_der, *mock_options) as server:
        ca = CmpCertificateAuthority.from_endpoint(files.endpoint(server.port))
        with pytest.raises(CaRejectedError) as rejected:
            _enrol_and_write(ca, token_adapter, holder)

    assert rejected.value.message == (
        f"L'autorité de certification a refusé la demande : {why}. {NOTHING_WRITTEN}"
    )
    assert token_adapter.read_certificate(holder.serial, KEY_ID) is None


def test_an_answer_that_cannot_be_authenticated_is_not_used(
    files: CmpFiles,
    embedded_ca: EmbeddedCA,
    token_adapter: Pkcs11TokenAdapter,
    holder: HolderToken,
    tmp_path: Path,
) -> None:
    prepared = embedded_ca.issue(holder.csr_der, HOLDER, PROFILE)
    wrong_secret = tmp_path / "wrong.secret"
    wrong_secret.write_text("not-the-secret-the-ca-knows\n")
    wrong_secret.chmod(0o600)

    with mock_server(files, prepared.cert_der) as server:
        for endpoint in (
            files.endpoint(server.port, secret_file=wrong_secret),
            files.endpoint(server.port, server_cert=files.ca_chain),  # pins another server
        ):
            ca = CmpCertificateAuthority.from_endpoint(endpoint)
            # the CA had the request and may have signed: an unknown outcome
            with pytest.raises(CaOutcomeUnknownError) as refused:
                _enrol_and_write(ca, token_adapter, holder)
            assert "sa réponse n'a pas pu être authentifiée" in refused.value.message
            assert "On ne sait pas si elle a émis un certificat." in refused.value.message
            assert NOTHING_WRITTEN.removesuffix(".") in refused.value.message
            for secret in ("not-the-secret-the-ca-knows", files.secret_file.read_text().strip()):
                assert secret not in refused.value.message + refused.value.detail + repr(ca)

    assert token_adapter.read_certificate(holder.serial, KEY_ID) is None


def test_revocation_over_cmp_is_accepted_for_the_ca_s_certificate_and_refused_for_another(
    files: CmpFiles, embedded_ca: EmbeddedCA, holder: HolderToken
) -> None:
    prepared = embedded_ca.issue(holder.csr_der, HOLDER, PROFILE)
    unknown = embedded_ca.issue(_software_request(), HOLDER, PROFILE)
    at = datetime.now(UTC).replace(microsecond=0)

    with mock_server(files, prepared.cert_der) as server:
        ca = CmpCertificateAuthority.from_endpoint(files.endpoint(server.port))
        revoked = ca.revoke(
            prepared.serial_hex,
            RevocationReason.KEY_COMPROMISE,
            at,
            certificate_der=prepared.cert_der,
        )
        with pytest.raises(CaRejectedError) as refused:
            ca.revoke(
                unknown.serial_hex,
                RevocationReason.SUPERSEDED,
                at,
                certificate_der=unknown.cert_der,
            )

    assert (revoked.serial_hex, revoked.reason, revoked.revoked_at) == (
        prepared.serial_hex.lstrip("0"),
        RevocationReason.KEY_COMPROMISE,
        at,
    )
    assert refused.value.message.endswith(
        "La révocation n'a pas été enregistrée : recommencez plus tard."
    )


def test_a_secret_file_others_can_read_stops_the_kiosk_at_start(files: CmpFiles) -> None:
    files.secret_file.chmod(0o644)
    try:
        with pytest.raises(ConfigError, match="seul propriétaire"):
            CmpCertificateAuthority.from_endpoint(files.endpoint(9))
    finally:
        files.secret_file.chmod(0o600)


def test_a_personalisation_the_ca_refuses_leaves_no_certificate_and_journals_why(
    files: CmpFiles, embedded_ca: EmbeddedCA, template: Path, tmp_path: Path
) -> None:
    any_certificate = embedded_ca.issue(_software_request(), HOLDER, PROFILE)
    tokens = FakeTokenPort([FakeToken("TOK-CMP")])

    with (
        mock_server(files, any_certificate.cert_der, "-pkistatus", "2", "-failure", "2") as server,
        desk(template, tmp_path, tokens, _ca(files, server.port), embedded_ca.chain()[-1]) as world,
    ):
        with pytest.raises(CaRejectedError) as rejected:
            world.personalise("TOK-CMP")
        [attempt] = world.attempts()
        last = world.entries(attempt.id)[-1]
        revocations = world.revocations()

    assert rejected.value.message == (
        f"L'autorité de certification a refusé la demande : demande non admise. {NOTHING_WRITTEN}"
    )
    assert (last.step, last.phase, last.error) == (Step.ISSUE, Phase.FAILED, rejected.value.message)
    assert attempt.certificate is None and revocations == []
    assert tokens.tokens[0].certificates == {} and tokens.tokens[0].authority_certificates == []


def _ca(files: CmpFiles, port: int) -> RevocableCertificateAuthority:
    return CmpCertificateAuthority.from_endpoint(files.endpoint(port))


def test_a_chain_without_its_root_or_out_of_order_stops_the_kiosk_at_start(
    files: CmpFiles, embedded_ca: EmbeddedCA, tmp_path: Path
) -> None:
    issuing, root = embedded_ca.chain()
    for name, chain in (("no-root", [issuing]), ("root-first", [root, issuing])):
        pem = tmp_path / f"{name}.pem"
        pem.write_bytes(
            b"".join(x509.load_der_x509_certificate(d).public_bytes(Encoding.PEM) for d in chain)
        )
        with pytest.raises(ConfigError, match="AC émettrice, puis racine"):
            CmpCertificateAuthority.from_endpoint(replace(files.endpoint(9), ca_chain=pem))
