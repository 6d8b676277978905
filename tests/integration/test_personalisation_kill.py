"""kill -9 at every step of a personalisation on SoftHSM with the embedded CA, then the
kiosk restarted: it finds its interrupted appointment, resumes it, and the dossier and the
tokens end consistent. Before and after each token or CA operation, on SQLite and (for
the points around issuance) on PostgreSQL.

Consistent means: the dossier delivered once, with exactly one live certificate, which is
on the delivered token under the delivered key; every other certificate issued for it
confirmed for revocation; the token register and the journal agree; no appointment left
open; the audit chain verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.adapters.ca.checks import X509CertificateChecker
from kiosk.adapters.ca.embedded_ca import EmbeddedCA
from kiosk.adapters.clock import SystemClock
from kiosk.adapters.crypto.escrow import RsaOaepEscrow
from kiosk.adapters.db.engine import make_engine
from kiosk.adapters.db.migrate import upgrade
from kiosk.adapters.db.uow import SqlUnitOfWorkFactory
from kiosk.adapters.token.pkcs11_token import Pkcs11TokenAdapter
from kiosk.domain.audit import verify_chain
from kiosk.domain.dossier_state import DossierState
from kiosk.domain.model import KeyAlgorithm, Office
from kiosk.domain.personalisation_journal import (
    AttemptStatus,
    RevocationStatus,
    Step,
    live_certificates,
)
from kiosk.domain.token_register import TokenState
from kiosk.services.appointment import AppointmentService
from kiosk.services.personalisation import PersonalisationService
from tests.integration.fake_desk import DIGEST
from tests.integration.kill_child import KIOSK_ID
from tests.integration.kill_env import escrow_pem, run_killed_child
from tests.integration.personalisation_env import (
    POLICY,
    SESSION,
    SITE,
    USER_PIN,
    dossier,
    escrow_private_key,
    unique_reference,
)
from tests.integration.pg_env import empty_test_database, postgres
from tests.integration.softhsm_env import SoftHsm, ca_folder, embedded_ca, softhsm, token_adapter

pytestmark = pytest.mark.integration
_FIXTURES = (postgres, softhsm, token_adapter, ca_folder, embedded_ca)

STEPS = [Step.INITIALISE, Step.GENERATE_KEY, Step.BUILD_CSR, Step.ISSUE, Step.WRITE, Step.VERIFY]
POINTS = [(when, step) for step in STEPS for when in ("before", "after")]
AROUND_ISSUANCE = {("after", Step.BUILD_CSR), ("before", Step.ISSUE), ("after", Step.ISSUE)}


def _points() -> list[object]:
    params: list[object] = []
    for when, step in POINTS:
        params.append(pytest.param("sqlite", when, step, id=f"sqlite-{when}-{step.value}"))
        if (when, step) in AROUND_ISSUANCE:
            params.append(
                pytest.param(
                    "postgresql",
                    when,
                    step,
                    id=f"pg-{when}-{step.value}",
                    marks=pytest.mark.postgres,
                )
            )
    return params


@dataclass
class Desk:
    """The restarted kiosk: same kiosk id, same database, same CA."""

    url: str
    uow: SqlUnitOfWorkFactory
    service: PersonalisationService
    appointments: AppointmentService


def _desk(url: str, tokens: Pkcs11TokenAdapter, ca: EmbeddedCA, reference: str) -> Desk:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(make_engine(url), site=SITE, kiosk_id=KIOSK_ID, clock=clock)
    record = dossier(KeyAlgorithm.EC_P256, reference)
    with uow() as tx:
        if tx.offices.get(SITE) is None:
            tx.offices.upsert(Office(SITE, "CCI Bretagne", "Bureau de Brest", "1 quai"))
        tx.products.upsert(record.product)
        if tx.dossiers.get(reference) is None:
            tx.dossiers.add(record, [])
        tx.commit()
    service = PersonalisationService(
        uow,
        tokens,
        ca,
        X509CertificateChecker([ca.chain()[-1]]),
        RsaOaepEscrow(escrow_private_key().public_key()),
        POLICY,
        clock,
    )
    return Desk(url, uow, service, AppointmentService(uow, clock))


def _kill(desk: Desk, softhsm: SoftHsm, ca_folder: Path, folder: Path, ref: str, when: str,
          step: Step) -> None:  # fmt: skip
    run_killed_child(
        softhsm,
        "kill_child",
        [desk.url, str(ca_folder), str(escrow_pem(folder)), ref, when, step.value],
        unreached=f"the run ended without reaching {when} {step}",
    )


def _resume(desk: Desk, tokens: Pkcs11TokenAdapter, reference: str) -> None:
    """What the desk does after the restart: resume the interrupted appointment, with the
    same token if the kiosk may go on with it, else with a new blank token."""
    [interrupted] = desk.appointments.interrupted()
    assert interrupted.dossier_ref == reference
    with desk.uow() as uow:
        record = uow.dossiers.get(reference)
        attempts = uow.journal.attempts(reference)
    assert record is not None
    appointment = desk.appointments.open(SESSION, record)
    appointment.identity_passed = appointment.photo_confirmed = appointment.answers_passed = True
    candidates = [a.token_serial for a in attempts[-1:] if a.token_serial] + [""]
    serial = next(
        s
        for s in candidates
        if desk.service.check_token(appointment, s).refusal is None
        and any(t.serial == s for t in tokens.list_tokens())
    )
    result = desk.service.personalise(appointment, serial, USER_PIN)
    desk.service.sign_acceptance(appointment, result.token_serial, USER_PIN, result.key_id, DIGEST)


def _assert_consistent(desk: Desk, tokens: Pkcs11TokenAdapter, reference: str) -> None:
    with desk.uow() as uow:
        found = uow.dossiers.get(reference)
        delivery = uow.deliveries.get(reference)
        attempts = uow.journal.attempts(reference)
        requests = uow.revocations.for_dossier(reference)
        events = list(uow.audit.events())
        open_leases = uow.appointments.open_leases()
        record = uow.token_register.get(delivery.token_serial) if delivery else None
    assert found is not None and found.state is DossierState.DELIVERED
    assert delivery is not None and record is not None
    assert live_certificates(attempts, requests) == [delivery.certificate_serial]
    delivered = [a for a in attempts if a.status is AttemptStatus.DELIVERED]
    assert [a.certificate.serial_hex for a in delivered if a.certificate] == [
        delivery.certificate_serial
    ]
    assert all(not a.status.open for a in attempts)
    issued_elsewhere = {a.certificate.serial_hex for a in attempts if a.certificate} - {
        delivery.certificate_serial
    }
    confirmed = {r.certificate_serial for r in requests if r.status is RevocationStatus.CONFIRMED}
    assert issued_elsewhere <= confirmed
    assert not [r for r in requests if r.status is RevocationStatus.PENDING]
    assert record.state is TokenState.DELIVERED and record.dossier_ref == reference
    on_token = tokens.read_certificate(delivery.token_serial, delivery.key_id)
    assert on_token is not None and delivered[0].certificate is not None
    assert on_token == delivered[0].certificate.cert_der
    assert open_leases == []
    assert verify_chain(events).ok


@pytest.mark.parametrize(("engine", "when", "step"), _points())
def test_a_run_killed_at_any_step_ends_consistent_after_the_restart(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    softhsm: SoftHsm,
    token_adapter: Pkcs11TokenAdapter,
    embedded_ca: EmbeddedCA,
    ca_folder: Path,
    engine: str,
    when: str,
    step: Step,
) -> None:
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'kiosk.db'}"
        upgrade(url)
    else:
        url = empty_test_database(request.getfixturevalue("postgres"))
    reference = unique_reference()
    desk = _desk(url, token_adapter, embedded_ca, reference)
    try:
        _kill(desk, softhsm, ca_folder, tmp_path, reference, when, step)
        _resume(desk, token_adapter, reference)
        _assert_consistent(desk, token_adapter, reference)
    finally:
        desk.uow.engine.dispose()
