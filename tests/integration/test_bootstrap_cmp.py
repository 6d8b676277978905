"""A kiosk whose ``kiosk.toml`` says ``ca_backend = "cmp"``: ``make_services`` wires the
personalisation to the CA's CMP server (OpenSSL's mock, started on loopback), a holder's
SoftHSM token gets its certificate through it, and a CMP section that cannot work leaves
the desk up with the token step unavailable and the reason said.

The mock answers every enrolment with the certificate it was started with, and that
certificate must be for the key the kiosk generates on the token. So the delivery runs
as it would on a day the CA was down in the morning: a first run stops at the issuance
(the CA refuses; the token keeps its key, journaled), the session's embedded CA signs the
certificate the mock will return for that key, and the kiosk, started again on the CA
back up, takes the run up and gets its certificate over CMP. The holder accepts it, comes
back to have it revoked, and the revocation goes to the CMP server too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.crypto.escrow import create_key_pair
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.adapters.token.x509_subject import subject_name
from kiosk.bootstrap import make_services
from kiosk.config import Settings, load_settings
from kiosk.doctor import diagnose
from kiosk.doctor.authority import check_ca
from kiosk.domain.appointment_lease import Purpose
from kiosk.domain.ca_errors import NOTHING_WRITTEN, CaRejectedError
from kiosk.domain.certificate_revocation import RevocationReason
from kiosk.domain.certificates import SubjectSpec
from kiosk.domain.personalisation_journal import Attempt, AttemptStatus
from kiosk.services.appointment import Appointment
from kiosk.services.container import Services
from tests.integration.cmp_env import REFERENCE, CmpFiles, make_cmp_files, mock_server
from tests.integration.softhsm_env import PROFILE, SoftHsm, ca_folder, embedded_ca, softhsm
from tests.ui.sample_data import (
    AGENT_LOGIN,
    AGENT_PASSWORD,
    FIXED_CODES,
    KIOSK_ID,
    REF_CONVOKED,
    SITE,
)
from tests.ui.sql_env import QUESTION_ANSWERS, sql_desk
from tests.unit.mrz_samples import td3, text

pytestmark = pytest.mark.integration
_FIXTURES = (softhsm, ca_folder, embedded_ca)
HOLDER_PIN = "Kp7-tonnerre"
PASSPORT = text(  # the holder of REF_CONVOKED, Jeanne Marie Le Goff
    td3(
        name="LE<GOFF<<JEANNE<MARIE",
        number="19FR84621",
        birth="850307",
        expiry="310210",
        personal="",
        country="FRA",
    )
)


@dataclass(frozen=True)
class CmpHome:
    home: Path
    files: CmpFiles
    module: str

    def configure(self, port: int, **overrides: Any) -> Settings:
        """Writes kiosk.toml for the CMP server on ``port`` (``None`` drops a setting)."""
        values: dict[str, Any] = {
            "ca_backend": "cmp",
            "cmp_server": f"127.0.0.1:{port}",
            "cmp_path": "pkix/",
            "cmp_ref": REFERENCE,
            "cmp_secret_file": str(self.files.secret_file),
            "cmp_srvcert": str(self.files.server_cert),
            "cmp_ca_chain": str(self.files.ca_chain),
            "cmp_msg_timeout": 5,
            "cmp_total_timeout": 15,
        }
        values.update(overrides)
        lines = [f"{key} = {_toml(value)}" for key, value in values.items() if value is not None]
        (self.home / "kiosk.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return load_settings(env=self.env(), home=self.home)

    def env(self) -> dict[str, str]:
        return {
            "KIOSK_HOME": str(self.home),
            "KIOSK_SITE": SITE,
            "KIOSK_KIOSK_ID": KIOSK_ID,
            "KIOSK_PKCS11_MODULE": self.module,
            "KIOSK_ARGON2_TIME_COST": "1",
            "KIOSK_ARGON2_MEMORY_KIB": "8",
        }

    def attempts(self, settings: Settings) -> list[Attempt]:
        engine = make_engine(settings.database_url)
        try:
            uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
            with uow() as tx:
                return list(tx.journal.attempts(REF_CONVOKED))
        finally:
            engine.dispose()


def _toml(value: Any) -> str:
    return str(value) if isinstance(value, int) else '"' + str(value) + '"'


@pytest.fixture
def cmp_home(tmp_path: Path, softhsm: SoftHsm, embedded_ca: EmbeddedCA) -> CmpHome:
    """A kiosk home (database, sample dossiers and agents, escrow key) with no CA folder:
    its CA is the CMP server. The CA's chain is the session's embedded CA's."""
    home = tmp_path / "home"
    create_key_pair(
        home / "escrow" / "so-pin-escrow.pub.pem",
        tmp_path / "back-office" / "so-pin-escrow.key.pem",
        bits=2048,
    )
    sql_desk(home)
    return CmpHome(home, make_cmp_files(tmp_path / "cmp", embedded_ca.chain()), softhsm.module)


def _checked_appointment(services: Services, purpose: Purpose = Purpose.DELIVERY) -> Appointment:
    """Through the desk's own services: agent, lookup, identity, photo, answers."""
    session = services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    dossier = services.lookup.lookup(session, FIXED_CODES[REF_CONVOKED])
    appointment = services.appointments.open(session, dossier, purpose=purpose)
    report = services.identity.check(appointment, services.identity.read_mrz(appointment, PASSPORT))
    assert report.passed, [c.explanation for c in report.failures]
    services.identity.confirm_photo(appointment, matches=True)
    services.answers.check(appointment, list(QUESTION_ANSWERS))
    return appointment


def _any_certificate(ca: EmbeddedCA, subject: SubjectSpec) -> bytes:
    """A certificate of the CA for a software key: what a refusing mock is started with."""
    key = ec.generate_private_key(ec.SECP256R1())
    request = x509.CertificateSigningRequestBuilder().subject_name(subject_name(subject))
    csr = request.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)
    return ca.issue(csr, subject, PROFILE).cert_der


def test_a_kiosk_configured_for_cmp_issues_and_revokes_through_the_ca_server(
    cmp_home: CmpHome, embedded_ca: EmbeddedCA
) -> None:
    first = cmp_home.configure(port=9)  # rewritten below, once the mock has its port
    holder = _subject(first)
    refusing = ("-pkistatus", "2", "-failure", "2")
    with mock_server(cmp_home.files, _any_certificate(embedded_ca, holder), *refusing) as server:
        services = make_services(cmp_home.configure(server.port))
        assert services.pki_problem is None
        assert services.personalisation is not None and services.desk_revocation is not None
        appointment = _checked_appointment(services)
        with pytest.raises(CaRejectedError) as refused:
            services.personalisation.personalise(appointment, "", HOLDER_PIN)

    assert refused.value.message == (
        f"L'autorité de certification a refusé la demande : demande non admise. {NOTHING_WRITTEN}"
    )
    assert not (cmp_home.home / "ca").exists()  # no CA here: the refusal is the server's
    [stopped] = cmp_home.attempts(first)
    assert stopped.key_id is not None and stopped.certificate is None

    # The CA signs the certificate of the key the token kept; the kiosk starts again.
    tokens = Pkcs11TokenAdapter(cmp_home.module)
    csr = tokens.build_csr(stopped.token_serial, HOLDER_PIN, stopped.key_id, holder)
    prepared = embedded_ca.issue(csr, holder, PROFILE)
    with mock_server(cmp_home.files, prepared.cert_der) as server:
        services = make_services(cmp_home.configure(server.port))
        assert services.personalisation is not None
        result = services.personalisation.personalise(appointment, stopped.token_serial, HOLDER_PIN)
        assert services.delivery is not None and services.desk_revocation is not None
        core = services.delivery.receipt_core(appointment, result)
        services.delivery.accept(appointment, result, HOLDER_PIN, core)
        # The holder comes back: the token was stolen. The CMP server revokes.
        revocation = _checked_appointment(services, Purpose.REVOCATION)
        revoked = services.desk_revocation.revoke(revocation, RevocationReason.KEY_COMPROMISE)

    assert result.certificate.cert_der == prepared.cert_der
    assert (revoked.published, revoked.problem) == (True, None)
    assert revoked.certificate_serial == prepared.serial_hex.lstrip("0")
    assert tokens.read_certificate(result.token_serial, result.key_id) == prepared.cert_der
    [delivered] = cmp_home.attempts(first)
    assert delivered.status is AttemptStatus.DELIVERED
    kept = cmp_home.home / "cmp" / "issued" / f"{int(prepared.serial_hex, 16):x}.pem"
    assert kept.read_bytes() == x509.load_der_x509_certificate(prepared.cert_der).public_bytes(
        Encoding.PEM
    )


def _subject(settings: Settings) -> SubjectSpec:
    engine = make_engine(settings.database_url)
    try:
        uow = SqlUnitOfWorkFactory(engine, site=SITE, kiosk_id=KIOSK_ID)
        with uow() as tx:
            dossier = tx.dossiers.get(REF_CONVOKED)
    finally:
        engine.dispose()
    assert dossier is not None
    return SubjectSpec.for_holder(dossier.holder, dossier.company)


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        (
            {"cmp_ref": None, "cmp_ca_chain": None},
            "Configuration invalide : ca_backend = « cmp » — réglage(s) manquant(s) dans "
            "kiosk.toml : cmp_ref, cmp_ca_chain",
        ),
        (
            {"cmp_ca_chain": "/nowhere/ca-chain.pem"},
            "Configuration invalide : cmp_ca_chain — fichier absent : /nowhere/ca-chain.pem",
        ),
        (
            {"cmp_server": "not a server"},
            "Configuration invalide : cmp_server — adresse du serveur CMP attendue (hôte:port)",
        ),
        (
            {"cmp_openssl": "openssl-nowhere"},
            "Configuration invalide : cmp_openssl — programme introuvable : openssl-nowhere",
        ),
    ],
    ids=["missing-settings", "missing-chain", "bad-server", "no-openssl"],
)
def test_a_cmp_section_that_cannot_work_leaves_the_desk_up_and_says_why(
    cmp_home: CmpHome, broken: dict[str, Any], problem: str
) -> None:
    services = make_services(cmp_home.configure(port=9, **broken))

    assert services.pki_problem == problem
    assert (services.personalisation, services.delivery, services.desk_revocation) == (
        None,
        None,
        None,
    )
    # the desk still looks dossiers up and checks identities
    agent = services.auth.login(AGENT_LOGIN, AGENT_PASSWORD)
    assert services.lookup.lookup(agent, FIXED_CODES[REF_CONVOKED]).reference == REF_CONVOKED


def test_a_secret_file_others_can_read_keeps_the_token_step_closed(cmp_home: CmpHome) -> None:
    cmp_home.files.secret_file.chmod(0o644)

    services = make_services(cmp_home.configure(port=9))

    assert services.pki_problem == (
        f"Configuration invalide : cmp_secret_file — {cmp_home.files.secret_file} doit être "
        "lisible par son seul propriétaire"
    )
    assert services.personalisation is None


# kiosk doctor -----------------------------------------------------------------------------


def test_the_doctor_names_the_cmp_ca_and_says_its_server_answers(
    cmp_home: CmpHome, embedded_ca: EmbeddedCA
) -> None:
    certificate = _any_certificate(embedded_ca, _subject(cmp_home.configure(port=9)))
    with mock_server(cmp_home.files, certificate) as server:
        finding = check_ca(cmp_home.configure(server.port))

    assert finding.ok, finding.lines()
    assert finding.lines()[0].startswith(
        f"✓ Autorité de certification : AC distante jointe en CMP (127.0.0.1:{server.port}, "
        "alias pkix/) : le serveur répond, AC émettrice valable encore "
    )


def test_the_doctor_says_when_the_cmp_server_does_not_answer_or_cannot_be_trusted(
    cmp_home: CmpHome, embedded_ca: EmbeddedCA, tmp_path: Path
) -> None:
    certificate = _any_certificate(embedded_ca, _subject(cmp_home.configure(port=9)))
    with mock_server(cmp_home.files, certificate) as server:
        port = server.port
        untrusted = check_ca(cmp_home.configure(port, cmp_srvcert=cmp_home.files.ca_chain))
    stopped = check_ca(cmp_home.configure(port))

    assert not untrusted.ok
    assert "sa réponse n'a pas pu être authentifiée" in untrusted.message
    assert "cmp_secret_file" in untrusted.remedy
    assert not stopped.ok
    assert stopped.message == (
        f"L'autorité de certification ne répond pas : connexion impossible à 127.0.0.1:{port}."
    )
    assert "cmp_server" in stopped.remedy
    secret = cmp_home.files.secret_file.read_text().strip()
    assert all(secret not in "\n".join(f.lines()) for f in (untrusted, stopped))


def test_the_doctor_names_the_missing_cmp_settings(cmp_home: CmpHome) -> None:
    cmp_home.configure(9, cmp_ref=None)

    [finding] = [f for f in diagnose(cmp_home.env()) if f.topic == "Autorité de certification"]

    assert finding.lines()[0] == (
        "✗ Autorité de certification : Configuration invalide : ca_backend = « cmp » — "
        "réglage(s) manquant(s) dans kiosk.toml : cmp_ref"
    )
